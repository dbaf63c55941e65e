import type { Collection, Db } from 'mongodb';
import { isDuplicateKey } from '../errors';

/** A periodic job's turn: `_id` is the job's name; whoever moves `nextRunAt` past now runs it this time. */
interface JobDocument {
  _id: string;
  nextRunAt: Date;
  lastRunAt?: Date;
}

/** Periodic jobs that one node at a time runs (retention): their turns, taken by a conditional write on `_id`. */
export class JobsRepository {
  private readonly jobs: Collection<JobDocument>;

  constructor(db: Db) {
    this.jobs = db.collection<JobDocument>('jobs');
  }

  /**
   * Takes the job's turn when it is due (or never ran), pushing the next one `everyMs` on: true for exactly one
   * caller among nodes asking at once, false for the rest and until the next turn.
   */
  async takeTurn(name: string, now: Date, everyMs: number): Promise<boolean> {
    const next = new Date(now.getTime() + everyMs);
    const taken = await this.jobs.findOneAndUpdate({ _id: name, nextRunAt: { $lte: now } }, { $set: { nextRunAt: next, lastRunAt: now } });
    if (taken) return true;
    try {
      // never ran: the first insert wins; a job that exists but is not due fails here too (duplicate key)
      await this.jobs.insertOne({ _id: name, nextRunAt: next, lastRunAt: now });
      return true;
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw error;
    }
  }
}
