import type { Logger } from 'pino';
import { z } from 'zod';
import type { HistoryRequest, HistoryResult, JoinRequest, JoinResult, Message, RoomRequest } from '../../sdk/protocol';
import type { Repositories } from '../db';
import { type MessageDocument, presentMessage } from '../db/messages';
import { presentRoom } from '../db/rooms';
import { forbidden, notFound, unauthorized, unavailable } from '../errors';
import { mayRead, type SiteSettingsCache } from '../moderation/site-settings';
import { limits, parseInput, roomIdSchema } from '../validation';
import { withAck } from './ack';
import type { Presence } from './presence';
import type { RoomRequestLimiter } from './send-limit';
import { type HubSocket, roomChannel, roomOfChannel, signedIn } from './types';

export const roomRequestSchema = z.strictObject({ roomId: roomIdSchema }) satisfies z.ZodType<RoomRequest, unknown>;
const joinRequestSchema = z.strictObject({
  roomId: roomIdSchema,
  afterSeq: z.number({ error: 'afterSeq must be a number' }).int().min(0).optional(),
}) satisfies z.ZodType<JoinRequest, unknown>;
const historyRequestSchema = z.strictObject({
  roomId: roomIdSchema,
  before: z.number({ error: 'before must be a number' }).int().min(1).optional(),
  limit: z.number({ error: 'limit must be a number' }).int().min(1).max(limits.historyPageSize).default(50),
}) satisfies z.ZodType<HistoryRequest, unknown>;

/** Throws unless the socket has joined the room: membership is the socket's, not the client's word. */
export function assertJoined(socket: HubSocket, roomId: string): void {
  if (!socket.rooms.has(roomChannel(socket.data.siteId, roomId))) throw forbidden('join the room first');
}

/**
 * The messages that fit one answer: whole messages, in the given order, until the next one would take the answer
 * past `limits.pageBytes` of JSON (at least one, which is at most ~16 KB). `cut` says some were left for later.
 */
export function fitPage(messages: readonly MessageDocument[]): { messages: Message[]; cut: boolean } {
  const page: Message[] = [];
  let bytes = 0;
  for (const document of messages) {
    const message = presentMessage(document);
    bytes += Buffer.byteLength(JSON.stringify(message)) + 1;
    if (page.length > 0 && bytes > limits.pageBytes) return { messages: page, cut: true };
    page.push(message);
  }
  return { messages: page, cut: false };
}

/**
 * room:join, room:leave, room:history — and presence when a socket goes away. A reader's socket (no account) may
 * join the rooms whose access lets anyone read; it is in no online list.
 */
