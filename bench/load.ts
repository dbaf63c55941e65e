// Load phases driven through the workers: connect clients, run senders at a rate, then count what arrived.
import type { BenchContext } from './context';
import { BENCH_ROOM, BENCH_SITE, type SeededUser } from './seed';
import { type LatencySummary, mergeHistograms, summarize, wallNow } from './stats';
import { snapshotCpu } from './system';
import type { ClientSpec, CollectResult } from './worker-protocol';

// the workers start sending together this long after the primary asks, so every worker has registered the run
const START_DELAY_MS = 300;
const COMMAND_MARGIN_MS = 60_000;
// after the last ack, deliveries still arriving are waited for; once none has come for this long, missing is lost
const DRAIN_QUIET_MS = 3_000;

export interface ConnectSummary {
  /** Connected and joined. */
  clients: number;
  /**
   * Clients whose connection had dropped by the end, this request's or earlier ones', by reason; "ping timeout"
   * means a client fell too far behind (the load generator was the limit). Only with `tolerateDrops`; otherwise a
   * drop before the join is answered fails the connect.
   */
  dropped: Record<string, number>;
  elapsedMs: number;
  /** Handshakes refused as `unavailable` and tried again: the server's database could not keep up. */
  handshakeRetries: number;
  /** Socket opened → `room:join` acked, per client (handshake with its session lookup, join, presence). */
  joinLatency: LatencySummary;
  /** `room:join` sent → acked, per client: the join alone, without the handshake (nor the wait for a connection slot). */
  roomJoinLatency: LatencySummary;
  /** The longest any load generator's event loop was held up meanwhile (see ConnectResult). */
  maxGeneratorDelayMs: number;
  /** Average cores used while connecting, by process role. */
  cpuCores: Record<string, number>;
}

/**
 * Connects clients in the workers: client i goes to worker i % workers, so worker w's local client k is global
 * client k × workers + w. Adds to the clients the workers already have.
 */
export async function connectClients(context: BenchContext, specs: readonly ClientSpec[], options: { tolerateDrops?: boolean } = {}): Promise<ConnectSummary> {
  const { pool, parameters } = context;
  const started = wallNow();
  const cpuBefore = await snapshotCpu();
  const results = await pool.all(
    'connect',
    (worker) => ({
      clients: specs.filter((_, index) => index % pool.size === worker),
      concurrency: parameters.connectConcurrency,
      timeoutMs: parameters.connectTimeoutMs,
      ...(options.tolerateDrops ? { tolerateDrops: true } : {}),
    }),
    parameters.connectTimeoutMs * Math.ceil(specs.length / pool.size / parameters.connectConcurrency) + COMMAND_MARGIN_MS,
  );
  return {
    clients: results.reduce((sum, result) => sum + result.connected, 0),
    dropped: addCounts(results.map((result) => result.dropped)),
    elapsedMs: Math.round(wallNow() - started),
    handshakeRetries: results.reduce((sum, result) => sum + result.handshakeRetries, 0),
    joinLatency: summarize(mergeHistograms(results.map((result) => result.joinLatency))),
    roomJoinLatency: summarize(mergeHistograms(results.map((result) => result.roomJoinLatency))),
    maxGeneratorDelayMs: Math.max(0, ...results.map((result) => result.maxEventLoopDelayMs)),
    cpuCores: context.cpuBetween(cpuBefore, await snapshotCpu()),
  };
}

/**
 * `count` clients: client i talks to server ⌊i / workers⌋ mod servers, so each worker has clients on every server
 * (see connectClients); signs in as user i mod users, when there are users; joins `roomOf(i)`, by default the
 * bench room.
 */
export function describeClients(
  context: BenchContext,
  servers: ReadonlyArray<{ url: string }>,
  count: number,
  options: { users?: readonly SeededUser[]; roomOf?: (index: number) => string } = {},
): ClientSpec[] {
  const { users, roomOf = () => BENCH_ROOM } = options;
  return Array.from({ length: count }, (_, index) => {
    const url = servers[Math.floor(index / context.pool.size) % servers.length]!.url;
    const user = users?.[index % users.length];
    return { url, roomId: roomOf(index), ...(user ? { auth: { site: BENCH_SITE, token: user.token } } : {}) };
  });
}

export async function disconnectClients(context: BenchContext): Promise<void> {
  await context.pool.all('disconnect', () => ({}), COMMAND_MARGIN_MS);
}

export interface LoadPhase {
  roomId: string;
  /** Global clients 0 … senders - 1 send. */
  senders: number;
  ratePerSecond: number;
  durationMs: number;
  drainMs: number;
  ackTimeoutMs: number;
}

