import { BurstyRateLimiter, RateLimiterMemory, type RateLimiterAbstract, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { RateLimit, RateLimits } from '../config';
import { rateLimited, unavailable } from '../errors';
import type { LimitName } from '../metrics';
import type { RedisClient } from '../redis';

export interface SendLimiter {
  /** Counts one message, edit or delete of this user; throws `rate_limited` with retryAfterMs past the limit. */
  consume(siteId: string, userId: string): Promise<void>;
}

export interface RoomRequestLimiter {
  /** Counts one room:join, room:leave or room:history of this socket and user; throws `rate_limited` past either limit. */
  consume(siteId: string, userId: string, socketId: string): Promise<void>;
}

/**
 * A limiter for counts that every node must share: in memory on one node (a check on every event must not cost a
 * database round trip), in Redis with many nodes, so a user cannot multiply a limit by the number of nodes.
 */
export function sharedLimiter(keyPrefix: string, { points, durationS }: RateLimit, redis: RedisClient | undefined): RateLimiterAbstract {
  return redis
    ? new RateLimiterRedis({ storeClient: redis, useRedisPackage: true, keyPrefix: `parley:${keyPrefix}`, points, duration: durationS })
    : new RateLimiterMemory({ keyPrefix, points, duration: durationS });
}

/** Takes the point first (atomically, in the store); a refusal is `rate_limited`, a store that fails is `unavailable`. */
async function take(limiter: Pick<RateLimiterAbstract, 'consume'>, key: string, what: string, onRefused: () => void): Promise<void> {
  try {
    await limiter.consume(key);
  } catch (error) {
    if (error instanceof RateLimiterRes) {
      onRefused();
      throw rateLimited(what, error.msBeforeNext);
    }
    // Redis unreachable: refuse for now rather than let the events through unlimited
    throw unavailable(`unable to check the limit on ${what}; try again`);
  }
}

/**
 * Per-user limit on what a user writes to a room (sends, edits, deletes: each is stored and broadcast), with a
 * burst (rate-limiter-flexible's BurstyRateLimiter). `onRefused` hears of every refusal (metrics).
 */
export function createSendLimiter(
  limits: Pick<RateLimits, 'messagesPerUser' | 'messageBurstPerUser'>,
  redis?: RedisClient,
  onRefused: (limit: LimitName) => void = () => undefined,
): SendLimiter {
  const limiter = new BurstyRateLimiter(sharedLimiter('send', limits.messagesPerUser, redis), sharedLimiter('send_burst', limits.messageBurstPerUser, redis));
  return {
    consume: (siteId, userId) => take(limiter, `${siteId}/${userId}`, 'messages', () => onRefused('messages')),
  };
}

/**
 * Joins, leaves and history pages: each reads the database and answers up to a page of messages, so one socket —
 * and one user, however many sockets they open — gets a bounded number per window. The socket's count stays in
 * this node's memory (a socket lives on one node); the user's is shared like the send limit.
 */
export function createRoomRequestLimiter(
  limits: Pick<RateLimits, 'roomRequestsPerSocket' | 'roomRequestsPerUser'>,
  redis?: RedisClient,
  onRefused: (limit: LimitName) => void = () => undefined,
): RoomRequestLimiter {
  const { points, durationS } = limits.roomRequestsPerSocket;
  const perSocket = new RateLimiterMemory({ keyPrefix: 'room_socket', points, duration: durationS });
  const perUser = sharedLimiter('room_user', limits.roomRequestsPerUser, redis);
  const refused = () => onRefused('room_requests');
  return {
    async consume(siteId, userId, socketId) {
      await take(perSocket, socketId, 'room requests', refused);
      await take(perUser, `${siteId}/${userId}`, 'room requests', refused);
    },
  };
}
