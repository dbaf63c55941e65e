import type { ActivityCounts, SiteActivityRepository } from '../db/site-activity';
import type { Logger } from 'pino';

/** How often a node adds what it counted to the database. */
export const ACTIVITY_FLUSH_MS = 5_000;

/** The UTC day of a moment, as `YYYY-MM-DD`. */
export const dayOf = (at: Date) => at.toISOString().slice(0, 10);

/**
 * Counts the messages this node stores, per site and UTC day (messages, distinct authors, messages per room), and
 * adds them to the database every few seconds: a write per site and day per flush, never one per message on the
 * send path. Analytics only: a node that dies loses at most its last few seconds of counts.
 */
export class SiteActivity {
  private pending = new Map<string, { siteId: string; day: string; messages: number; authors: Set<string>; rooms: Map<string, number> }>();
  private readonly timer: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly repository: SiteActivityRepository,
    private readonly log: Logger,
    flushMs = ACTIVITY_FLUSH_MS,
  ) {
    this.timer = setInterval(() => void this.flush(), flushMs);
    this.timer.unref();
  }

  count(message: { siteId: string; roomId: string; author: { id: string }; createdAt: Date }): void {
    const day = dayOf(message.createdAt);
    const key = `${message.siteId}:${day}`;
    let counts = this.pending.get(key);
    if (!counts) this.pending.set(key, (counts = { siteId: message.siteId, day, messages: 0, authors: new Set(), rooms: new Map() }));
    counts.messages += 1;
    counts.authors.add(message.author.id);
    counts.rooms.set(message.roomId, (counts.rooms.get(message.roomId) ?? 0) + 1);
  }

  /** Adds what was counted so far to the database; one flush at a time, counts taken while one runs wait for the next. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      if (this.pending.size === 0) return;
      const counts: ActivityCounts[] = [...this.pending.values()];
      this.pending = new Map();
      await this.repository.add(counts).catch((error: unknown) => this.log.warn({ err: error, sites: counts.length }, 'adding site activity failed; these counts are lost'));
    });
    return this.flushing;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}
