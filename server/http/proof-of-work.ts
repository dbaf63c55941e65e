import { createHmac } from 'node:crypto';
// ALTCHA's first challenge format (SHA-256 of salt + number), which the SDK's solver speaks; altcha-lib 2 keeps it here
import { createChallenge, extractParams, verifySolution } from 'altcha-lib/v1';
import { z } from 'zod';
import type { ProofOfWorkChallenge } from '../../sdk/protocol';
import type { ProofsRepository } from '../db/proofs';
import { AppError } from '../errors';

/** A solved challenge in a sign-up's body; optional in the schema, required by `verify` when proof-of-work is on. */
export const proofSchema = z.string({ error: 'proof must be a string' }).max(2_000, { error: 'proof must be at most 2000 characters' }).optional();

/** How long a challenge may be solved and used. */
const CHALLENGE_MS = 10 * 60_000;

export interface ProofOfWorkOptions {
  enabled: boolean;
  /** The highest number a challenge may hide: its cost, about half of it in SHA-256 hashes on average. */
  maxNumber: number;
  /** PROOF_OF_WORK_KEY: the key challenges are signed with; unset, one derived from the session keys. */
  key?: string | undefined;
  /** Where the key comes from when none is given: every node with the same session keys verifies the others' challenges. */
  sessionKeys: readonly string[];
  proofs: Pick<ProofsRepository, 'spend'>;
}

/**
 * Bot protection for sign-up with no third party: a self-hosted proof-of-work challenge in ALTCHA's format
 * (altcha-lib creates and verifies it), signed, expiring, and good for one sign-up on any node.
 */
export class ProofOfWork {
  private readonly hmacKey: string;

  constructor(private readonly options: ProofOfWorkOptions) {
    this.hmacKey = options.key ?? createHmac('sha256', options.sessionKeys[0] ?? '').update('parley proof-of-work').digest('hex');
  }

  /** Whether sign-up needs a proof (PROOF_OF_WORK=on). */
  get enabled(): boolean {
    return this.options.enabled;
  }

  /** A new challenge, or null when sign-up needs none. */
  async challenge(now = Date.now()): Promise<ProofOfWorkChallenge | null> {
    if (!this.options.enabled) return null;
    const { challenge, salt, signature } = await createChallenge({
      algorithm: 'SHA-256',
      hmacKey: this.hmacKey,
      maxnumber: this.options.maxNumber,
      expires: new Date(now + CHALLENGE_MS),
    });
    return { algorithm: 'SHA-256', challenge, maxnumber: this.options.maxNumber, salt, signature };
  }

  /** Throws `invalid_input` on `proof` unless it solves a challenge of ours, unexpired and not used before. */
  async verify(proof: string | undefined): Promise<void> {
    if (!this.options.enabled) return;
    if (!proof) throw refusal('solve a proof-of-work challenge (GET /challenge) and send it as proof');
    const payload = decode(proof);
    // altcha-lib checks the hash, the signature and the expiry in the salt
    if (!payload || !(await verifySolution(payload, this.hmacKey, true))) throw refusal('the proof of work is wrong or has expired: solve a new challenge');
    const expires = Number(extractParams(payload).expires);
    if (!(await this.options.proofs.spend(payload.signature, new Date(expires * 1000)))) throw refusal('this proof of work was used already: solve a new challenge');
  }
}

interface Payload {
  algorithm: 'SHA-256';
  challenge: string;
  number: number;
  salt: string;
  signature: string;
}

/** The payload inside a proof, or null when it is not one (base64 of a JSON object with the five fields). */
function decode(proof: string): Payload | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(proof, 'base64').toString('utf8'));
    if (typeof value !== 'object' || value === null) return null;
    const { algorithm, challenge, number, salt, signature } = value as Record<string, unknown>;
    if (algorithm !== 'SHA-256' || typeof challenge !== 'string' || typeof salt !== 'string' || typeof signature !== 'string') return null;
    if (typeof number !== 'number' || !Number.isSafeInteger(number) || number < 0) return null;
    // a salt without an expiry never expires: not one of ours
    if (!/[?&]expires=\d+&/.test(salt)) return null;
    return { algorithm, challenge, number, salt, signature };
  } catch {
    return null;
  }
}

const refusal = (message: string) => new AppError('invalid_input', message, 'proof');
