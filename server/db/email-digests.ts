import type { Collection, Db, ObjectId } from 'mongodb';

/** One message a digest tells about. */
export interface DigestItem {
  roomId: string;
  seq: number;
  kind: 'mention' | 'reply';
}

/**
 * A digest waiting to be sent: one per user (`_id` is the user's), holding the mentions and replies that came while
 * they were away. Deleted once sent, so the collection holds only what is waiting.
 */
export interface DigestDocument {
  _id: ObjectId;
  siteId: string;
  items: DigestItem[];
  /** When its first and its latest message came: it is due a quiet period after the latest, at most a gap after the first. */
  firstAt: Date;
  lastAt: Date;
  /** A node is sending it, or it waits for a retry or for the user's gap between digests: nobody takes it before. */
  lockedUntil?: Date;
  /** Failed sends so far. */
  failures?: number;
}

/** The most messages one digest holds: later ones are left out (the digest says there is more in the chat). */
export const MAX_DIGEST_ITEMS = 50;

/** The digests waiting to be sent (server/email/digests.ts sends them). */
export class EmailDigestsRepository {
  private readonly digests: Collection<DigestDocument>;

  constructor(db: Db) {
    this.digests = db.collection<DigestDocument>('email_digests');
  }

  /** Adds a message to the user's waiting digest (started when there is none); by `_id`, one write. */
  async add(siteId: string, userId: ObjectId, item: DigestItem, at: Date): Promise<void> {
    await this.digests.updateOne(
      { _id: userId },
      { $push: { items: { $each: [item], $slice: MAX_DIGEST_ITEMS } }, $max: { lastAt: at }, $min: { firstAt: at }, $set: { siteId } },
      { upsert: true },
    );
  }

  /**
   * Every waiting digest (a read of the whole collection, which holds only what waits: one per user mentioned while
   * away in the last quiet period or so).
   */
  waiting(): Promise<DigestDocument[]> {
    return this.digests.find({}).toArray();
  }

  /** Takes the digest for sending until `until`, unless someone holds it; answers it as taken, or null. */
  lease(userId: ObjectId, now: Date, until: Date): Promise<DigestDocument | null> {
    return this.digests.findOneAndUpdate(
      { _id: userId, $or: [{ lockedUntil: { $exists: false } }, { lockedUntil: { $lte: now } }] },
      { $set: { lockedUntil: until } },
      { returnDocument: 'after' },
    );
  }

  /** Holds the digest until `until` (a retry, or the user's gap between digests); `failed` counts a failed send. */
  async postpone(userId: ObjectId, until: Date, failed: boolean): Promise<void> {
    await this.digests.updateOne({ _id: userId }, { $set: { lockedUntil: until }, ...(failed ? { $inc: { failures: 1 } } : {}) });
  }

  /**
   * The digest `sent` went out (or will never): removed, unless more came while it was sent, which then waits for the
   * next one (from now).
   */
  async done(sent: DigestDocument, now: Date): Promise<void> {
    const { deletedCount } = await this.digests.deleteOne({ _id: sent._id, lastAt: sent.lastAt });
    if (deletedCount === 1) return;
    await this.digests.updateOne({ _id: sent._id }, { $pullAll: { items: sent.items }, $set: { firstAt: now }, $unset: { lockedUntil: '', failures: '' } });
  }

  async deleteBySite(siteId: string): Promise<number> {
    return (await this.digests.deleteMany({ siteId })).deletedCount;
  }

  /** Forgets a user's waiting digest (they removed their address or were deleted). */
  async forget(userId: ObjectId): Promise<void> {
    await this.digests.deleteOne({ _id: userId });
  }
}
