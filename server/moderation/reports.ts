import type { Author, Message, Report, Role, ReportedMessage, ReportReason, ReportRequest, ResolveReportRequest, ResolveReportResponse } from '../../sdk/protocol';
import type { Repositories } from '../db';
import { type MessageDocument, presentMessage, presentToModerators } from '../db/messages';
import { presentReport, type ReportDocument } from '../db/reports';
import { outranks } from '../../sdk/roles';
import { forbidden, invalidInput, notFound } from '../errors';

/** Reports by this many users hide a message pending review, unless the site says otherwise. */
export const DEFAULT_HIDE_AFTER = 3;

export const REPORT_REASONS = ['spam', 'harassment', 'hate', 'sexual', 'violence', 'other'] as const satisfies readonly ReportReason[];

/** Who the moderation log names for what reports did by themselves (hiding a message). */
const REPORTS_ACTOR: Author = { id: 'reports', displayName: 'Reports' };
/** The reporter and actor of a message the word filter held. */
const WORD_FILTER_ACTOR: Author = { id: 'word-filter', displayName: 'Word filter' };

export interface ReportDeskOptions {
  repositories: Repositories;
  /** Tells the room's sockets, on every node, that a message changed (hidden, shown again, deleted); awaited. */
  announce: (siteId: string, message: Message) => Promise<void>;
  /** A report was filed (the message's open reports counted with it); awaited (webhooks queue it). */
  onFiled?: (siteId: string, filed: { roomId: string; seq: number; report: Report; reports: number }) => Promise<void>;
  /** Bans a user from the site as an admin's ban does (sessions end, sockets close), logged with `reason`. */
  ban: (siteId: string, actor: Author, userId: string, reason: string) => Promise<void>;
}

/**
 * Reports of messages: members and guests file them (socket `message:report`); reports by enough distinct users
 * hide a message pending review; moderators read the queue and resolve each message's reports (HTTP).
 */
export class ReportDesk {
  constructor(private readonly options: ReportDeskOptions) {}

  /** Files `reporter`'s report of someone else's message; hides the message once enough users reported it. */
  async file(siteId: string, reporter: Author, { roomId, seq, reason, details }: ReportRequest): Promise<ReportDocument> {
    const { messages, reports, sites, moderation } = this.options.repositories;
    const message = await messages.findBySeq(siteId, roomId, seq);
    if (!message || message.deletedAt) throw notFound('message');
    if (message.author.id === reporter.id) throw forbidden('you cannot report your own message');
    const report = await reports.add({ siteId, roomId, seq, reporter, reason, ...(details ? { details } : {}) });
    const count = await reports.openCount(siteId, roomId, seq);
    await this.options.onFiled?.(siteId, { roomId, seq, report: presentReport(report), reports: count });
    if (message.hiddenAt) return report;
    const hideAfter = (await sites.findById(siteId))?.reportHideAfter ?? DEFAULT_HIDE_AFTER;
    if (hideAfter === 0 || count < hideAfter) return report;
    // announced and logged once, by whichever report hid it
    const hidden = await messages.hide(siteId, roomId, seq);
    if (hidden) {
      await this.options.announce(siteId, presentMessage(hidden));
      const reason = `reported by ${count} users`;
      await moderation.record({ siteId, action: 'message.hide', actor: REPORTS_ACTOR, roomId, seq, targetUserId: message.author.id, reason });
    }
    return report;
  }

  /** Puts a message the word filter held (stored hidden) in the queue, naming the entries it matched; logged. */
  async hold(siteId: string, message: MessageDocument, entries: readonly string[]): Promise<void> {
    const { reports, moderation } = this.options.repositories;
    const { roomId, seq } = message;
    const details = `held by the word filter: ${entries.join(', ')}`.slice(0, 500);
    await reports.add({ siteId, roomId, seq, reporter: WORD_FILTER_ACTOR, reason: 'other', details });
    await moderation.record({ siteId, action: 'message.hide', actor: WORD_FILTER_ACTOR, roomId, seq, targetUserId: message.author.id, reason: details });
  }

  /** Messages with open reports, the most recently reported first, each with its text and its reports. */
  async queue(siteId: string): Promise<ReportedMessage[]> {
    const { messages, reports } = this.options.repositories;
    const byMessage = new Map<string, ReportDocument[]>();
    for (const report of await reports.open(siteId)) byMessage.set(report.messageKey, [...(byMessage.get(report.messageKey) ?? []), report]);
    const found = new Map((await messages.findByKeys([...byMessage.keys()])).map((message) => [message._id, message]));
    return [...byMessage].flatMap(([key, filed]) => {
      const message = found.get(key);
      return message ? [{ message: presentToModerators(message), reports: filed.map(presentReport) }] : [];
    });
  }

  /**
   * Closes the open reports of a message with `action`: `dismiss` keeps the message (shown again if hidden);
   * `delete` deletes it; `mute` and `ban` deal with its author and delete it too. Each is logged.
   */
  async resolve(siteId: string, actor: Author & { role: Role }, { roomId, seq, action, durationMs }: ResolveReportRequest): Promise<ResolveReportResponse> {
    const { messages, reports, rooms, moderation, users } = this.options.repositories;
    let message = await messages.findBySeq(siteId, roomId, seq);
    if (!message) throw notFound('message');
    const authorId = message.author.id;
    if ((action === 'mute' || action === 'ban') && authorId === actor.id) throw forbidden('you cannot do this to yourself');
    if (action === 'mute' || action === 'ban') {
      const author = await users.findById(siteId, authorId);
      if (author && !outranks(actor.role, author.role)) throw forbidden(`you cannot ${action} a user of your rank or above`);
    }
    const because = `reported: ${action}`;

    if (action === 'mute') {
      if (durationMs === undefined) throw invalidInput('durationMs', 'durationMs is required to mute');
      const until = new Date(Date.now() + durationMs);
      if (!(await rooms.mute(siteId, roomId, authorId, until))) throw notFound('room');
      await moderation.record({ siteId, action: 'user.mute', actor, roomId, targetUserId: authorId, until, reason: 'reported' });
    }
    if (action === 'ban') await this.options.ban(siteId, actor, authorId, 'reported');
    if (action === 'dismiss') {
      const shown = await messages.unhide(siteId, roomId, seq);
      if (shown) await this.options.announce(siteId, presentMessage((message = shown)));
      await moderation.record({ siteId, action: 'report.dismiss', actor, roomId, seq, targetUserId: authorId });
    } else {
      const deleted = await messages.delete(siteId, roomId, seq, actor.id);
      if (deleted) {
        await this.options.announce(siteId, presentMessage((message = deleted)));
        await moderation.record({ siteId, action: 'message.delete', actor, roomId, seq, targetUserId: authorId, reason: because });
      }
    }
    const resolved = await reports.resolve(siteId, roomId, seq, action, actor.id);
    return { resolved, message: presentToModerators(message) };
  }
}
