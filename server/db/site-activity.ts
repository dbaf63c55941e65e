import type { Collection, Db } from 'mongodb';

/**
 * A site's activity on one UTC day: messages stored, who wrote them, and messages per room. `_id` is
 * `<site>:<YYYY-MM-DD>`, so the Overview's 30 days are 30 keys, read by `_id` on every database.
 */
export interface SiteActivityDocument {
  _id: string;
  siteId: string;
  day: string;
  messages: number;
  /** The ids of the users who wrote that day (distinct: `$addToSet`). */
  authors: string[];
  /** Messages per room id. */
  rooms: Record<string, number>;
}

/** What one node counted for a site and a day since its last flush. */
export interface ActivityCounts {
  siteId: string;
  day: string;
  messages: number;
  authors: ReadonlySet<string>;
  rooms: ReadonlyMap<string, number>;
}

export const activityKey = (siteId: string, day: string) => `${siteId}:${day}`;

export class SiteActivityRepository {
  private readonly days: Collection<SiteActivityDocument>;

  constructor(db: Db) {
    this.days = db.collection<SiteActivityDocument>('site_activity');
  }

  /** Adds a node's counts to the days' documents: one upsert per site and day, by `_id`. */
  async add(counts: readonly ActivityCounts[]): Promise<void> {
    if (counts.length === 0) return;
    await this.days.bulkWrite(
      counts.map(({ siteId, day, messages, authors, rooms }) => ({
        updateOne: {
          filter: { _id: activityKey(siteId, day) },
          update: {
            $setOnInsert: { siteId, day },
            // room ids are 1–40 of a-z, 0-9 and -: safe as field names
            $inc: { messages, ...Object.fromEntries([...rooms].map(([roomId, count]) => [`rooms.${roomId}`, count])) },
            $addToSet: { authors: { $each: [...authors] } },
          },
          upsert: true,
        },
      })),
      { ordered: false },
    );
  }

  /** The site's documents for these days (missing days: nothing was written). */
  find(siteId: string, days: readonly string[]): Promise<SiteActivityDocument[]> {
    return this.days.find({ _id: { $in: days.map((day) => activityKey(siteId, day)) } }).toArray();
  }

  async deleteBySite(siteId: string): Promise<void> {
    await this.days.deleteMany({ siteId });
  }
}
