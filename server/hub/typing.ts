import type { Logger } from 'pino';
import type { Repositories } from '../db';
import { posterOf } from '../db/rooms';
import type { RedisClient } from '../redis';
import { parseInput } from '../validation';
import { withAck } from './ack';
import { sharedLimiter } from './send-limit';
import { assertJoined, roomRequestSchema } from './rooms';
import { type ChatSocket, roomChannel } from './types';

// clients send at most one per 2 s; a user sending faster, from any number of sockets, is not relayed faster
const RELAY_EVERY_S = 1;

/** Whether a user's "typing" in a room may be relayed now: once per second per user and room, across sockets and nodes. */
export interface TypingThrottle {
  mayRelay(siteId: string, roomId: string, userId: string): Promise<boolean>;
}

export function createTypingThrottle(redis?: RedisClient): TypingThrottle {
  const limiter = sharedLimiter('typing', { points: 1, durationS: RELAY_EVERY_S }, redis);
  return {
    mayRelay: (siteId, roomId, userId) =>
      limiter.consume(`${siteId}/${roomId}/${userId}`).then(
        () => true,
        // over the limit, or Redis away: a hint not relayed is no loss
        () => false,
      ),
  };
}

/** typing:start — relayed to the others in the room, never stored; refused to whoever may not send there. */
export function registerTypingHandlers(socket: ChatSocket, repositories: Repositories, throttle: TypingThrottle, log: Logger): void {
  const { siteId, user } = socket.data;

  socket.on(
    'typing:start',
    withAck(log, 'typing:start', async (payload) => {
      const { roomId } = parseInput(roomRequestSchema, payload);
      assertJoined(socket, roomId);
      // throttled first: the room read below is then at most once a second per user
      if (!(await throttle.mayRelay(siteId, roomId, user.id))) return {};
      // muted, or the room archived: whoever may not send may not say they are about to
      await repositories.rooms.assertWritable(siteId, roomId, posterOf(siteId, user.id, repositories.users));
      socket.to(roomChannel(siteId, roomId)).emit('typing:update', { roomId, user: { id: user.id, displayName: user.displayName } });
      return {};
    }),
  );
}
