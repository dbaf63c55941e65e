import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { parseStorageUrl, type StorageLocation } from './uploads/object-store';

/** Everything Parley reads from the environment, typed and checked once at start. */
export interface Config {
  env: 'development' | 'production' | 'test';
  /** HTTP and Socket.IO port; 0 picks a free one. */
  port: number;
  /** Interface to listen on; undefined means all interfaces. */
  host: string | undefined;
  /** The backend's public origin, as browsers reach it: used in printed URLs and the example page. */
  publicUrl: string | undefined;
  /** A MongoDB connection string; undefined starts the embedded database. */
  mongodbUri: string | undefined;
  dbName: string;
  /** Where the embedded database keeps its files. */
  dataDir: string;
  /** Where the embedded database's binary is built once and kept, outside the clone. */
  cacheDir: string;
  /** Keys that sign the session cookie; the first signs, all verify (rotation). */
  sessionKeys: string[];
  /** True when SESSION_KEYS was not set and keys were generated for this run only. */
  sessionKeysGenerated: boolean;
  /** A session unused this long ends (each use pushes it back). */
  sessionIdleMs: number;
  /** A session ends this long after sign-in, however busy. */
  sessionAbsoluteMs: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Behind a reverse proxy: take the client IP and protocol from X-Forwarded-For / -Proto. */
  trustProxy: boolean;
  /**
   * How many proxies in front of Parley append to X-Forwarded-For: the client address is that many entries from
   * the right (everything left of it was written by the client). 1 with TRUST_PROXY=true; TRUST_PROXY_HOPS sets more.
   */
  trustProxyHops: number;
  /** Create the open `demo` site (no allowed origins, anyone may register) when missing: development and test only by default. */
  demoSite: boolean;
  /** Bytes that may wait for one client before it counts as stuck and is dropped. */
  slowClientMaxBytes: number;
  rateLimits: RateLimits;
  /** Port of the example host page served by `npm start`. */
  /** How long a user whose last socket closed stays in a room's online list (a reload is not a leave). */
  presenceGraceMs: number;
  /** How long a stopping process may take to finish what is in flight before it exits anyway (exit code 1). */
  shutdownTimeoutMs: number;
  /** How often each node repairs its clients' online lists (users of a dead node, deltas lost with Redis); 0: never. */
  presenceSyncMs: number;
  /** Redis for many nodes: Socket.IO's adapter and the per-user send limit; unset for one node. */
  redisUrl: string | undefined;
  /** STORAGE_URL: an S3-compatible bucket for uploads' bytes; unset, they stay in the database. */
  storage?: StorageLocation | undefined;
  /** When set, `/metrics` answers only `Authorization: Bearer <token>`; unset, only direct loopback clients. */
  metricsToken: string | undefined;
  examplePort: number;
  /**
   * Outgoing calls (the pre-publish hook, webhooks) may go to plain http and to private, loopback and link-local
   * addresses: for hooks on the operator's own network, and tests. Off, only https to public addresses.
   */
  hooksAllowPrivate: boolean;
  /** Webhook delivery: the WEBHOOK_* variables (docs/operations.md). */
  webhooks: { timeoutMs: number; retryFirstMs: number; retryForMs: number; inFlightPerEndpoint: number; pollMs: number };
  /** Email: SMTP_URL (unset: no email at all), EMAIL_FROM and the digests' EMAIL_DIGEST_* timings (docs/operations.md). */
  email: EmailConfig;
  /** How many sites one console account may own (CONSOLE_SITE_QUOTA). */
  consoleSiteQuota: number;
  /**
   * CONSOLE_SIGNUP: `invite` (default), console accounts come only from invite links (the operator's CLI, a site's
   * owners); `open` (hosted mode), anyone may create an account and up to consoleSiteQuota sites of their own.
   */
  consoleSignup: 'invite' | 'open';
  /**
   * Sign-up (members and guests) needs a solved proof-of-work challenge; off: no challenge. `key` signs the
   * challenges (PROOF_OF_WORK_KEY); unset, a key derived from the session keys does, so every node with them agrees.
   */
  proofOfWork: { enabled: boolean; maxNumber: number; key: string | undefined };
}