export interface RunResult {
  runId: string;
  offeredPerSecond: number;
  durationMs: number;
  /** Messages the schedule called for. */
  scheduled: number;
  acked: number;
  /** Refused or not acked in time. */
  failed: number;
  failureSamples: string[];
  /** Acked (stored, for Parley) messages per second, over the send window or until the last ack if later. */
  persistedPerSecond: number;
  /** Every worker's counts added up (see CollectResult for what each means). */
  deliveries: Pick<CollectResult, 'delivered' | 'expected' | 'lost' | 'late' | 'missedByDropped' | 'duplicated' | 'unexpected'> & {
    /** `message:new` events received per second, over the send window or until the last arrival if later. */
    perSecond: number;
  };
  /** Scheduled send time → `message:new` at every receiving client. */
  latency: LatencySummary;
  /** Scheduled send time → ack at the sender. */
  ackLatency: LatencySummary;
  /** The most any worker fell behind its send schedule: large values mean the load generator was the limit. */
  maxSendLagMs: number;
  /**
   * Clients whose connection had dropped by the end of the run, by reason. "ping timeout" means a client was too
   * far behind to answer the server's ping in time: the load generator, not the hub, was the limit.
   */
  dropped: Record<string, number>;
  /** Average cores used while the senders ran, by process role. */
  cpuCores: Record<string, number>;
}

/** Which of a worker's clients send: global clients below `senders`, by their local index (see connectClients). */
function sendersOf(worker: number, workers: number, senders: number): number[] {
  const local: number[] = [];
  for (let global = worker; global < senders; global += workers) local.push((global - worker) / workers);
  return local;
}

/**
 * One open-loop run: every worker's senders send at their share of the rate for the duration, then every
 * client's receipts are checked against the union of acked seqs.
 */
export async function runLoad(context: BenchContext, phase: LoadPhase): Promise<RunResult> {
  const { pool } = context;
  const runId = context.nextRunId();
  const startAt = wallNow() + START_DELAY_MS;
  const cpuBefore = await snapshotCpu();
  const sent = await pool.all(
    'send',
    (worker) => {
      const senders = sendersOf(worker, pool.size, phase.senders);
      return {
        runId,
        roomId: phase.roomId,
        senders,
        ratePerSecond: (phase.ratePerSecond * senders.length) / phase.senders,
        durationMs: phase.durationMs,
        // interleaved, so the workers' sends together are evenly spaced
        startAt: startAt + (worker * 1000) / phase.ratePerSecond,
        ackTimeoutMs: phase.ackTimeoutMs,
      };
    },
    START_DELAY_MS + phase.durationMs + phase.ackTimeoutMs + COMMAND_MARGIN_MS,
  );
  const cpuAfter = await snapshotCpu();
  const ackedSeqs = sent.flatMap((result) => result.ackedSeqs).sort((a, b) => a - b);
  const collected = await pool.all('collect', () => ({ runId, ackedSeqs, drainMs: phase.drainMs, quietMs: DRAIN_QUIET_MS }), phase.drainMs + COMMAND_MARGIN_MS);

  const lastAckAt = Math.max(0, ...sent.map((result) => result.lastAckAt));
  const lastDeliveryAt = Math.max(0, ...collected.map((result) => result.lastDeliveryAt));
  const windowSeconds = (until: number) => Math.max(phase.durationMs, until - startAt) / 1000;
  const delivered = collected.reduce((sum, result) => sum + result.delivered, 0);
  return {
    runId,
    offeredPerSecond: phase.ratePerSecond,
    durationMs: phase.durationMs,
    scheduled: sent.reduce((sum, result) => sum + result.scheduled, 0),
    acked: ackedSeqs.length,
    failed: sent.reduce((sum, result) => sum + result.failed, 0),
    failureSamples: sent.flatMap((result) => result.failureSamples).slice(0, 5),
    persistedPerSecond: round(ackedSeqs.length / windowSeconds(lastAckAt)),
    deliveries: {
      delivered,
      expected: collected.reduce((sum, result) => sum + result.expected, 0),
      lost: collected.reduce((sum, result) => sum + result.lost, 0),
      late: collected.reduce((sum, result) => sum + result.late, 0),
      missedByDropped: collected.reduce((sum, result) => sum + result.missedByDropped, 0),
      duplicated: collected.reduce((sum, result) => sum + result.duplicated, 0),
      unexpected: collected.reduce((sum, result) => sum + result.unexpected, 0),
      perSecond: round(delivered / windowSeconds(lastDeliveryAt)),
    },
    latency: summarize(mergeHistograms(collected.map((result) => result.latency))),
    ackLatency: summarize(mergeHistograms(sent.map((result) => result.ackLatency))),
    maxSendLagMs: Math.max(0, ...sent.map((result) => result.maxSendLagMs)),
    dropped: addCounts(collected.map((result) => result.dropped)),
    cpuCores: context.cpuBetween(cpuBefore, cpuAfter),
  };
}

function addCounts(counts: ReadonlyArray<Record<string, number>>): Record<string, number> {
  const sum: Record<string, number> = {};
  for (const one of counts) for (const [key, count] of Object.entries(one)) sum[key] = (sum[key] ?? 0) + count;
  return sum;
}

/** How many clients a run saw dropped, whatever the reason. */
export const droppedClients = (run: RunResult) => Object.values(run.dropped).reduce((sum, count) => sum + count, 0);

const round = (value: number) => Math.round(value * 10) / 10;
