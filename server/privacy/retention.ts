import type { Logger } from 'pino';
import type { Repositories } from '../db';
import { settingsOf } from '../db/sites';

const DAY_MS = 24 * 60 * 60 * 1000;
const JOB = 'retention';

/**
 * Retention: for each site with `retentionDays`, the messages older than that become tombstones without text, images,
 * reactions or author name (seq kept, so history stays gap-free), once a day, on one node at a time (the job's turn
 * in the database). Nothing is announced: readers see it on their next load; webhooks get no event per message.
 */
export class Retention {
  constructor(
    private readonly repositories: Repositories,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** Runs when this node takes the day's turn; answers how many messages it erased, or null when not its turn. */
  async runIfDue(): Promise<number | null> {
    if (!(await this.repositories.jobs.takeTurn(JOB, new Date(this.now()), DAY_MS))) return null;
    return this.run();
  }

  /** Erases what every site's retention says is too old, now. */
  async run(): Promise<number> {
    let erased = 0;
    for (const site of await this.repositories.sites.list()) {
      const { retentionDays } = settingsOf(site);
      if (!retentionDays) continue;
      const cutoff = new Date(this.now() - retentionDays * DAY_MS);
      let count = 0;
      await this.repositories.messages.forEachOfSite(
        site._id,
        async (message) => {
          const images = message.attachments?.map((attachment) => attachment.id) ?? [];
          if (images.length > 0) await this.repositories.uploads.remove(images);
          if (await this.repositories.messages.erase(message, 'retention')) count += 1;
        },
        { createdAt: { $lt: cutoff }, erasedAt: { $exists: false } },
      );
      if (count > 0) this.log.info({ siteId: site._id, erased: count, retentionDays }, 'retention erased old messages');
      erased += count;
    }
    return erased;
  }
}