export function registerRoomHandlers(
  socket: HubSocket,
  { repositories, presence, siteSettings }: { repositories: Repositories; presence: Presence; siteSettings: SiteSettingsCache },
  limiter: RoomRequestLimiter,
  log: Logger,
): void {
  const { siteId, user } = socket.data;
  const member = signedIn(socket);
  // every room request reads the database and may answer a page of messages: counted before any work
  const count = () => limiter.consume(siteId, user?.id ?? `reader:${socket.id}`, socket.id);
  // one socket's room requests run one at a time, in the order sent: presence never sees a join and a leave
  // interleaved, and a socket holds at most one page read in memory (at most the limit's worth wait here: the point
  // is taken before a request joins the line)
  let line: Promise<unknown> = Promise.resolve();
  const inOrder = <T>(work: () => Promise<T>): Promise<T> => {
    // a socket dropped meanwhile (one that stopped reading, say) gets no more pages read for it
    const unlessGone = () => (socket.connected ? work() : Promise.reject(unavailable('the connection was closed')));
    const done = line.then(unlessGone, unlessGone);
    line = done.catch(() => undefined);
    return done;
  };

  socket.on(
    'room:join',
    withAck(log, 'room:join', async (payload): Promise<JoinResult> => {
      const { roomId, afterSeq } = parseInput(joinRequestSchema, payload);
      await count();
      return inOrder(async () => {
        // joined before the room's counter is read: a message with a higher seq is taken after the join, so arrives
        // live; one at or below it is stored before it is sent, so is in the page or arrives live (the SDK keeps
        // what arrives before this answer, and drops repeats by seq)
        // what may be read is checked before the socket is in the room: in it, it would hear the room's messages and
        // pass the joined check of other requests, however briefly
        const channel = roomChannel(siteId, roomId);
        const rejoining = socket.rooms.has(channel);
        const { access: siteAccess } = await siteSettings.get(siteId);
        const checked = await repositories.rooms.find(siteId, roomId);
        if (!checked) throw notFound('room');
        if (!mayRead(checked.access ?? siteAccess, user?.role)) {
          // a room closed to them since they joined is left too
          if (rejoining) {
            await socket.leave(channel);
            if (user) await presence.left(siteId, roomId, user, socket.id);
          }
          throw user ? forbidden('this room is for members only; sign up to join it') : unauthorized('sign in to read this room');
        }
        await socket.join(channel);
        // the counter read again after joining (see above); by `_id`, like the check's read
        const room = (await repositories.rooms.find(siteId, roomId)) ?? checked;
        // a reader is in nobody's list: they are told it, and announce nothing
        const readersList = member ? [] : await presence.online(siteId, roomId);
        const presenceOnJoin = member ? await presence.beforeJoin(member, roomId) : { announce: () => undefined, online: () => readersList };
        let messages: Message[];
        let more = false;
        if (afterSeq === undefined) {
          // the newest that fit, oldest first: older ones are a history page away
          const recent = await repositories.messages.before(siteId, roomId, room.lastSeq + 1, limits.recentMessages, limits.pageBytes);
          messages = fitPage(await repositories.replies.refresh(siteId, roomId, recent)).messages.reverse();
        } else {
          // up to the counter read after joining (see above)
          const found = await repositories.messages.after(siteId, roomId, afterSeq, room.lastSeq, limits.catchUpPage + 1, limits.pageBytes);
          const page = fitPage(await repositories.replies.refresh(siteId, roomId, found.slice(0, limits.catchUpPage)));
          messages = page.messages;
          more = page.cut || found.length > limits.catchUpPage;
        }
        presenceOnJoin.announce();
        return { room: presentRoom(room, siteAccess), messages, more, online: presenceOnJoin.online() };
      });
    }),
  );

  socket.on(
    'room:leave',
    withAck(log, 'room:leave', async (payload) => {
      const { roomId } = parseInput(roomRequestSchema, payload);
      await count();
      return inOrder(async () => {
        if (!socket.rooms.has(roomChannel(siteId, roomId))) return {};
        await socket.leave(roomChannel(siteId, roomId));
        // announced after the grace period too: leaving and joining again in a loop must not flood the room
        if (user) await presence.left(siteId, roomId, user, socket.id);
        return {};
      });
    }),
  );

  socket.on(
    'room:history',
    withAck(log, 'room:history', async (payload): Promise<HistoryResult> => {
      const { roomId, before, limit } = parseInput(historyRequestSchema, payload);
      assertJoined(socket, roomId);
      await count();
      return inOrder(async () => {
        const found = await repositories.messages.before(siteId, roomId, before, limit + 1, limits.pageBytes);
        const page = fitPage(await repositories.replies.refresh(siteId, roomId, found.slice(0, limit)));
        return { messages: page.messages, more: page.cut || found.length > limit };
      });
    }),
  );

  socket.on('disconnecting', () => {
    if (!user) return;
    const joined = [...socket.rooms].flatMap((name) => roomOfChannel(name)?.roomId ?? []);
    // after the socket has left its rooms, so the list no longer counts it
    socket.once('disconnect', () => {
      for (const roomId of joined) {
        presence.left(siteId, roomId, user, socket.id).catch((error: unknown) => log.warn({ err: error }, 'presence update failed'));
      }
    });
  });
}
