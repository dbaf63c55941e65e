import { type Collection, type Db, type Filter, ObjectId } from 'mongodb';
import type { Author, ModerationAction, ModerationActionType } from '../../sdk/protocol';

export interface ModerationDocument {
  _id: ObjectId;
  siteId: string;
  action: ModerationActionType;
  actor: Author;
  roomId?: string;
  targetUserId?: string;
  seq?: number;
  reason?: string;
  until?: Date;
  createdAt: Date;
}

/** Which entries of the log to list: all of those given must match. */
export interface ModerationFilter {
  action?: ModerationActionType;
  actorId?: string;
  targetUserId?: string;
}

export type ModerationEntry = Omit<ModerationDocument, '_id' | 'createdAt'>;

export const presentModeration = (entry: ModerationDocument): ModerationAction => ({
  id: entry._id.toHexString(),
  action: entry.action,
  actor: { id: entry.actor.id, displayName: entry.actor.displayName },
  ...(entry.roomId === undefined ? {} : { roomId: entry.roomId }),
  ...(entry.targetUserId === undefined ? {} : { targetUserId: entry.targetUserId }),
  ...(entry.seq === undefined ? {} : { seq: entry.seq }),
  ...(entry.reason === undefined ? {} : { reason: entry.reason }),
  ...(entry.until === undefined ? {} : { until: entry.until.toISOString() }),
  createdAt: entry.createdAt.toISOString(),
});

/** The moderation log: every admin action, who did it, to whom and when. Append-only. */
export class ModerationRepository {
  private readonly log: Collection<ModerationDocument>;

  constructor(db: Db) {
    this.log = db.collection<ModerationDocument>('moderation');
  }

  private readonly observers: Array<(entry: ModerationDocument) => Promise<void>> = [];

  /** Called with each entry once it is stored, and awaited (webhooks queue it before the action is answered). */
  observe(observer: (entry: ModerationDocument) => Promise<void>): void {
    this.observers.push(observer);
  }

  async record(entry: ModerationEntry): Promise<void> {
    const document = { _id: new ObjectId(), ...entry, createdAt: new Date() };
    await this.log.insertOne(document);
    for (const observer of this.observers) await observer(document);
  }

  /**
   * Newest first; `before` is the id of the last entry of the previous page. Served by the {siteId, _id} index; the
   * optional filters are checked beside it (the log is small: a few entries per moderator action).
   */
  list(siteId: string, before: string | undefined, limit: number, only: ModerationFilter = {}): Promise<ModerationDocument[]> {
    const filter: Filter<ModerationDocument> = before && ObjectId.isValid(before) ? { siteId, _id: { $lt: new ObjectId(before) } } : { siteId };
    if (only.action !== undefined) filter.action = only.action;
    if (only.actorId !== undefined) filter['actor.id'] = only.actorId;
    if (only.targetUserId !== undefined) filter.targetUserId = only.targetUserId;
    return this.log.find(filter).sort({ _id: -1 }).limit(limit).toArray();
  }

  /** The log keeps what a user did and what was done to them, without their name (their account is erased). */
  async forgetName(siteId: string, userId: string): Promise<void> {
    await this.log.updateMany({ siteId, 'actor.id': userId }, { $set: { 'actor.displayName': '' } });
  }

  async deleteBySite(siteId: string): Promise<number> {
    return (await this.log.deleteMany({ siteId })).deletedCount;
  }
}
