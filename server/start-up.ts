// The start-up both ways of running Parley share: one process (main.ts), or a cluster's primary and workers (cluster.ts).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { CommandStartedEvent } from 'mongodb';
import type { Logger } from 'pino';
import type { Message } from '../sdk/protocol';
import type { Config } from './config';
import { trackConnections } from './connection-drain';
import { createRepositories, createSite, type Repositories } from './db';
import { connectDatabase, type Database, ensureIndexes } from './db/connection';
import { migrate } from './db/migrate';
import { createHttpApp } from './http/app';
import { ProofOfWork } from './http/proof-of-work';
import { PrePublishHooks } from './moderation/pre-publish';
import { createAuthRateLimiter, sweepRateLimits } from './http/rate-limits';
import { SiteActivity } from './hub/activity';
import { createHub, type Hub } from './hub';
import { ReportDesk } from './moderation/reports';
import { banUser } from './http/routes/moderation';
import { SiteWordFilters } from './moderation/site-word-filters';
import { SiteSettingsCache } from './moderation/site-settings';
import { createMetrics } from './metrics';
import { distDir } from './paths';
import { startEmbeddedDatabase } from './processes/embedded-database';
import { connectRedis, type RedisClient } from './redis';
import { sweepUploads } from './uploads/sweep';
import { Webhooks } from './webhooks/webhooks';
import { OutboundHttp } from './outbound';
import { presentModeration } from './db/moderation';
import { presentUser } from './db/users';
import { type ObjectStore, s3ObjectStore } from './uploads/object-store';
import type { MessageDocument } from './db/messages';
import { EmailDigests } from './email/digests';
import { Retention } from './privacy/retention';
import { EmailLinks } from './email/links';
import { smtpMailer } from './email/mailer';

export interface Parley {
  /** Where browsers reach the backend, e.g. http://localhost:3000 */
  url: string;
  port: number;
  repositories: Repositories;
  hub: Hub;
  /** This node's count of stored messages for the console's Overview (`flush()` adds it to the database now). */
  activity: SiteActivity;
  /** This node's webhook deliverer. */
  webhooks: Webhooks;
  /** This node's email digests; undefined without SMTP_URL. */
  emailDigests: EmailDigests | undefined;
  /** Stops everything in reverse order of start. */
  close(): Promise<void>;
}

/** Parley's database, ready to use: indexes made, the demo site seeded when config.demoSite. */
export interface ParleyDatabase {
  /** The URI it was reached at: MONGODB_URI, or the embedded FerretDB's socket. */
  uri: string;
  database: Database;
  repositories: Repositories;
}

/** Things to undo, newest first; a step that fails is logged and the others still run. */
export class ShutdownSteps {
  private readonly steps: Array<() => Promise<void>> = [];
  private readonly announcements: Array<() => Promise<void>> = [];

  constructor(private readonly log: Logger) {}

  add(step: () => Promise<void>): void {
    this.steps.push(step);
  }

  /** Runs first when shutdown begins, before any step: says so to whoever may wait for this process. */
  announce(announcement: () => Promise<void>): void {
    this.announcements.push(announcement);
  }

  async run(): Promise<void> {
    for (const announcement of this.announcements.splice(0)) await announcement().catch((error: unknown) => this.log.warn({ err: error }, 'shutdown step failed'));
    for (const step of this.steps.splice(0).reverse()) await step().catch((error: unknown) => this.log.warn({ err: error }, 'shutdown step failed'));
  }
}

const KEEP_ALIVE_MS = 65_000;

// expired sessions and rate-limit counters: what TTL indexes would do, which FerretDB v1 lacks
const SWEEP_MS = 10 * 60 * 1000;

/**
 * The database: MONGODB_URI, or else the embedded FerretDB in DATA_DIR (started here, stopped by `steps`), then
 * connected, indexed and, with config.demoSite, holding the demo site.
 */
export async function openDatabase(config: Config, log: Logger, steps: ShutdownSteps, onCommand?: (command: CommandStartedEvent) => void): Promise<ParleyDatabase> {
  let uri = config.mongodbUri;
  if (uri) {
    log.info({ database: redactUri(uri), name: config.dbName }, 'using MongoDB from MONGODB_URI');
  } else {
    const dataDir = path.join(config.dataDir, 'ferretdb');
    const embedded = await startEmbeddedDatabase({ dataDir, cacheDir: config.cacheDir, log: (line) => log.info(line) });
    steps.add(embedded.stop);
    // a Parley started while this one stops waits for the folder instead of failing on its lock
    steps.announce(() => embedded.markStopping(config.shutdownTimeoutMs));
    uri = embedded.uri;
    log.info({ database: `FerretDB ${embedded.version} (embedded, SQLite)`, dataDir }, 'using the embedded database');
  }

  const database = await connectDatabase(uri, config.dbName, onCommand);
  steps.add(database.close);
  await migrate(database.db, log);
  await ensureIndexes(database.db);
  // uploads' bytes: in an S3-compatible bucket when STORAGE_URL names one (checked now: a wrong one fails the start)
  let objects: ObjectStore | undefined;
  if (config.storage) {
    const store = s3ObjectStore(config.storage);
    steps.add(async () => store.close());
    await store.check();
    log.info({ storage: store.description }, 'uploads are stored in S3-compatible storage (STORAGE_URL)');
    objects = store;
  }
  const repositories = createRepositories(database.db, { sessionAbsoluteMs: config.sessionAbsoluteMs, objects });
  // search in a room: a text index on MongoDB (the embedded database has none)
  await repositories.search.prepare(log);
  // the demo site is open to anyone: never in production unless asked for (DEMO_SITE=true)
  if (config.demoSite) await seedDemoSite(repositories);
  return { uri, database, repositories };
}

