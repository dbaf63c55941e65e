// `npm run bench`: the server benchmark. Starts everything it needs (the database, Redis, Parley nodes, a bare
// Socket.IO baseline, load-generating worker processes), runs the scenarios, prints a table and writes
// bench/results/bench-<date>.json. Exits non-zero when the benchmark breaks or finds loss or duplicates; a missed
// speed target is reported, not an error.
//
//   npm run bench                        every scenario, about 10 minutes on the 2-core machine (history and join seed a million messages)
//   npm run bench -- --smoke             the same code paths scaled down, three lanes at once (~20–40 s; what the smoke test runs)
//   npm run bench -- --only fan-out,idle scenarios by name, comma-separated: fan-out, saturation, idle, history, join, two-nodes
//   npm run bench -- --profile           CPU profiles of the Parley processes into bench/results/profiles/
//   npm run bench -- --out file.json     where the JSON goes
import { execFile } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { projectRoot } from '../server/paths';
import { type BenchContext, type BenchDatabase, createContext, openDatabase, Resources } from './context';
import { FULL, SMOKE } from './parameters';
import { type BenchResults, checkIntegrity, checkTargets, formatReport, type Scenarios } from './report';
import { runFanOut } from './scenarios/fan-out';
import { runHistory } from './scenarios/history';
import { runIdle } from './scenarios/idle';
import { runJoin } from './scenarios/join';
import { runSaturation } from './scenarios/saturation';
import { runTwoNodes } from './scenarios/two-nodes';
import { BENCH_SERVER_ENV } from './servers';
import { wallNow } from './stats';
import { describeMachine } from './system';
import { WorkerPool } from './worker-pool';

const SCENARIOS = ['fan-out', 'saturation', 'idle', 'history', 'join', 'two-nodes'] as const;
type ScenarioName = (typeof SCENARIOS)[number];
// two-nodes compares with fan-out's result, so it follows it in the same lane
const SMOKE_LANES: ReadonlyArray<readonly ScenarioName[]> = [
  ['fan-out', 'two-nodes'],
  ['saturation', 'history'],
  ['idle', 'join'],
];

interface Options {
  smoke: boolean;
  only: ReadonlySet<ScenarioName>;
  profile: boolean;
  out: string | undefined;
}

const BUSY_LOAD_AVERAGE = 0.5;
const INTERRUPT_GRACE_MS = 5_000;

const USAGE = `usage: npm run bench -- [--smoke] [--only ${SCENARIOS.join(',')}] [--profile] [--out <file.json>]`;

