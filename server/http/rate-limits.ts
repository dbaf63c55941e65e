import type { Db, MongoClient } from 'mongodb';
import { RateLimiterMemory, RateLimiterMongo, RateLimiterRes } from 'rate-limiter-flexible';
import type { RateLimit, RateLimits } from '../config';
import { uniqueKey } from '../db/users';
import { rateLimited } from '../errors';
import type { LimitName } from '../metrics';

/** The collection all limiters share; its indexes are created with the data model's (no TTL: FerretDB lacks it). */
export const RATE_LIMITS_COLLECTION = 'rate_limits';

export interface AuthRateLimiter {
  /**
   * Takes one login attempt from this IP, and from this IP for this username, before the password is checked;
   * throws `rate_limited` when either is used up. Taken, not just looked at: concurrent guesses cannot all slip
   * past a check made before the ~120 ms the password takes.
   */
  takeLoginAttempt(ip: string, username: string): Promise<void>;
  /**
   * Gives the attempt back, and clears the per-username count, so a person who finally remembers is not kept
   * locked out; only failures count.
   */
  loginSucceeded(ip: string, username: string): Promise<void>;
  /** Counts one registration; throws `rate_limited` past the limit. */
  register(ip: string): Promise<void>;
  /**
   * Counts one proof-of-work challenge handed out; throws `rate_limited` past the limit. Counted in this node's
   * memory: a challenge costs a few hashes and stores nothing, so a database write would cost more than it guards.
   */
  challenge(ip: string): Promise<void>;
  /** Counts one confirmation link a user has sent to an address; throws `rate_limited` past the limit. */
  emailLink(userId: string): Promise<void>;
  /** Counts one data export or erasure a user (or an admin) asked for: each reads every message of the site. */
  dataRequest(userId: string): Promise<void>;
}

/** One limit; `take` throws the RateLimiterRes of a refusal, as rate-limiter-flexible's consume() does. */
interface Limit {
  take(key: string): Promise<void>;
  giveBack(key: string): Promise<void>;
  clear(key: string): Promise<void>;
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
  const inOrder = oneAtATime();
  const limiter = (keyPrefix: string, { points, durationS }: RateLimit): Limit => {
    const store = new RateLimiterMongo({
      storeClient: client,
      dbName,
      tableName: RATE_LIMITS_COLLECTION,
      keyPrefix,
      points,
      duration: durationS,
      disableIndexesCreation: true,
    });
    const write = (key: string, update: () => Promise<unknown>) => inOrder(`${keyPrefix}/${key}`, update).then(() => undefined);
    return {
      take: (key) => write(key, () => store.consume(key)),
      giveBack: (key) => write(key, () => store.reward(key, 1)),
      clear: (key) => write(key, () => store.delete(key)),
    };
  };
  const perUser = limiter('login_fail_user_ip', limits.loginFailuresPerUserAndIp);
  const perIp = limiter('login_fail_ip', limits.loginFailuresPerIp);
  const registrations = limiter('register_ip', limits.registrationsPerIp);
  const emailLinks = limiter('email_link_user', limits.emailLinksPerUser);
  const dataRequests = limiter('data_request_user', limits.dataRequestsPerUser);
  const challenges = new RateLimiterMemory({ points: limits.challengesPerIp.points, duration: limits.challengesPerIp.durationS });
  // the same key the account is found by, so 'Ada' and 'ada' share one count
  const userKey = (ip: string, username: string) => `${uniqueKey(username)}_${ip}`;

  // one more of `limit` for `key`, or `rate_limited` naming what was refused
  const counted = async (limit: Limit, key: string, name: LimitName, operation: string) => {
    try {
      await limit.take(key);
    } catch (error) {
      if (error instanceof RateLimiterRes) {
        onRefused(name);
        throw rateLimited(operation, error.msBeforeNext);
      }
      throw error;
    }
  };

  return {
    async takeLoginAttempt(ip, username) {
      const key = userKey(ip, username);
      const [user, address] = await Promise.allSettled([perUser.take(key), perIp.take(ip)]);
      const refusals = [user, address].flatMap((result) => (result.status === 'rejected' ? [result.reason as unknown] : []));
      if (refusals.length === 0) return;
      // a refused attempt is not tried, so it counts against neither limit: give back what the other one took
      await Promise.all([user.status === 'fulfilled' && perUser.giveBack(key), address.status === 'fulfilled' && perIp.giveBack(ip)]);
      const failure = refusals.find((reason) => !(reason instanceof RateLimiterRes));
      if (failure) throw failure;
      onRefused('login');
      throw rateLimited('failed logins', Math.max(...refusals.map((refusal) => (refusal as RateLimiterRes).msBeforeNext)));
    },
    async loginSucceeded(ip, username) {
      await Promise.all([perUser.clear(userKey(ip, username)), perIp.giveBack(ip)]);
    },
    register: (ip) => counted(registrations, ip, 'registration', 'registrations'),
    emailLink: (userId) => counted(emailLinks, userId, 'email_links', 'confirmation emails'),
    dataRequest: (userId) => counted(dataRequests, userId, 'data_requests', 'data exports and erasures'),
    async challenge(ip) {
      try {
        await challenges.consume(ip);
      } catch (error) {
        if (error instanceof RateLimiterRes) {
          onRefused('challenge');
          throw rateLimited('challenges', error.msBeforeNext);
        }
        throw error;
      }
    },
  };
}

/**
 * Runs the writes to one limiter document one after another on this node. MongoDB applies each `$inc` atomically
 * anyway; FerretDB v1 does not: concurrent updates of one document lose each other (taken without this, 9 of 30
 * concurrent guesses at one account and all 40 of 40 from one IP got past limits of 5 and 20). Like
 * RoomsRepository.queued; across nodes, only a database with atomic updates (MongoDB) keeps the count exact.
 */
function oneAtATime() {
  const queues = new Map<string, Promise<unknown>>();
  return <T>(key: string, write: () => Promise<T>): Promise<T> => {
    const next = (queues.get(key) ?? Promise.resolve()).catch(() => undefined).then(write);
    queues.set(key, next);
    // forget an idle queue, so the map holds only keys with a write in flight
    const forget = () => void (queues.get(key) === next && queues.delete(key));
    next.then(forget, forget);
    return next;
  };
}

/** Deletes expired limiter documents (what a TTL index would do on MongoDB). */
export async function sweepRateLimits(db: Db): Promise<number> {
  return (await db.collection(RATE_LIMITS_COLLECTION).deleteMany({ expire: { $lte: new Date() } })).deletedCount;
}