/**
 * One Parley: database → HTTP app → hub → listen; `close()` undoes it in reverse.
 * `listen: false` is for a cluster worker, whose connections the primary hands over (server/cluster.ts).
 */
export async function startParley(
  config: Config,
  log: Logger,
  options: { listen?: boolean; onCommand?: (command: CommandStartedEvent) => void } = {},
): Promise<Parley> {
  const listen = options.listen ?? true;
  const steps = new ShutdownSteps(log);
  const close = () => steps.run();

  try {
    const { database, repositories } = await openDatabase(config, log, steps, options.onCommand);

    let redis: RedisClient | undefined;
    if (config.redisUrl) {
      redis = await connectRedis(config.redisUrl, log);
      const client = redis;
      steps.add(async () => void (await client.quit()));
      log.info({ redis: redactUri(config.redisUrl) }, 'using Redis: many nodes share broadcasts, presence and limits');
    }

    // a registry of this instance's own: tests run several in one process; a cluster worker's scrape sums all workers
    const metrics = createMetrics({ throughPrimary: !listen });
    let hub: Hub | undefined;
    // one per node, shared by the API that changes a site's list and the hub that applies it
    const wordFilters = new SiteWordFilters(repositories.sites);
    const siteSettings = new SiteSettingsCache(repositories.sites);
    const prePublish = new PrePublishHooks({ sites: repositories.sites, allowPrivate: config.hooksAllowPrivate, log, onOutcome: (outcome) => metrics.prePublish(outcome) });
    steps.add(async () => prePublish.close());
    // outbound webhooks: queued with each event, delivered by whichever node leases them; stopped after the hub (steps
    // run newest first), so the events of the last sends are queued before it stops looking
    const webhooks = new Webhooks({
      repository: repositories.webhooks,
      outbound: new OutboundHttp(config.hooksAllowPrivate),
      log,
      ...config.webhooks,
      onAttempt: (outcome) => metrics.webhookAttempt(outcome),
    });
    webhooks.start();
    steps.add(() => webhooks.stop());
    // every moderation action is one webhook event (the log's entry), wherever it was taken
    repositories.moderation.observe((entry) => webhooks.emit(entry.siteId, 'moderation.action', { action: presentModeration(entry) }));
    // and every new account, however it came (sign-up, guest, identified)
    repositories.users.observeNew(async (user) => {
      const { blocked: _blocked, ...shown } = presentUser(user);
      await webhooks.emit(user.siteId, 'user.registered', { user: shown });
    });
    // email (SMTP_URL): confirmation links, and digests for people who are away, sent by whichever node leases them
    let url = config.publicUrl ?? `http://localhost:${config.port}`;
    const emailLinks = new EmailLinks(() => url, config.sessionKeys);
    const mailer = config.email.smtpUrl ? smtpMailer(config.email.smtpUrl, config.email.from) : undefined;
    const emailDigests =
      mailer &&
      new EmailDigests({
        repositories,
        mailer,
        links: emailLinks,
        siteSettings,
        isOnline: async (siteId, userId) => (hub ? hub.isOnline(siteId, userId) : false),
        config: config.email,
        log,
        onSent: (outcome) => metrics.emailDigest(outcome),
      });
    if (emailDigests) {
      emailDigests.start();
      steps.add(() => emailDigests.stop());
      log.info({ smtp: redactUri(config.email.smtpUrl!), from: config.email.from }, 'sending email through SMTP_URL (confirmation links, digests)');
    }
    const activity = new SiteActivity(repositories.activity, log);
    // after the hub's close (steps run newest first): the last batches are counted before the final flush
    steps.add(() => activity.close());
    const onUserBanned = (siteId: string, userId: string) => hub?.endUser(siteId, userId);
    // a message changed outside a socket's own request (reports, the console): told to its room, and to webhooks
    const messageChanged = async (siteId: string, message: Message) => {
      hub?.messageUpdated(siteId, message);
      await webhooks.emit(siteId, message.deletedAt ? 'message.deleted' : 'message.updated', { message });
    };
    const reports = new ReportDesk({
      repositories,
      announce: messageChanged,
      onFiled: (siteId, filed) => webhooks.emit(siteId, 'report.created', filed),
      ban: (siteId, actor, userId, reason) => banUser(repositories, onUserBanned, siteId, actor, userId, reason),
    });
    const app = createHttpApp({
      database,
      repositories,
      log,
      sessionKeys: config.sessionKeys,
      sessionIdleMs: config.sessionIdleMs,
      distDir: distDir(),
      publicUrl: config.publicUrl,
      trustProxy: config.trustProxy,
      trustProxyHops: config.trustProxyHops,
      rateLimiter: createAuthRateLimiter(database.client, config.dbName, config.rateLimits, (limit) => metrics.rateLimited(limit)),
      metrics,
      metricsToken: config.metricsToken,
      uploadLimits: config.rateLimits,
      ...(redis ? { redis } : {}),
      onSessionEnded: (token) => hub?.endSession(token),
      onUserBanned,
      onUserErased: (siteId, userId) => hub?.endUser(siteId, userId, 'erased'),
      onRoomUpdated: (siteId, room) => hub?.roomUpdated(siteId, room),
      onMessageUpdated: messageChanged,
      wordFilters,
      siteSettings,
      prePublish,
      hooksAllowPrivate: config.hooksAllowPrivate,
      webhooks,
      mailer,
      emailLinks,
      webhookRetryForMs: config.webhooks.retryForMs,
      consoleSiteQuota: config.consoleSiteQuota,
      consoleSignup: config.consoleSignup,
      activity,
      onlineCount: async (siteId) => (hub ? hub.onlineCount(siteId) : 0),
      reports,
      proofOfWork: new ProofOfWork({ ...config.proofOfWork, sessionKeys: config.sessionKeys, proofs: repositories.proofs }),
    });
    const httpServer = createServer(app.callback());
    // idle keep-alive connections stay open longer than a load balancer's idle timeout (60 s is common), so the
    // server never closes one a proxy is about to reuse (a 502 there), and far longer than Node's default 5 s, which
    // raced clients that reuse a connection until 1 s before the server's hint: on a busy machine the request went
    // out on a socket the server was closing (ECONNRESET). Shutdown closes idle connections at once regardless.
    httpServer.keepAliveTimeout = KEEP_ALIVE_MS;
    httpServer.headersTimeout = KEEP_ALIVE_MS + 1_000;
    hub = createHub({
      httpServer,
      repositories,
      sessionKeys: config.sessionKeys,
      sessionIdleMs: config.sessionIdleMs,
      publicUrl: config.publicUrl,
      rateLimits: config.rateLimits,
      presenceGraceMs: config.presenceGraceMs,
      presenceSyncMs: config.presenceSyncMs,
      slowClientMaxBytes: config.slowClientMaxBytes,
      ...(redis ? { redis } : {}),
      wordFilters,
      siteSettings,
      prePublish,
      reports,
      activity,
      webhooks,
      ...(emailDigests ? { onMessageStored: (siteId: string, message: MessageDocument) => emailDigests.noteMessage(siteId, message) } : {}),
      log,
      metrics,
    });
    // after createHub: Socket.IO wraps the request listeners it finds, and long-polls must be counted too
    const connections = trackConnections(httpServer);
    if (listen) {
      await new Promise<void>((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(config.port, config.host, () => resolve());
      });
    }
    const openHub = hub;
    steps.add(async () => {
      // keep-alive connections end as soon as they carry no request, so that closing the HTTP server need not wait for them
      connections.drain();
      await openHub.close(); // stores the sends in flight, disconnects every socket, closes the HTTP server
    });

    const retention = new Retention(repositories, log);
    const sweeper = setInterval(() => {
      repositories.sessions.sweep().catch((error: unknown) => log.warn({ err: error }, 'session sweep failed'));
      sweepRateLimits(database.db).catch((error: unknown) => log.warn({ err: error }, 'rate limit sweep failed'));
      repositories.ipBans.sweep().catch((error: unknown) => log.warn({ err: error }, 'address ban sweep failed'));
      repositories.users.deleteExpiredGuests().catch((error: unknown) => log.warn({ err: error }, 'guest sweep failed'));
      repositories.proofs.sweep().catch((error: unknown) => log.warn({ err: error }, 'proof-of-work sweep failed'));
      sweepUploads(repositories).catch((error: unknown) => log.warn({ err: error }, 'upload sweep failed'));
      // once a day, on whichever node takes the day's turn
      retention.runIfDue().catch((error: unknown) => log.warn({ err: error }, 'retention failed'));
    }, SWEEP_MS).unref();
    steps.add(async () => clearInterval(sweeper));

    const port = listen ? (httpServer.address() as AddressInfo).port : config.port;
    url = config.publicUrl ?? `http://localhost:${port}`;
    if (config.sessionKeysGenerated) log.warn('SESSION_KEYS is not set: cookies signed for this run only (bearer tokens survive restarts)');
    log.info({ url }, listen ? 'Parley is listening' : 'Parley is ready for connections from the primary');
    return { url, port, repositories, hub, activity, webhooks, emailDigests, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** The site the example host page embeds, with its default room, created when missing. */
export async function seedDemoSite(repositories: Repositories): Promise<void> {
  await createSite(repositories, { id: 'demo', name: 'Parley demo', allowedOrigins: [] });
}

export function redactUri(uri: string): string {
  return uri.replace(/\/\/[^@/]*@/, '//***@');
}
