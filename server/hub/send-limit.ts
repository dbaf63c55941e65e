import { BurstyRateLimiter, RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { RateLimits } from '../config';
import { rateLimited, unavailable } from '../errors';
import type { LimitName } from '../metrics';
import type { RedisClient } from '../redis';

export interface SendLimiter {
  /** Counts one message of this user; throws `rate_limited` with retryAfterMs past the limit. */
  consume(siteId: string, userId: string): Promise<void>;
}

/**
 * Per-user message limit with a burst (rate-limiter-flexible's BurstyRateLimiter). In memory on one node: a check on
 * every send must not cost a database round trip. With Redis (many nodes) the count is shared, so a user cannot
 * multiply the limit by the number of nodes. `onRefused` hears of every refusal (metrics).
 */
export function createSendLimiter(
  limits: Pick<RateLimits, 'messagesPerUser' | 'messageBurstPerUser'>,
  redis?: RedisClient,
  onRefused: (limit: LimitName) => void = () => undefined,
): SendLimiter {
  const store = (keyPrefix: string, { points, durationS }: RateLimits['messagesPerUser']) =>
    redis
      ? new RateLimiterRedis({ storeClient: redis, useRedisPackage: true, keyPrefix: `parley:${keyPrefix}`, points, duration: durationS })
      : new RateLimiterMemory({ keyPrefix, points, duration: durationS });
  const limiter = new BurstyRateLimiter(store('send', limits.messagesPerUser), store('send_burst', limits.messageBurstPerUser));
  return {
    async consume(siteId, userId) {
      try {
        await limiter.consume(`${siteId}/${userId}`);
      } catch (error) {
        if (error instanceof RateLimiterRes) {
          onRefused('messages');
          throw rateLimited('messages', error.msBeforeNext);
        }
        // Redis unreachable: refuse for now rather than let sends through unlimited
        throw unavailable('unable to check the message limit; try again');
      }
    },
  };
}
