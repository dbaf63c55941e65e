import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Logger } from 'pino';
import { type Config, ConfigError, loadConfig } from './config';
import { createRepositories, createSite, type Repositories } from './db';
import { connectDatabase, ensureIndexes } from './db/connection';
import { startEmbeddedDatabase } from './db/embedded';
import { createHttpApp } from './http/app';
import { createAuthRateLimiter, sweepRateLimits } from './http/rate-limits';
import { createHub, type Hub } from './hub';
import { connectRedis, type RedisClient } from './redis';
import { createLogger } from './logger';
import { createMetrics } from './metrics';
import { distDir } from './paths';

export interface Parley {
  /** Where browsers reach the backend, e.g. http://localhost:3000 */
  url: string;
  port: number;
  repositories: Repositories;
  hub: Hub;
  /** Stops everything in reverse order of start. */
  close(): Promise<void>;
}

// expired sessions and rate-limit counters: what TTL indexes would do, which FerretDB v1 lacks
const SWEEP_MS = 10 * 60 * 1000;

/**
 * The composition root: config → database → HTTP app → hub → listen; `close()` undoes it in reverse.
 * `listen: false` is for a cluster worker, whose connections the primary hands over (server/cluster.ts).
 */
export async function startParley(config: Config, log: Logger, options: { listen?: boolean } = {}): Promise<Parley> {
  const listen = options.listen ?? true;
  const closers: Array<() => Promise<void>> = [];
  const close = async () => {
    for (const closer of closers.reverse()) await closer().catch((error: unknown) => log.warn({ err: error }, 'shutdown step failed'));
    closers.length = 0;
  };

  try {
    let uri = config.mongodbUri;
    if (uri) {
      log.info({ database: redactUri(uri), name: config.dbName }, 'using MongoDB from MONGODB_URI');
    } else {
      const dataDir = path.join(config.dataDir, 'ferretdb');
      const embedded = await startEmbeddedDatabase({ dataDir, cacheDir: config.cacheDir, log: (line) => log.info(line) });
      closers.push(embedded.stop);
      uri = embedded.uri;
      log.info({ database: `FerretDB ${embedded.version} (embedded, SQLite)`, dataDir }, 'using the embedded database');
    }

    const database = await connectDatabase(uri, config.dbName);
    closers.push(database.close);
    await ensureIndexes(database.db);
    const repositories = createRepositories(database.db, { sessionAbsoluteMs: config.sessionAbsoluteMs });
    // the demo site is open to anyone: never in production unless asked for (DEMO_SITE=true)
    if (config.demoSite) await seedDemoSite(repositories);

    let redis: RedisClient | undefined;
    if (config.redisUrl) {
      redis = await connectRedis(config.redisUrl, log);
      const client = redis;
      closers.push(async () => void (await client.quit()));
      log.info({ redis: redactUri(config.redisUrl) }, 'using Redis: many nodes share broadcasts, presence and limits');
    }

    // a registry of this instance's own: tests run several in one process; a cluster worker's scrape sums all workers
    const metrics = createMetrics({ throughPrimary: !listen });
    let hub: Hub | undefined;
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
      ...(redis ? { redis } : {}),
      onSessionEnded: (token) => hub?.endSession(token),
      onUserBanned: (siteId, userId) => hub?.endUser(siteId, userId),
      onRoomUpdated: (siteId, room) => hub?.roomUpdated(siteId, room),
    });
    const httpServer = createServer(app.callback());
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
      log,
      metrics,
    });
    if (listen) {
      await new Promise<void>((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(config.port, config.host, () => resolve());
      });
    }
    closers.push(hub.close); // closes the HTTP server too

    const sweeper = setInterval(() => {
      repositories.sessions.sweep().catch((error: unknown) => log.warn({ err: error }, 'session sweep failed'));
      sweepRateLimits(database.db).catch((error: unknown) => log.warn({ err: error }, 'rate limit sweep failed'));
    }, SWEEP_MS).unref();
    closers.push(async () => clearInterval(sweeper));

    const port = listen ? (httpServer.address() as AddressInfo).port : config.port;
    const url = config.publicUrl ?? `http://localhost:${port}`;
    if (config.sessionKeysGenerated) log.warn('SESSION_KEYS is not set: cookies signed for this run only (bearer tokens survive restarts)');
    log.info({ url }, listen ? 'Parley is listening' : 'Parley is ready for connections from the primary');
    return { url, port, repositories, hub, close };
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

/** Runs Parley until SIGINT/SIGTERM, then shuts down in order and exits. */
export async function runUntilSignalled(start: (config: Config, log: Logger) => Promise<{ close(): Promise<void> }>): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
  const log = createLogger(config.logLevel);
  let running: { close(): Promise<void> };
  try {
    running = await start(config, log);
  } catch (error) {
    log.fatal(error instanceof Error && !/^Mongo/.test(error.name) ? error.message : { err: error }, 'Parley could not start');
    // let the log transport flush before leaving
    setTimeout(() => process.exit(1), 100);
    return;
  }
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    setTimeout(() => process.exit(1), 10_000).unref();
    running.close().then(() => process.exit(0), () => process.exit(1));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

const MAX_WORKERS = 64;

/** `--workers N` (or `--workers=N`) from the command line: how many Parley processes to run; 1 when absent. */
export function workersOption(args: readonly string[]): number {
  const index = args.findIndex((arg) => arg === '--workers' || arg.startsWith('--workers='));
  if (index === -1) return 1;
  const value = args[index]?.includes('=') ? args[index]?.split('=')[1] : args[index + 1];
  const workers = Number(value);
  if (!Number.isInteger(workers) || workers < 1 || workers > MAX_WORKERS) {
    console.error(`--workers takes a whole number from 1 to ${MAX_WORKERS} (got ${value ?? 'nothing'})`);
    process.exit(1);
  }
  return workers;
}

/** Starts one Parley process, or with `--workers N` a cluster of N (loaded only then: cluster.ts imports this module). */
export async function startFromCommandLine(config: Config, log: Logger, args: readonly string[]): Promise<{ url: string; repositories: Repositories; close(): Promise<void> }> {
  const workers = workersOption(args);
  if (workers === 1) return startParley(config, log);
  const { startCluster } = await import('./cluster');
  return startCluster(config, log, workers);
}

if (process.argv[1] && path.resolve(process.argv[1]).endsWith(path.join('server', 'main.ts'))) {
  void runUntilSignalled((config, log) => startFromCommandLine(config, log, process.argv.slice(2)));
}
