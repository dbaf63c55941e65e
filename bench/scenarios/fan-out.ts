// Scenario 1 (and 6 through fanOutOn): one room, many authenticated clients, senders at a fixed combined rate;
// deliveries per second, send → receive latency at every client, and loss and duplicates by seq.
import type { BenchContext } from '../context';
import { connectClients, type ConnectSummary, describeClients, disconnectClients, type RunResult, runLoad } from '../load';
import type { LoadParameters } from '../parameters';
import { BENCH_ROOM, seedUsers } from '../seed';
import { type BenchServer, openScenarioDatabase, startBaselineServer, startParleyNode } from '../servers';
import { ratio } from '../stats';
import type { ClientSpec } from '../worker-protocol';

export interface FanOutRun {
  servers: number;
  clients: number;
  /** Distinct users behind the clients (see LoadParameters.users); 0 for the baseline. */
  users: number;
  senders: number;
  connect: ConnectSummary;
  warmUp: RunResult;
  /** At lightRatePerSecond: a load this machine can drive. */
  light: RunResult;
  /** At ratePerSecond: the load. */
  run: RunResult;
  /** Warnings and errors the servers logged meanwhile. */
  serverProblems: string[];
}

export interface FanOutResult {
  parley: FanOutRun;
  baseline: FanOutRun;
  /** Parley ÷ baseline, at the full and at the light rate. */
  ratio: { deliveriesPerSecond: number | null; p99: number | null; lightP99: number | null };
}

/**
 * Connects the clients, warms up, runs at the light rate, then at the full rate (last, as clients that fall too far
 * behind there are dropped by the server); disconnects them afterwards.
 */
export async function fanOutOn(context: BenchContext, servers: readonly BenchServer[], specs: readonly ClientSpec[], users: number, load: LoadParameters): Promise<FanOutRun> {
  try {
    context.log(`  connecting ${specs.length} clients…`);
    const connect = await connectClients(context, specs);
    const phase = { roomId: BENCH_ROOM, senders: load.senders, drainMs: load.drainMs, ackTimeoutMs: load.ackTimeoutMs };
    context.log(`  connected in ${(connect.elapsedMs / 1000).toFixed(1)} s; warming up…`);
    const warmUp = await runLoad(context, { ...phase, ratePerSecond: load.lightRatePerSecond, durationMs: load.warmUpMs });
    context.log(`  ${load.lightRatePerSecond} messages/s for ${load.lightDurationMs / 1000} s…`);
    const light = await runLoad(context, { ...phase, ratePerSecond: load.lightRatePerSecond, durationMs: load.lightDurationMs });
    context.log(`  ${load.ratePerSecond} messages/s for ${load.durationMs / 1000} s…`);
    const run = await runLoad(context, { ...phase, ratePerSecond: load.ratePerSecond, durationMs: load.durationMs });
    return {
      servers: servers.length,
      clients: connect.clients,
      users,
      senders: load.senders,
      connect,
      warmUp,
      light,
      run,
      serverProblems: servers.flatMap((server) => server.problems()),
    };
  } finally {
    await disconnectClients(context);
  }
}

/** The Parley side: one node on a fresh database, its clients signed in as `users` seeded users (see LoadParameters.users). */
export async function fanOutParley(context: BenchContext, load: LoadParameters): Promise<FanOutRun> {
  const database = await openScenarioDatabase(context, 'fan-out');
  try {
    const node = await startParleyNode(context, { label: 'fan-out', dbName: database.name });
    try {
      const users = await seedUsers(database.db, load.users);
      return await fanOutOn(context, [node], describeClients(context, [node], load.clients, { users }), users.length, load);
    } finally {
      await node.stop();
    }
  } finally {
    await database.close();
  }
}

export async function fanOutBaseline(context: BenchContext, load: LoadParameters): Promise<FanOutRun> {
  const server = await startBaselineServer(context);
  try {
    return await fanOutOn(context, [server], describeClients(context, [server], load.clients), 0, load);
  } finally {
    await server.stop();
  }
}

export async function runFanOut(context: BenchContext): Promise<FanOutResult> {
  const load = context.parameters.fanOut;
  context.log(`fan-out, Parley: ${load.clients} clients of ${load.users} users in one room`);
  const parley = await fanOutParley(context, load);
  context.log(`fan-out, baseline: ${load.clients} clients on a bare Socket.IO server`);
  const baseline = await fanOutBaseline(context, load);
  return {
    parley,
    baseline,
    ratio: {
      deliveriesPerSecond: ratio(parley.run.deliveries.perSecond, baseline.run.deliveries.perSecond),
      p99: ratio(parley.run.latency.p99Ms, baseline.run.latency.p99Ms),
      lightP99: ratio(parley.light.latency.p99Ms, baseline.light.latency.p99Ms),
    },
  };
}
