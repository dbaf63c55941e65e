// `--workers N`: N Parley processes on one machine behind the Node cluster module, sharing one database and Redis.
import cluster, { type Worker } from 'node:cluster';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import path from 'node:path';
import { setupMaster } from '@socket.io/sticky';
import type { Logger } from 'pino';
import type { Config } from './config';
import type { Repositories } from './db';
import { answerMetricsRequests } from './metrics';
import { projectRoot } from './paths';
import { startRedis } from './processes/redis-server';
import { openDatabase, ShutdownSteps } from './start-up';

export interface ParleyCluster {
  url: string;
  /** The primary's own connection to the database the workers use (the start script allows origins with it). */
  repositories: Repositories;
  close(): Promise<void>;
}

/** Messages a worker sends the primary besides @socket.io/sticky's own. */
export type WorkerMessage = { type: 'parley:ready' };

const WORKER_READY_TIMEOUT_MS = 60_000;
const RESTART_DELAY_MS = 1_000;
const WORKER_STOP_TIMEOUT_MS = 8_000;

/**
 * The primary of a cluster. It owns the listening socket and hands each connection to a worker with
 * @socket.io/sticky, which keeps every request of one Engine.IO session (long-polling included) on the worker that
 * holds that session. The workers share the database (embedded FerretDB unless MONGODB_URI), Redis (a local
 * redis-server unless REDIS_URL) and the cookie keys (generated once here unless SESSION_KEYS). A worker that
 * dies is replaced; its clients reconnect to the others and catch up by seq.
 */
export async function startCluster(config: Config, log: Logger, workers: number): Promise<ParleyCluster> {
  const steps = new ShutdownSteps(log);
  let stopping = false;
  const close = async () => {
    stopping = true;
    await steps.run();
  };

  try {
    // indexes and the demo site once, here, before any worker starts
    const { uri: mongodbUri, repositories } = await openDatabase(config, log, steps);

    let redisUrl = config.redisUrl;
    if (!redisUrl) {
      const redis = await startRedis().catch((error: unknown) => {
        throw new Error(`${workers} workers share Redis: set REDIS_URL, or install redis-server to run a local one (${String(error)})`);
      });
      steps.add(redis.stop);
      redisUrl = redis.url;
      log.info({ redis: redisUrl }, 'using a local redis-server (in memory) for the workers');
    }

    // cookies signed by one worker must verify on every other
    const sessionKeys = config.sessionKeysGenerated ? randomBytes(32).toString('base64url') : config.sessionKeys.join(',');

    const listener = createServer();
    const connections = new Set<Socket>();
    listener.on('connection', (socket: Socket) => {
      connections.add(socket);
      socket.once('close', () => connections.delete(socket));
    });
    setupMaster(listener, { loadBalancingMethod: 'least-connection' });

    // a scrape of /metrics reaches one worker, which asks here for every worker's numbers
    answerMetricsRequests();
    // 'advanced' (structured clone): @socket.io/sticky hands the first chunk of each connection over as a Buffer
    cluster.setupPrimary({ exec: path.join(projectRoot(), 'server', 'cluster-worker.ts'), execArgv: ['--import', 'tsx'], serialization: 'advanced' });
    const env = { MONGODB_URI: mongodbUri, REDIS_URL: redisUrl, SESSION_KEYS: sessionKeys };
    const fork = () => {
      const worker = cluster.fork(env);
      worker.once('exit', (code, signal) => {
        if (stopping) return;
        log.error({ worker: worker.id, code, signal }, 'a worker died; starting another');
        setTimeout(() => {
          // the primary may have begun stopping meanwhile
          if (!stopping) void ready(fork()).catch((error: unknown) => log.error({ err: error }, 'a replacement worker did not start'));
        }, RESTART_DELAY_MS);
      });
      return worker;
    };
    // closers run in reverse: stop taking connections, stop the workers, then drop what the primary still relays
    steps.add(async () => {
      for (const socket of connections) socket.destroy();
    });
    steps.add(() => stopWorkers(Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined)));
    await Promise.all(Array.from({ length: workers }, () => ready(fork())));

    await new Promise<void>((resolve, reject) => {
      listener.once('error', reject);
      listener.listen(config.port, config.host, () => resolve());
    });
    steps.add(async () => void listener.close());

    const url = config.publicUrl ?? `http://localhost:${config.port}`;
    log.info({ url, workers }, 'Parley is listening');
    return { url, repositories, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Resolves when the worker has started Parley; rejects when it exits first or takes too long. */
function ready(worker: Worker): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker ${worker.id} was not ready within ${WORKER_READY_TIMEOUT_MS} ms`)), WORKER_READY_TIMEOUT_MS);
    const onMessage = (message: unknown) => {
      if ((message as Partial<WorkerMessage> | null)?.type !== 'parley:ready') return;
      done();
      resolve();
    };
    const onExit = (code: number | null) => {
      done();
      reject(new Error(`worker ${worker.id} exited with ${code} while starting`));
    };
    const done = () => {
      clearTimeout(timer);
      worker.off('message', onMessage);
      worker.off('exit', onExit);
    };
    worker.on('message', onMessage);
    worker.once('exit', onExit);
  });
}

/** SIGTERM to every worker (each shuts down gracefully), SIGKILL to any still running after the timeout. */
async function stopWorkers(workers: Worker[]): Promise<void> {
  await Promise.all(
    workers.map(
      (worker) =>
        new Promise<void>((resolve) => {
          if (worker.isDead()) return resolve();
          const timer = setTimeout(() => worker.process.kill('SIGKILL'), WORKER_STOP_TIMEOUT_MS);
          worker.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
          worker.process.kill('SIGTERM');
        }),
    ),
  );
}
