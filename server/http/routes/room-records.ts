import { Readable } from 'node:stream';
import type Router from '@koa/router';
import { z } from 'zod';
import type { Message, TranscriptExportQuery, TranscriptResponse } from '../../../sdk/protocol';
import type { Repositories } from '../../db';
import { type MessageDocument, type MessagesRepository, presentMessage, presentToModerators } from '../../db/messages';
import { notFound } from '../../errors';
import { parseInput } from '../../validation';
import { createRouter } from '../router';
import { type ApiState, requireModerator } from '../require-user';
import { removeAttachments } from '../../hub/messages';
import { actorOf, parseRoomId } from './rooms';

const DAY_MS = 24 * 60 * 60 * 1000;
/** The longest export: a year, leap day included. */
export const MAX_EXPORT_DAYS = 366;
/** Messages read per round trip of an export (keys per `$in`: docs/decisions.md). */
const EXPORT_PAGE = 100;
// keys one probe of the day's first message reads at once: a few seqs never stored do not stop the search
const PROBE_KEYS = 8;

const DAY_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

/** A UTC day as `YYYY-MM-DD` that names a real date (2024-02-30 does not). */
const daySchema = (field: string) =>
  z
    .string({ error: `${field} must be a date (YYYY-MM-DD)` })
    .regex(DAY_PATTERN, `${field} must be a date (YYYY-MM-DD)`)
    .refine((value) => {
      const time = Date.parse(`${value}T00:00:00Z`);
      return Number.isFinite(time) && new Date(time).toISOString().startsWith(value);
    }, `${field} is not a real date`);

export const transcriptQuerySchema = z.strictObject({
  day: daySchema('day'),
  after: z.coerce.number({ error: 'after must be a number' }).int('after must be a whole number').min(0, 'after must be 0 or more').default(0),
  limit: z.coerce.number({ error: 'limit must be a number' }).int('limit must be a whole number').min(1, 'limit must be 1–200').max(200, 'limit must be 1–200').default(100),
});

export const exportQuerySchema = z
  .strictObject({
    from: daySchema('from'),
    to: daySchema('to'),
    format: z.enum(['json', 'csv'], { error: 'format must be "json" or "csv"' }),
  })
  .refine(({ from, to }) => from <= to, { error: 'to must be the same day as from or later', path: ['to'] })
  .refine(({ from, to }) => (startOf(to) - startOf(from)) / DAY_MS < MAX_EXPORT_DAYS, { error: `the range may span at most ${MAX_EXPORT_DAYS} days`, path: ['to'] }) satisfies z.ZodType<
  TranscriptExportQuery,
  unknown
>;

/** A seq in a path: a positive whole number, else there is no such message. */
function parseSeq(value: string | undefined): number {
  const parsed = seqParamSchema.safeParse(value);
  if (!parsed.success) throw notFound('message');
  return parsed.data;
}

const seqParamSchema = z.string().regex(/^[1-9]\d{0,14}$/).transform(Number);

const startOf = (day: string) => Date.parse(`${day}T00:00:00Z`);

export interface RoomRecordsRoutesOptions {
  repositories: Repositories;
  /** Tells the room's sockets, on every node, that a message changed (the hub's `messageUpdated`). */
  onMessageUpdated: (siteId: string, message: Message) => Promise<void>;
}

/** Moderators and up: read a room's messages by day, export a range of days, delete any message. */
export function roomRecordsRoutes({ repositories, onMessageUpdated }: RoomRecordsRoutesOptions): Router<ApiState> {
  const { users, rooms, messages, moderation } = repositories;
  const router = createRouter<ApiState>('/api/sites/:siteId/rooms/:roomId');
  const moderator = requireModerator(users);

  /** The room's counter, or not_found for a room the site does not have. */
  async function lastSeqOf(siteId: string, roomIdParam: string | undefined): Promise<{ roomId: string; lastSeq: number }> {
    const roomId = parseRoomId(roomIdParam);
    const room = await rooms.find(siteId, roomId);
    if (!room) throw notFound('room');
    return { roomId, lastSeq: room.lastSeq };
  }

  router.get('/transcript', moderator, async (ctx) => {
    const { day, after, limit } = parseInput(transcriptQuerySchema, ctx.query);
    const siteId = ctx.state.site._id;
    const { roomId, lastSeq } = await lastSeqOf(siteId, ctx.params.roomId);
    const dayStart = startOf(day);
    const first = await firstSeqFrom(messages, siteId, roomId, after + 1, lastSeq, dayStart);
    // one more than the page, to know whether the day goes on
    const found = first > lastSeq ? [] : await messages.after(siteId, roomId, first - 1, lastSeq, limit + 1);
    const ofDay = found.filter((message) => message.createdAt.getTime() < dayStart + DAY_MS);
    const page = ofDay.slice(0, limit);
    ctx.body = {
      messages: page.map(presentToModerators),
      next: ofDay.length > limit ? page[page.length - 1]!.seq : null,
    } satisfies TranscriptResponse;
  });

  router.get('/export', moderator, async (ctx) => {
    const { from, to, format } = parseInput(exportQuerySchema, ctx.query);
    const { site, user } = ctx.state;
    const { roomId, lastSeq } = await lastSeqOf(site._id, ctx.params.roomId);
    // a HEAD asks about the download without taking it: nothing to log
    if (ctx.method === 'GET') await moderation.record({ siteId: site._id, action: 'transcript.export', actor: actorOf(user), roomId, reason: `${from} to ${to}, ${format}` });
    const range = { from: startOf(from), until: startOf(to) + DAY_MS };
    const pages = messagesIn(messages, site._id, roomId, lastSeq, range);
    ctx.set('Content-Disposition', `attachment; filename="${site._id}-${roomId}-${from}-${to}.${format}"`);
    ctx.type = format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8';
    // page by page: the range is never held in memory, and the download starts at once
    ctx.body = Readable.from(format === 'csv' ? csvOf(pages) : jsonOf(pages));
  });

  router.delete('/messages/:seq', moderator, async (ctx) => {
    const { site, user } = ctx.state;
    const roomId = parseRoomId(ctx.params.roomId);
    const seq = parseSeq(ctx.params.seq);
    const message = await messages.findBySeq(site._id, roomId, seq);
    if (!message) throw notFound('message');
    if (!message.deletedAt) {
      // as a moderator's delete over the socket: a tombstone, logged, and told to the room on every node
      const deleted = await messages.delete(site._id, roomId, seq, actorOf(user).id);
      if (deleted) {
        await moderation.record({ siteId: site._id, action: 'message.delete', actor: actorOf(user), roomId, seq, targetUserId: message.author.id });
        await onMessageUpdated(site._id, presentMessage(deleted));
        await removeAttachments(repositories.uploads, message, ctx.log);
      }
    }
    ctx.status = 204;
  });

  return router;
}

