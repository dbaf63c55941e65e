import type { Logger } from 'pino';
import { parseInput } from '../validation';
import { withAck } from './ack';
import { assertJoined, roomRequestSchema } from './rooms';
import { type ChatSocket, roomChannel } from './types';

// clients send at most one per 2 s; a socket sending faster is not relayed faster
const MIN_INTERVAL_MS = 1_000;

/** typing:start — relayed to the others in the room, never stored. */
export function registerTypingHandlers(socket: ChatSocket, log: Logger): void {
  const { siteId, user } = socket.data;
  const lastRelayed = new Map<string, number>();

  socket.on(
    'typing:start',
    withAck(log, 'typing:start', async (payload) => {
      const { roomId } = parseInput(roomRequestSchema, payload);
      assertJoined(socket, roomId);
      const now = Date.now();
      if (now - (lastRelayed.get(roomId) ?? 0) >= MIN_INTERVAL_MS) {
        lastRelayed.set(roomId, now);
        socket.to(roomChannel(siteId, roomId)).emit('typing:update', { roomId, user: { id: user.id, displayName: user.displayName } });
      }
      return {};
    }),
  );
}
