import type { Collection, Db } from 'mongodb';
import { isDuplicateKey } from '../errors';

/** A solved proof-of-work challenge that was used: `_id` is its signature, kept until the challenge expires. */
export interface UsedProofDocument {
  _id: string;
  expiresAt: Date;
}

/** Which proof-of-work challenges were spent, so one solution buys one sign-up, on every node. */
export class ProofsRepository {
  private readonly proofs: Collection<UsedProofDocument>;

  constructor(db: Db) {
    this.proofs = db.collection<UsedProofDocument>('used_proofs');
  }

  /** Marks the challenge as spent; false when it already was (a replay). */
  async spend(signature: string, expiresAt: Date): Promise<boolean> {
    try {
      await this.proofs.insertOne({ _id: signature, expiresAt });
      return true;
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw error;
    }
  }

  /** Forgets challenges past their expiry: they cannot be verified again anyway (swept like sessions). */
  async sweep(now = new Date()): Promise<number> {
    return (await this.proofs.deleteMany({ expiresAt: { $lte: now } })).deletedCount;
  }
}