/**
 * The lowest seq from `low` whose message was stored at or after `since`, or lastSeq + 1 when none was: a binary
 * search over seqs (createdAt grows with seq), each probe a read of a few keys by `_id`, never a scan by time.
 */
export async function firstSeqFrom(messages: MessagesRepository, siteId: string, roomId: string, low: number, lastSeq: number, since: number): Promise<number> {
  let lo = Math.max(1, low);
  let hi = lastSeq + 1;
  // the first probe is at `lo`: a page after one of the same day is found at once
  let probe = lo;
  while (lo < hi) {
    const found = await firstStoredFrom(messages, siteId, roomId, probe, hi - 1);
    if (!found || found.createdAt.getTime() >= since) hi = probe;
    else lo = found.seq + 1;
    probe = Math.floor((lo + hi) / 2);
  }
  return lo;
}

/** The first message stored at `from` or later, up to `to`, a few keys at a time. */
async function firstStoredFrom(messages: MessagesRepository, siteId: string, roomId: string, from: number, to: number): Promise<MessageDocument | undefined> {
  for (let start = from; start <= to; start += PROBE_KEYS) {
    const seqs = Array.from({ length: Math.min(PROBE_KEYS, to - start + 1) }, (_, k) => start + k);
    const found = await messages.findBySeqs(siteId, roomId, seqs);
    if (found.length > 0) return found.reduce((lowest, message) => (message.seq < lowest.seq ? message : lowest));
  }
  return undefined;
}

/** The room's messages stored in [from, until), a page at a time, oldest first. */
async function* messagesIn(messages: MessagesRepository, siteId: string, roomId: string, lastSeq: number, { from, until }: { from: number; until: number }): AsyncGenerator<Message[]> {
  let after = (await firstSeqFrom(messages, siteId, roomId, 1, lastSeq, from)) - 1;
  while (after < lastSeq) {
    const page = await messages.after(siteId, roomId, after, lastSeq, EXPORT_PAGE);
    if (page.length === 0) return;
    const inRange = page.filter((message) => message.createdAt.getTime() < until);
    if (inRange.length > 0) yield inRange.map(presentToModerators);
    if (inRange.length < page.length) return;
    after = page[page.length - 1]!.seq;
  }
}

/** One JSON array, written as the pages come. */
async function* jsonOf(pages: AsyncIterable<Message[]>): AsyncGenerator<string> {
  let first = true;
  yield '[';
  for await (const page of pages) {
    const items = page.map((message) => JSON.stringify(message)).join(',\n');
    yield `${first ? '\n' : ',\n'}${items}`;
    first = false;
  }
  yield '\n]\n';
}

export const CSV_HEADER = ['seq', 'time', 'author id', 'author name', 'text', 'edited', 'deleted'] as const;

/** A CSV with a header row (RFC 4180, CRLF), written as the pages come. */
async function* csvOf(pages: AsyncIterable<Message[]>): AsyncGenerator<string> {
  yield csvRow(CSV_HEADER);
  for await (const page of pages) {
    yield page
      .map((message) =>
        csvRow([String(message.seq), message.createdAt, message.author.id, message.author.displayName, message.text, message.editedAt ?? '', message.deletedAt ?? '']),
      )
      .join('');
  }
}

export const csvRow = (cells: readonly string[]) => `${cells.map(csvCell).join(',')}\r\n`;

/**
 * One cell: text a spreadsheet would run as a formula (starting with = + - @, a tab or a carriage return) gets a
 * leading `'`; then quoted when it holds a quote, comma or line break, quotes doubled (RFC 4180).
 */
export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
