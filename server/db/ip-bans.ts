import { createHmac } from 'node:crypto';
import type { Collection, Db } from 'mongodb';

/**
 * A banned guest's network address, as a keyed hash (never the address): `_id` is `<site>:<hash>`, read by `_id`
 * when someone signs up, so a guest who picks a new name stays banned until `until`.
 */
export interface IpBanDocument {
  _id: string;
  siteId: string;
  until: Date;
}

/** The keyed hash of an address: HMAC-SHA256 under a server key, so the stored value cannot be turned back into it. */
export function hashAddress(key: string, address: string): string {
  return createHmac('sha256', key).update(address).digest('base64url');
}

export class IpBansRepository {
  private readonly bans: Collection<IpBanDocument>;

  constructor(db: Db) {
    this.bans = db.collection<IpBanDocument>('ip_bans');
  }

  /** Bans the address until `until` (a longer ban already there stays). */
  async ban(siteId: string, ipHash: string, until: Date): Promise<void> {
    await this.bans.updateOne({ _id: `${siteId}:${ipHash}` }, { $max: { until }, $setOnInsert: { siteId } }, { upsert: true });
  }

  /** Until when the address is banned from the site; null when it is not. */
  async bannedUntil(siteId: string, ipHash: string, now = new Date()): Promise<Date | null> {
    const ban = await this.bans.findOne({ _id: `${siteId}:${ipHash}` });
    return ban && ban.until > now ? ban.until : null;
  }

  /** Lifts the bans of these addresses (a guest unbanned). */
  async lift(siteId: string, ipHash: string): Promise<void> {
    await this.bans.deleteOne({ _id: `${siteId}:${ipHash}` });
  }

  /** Deletes expired bans (no TTL index on FerretDB v1: swept like sessions). */
  async sweep(now = new Date()): Promise<number> {
    return (await this.bans.deleteMany({ until: { $lte: now } })).deletedCount;
  }

  async deleteBySite(siteId: string): Promise<number> {
    return (await this.bans.deleteMany({ _id: { $gt: `${siteId}:`, $lt: `${siteId};` } })).deletedCount;
  }
}
