import type { Db, MongoClient } from 'mongodb';
import { RateLimiterMongo, RateLimiterRes } from 'rate-limiter-flexible';
import type { RateLimit, RateLimits } from '../config';
import { uniqueKey } from '../db/users';
import { rateLimited } from '../errors';
import type { LimitName } from '../metrics';

/** The collection all limiters share; its indexes are created with the data model's (no TTL: FerretDB lacks it). */
export const RATE_LIMITS_COLLECTION = 'rate_limits';

export interface AuthRateLimiter {
  /** Throws `rate_limited` when this IP, or this IP for this username, has failed too often. */
  beforeLogin(ip: string, username: string): Promise<void>;
  loginFailed(ip: string, username: string): Promise<void>;
  /** A success clears the per-username count, so a person who finally remembers is not kept locked out. */
  loginSucceeded(ip: string, username: string): Promise<void>;
  /** Counts one registration; throws `rate_limited` past the limit. */
  register(ip: string): Promise<void>;
}

/**
 * Login and registration limits on rate-limiter-flexible, stored in MongoDB so every server node shares them.
 * `onRefused` hears of every refusal (metrics).
 */
export function createAuthRateLimiter(
  client: MongoClient,
  dbName: string,
  limits: RateLimits,
  onRefused: (limit: LimitName) => void = () => undefined,
): AuthRateLimiter {
  const limiter = (keyPrefix: string, { points, durationS }: RateLimit) =>
    new RateLimiterMongo({
      storeClient: client,
      dbName,
      tableName: RATE_LIMITS_COLLECTION,
      keyPrefix,
      points,
      duration: durationS,
      disableIndexesCreation: true,
    });
  const perUser = limiter('login_fail_user_ip', limits.loginFailuresPerUserAndIp);
  const perIp = limiter('login_fail_ip', limits.loginFailuresPerIp);
  const registrations = limiter('register_ip', limits.registrationsPerIp);
  // the same key the account is found by, so 'Ada' and 'ada' share one count
  const userKey = (ip: string, username: string) => `${uniqueKey(username)}_${ip}`;

  return {
    async beforeLogin(ip, username) {
      const [user, address] = await Promise.all([perUser.get(userKey(ip, username)), perIp.get(ip)]);
      const blocked = [
        user && user.consumedPoints >= limits.loginFailuresPerUserAndIp.points ? user.msBeforeNext : 0,
        address && address.consumedPoints >= limits.loginFailuresPerIp.points ? address.msBeforeNext : 0,
      ];
      const retryAfterMs = Math.max(...blocked);
      if (retryAfterMs > 0) {
        onRefused('login');
        throw rateLimited('failed logins', retryAfterMs);
      }
    },
    async loginFailed(ip, username) {
      // consume() rejects with a RateLimiterRes once over the limit; the next beforeLogin reports it
      await Promise.all([perUser.consume(userKey(ip, username)), perIp.consume(ip)].map((p) => p.catch(ignoreLimit)));
    },
    async loginSucceeded(ip, username) {
      await perUser.delete(userKey(ip, username));
    },
    async register(ip) {
      try {
        await registrations.consume(ip);
      } catch (error) {
        if (error instanceof RateLimiterRes) {
          onRefused('registration');
          throw rateLimited('registrations', error.msBeforeNext);
        }
        throw error;
      }
    },
  };
}

/** Deletes expired limiter documents (what a TTL index would do on MongoDB). */
export async function sweepRateLimits(db: Db): Promise<number> {
  return (await db.collection(RATE_LIMITS_COLLECTION).deleteMany({ expire: { $lte: new Date() } })).deletedCount;
}

function ignoreLimit(error: unknown): void {
  if (!(error instanceof RateLimiterRes)) throw error;
}