/** `points` attempts per `durationS` seconds. */
export interface RateLimit {
  points: number;
  durationS: number;
}

export interface RateLimits {
  /** Failed logins for one username from one IP (guessing one account's password). */
  loginFailuresPerUserAndIp: RateLimit;
  /** Failed logins from one IP, any username (spraying many accounts). */
  loginFailuresPerIp: RateLimit;
  /** Accounts created from one IP. */
  registrationsPerIp: RateLimit;
  /** Confirmation links one user has sent to an address (each is an email to someone). */
  emailLinksPerUser: RateLimit;
  /** Data exports and erasures one user (or admin) asks for: each reads every message of the site. */
  dataRequestsPerUser: RateLimit;
  /** Proof-of-work challenges handed to one IP, counted on each node. */
  challengesPerIp: RateLimit;
  /** Messages one user sends, steady rate… */
  messagesPerUser: RateLimit;
  /** …plus this burst on top, refilled more slowly. */
  messageBurstPerUser: RateLimit;
  /** room:join, room:leave and room:history from one socket… */
  roomRequestsPerSocket: RateLimit;
  /** …and from one user, across their sockets and nodes. */
  roomRequestsPerUser: RateLimit;
  /** Reactions one user adds or takes back (message:react). */
  reactionsPerUser: RateLimit;
  /** Images one user uploads… */
  uploadsPerUser: RateLimit;
  /** …and how many megabytes of them (a quota per window, whatever the file count). */
  uploadMegabytesPerUser: RateLimit;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const port = z.coerce.number().int().min(0).max(65535);
/** "5/900" = 5 per 900 seconds */
const rateLimit = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((value, ctx) => {
      const match = /^(\d+)\/(\d+)$/.exec(value.trim());
      const points = Number(match?.[1]);
      const durationS = Number(match?.[2]);
      if (!match || points < 1 || durationS < 1) {
        ctx.addIssue({ code: 'custom', message: 'expected "<attempts>/<seconds>", e.g. 5/900' });
        return z.NEVER;
      }
      return { points, durationS };
    });
const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: port.default(3000),
  HOST: z.string().min(1).optional(),
  PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  MONGODB_URI: z.string().regex(/^mongodb(\+srv)?:\/\//, 'must start with mongodb:// or mongodb+srv://').optional(),
  MONGODB_DB: z.string().regex(/^[A-Za-z0-9_-]{1,63}$/, 'letters, digits, _ and - only').default('parley'),
  DATA_DIR: z.string().min(1).default('data'),
  PARLEY_CACHE_DIR: z.string().min(1).optional(),
  XDG_CACHE_HOME: z.string().min(1).optional(),
  SESSION_KEYS: z
    .string()
    .transform((value) => value.split(',').map((key) => key.trim()).filter(Boolean))
    .pipe(z.array(z.string().min(32, 'each key needs at least 32 characters')).min(1))
    .optional(),
  SESSION_IDLE_DAYS: z.coerce.number().positive().max(365).default(14),
  SESSION_ABSOLUTE_DAYS: z.coerce.number().positive().max(3650).default(90),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  EXAMPLE_PORT: port.default(3001),
  TRUST_PROXY: z.enum(['true', 'false']).default('false'),
  TRUST_PROXY_HOPS: z.coerce.number().int().min(1).max(10).optional(),
  DEMO_SITE: z.enum(['true', 'false']).optional(),
  SLOW_CLIENT_MAX_BYTES: z.coerce.number().int().min(64 * 1024).max(64 * 1024 * 1024).default(1024 * 1024),
  RATE_LIMIT_LOGIN_FAILURES_PER_USER: rateLimit('5/900'),
  RATE_LIMIT_LOGIN_FAILURES_PER_IP: rateLimit('100/3600'),
  RATE_LIMIT_REGISTRATIONS_PER_IP: rateLimit('20/3600'),
  RATE_LIMIT_EMAIL_LINKS_PER_USER: rateLimit('5/3600'),
  RATE_LIMIT_DATA_REQUESTS_PER_USER: rateLimit('10/3600'),
  RATE_LIMIT_CHALLENGES_PER_IP: rateLimit('60/600'),
  RATE_LIMIT_MESSAGES_PER_USER: rateLimit('10/10'),
  RATE_LIMIT_MESSAGE_BURST_PER_USER: rateLimit('5/20'),
  RATE_LIMIT_ROOM_REQUESTS_PER_SOCKET: rateLimit('10/10'),
  RATE_LIMIT_ROOM_REQUESTS_PER_USER: rateLimit('30/10'),
  RATE_LIMIT_REACTIONS_PER_USER: rateLimit('30/10'),
  RATE_LIMIT_UPLOADS_PER_USER: rateLimit('30/3600'),
  RATE_LIMIT_UPLOAD_MB_PER_USER: rateLimit('100/86400'),
  PRESENCE_GRACE_MS: z.coerce.number().int().min(0).max(300_000).default(5_000),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(1_000).max(600_000).default(10_000),
  PRESENCE_SYNC_MS: z.coerce.number().int().min(0).max(600_000).default(15_000),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must start with redis:// or rediss://').optional(),
  STORAGE_URL: z
    .string()
    .transform((value, ctx) => {
      try {
        return parseStorageUrl(value);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    })
    .optional(),
  HOOKS_ALLOW_PRIVATE: z.enum(['true', 'false']).default('false'),
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
  WEBHOOK_RETRY_FIRST_MS: z.coerce.number().int().min(10).max(3_600_000).default(10_000),
  WEBHOOK_RETRY_WINDOW_S: z.coerce.number().int().min(1).max(7 * 86_400).default(86_400),
  WEBHOOK_MAX_IN_FLIGHT: z.coerce.number().int().min(1).max(100).default(4),
  WEBHOOK_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(1_000),
  SMTP_URL: z.string().regex(/^smtps?:\/\/[^\s]+$/, 'must start with smtp:// or smtps://').optional(),
  EMAIL_FROM: z.string().trim().min(3).max(320).regex(/@/, 'must hold an address, e.g. "Chat <chat@example.com>"').optional(),
  EMAIL_DIGEST_QUIET_MS: z.coerce.number().int().min(0).max(86_400_000).default(600_000),
  EMAIL_DIGEST_GAP_MS: z.coerce.number().int().min(0).max(7 * 86_400_000).default(3_600_000),
  EMAIL_POLL_MS: z.coerce.number().int().min(10).max(600_000).default(5_000),
  CONSOLE_SITE_QUOTA: z.coerce.number().int().min(1).max(10_000).default(10),
  CONSOLE_SIGNUP: z.enum(['invite', 'open']).default('invite'),
  PROOF_OF_WORK: z.enum(['on', 'off']).default('on'),
  PROOF_OF_WORK_MAX_NUMBER: z.coerce.number().int().min(100).max(10_000_000).default(50_000),
  PROOF_OF_WORK_KEY: z.string().trim().min(32, 'needs at least 32 characters').optional(),
  METRICS_TOKEN: z.string().min(16, 'needs at least 16 characters').regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces').optional(),
});

export interface EmailConfig {
  smtpUrl: string | undefined;
  /** The From of every email, e.g. `Parley <chat@example.com>`. */
  from: string;
  /** A digest waits this long after the last mention or reply it holds (more activity extends the wait). */
  quietMs: number;
  /** At most one digest per user in this long; a digest never waits longer than this after its first message. */
  gapMs: number;
  /** How often a node looks for digests that are due. */
  pollMs: number;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Reads and validates the environment; throws a ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const blankless = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const parsed = schema.safeParse(blankless);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  }
  const vars = parsed.data;
  if (vars.NODE_ENV === 'production' && !vars.SESSION_KEYS) {
    throw new ConfigError('invalid configuration: SESSION_KEYS is required in production (comma-separated, 32+ characters each)');
  }
  return {
    env: vars.NODE_ENV,
    port: vars.PORT,
    host: vars.HOST,
    publicUrl: vars.PUBLIC_URL?.replace(/\/+$/, ''),
    mongodbUri: vars.MONGODB_URI,
    dbName: vars.MONGODB_DB,
    dataDir: path.resolve(vars.DATA_DIR),
    cacheDir: path.resolve(vars.PARLEY_CACHE_DIR ?? path.join(vars.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'parley')),
    // generated keys only sign cookies for this run; bearer tokens live in the database and survive restarts
    sessionKeys: vars.SESSION_KEYS ?? [randomBytes(32).toString('base64url')],
    sessionKeysGenerated: !vars.SESSION_KEYS,
    sessionIdleMs: vars.SESSION_IDLE_DAYS * DAY_MS,
    sessionAbsoluteMs: vars.SESSION_ABSOLUTE_DAYS * DAY_MS,
    logLevel: vars.LOG_LEVEL,
    // TRUST_PROXY_HOPS alone also means "behind proxies"
    trustProxy: vars.TRUST_PROXY === 'true' || vars.TRUST_PROXY_HOPS !== undefined,
    trustProxyHops: vars.TRUST_PROXY_HOPS ?? 1,
    demoSite: vars.DEMO_SITE === undefined ? vars.NODE_ENV !== 'production' : vars.DEMO_SITE === 'true',
    slowClientMaxBytes: vars.SLOW_CLIENT_MAX_BYTES,
    rateLimits: {
      loginFailuresPerUserAndIp: vars.RATE_LIMIT_LOGIN_FAILURES_PER_USER,
      loginFailuresPerIp: vars.RATE_LIMIT_LOGIN_FAILURES_PER_IP,
      registrationsPerIp: vars.RATE_LIMIT_REGISTRATIONS_PER_IP,
      emailLinksPerUser: vars.RATE_LIMIT_EMAIL_LINKS_PER_USER,
      dataRequestsPerUser: vars.RATE_LIMIT_DATA_REQUESTS_PER_USER,
      challengesPerIp: vars.RATE_LIMIT_CHALLENGES_PER_IP,
      messagesPerUser: vars.RATE_LIMIT_MESSAGES_PER_USER,
      messageBurstPerUser: vars.RATE_LIMIT_MESSAGE_BURST_PER_USER,
      roomRequestsPerSocket: vars.RATE_LIMIT_ROOM_REQUESTS_PER_SOCKET,
      roomRequestsPerUser: vars.RATE_LIMIT_ROOM_REQUESTS_PER_USER,
      reactionsPerUser: vars.RATE_LIMIT_REACTIONS_PER_USER,
      uploadsPerUser: vars.RATE_LIMIT_UPLOADS_PER_USER,
      uploadMegabytesPerUser: vars.RATE_LIMIT_UPLOAD_MB_PER_USER,
    },
    presenceGraceMs: vars.PRESENCE_GRACE_MS,
    shutdownTimeoutMs: vars.SHUTDOWN_TIMEOUT_MS,
    presenceSyncMs: vars.PRESENCE_SYNC_MS,
    redisUrl: vars.REDIS_URL,
    storage: vars.STORAGE_URL,
    metricsToken: vars.METRICS_TOKEN,
    examplePort: vars.EXAMPLE_PORT,
    hooksAllowPrivate: vars.HOOKS_ALLOW_PRIVATE === 'true',
    webhooks: {
      timeoutMs: vars.WEBHOOK_TIMEOUT_MS,
      retryFirstMs: vars.WEBHOOK_RETRY_FIRST_MS,
      retryForMs: vars.WEBHOOK_RETRY_WINDOW_S * 1000,
      inFlightPerEndpoint: vars.WEBHOOK_MAX_IN_FLIGHT,
      pollMs: vars.WEBHOOK_POLL_MS,
    },
    email: {
      smtpUrl: vars.SMTP_URL,
      from: vars.EMAIL_FROM ?? `Parley <no-reply@${vars.PUBLIC_URL ? new URL(vars.PUBLIC_URL).hostname : 'localhost'}>`,
      quietMs: vars.EMAIL_DIGEST_QUIET_MS,
      gapMs: vars.EMAIL_DIGEST_GAP_MS,
      pollMs: vars.EMAIL_POLL_MS,
    },
    consoleSiteQuota: vars.CONSOLE_SITE_QUOTA,
    consoleSignup: vars.CONSOLE_SIGNUP,
    proofOfWork: { enabled: vars.PROOF_OF_WORK === 'on', maxNumber: vars.PROOF_OF_WORK_MAX_NUMBER, key: vars.PROOF_OF_WORK_KEY },
  };
}
