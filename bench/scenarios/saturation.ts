// Scenario 2: raise the combined send rate step by step until delivery p99 passes the limit, anything is lost or
// fails, or acks fall behind; the result is the highest step that held, in persisted (acked) messages per second.
import type { BenchContext } from '../context';
import { connectClients, type ConnectSummary, describeClients, disconnectClients, droppedClients, type RunResult, runLoad } from '../load';
import type { SaturationParameters } from '../parameters';
import { BENCH_ROOM, type SeededUser, seedUsers } from '../seed';
import { type BenchServer, openScenarioDatabase, startBaselineServer, startParleyNode } from '../servers';
import { ratio } from '../stats';

export interface SaturationStep extends RunResult {
  passed: boolean;
  /** Why the step failed; empty when it passed. */
  failures: string[];
}

export interface SaturationRun {
  clients: number;
  senders: number;
  connect: ConnectSummary;
  warmUp: RunResult;
  steps: SaturationStep[];
  /** The highest step that held; null when even the first failed. */
  highest: { offeredPerSecond: number; persistedPerSecond: number; deliveriesPerSecond: number; p99Ms: number | null } | null;
  /** True when every step held: the server was not saturated within maxSteps. */
  unsaturated: boolean;
  serverProblems: string[];
}

export interface SaturationResult {
  parley: SaturationRun;
  baseline: SaturationRun;
  /** Parley's highest persisted rate ÷ the baseline's. */
  ratio: number | null;
}

function judge(run: RunResult, limits: SaturationParameters): string[] {
  const failures: string[] = [];
  if (run.deliveries.lost > 0) failures.push(`${run.deliveries.lost} deliveries lost`);
  if (run.deliveries.late > 0) failures.push(`${run.deliveries.late} deliveries still on their way after the wait`);
  if (run.deliveries.duplicated > 0) failures.push(`${run.deliveries.duplicated} duplicated`);
  if (run.failed > 0) failures.push(`${run.failed} sends failed (${run.failureSamples[0] ?? ''})`);
  if (droppedClients(run) > 0) failures.push(`${droppedClients(run)} clients dropped (${Object.keys(run.dropped).join(', ')})`);
  if (run.latency.p99Ms === null || run.latency.p99Ms > limits.p99LimitMs) failures.push(`p99 ${run.latency.p99Ms ?? '–'} ms > ${limits.p99LimitMs} ms`);
  if (run.persistedPerSecond < run.offeredPerSecond * limits.minAckedShare) failures.push(`acks fell behind: ${run.persistedPerSecond}/s of ${run.offeredPerSecond}/s`);
  return failures;
}

/** Steps up from startRatePerSecond by `factor`; after the first failure, one step between it and the last pass. */
export async function saturate(context: BenchContext, servers: readonly BenchServer[], users: readonly SeededUser[] | undefined): Promise<SaturationRun> {
  const limits = context.parameters.saturation;
  try {
    const connect = await connectClients(context, describeClients(context, servers, limits.clients, { users }));
    const phase = { roomId: BENCH_ROOM, senders: limits.senders, drainMs: limits.drainMs, ackTimeoutMs: limits.ackTimeoutMs };
    const warmUp = await runLoad(context, { ...phase, ratePerSecond: limits.startRatePerSecond, durationMs: limits.warmUpMs });

    const steps: SaturationStep[] = [];
    const step = async (ratePerSecond: number) => {
      const run = await runLoad(context, { ...phase, ratePerSecond: Math.round(ratePerSecond), durationMs: limits.stepMs });
      const failures = judge(run, limits);
      steps.push({ ...run, passed: failures.length === 0, failures });
      context.log(`  ${run.offeredPerSecond} msg/s offered: ${run.persistedPerSecond}/s acked, p99 ${run.latency.p99Ms ?? '–'} ms${failures.length ? `: ${failures.join('; ')}` : ''}`);
      return failures.length === 0;
    };
    let rate = limits.startRatePerSecond;
    let passedRate: number | undefined;
    for (let index = 0; index < limits.maxSteps; index += 1, rate *= limits.factor) {
      if (!(await step(rate))) {
        // one finer step, when it differs enough from the last pass to be worth the time
        if (passedRate !== undefined && Math.sqrt(passedRate * rate) > passedRate * 1.1) await step(Math.sqrt(passedRate * rate));
        break;
      }
      passedRate = rate;
    }

    const best = steps.filter((candidate) => candidate.passed).sort((a, b) => b.persistedPerSecond - a.persistedPerSecond)[0];
    return {
      clients: connect.clients,
      senders: limits.senders,
      connect,
      warmUp,
      steps,
      highest: best
        ? { offeredPerSecond: best.offeredPerSecond, persistedPerSecond: best.persistedPerSecond, deliveriesPerSecond: best.deliveries.perSecond, p99Ms: best.latency.p99Ms }
        : null,
      unsaturated: steps.every((candidate) => candidate.passed),
      serverProblems: servers.flatMap((server) => server.problems()),
    };
  } finally {
    await disconnectClients(context);
  }
}

export async function runSaturation(context: BenchContext): Promise<SaturationResult> {
  const limits = context.parameters.saturation;
  context.log(`saturation, Parley: ${limits.clients} clients, ${limits.senders} senders`);
  const database = await openScenarioDatabase(context, 'saturation');
  let parley: SaturationRun;
  try {
    const node = await startParleyNode(context, { label: 'saturation', dbName: database.name });
    try {
      const users = await seedUsers(database.db, limits.clients);
      parley = await saturate(context, [node], users);
    } finally {
      await node.stop();
    }
  } finally {
    await database.close();
  }

  context.log(`saturation, baseline: ${limits.clients} clients on a bare Socket.IO server`);
  const server = await startBaselineServer(context);
  let baseline: SaturationRun;
  try {
    baseline = await saturate(context, [server], undefined);
  } finally {
    await server.stop();
  }
  return { parley, baseline, ratio: ratio(parley.highest?.persistedPerSecond, baseline.highest?.persistedPerSecond) };
}
