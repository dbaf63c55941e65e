import type { Collection, Db } from 'mongodb';
import type { Author, Report, ReportReason } from '../../sdk/protocol';
import { isDuplicateKey } from '../errors';
import { messageKey } from './messages';

/**
 * One user's report of one message: `_id` is `<message key>:<reporter id>`, so a user reports a message once
 * (reporting again replaces the reason) and reports by distinct users are counted by counting documents.
 */
export interface ReportDocument {
  _id: string;
  siteId: string;
  roomId: string;
  seq: number;
  messageKey: string;
  reporter: Author;
  reason: ReportReason;
  details?: string;
  status: 'open' | 'resolved';
  createdAt: Date;
  resolvedAt?: Date;
  resolvedBy?: string;
  resolution?: string;
}

export type NewReport = Pick<ReportDocument, 'siteId' | 'roomId' | 'seq' | 'reporter' | 'reason' | 'details'>;

// the queue's longest read: open reports beyond this many wait for the ones before them to be resolved
const QUEUE_READ_LIMIT = 1_000;

export const presentReport = (report: ReportDocument): Report => ({
  reporter: { id: report.reporter.id, displayName: report.reporter.displayName },
  reason: report.reason,
  ...(report.details ? { details: report.details } : {}),
  createdAt: report.createdAt.toISOString(),
});

export class ReportsRepository {
  private readonly reports: Collection<ReportDocument>;

  constructor(db: Db) {
    this.reports = db.collection<ReportDocument>('reports');
  }

  /** Files a report, open, or replaces this user's earlier one of the same message (and opens it again). */
  async add(input: NewReport): Promise<ReportDocument> {
    const { details, ...rest } = input;
    const key = messageKey(input.siteId, input.roomId, input.seq);
    const report: ReportDocument = { _id: `${key}:${input.reporter.id}`, ...rest, ...(details ? { details } : {}), messageKey: key, status: 'open', createdAt: new Date() };
    const replace = () => this.reports.replaceOne({ _id: report._id }, report, { upsert: true });
    // two of one user's reports at once: one upsert inserts, the other finds it and replaces it
    await replace().catch((error: unknown) => (isDuplicateKey(error) ? replace() : Promise.reject(error)));
    return report;
  }

  /** How many users have an open report of the message. */
  openCount(siteId: string, roomId: string, seq: number): Promise<number> {
    return this.reports.countDocuments({ messageKey: messageKey(siteId, roomId, seq), status: 'open' });
  }

  /** The site's open reports, newest first (up to a thousand). */
  open(siteId: string): Promise<ReportDocument[]> {
    return this.reports.find({ siteId, status: 'open' }).sort({ createdAt: -1 }).limit(QUEUE_READ_LIMIT).toArray();
  }

  /** Closes every open report of a message; answers how many. */
  async resolve(siteId: string, roomId: string, seq: number, resolution: string, resolvedBy: string): Promise<number> {
    const { modifiedCount } = await this.reports.updateMany(
      { messageKey: messageKey(siteId, roomId, seq), status: 'open' },
      { $set: { status: 'resolved', resolution, resolvedBy, resolvedAt: new Date() } },
    );
    return modifiedCount;
  }

  async deleteBySite(siteId: string): Promise<number> {
    return (await this.reports.deleteMany({ siteId })).deletedCount;
  }

  /** The reports a user filed on the site (a data export). */
  byReporter(siteId: string, userId: string): Promise<ReportDocument[]> {
    return this.reports.find({ siteId, 'reporter.id': userId }).sort({ createdAt: 1 }).toArray();
  }

  /** A user's reports stay counted, without their name or words (their account is erased). */
  async forgetReporter(siteId: string, userId: string): Promise<void> {
    await this.reports.updateMany({ siteId, 'reporter.id': userId }, { $set: { 'reporter.displayName': '' }, $unset: { details: '' } });
  }
}