function parseArguments(args: readonly string[]): Options {
  const options: Options = { smoke: false, only: new Set(SCENARIOS), profile: false, out: undefined };
  const only = new Set<ScenarioName>();
  const isScenario = (name: string): name is ScenarioName => (SCENARIOS as readonly string[]).includes(name);
  for (let index = 0; index < args.length; index += 1) {
    const arg = args[index]!;
    const value = () => {
      const next = args[++index];
      if (next === undefined || next.startsWith('--')) throw new Error(`${arg} needs a value`);
      return next;
    };
    if (arg === '--smoke') options.smoke = true;
    else if (arg === '--profile') options.profile = true;
    else if (arg === '--out') options.out = path.resolve(value());
    else if (arg === '--only') {
      for (const name of value().split(',').map((part) => part.trim()).filter(Boolean)) {
        if (!isScenario(name)) throw new Error(`unknown scenario "${name}"; the scenarios are ${SCENARIOS.join(', ')}`);
        only.add(name);
      }
    } else if (arg === '--help' || arg === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else throw new Error(`unknown argument "${arg}"`);
  }
  if (only.size > 0) options.only = only;
  return options;
}

/** Whether redis-server can be started here (the two-node scenario needs it). */
function hasRedisServer(): Promise<boolean> {
  return new Promise((resolve) => execFile('redis-server', ['--version'], (error) => resolve(!error)));
}

async function packageVersion(name: string): Promise<string> {
  const manifest = JSON.parse(await readFile(path.join(projectRoot(), 'node_modules', name, 'package.json'), 'utf8')) as { version: string };
  return manifest.version;
}

/** The .cpuprofile files the given processes wrote (node names them CPU.<date>.<time>.<pid>.<thread>.<n>.cpuprofile). */
async function profilesOf(folder: string, processes: ReadonlyMap<number, string>): Promise<Record<string, string>> {
  const files = await readdir(folder).catch(() => [] as string[]);
  const found: Record<string, string> = {};
  for (const file of files.sort()) {
    // thread 0 is the main thread; tsx's module loader thread hardly runs once the server has started
    const pid = Number(/\.(\d+)\.0\.\d+\.cpuprofile$/.exec(file)?.[1]);
    const owner = processes.get(pid);
    if (owner) found[path.relative(process.cwd(), path.join(folder, file))] = `${owner}, pid ${pid}`;
  }
  return found;
}

async function main(): Promise<number> {
  let options: Options;
  try {
    options = parseArguments(process.argv.slice(2));
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
    return 2;
  }
  const started = wallNow();
  const loadAverage = Math.round((os.loadavg()[0] ?? 0) * 100) / 100;
  const date = new Date().toISOString();
  const parameters = options.smoke ? SMOKE : FULL;
  const log = (line: string) => process.stderr.write(`[${((wallNow() - started) / 1000).toFixed(1).padStart(5)} s] ${line}\n`);
  const resources = new Resources(log);

  // Ctrl-C or a kill: stop every process the benchmark started before leaving, so nothing is orphaned; the
  // scenario under way then fails and the results so far are written, unless that takes too long
  let interrupted: NodeJS.Signals | undefined;
  const interrupt = (signal: NodeJS.Signals) => {
    if (interrupted) return;
    interrupted = signal;
    log(`${signal}: stopping everything the benchmark started…`);
    void resources.stopAll().finally(() => setTimeout(() => process.exit(130), INTERRUPT_GRACE_MS).unref());
  };
  process.on('SIGINT', interrupt);
  process.on('SIGTERM', interrupt);

  const root = projectRoot();
  const file = options.out ?? path.join(root, 'bench', 'results', `bench-${date.replace(/[:.]/g, '-')}.json`);
  const profileDir = options.profile ? path.join(root, 'bench', 'results', 'profiles') : undefined;
  const selected = (name: ScenarioName) => options.only.has(name);
  const scenarios: Scenarios = {};
  let database: BenchDatabase | undefined;
  let profiledProcesses = new Map<number, string>();
  let startedProcesses: Array<{ pid: number; role: string }> = [];
  let error: string | undefined;
  try {
    log(`Parley server benchmark (${options.smoke ? 'smoke' : 'full'}): ${[...options.only].join(', ')}`);
    log('starting the database and the load generators…');
    if (profileDir) await mkdir(profileDir, { recursive: true });
    database = await openDatabase(resources, log);
    const openedDatabase = database;
    // a full run measures one scenario at a time, alone on the machine; the smoke run only checks that each works,
    // so it runs three lanes at once, each with load generators of its own (their clients are per process)
    const lanes: ScenarioName[][] = (options.smoke ? SMOKE_LANES : [SCENARIOS]).map((lane) => lane.filter(selected)).filter((lane) => lane.length > 0);
    const contexts = await Promise.all(
      lanes.map(async (_, index) => {
        const pool = await WorkerPool.start(parameters.workers);
        resources.add('the load generators', () => pool.stop());
        const laneLog = lanes.length > 1 ? (line: string) => log(`(lane ${index + 1}) ${line}`) : log;
        return createContext({ parameters, database: openedDatabase, pool, resources, profileDir, log: laneLog });
      }),
    );

    const runLane = async (lane: readonly ScenarioName[], context: BenchContext) => {
      for (const name of lane) {
        if (name === 'fan-out') scenarios.fanOut = await runFanOut(context);
        if (name === 'saturation') scenarios.saturation = await runSaturation(context);
        if (name === 'idle') scenarios.idle = await runIdle(context);
        if (name === 'history') {
          // the join scenario takes over the history scenario's room when it is the same size: a million messages seeded once
          const handOver = lane.includes('join') && parameters.join.messages === parameters.history.sizes.at(-1);
          let joinFailure: unknown;
          scenarios.history = await runHistory(
            context,
            handOver
              ? async (room) => {
                  try {
                    scenarios.join = await runJoin(context, room);
                  } catch (failure) {
                    joinFailure = failure ?? new Error('the join scenario failed');
                  }
                }
              : undefined,
          );
          if (joinFailure !== undefined) throw joinFailure;
        }
        if (name === 'join' && !scenarios.join) scenarios.join = await runJoin(context);
        if (name === 'two-nodes') {
          scenarios.twoNodes = (await hasRedisServer())
            ? await runTwoNodes(context, scenarios.fanOut?.parley)
            : { skipped: 'redis-server is not installed (apt-get install redis-server)' };
        }
      }
    };
    // every lane runs to its end, so a failure in one never leaves the other running against stopped processes
    const settled = await Promise.allSettled(lanes.map((lane, index) => runLane(lane, contexts[index]!)));
    startedProcesses = contexts.flatMap((context) => context.startedProcesses);
    profiledProcesses = new Map(contexts.flatMap((context) => [...context.profiledProcesses]));
    const failed = settled.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failed) throw failed.reason;
  } catch (failure) {
    if (interrupted) error = `interrupted by ${interrupted}`;
    else {
      error = failure instanceof Error ? (failure.stack ?? failure.message) : String(failure);
      log(`the benchmark broke: ${error}`);
    }
  } finally {
    // also writes the CPU profiles: node does at a clean exit
    await resources.stopAll();
  }

  const [socketIo, socketIoClient] = await Promise.all([packageVersion('socket.io'), packageVersion('socket.io-client')]);
  const integrity = checkIntegrity(scenarios);
  // other work on the machine takes cores from the servers and the clients alike: say so next to the numbers
  if (loadAverage > BUSY_LOAD_AVERAGE) integrity.warnings.push(`the machine was busy when the run started (load average ${loadAverage} on ${os.cpus().length} cores): every number is skewed`);
  const results: BenchResults = {
    date,
    mode: options.smoke ? 'smoke' : 'full',
    wallTimeMs: Math.round(wallNow() - started),
    machine: await describeMachine(loadAverage),
    database: database?.description ?? 'not started',
    method: [
      `clients: socket.io-client ${socketIoClient} with transports: ['websocket'] (no long-polling), one connection each, in ${parameters.workers} worker processes on the same machine; servers: socket.io ${socketIo}`,
      `Parley: each node its own process (NODE_ENV=production, LOG_LEVEL=${BENCH_SERVER_ENV.LOG_LEVEL}), a fresh database per scenario, users and sessions seeded with the driver; the handshake does the real session lookup`,
      `send limits raised to RATE_LIMIT_MESSAGES_PER_USER=${BENCH_SERVER_ENV.RATE_LIMIT_MESSAGES_PER_USER}, RATE_LIMIT_MESSAGE_BURST_PER_USER=${BENCH_SERVER_ENV.RATE_LIMIT_MESSAGE_BURST_PER_USER}: this measures the hub, not the limiter`,
      'latency: from the scheduled send time (an open loop: a late generator or slow ack cannot hide queueing) to message:new at every other client in the room; one machine, one clock',
      'loss and duplicates: every acked seq checked at every client but its sender (message:new skips the sender), after up to drainMs for late ones',
      'baseline: a bare Socket.IO server (bench/baseline-server.ts): no auth, no database, in-memory seq, same server options, same generator',
    ],
    serverEnv: { ...BENCH_SERVER_ENV },
    parameters,
    scenarios,
    targets: checkTargets(scenarios),
    integrity,
    startedProcesses,
    ...(profileDir ? { profiles: await profilesOf(profileDir, profiledProcesses) } : {}),
    ...(error ? { error } : {}),
  };
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(results, null, 2)}\n`);
  console.log(formatReport(results, path.relative(process.cwd(), file)));
  if (interrupted) return 130;
  return error || !integrity.ok ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
