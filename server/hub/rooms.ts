import type { Logger } from 'pino';
import { z } from 'zod';
import type { HistoryRequest, HistoryResult, JoinRequest, JoinResult, RoomRequest } from '../../sdk/protocol';
import type { Repositories } from '../db';
import { type MessageDocument, presentMessage } from '../db/messages';
import { presentRoom } from '../db/rooms';
import { forbidden, notFound } from '../errors';
import { limits, parseInput, roomIdSchema } from '../validation';
import { withAck } from './ack';
import type { Presence } from './presence';
import { type ChatSocket, roomChannel, roomOfChannel } from './types';

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
export function assertJoined(socket: ChatSocket, roomId: string): void {
  if (!socket.rooms.has(roomChannel(socket.data.siteId, roomId))) throw forbidden('join the room first');
}

/** room:join, room:leave, room:history — and presence when a socket goes away. */
export function registerRoomHandlers(socket: ChatSocket, repositories: Repositories, presence: Presence, log: Logger): void {
  const { siteId, user } = socket.data;

  socket.on(
    'room:join',
    withAck(log, 'room:join', async (payload): Promise<JoinResult> => {
      const { roomId, afterSeq } = parseInput(joinRequestSchema, payload);
      const room = await repositories.rooms.find(siteId, roomId);
      if (!room) throw notFound('room');
      const presenceOnJoin = await presence.beforeJoin(socket, roomId);
      // joined before reading, so a message stored meanwhile arrives live if not in the page (the SDK dedupes by seq)
      await socket.join(roomChannel(siteId, roomId));
      let messages: MessageDocument[];
      let more = false;
      if (afterSeq === undefined) {
        messages = (await repositories.messages.before(siteId, roomId, undefined, limits.recentMessages)).reverse();
      } else {
        messages = await repositories.messages.after(siteId, roomId, afterSeq, limits.catchUpPage + 1);
        more = messages.length > limits.catchUpPage;
        messages = messages.slice(0, limits.catchUpPage);
      }
      presenceOnJoin.announce();
      return { room: presentRoom(room), messages: messages.map(presentMessage), more, online: presenceOnJoin.online() };
    }),
  );

  socket.on(
    'room:leave',
    withAck(log, 'room:leave', async (payload) => {
      const { roomId } = parseInput(roomRequestSchema, payload);
      if (!socket.rooms.has(roomChannel(siteId, roomId))) return {};
      await socket.leave(roomChannel(siteId, roomId));
      // a deliberate leave: no grace period
      await presence.left(siteId, roomId, user, { grace: false });
      return {};
    }),
  );

  socket.on(
    'room:history',
    withAck(log, 'room:history', async (payload): Promise<HistoryResult> => {
      const { roomId, before, limit } = parseInput(historyRequestSchema, payload);
      assertJoined(socket, roomId);
      const messages = await repositories.messages.before(siteId, roomId, before, limit);
      return { messages: messages.map(presentMessage) };
    }),
  );

  socket.on('disconnecting', () => {
    const joined = [...socket.rooms].flatMap((name) => roomOfChannel(name)?.roomId ?? []);
    // after the socket has left its rooms, so the list no longer counts it
    socket.once('disconnect', () => {
      for (const roomId of joined) {
        presence.left(siteId, roomId, user, { grace: true }).catch((error: unknown) => log.warn({ err: error }, 'presence update failed'));
      }
    });
  });
}
