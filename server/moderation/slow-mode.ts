import { type RateLimiterAbstract, RateLimiterRes } from 'rate-limiter-flexible';
import type { Poster, RoomsRepository } from '../db/rooms';
import { AppError, unavailable } from '../errors';
import { ReadCache } from '../read-cache';
import type { RedisClient } from '../redis';
import { sharedLimiter } from '../hub/send-limit';

// how long a node trusts a room's slow-mode setting it read: a change is announced to every node (forget), this is
// the bound when an announcement is lost
const SETTINGS_MS = 30_000;

/**
 * Slow mode: in a room that has it, a member posts once per `slowModeSeconds`; moderators are exempt. The turn is a
 * rate-limiter point per site, room and user, in the store every node shares (Redis with many nodes); the room's
 * setting is read through a cache that a change clears on every node.
 */
export class SlowMode {
  private readonly settings: ReadCache<number>;
  // one limiter per length of turn in use
  private readonly limiters = new Map<number, RateLimiterAbstract>();

  constructor(
    rooms: Pick<RoomsRepository, 'find'>,
    private readonly redis?: RedisClient,
    now: () => number = Date.now,
  ) {
    this.settings = new ReadCache(
      async (key) => {
        const [siteId = '', roomId = ''] = JSON.parse(key) as [string, string];
        return (await rooms.find(siteId, roomId))?.slowModeSeconds ?? 0;
      },
      SETTINGS_MS,
      now,
    );
  }

  /**
   * Takes `poster`'s turn in the room: throws `rate_limited` (with `retryAfterMs`) when their last message there
   * was less than the room's slow-mode seconds ago. Answers what gives the turn back, for a message that was not
   * stored after all.
   */
  async take(siteId: string, roomId: string, poster: Poster): Promise<() => Promise<void>> {
    const seconds = await this.settings.get(JSON.stringify([siteId, roomId]));
    if (seconds <= 0 || (await poster.moderator())) return async () => undefined;
    const limiter = this.limiterFor(seconds);
    const key = `${siteId}/${roomId}/${poster.id}`;
    try {
      await limiter.consume(key);
    } catch (error) {
      if (error instanceof RateLimiterRes) {
        const wait = error.msBeforeNext;
        throw new AppError('rate_limited', `slow mode: one message every ${seconds} s in this room; try again in ${Math.ceil(wait / 1000)} s`, undefined, wait, 'slow-mode');
      }
      throw unavailable('unable to check slow mode; try again');
    }
    return async () => {
      await limiter.delete(key).catch(() => undefined);
    };
  }

  /** The room's settings changed (here, or on a node that announced it): the next message reads them again. */
  forget(siteId: string, roomId: string): void {
    this.settings.forget(JSON.stringify([siteId, roomId]));
  }

  private limiterFor(seconds: number): RateLimiterAbstract {
    let limiter = this.limiters.get(seconds);
    if (!limiter) {
      limiter = sharedLimiter(`slow_${seconds}`, { points: 1, durationS: seconds }, this.redis);
      this.limiters.set(seconds, limiter);
    }
    return limiter;
  }
}
