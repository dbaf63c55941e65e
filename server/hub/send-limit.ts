import { BurstyRateLimiter, RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { RateLimits } from '../config';
import { rateLimited } from '../errors';

export interface SendLimiter {
  /** Counts one message of this user; throws `rate_limited` with retryAfterMs past the limit. */
  consume(siteId: string, userId: string): Promise<void>;
}

/**
 * Per-user message limit with a burst (rate-limiter-flexible's BurstyRateLimiter). In memory: a check on every
 * send must not cost a database round trip; with many nodes each enforces it (Redis shares it, issue 7).
 */
export function createSendLimiter(limits: Pick<RateLimits, 'messagesPerUser' | 'messageBurstPerUser'>): SendLimiter {
  const limiter = new BurstyRateLimiter(
    new RateLimiterMemory({ keyPrefix: 'send', points: limits.messagesPerUser.points, duration: limits.messagesPerUser.durationS }),
    new RateLimiterMemory({ keyPrefix: 'send_burst', points: limits.messageBurstPerUser.points, duration: limits.messageBurstPerUser.durationS }),
  );
  return {
    async consume(siteId, userId) {
      try {
        await limiter.consume(`${siteId}/${userId}`);
      } catch (error) {
        if (error instanceof RateLimiterRes) throw rateLimited('messages', error.msBeforeNext);
        throw error;
      }
    },
  };
}
