// What every scenario gets: the parameters, the database, the load generators, and one place that stops whatever
// the benchmark started, also on failure and Ctrl-C.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import { loadConfig } from '../server/config';
import { startEmbeddedDatabase } from '../server/processes/embedded-database';
import { redactUri } from '../server/start-up';
import type { BenchParameters } from './parameters';
import { cpuByRole, type CpuSnapshot } from './system';
import type { WorkerPool } from './worker-pool';

/** Things to stop, newest first; each stop runs once, whether the scenario or the final cleanup gets to it first. */
export class Resources {
  private readonly stops: Array<() => Promise<void>> = [];

  constructor(private readonly log: (line: string) => void) {}

  /** Registers `stop`; the returned function runs it (at most once) and forgets it. */
  add(name: string, stop: () => Promise<void>): () => Promise<void> {
    let stopping: Promise<void> | undefined;
    const once = () => {
      stopping ??= (async () => {
        const index = this.stops.indexOf(once);
        if (index !== -1) this.stops.splice(index, 1);
        await stop().catch((error: unknown) => this.log(`unable to stop ${name}; ${error instanceof Error ? error.message : String(error)}`));
      })();
      return stopping;
    };
    this.stops.push(once);
    return once;
  }

  async stopAll(): Promise<void> {
    for (const stop of [...this.stops].reverse()) await stop();
  }
}

export interface BenchDatabase {
  uri: string;
  /** e.g. "FerretDB v1.24.2 (embedded, SQLite backend)", or the given URI without credentials and the server's version. */
  description: string;
}

/** The embedded FerretDB in a temporary folder, or the database MONGODB_URI names. */
export async function openDatabase(resources: Resources, log: (line: string) => void): Promise<BenchDatabase> {
  const config = loadConfig();
  if (config.mongodbUri) {
    const client = new MongoClient(config.mongodbUri, { serverSelectionTimeoutMS: 5_000 });
    try {
      const info = await client.db('admin').command({ buildInfo: 1 });
      const version = info.ferretdbVersion ? `FerretDB ${String(info.ferretdbVersion)}` : `MongoDB ${String(info.version)}`;
      return { uri: config.mongodbUri, description: `${version} at ${redactUri(config.mongodbUri)} (MONGODB_URI)` };
    } finally {
      await client.close();
    }
  }
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'parley-bench-db-'));
  const embedded = await startEmbeddedDatabase({ dataDir, cacheDir: config.cacheDir, log });
  resources.add('the embedded database', async () => {
    await embedded.stop();
    await rm(dataDir, { recursive: true, force: true });
  });
  return { uri: embedded.uri, description: `FerretDB ${embedded.version} (embedded, SQLite backend, data on ${os.tmpdir()})` };
}

export interface BenchContext {
  parameters: BenchParameters;
  database: BenchDatabase;
  pool: WorkerPool;
  resources: Resources;
  /** Where `--profile` has the Parley processes write CPU profiles; undefined without it. */
  profileDir: string | undefined;
  log(line: string): void;
  /** A fresh id for a load run: texts and clientMsgIds carry it. */
  nextRunId(): string;
  /** Names a process the benchmark started for the CPU accounting ("parley", "baseline", …). */
  nameProcess(pid: number, role: string): void;
  /** Once it has stopped: its pid may be another process's next. */
  forgetProcess(pid: number): void;
  /** Every process named so far, stopped or not: the results list them, so a test can check none outlived the run. */
  startedProcesses: Array<{ pid: number; role: string }>;
  /** Average cores used between two snapshots, by role. */
  cpuBetween(before: CpuSnapshot, after: CpuSnapshot): Record<string, number>;
  /** Which Parley processes wrote which profile: pid → scenario and node. */
  profiledProcesses: Map<number, string>;
}

export function createContext(fields: Pick<BenchContext, 'parameters' | 'database' | 'pool' | 'resources' | 'profileDir' | 'log'>): BenchContext {
  const roles = new Map<number, string>();
  const startedProcesses = fields.pool.pids.map((pid) => ({ pid, role: 'clients' }));
  for (const { pid, role } of startedProcesses) roles.set(pid, role);
  let runs = 0;
  const roleOf = (pid: number, comm: string) => {
    if (pid === process.pid) return 'bench';
    const known = roles.get(pid);
    if (known) return known;
    if (comm === 'ferretdb' || comm === 'mongod') return 'database';
    if (comm === 'redis-server') return 'redis';
    return comm; // the watchdog shells and the like: close to nothing
  };
  return {
    ...fields,
    nextRunId: () => `r${++runs}`,
    nameProcess: (pid, role) => {
      roles.set(pid, role);
      startedProcesses.push({ pid, role });
    },
    startedProcesses,
    forgetProcess: (pid) => void roles.delete(pid),
    cpuBetween: (before, after) => cpuByRole(before, after, roleOf),
    profiledProcesses: new Map(),
  };
}
