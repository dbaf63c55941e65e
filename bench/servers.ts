// The servers a scenario runs against, each in its own process and registered for cleanup: Parley nodes
// (scripts/parley-process.ts), the bare baseline (bench/baseline-server.ts) and Redis (server/processes/redis-server.ts).
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { type Db, MongoClient } from 'mongodb';
import { startParleyProcess } from '../scripts/parley-process';
import { startRedis } from '../server/processes/redis-server';
import { projectRoot } from '../server/paths';
import type { BenchContext } from './context';

export interface BenchServer {
  url: string;
  pid: number;
  /** Warnings and errors the server logged, "message (×count)": a bench run should have none. */
  problems(): string[];
  stop(): Promise<void>;
}

/**
 * The benchmark measures the hub, not the per-user send limit: no bench user may ever be refused for sending fast.
 * Written into the results, so nobody mistakes these numbers for a limited server's.
 */
export const BENCH_SERVER_ENV = {
  RATE_LIMIT_MESSAGES_PER_USER: '1000000/1',
  RATE_LIMIT_MESSAGE_BURST_PER_USER: '1000000/1',
  RATE_LIMIT_ROOM_REQUESTS_PER_SOCKET: '1000000/1',
  RATE_LIMIT_ROOM_REQUESTS_PER_USER: '1000000/1',
  // the processes run with NODE_ENV=production, where the open demo site is not created unless asked for
  DEMO_SITE: 'true',
  LOG_LEVEL: 'warn',
} as const;

/**
 * Node arguments that let the benchmark force a full garbage collection in a server (SIGUSR2) before reading its
 * RSS, so the idle-memory numbers count live objects, not garbage that has not been collected yet.
 */
export const GC_ON_SIGNAL_ARGS = ['--expose-gc', '--import', 'data:text/javascript,process.on("SIGUSR2",()=>globalThis.gc())'];

/** Asks a server started with GC_ON_SIGNAL_ARGS for a full garbage collection. */
export function collectGarbage(pid: number): void {
  process.kill(pid, 'SIGUSR2');
}

export interface ScenarioDatabase {
  name: string;
  db: Db;
  /** Drops the scenario's database and disconnects. */
  close(): Promise<void>;
}

/** A fresh database name for one scenario, with a driver connection to seed it; dropped when the scenario ends. */
export async function openScenarioDatabase(context: BenchContext, scenario: string): Promise<ScenarioDatabase> {
  const name = `bench-${scenario}-${randomBytes(4).toString('hex')}`;
  const client = await MongoClient.connect(context.database.uri, { serverSelectionTimeoutMS: 5_000 });
  const close = context.resources.add(`database ${name}`, async () => {
    try {
      await client.db(name).dropDatabase();
    } finally {
      await client.close();
    }
  });
  return { name, db: client.db(name), close };
}

/** One Parley node (server/main.ts in its own process) on the scenario's database. */
export async function startParleyNode(
  context: BenchContext,
  options: { label: string; dbName: string; redisUrl?: string; nodeArgs?: string[] },
): Promise<BenchServer> {
  const nodeArgs = [...(options.nodeArgs ?? []), ...(context.profileDir ? ['--cpu-prof', '--cpu-prof-dir', context.profileDir] : [])];
  const node = await startParleyProcess(
    { ...BENCH_SERVER_ENV, MONGODB_URI: context.database.uri, MONGODB_DB: options.dbName, ...(options.redisUrl ? { REDIS_URL: options.redisUrl } : {}) },
    { nodeArgs },
  );
  context.nameProcess(node.pid, 'parley');
  if (context.profileDir) context.profiledProcesses.set(node.pid, options.label);
  const stop = context.resources.add(`Parley (${options.label})`, async () => {
    await node.stop();
    context.forgetProcess(node.pid);
  });
  return { url: node.url, pid: node.pid, problems: () => problemsIn(node.output()), stop };
}

/** Warnings and errors among a node's JSON log lines, counted by message. */
function problemsIn(output: string): string[] {
  const counts = new Map<string, number>();
  for (const line of output.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const entry = JSON.parse(line) as { level?: number; msg?: string };
      // pino: 40 warn, 50 error, 60 fatal
      if ((entry.level ?? 0) >= 40) counts.set(entry.msg ?? line, (counts.get(entry.msg ?? line) ?? 0) + 1);
    } catch {
      // a partial line at the start of the kept tail
    }
  }
  return [...counts].map(([message, count]) => (count > 1 ? `${message} (×${count})` : message));
}

const BASELINE_READY_MS = 30_000;

/** The bare Socket.IO broadcast server (bench/baseline-server.ts) in its own process. */
export async function startBaselineServer(context: BenchContext, options: { nodeArgs?: string[] } = {}): Promise<BenchServer> {
  const child = fork(path.join(projectRoot(), 'bench', 'baseline-server.ts'), [], {
    cwd: projectRoot(),
    execArgv: [...(options.nodeArgs ?? []), '--import', 'tsx'],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = context.resources.add('the baseline server', async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const kill = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(kill);
    if (child.pid) context.forgetProcess(child.pid);
  });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the baseline server was not ready within ${BASELINE_READY_MS} ms`)), BASELINE_READY_MS);
      child.once('message', (message: { port: number }) => {
        clearTimeout(timer);
        resolve(message.port);
      });
      void exited.then(() => {
        clearTimeout(timer);
        reject(new Error('the baseline server exited before it was ready'));
      });
    });
    const pid = child.pid ?? 0;
    context.nameProcess(pid, 'baseline');
    return { url: `http://127.0.0.1:${port}`, pid, problems: () => [], stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** A redis-server for the two-node scenario. */
export async function startRedisServer(context: BenchContext): Promise<{ url: string; stop(): Promise<void> }> {
  const redis = await startRedis();
  return { url: redis.url, stop: context.resources.add('redis-server', () => redis.stop()) };
}
