// A load-generating process of the benchmark: owns a share of the Socket.IO clients and obeys the primary
// (bench/run.ts) over IPC. Forked by bench/worker-pool.ts; `process.argv[2]` is its index among the workers.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { io, type Socket } from 'socket.io-client';
import type { Ack, ClientToServerEvents, HistoryResult, JoinResult, Message, SendResult as SentMessage, ServerToClientEvents } from '../sdk/protocol';
import { createLatencyHistogram, encodeHistogram, type Histogram, recordMs, wallNow } from './stats';
import type {
  CollectRequest,
  CollectResult,
  CommandMessage,
  ConnectRequest,
  ConnectResult,
  HistoryRequest,
  JoinRequest,
  ReplyMessage,
  SendRequest,
  SendResult,
  TimedRequestsResult,
} from './worker-protocol';

type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

const workerIndex = Number(process.argv[2] ?? 0);
const MAX_SAMPLES = 5;
const DRAIN_POLL_MS = 50;
const HANDSHAKE_ATTEMPTS = 10;
const HANDSHAKE_RETRY_MS = 200;

/** How many times each seq reached one client: a byte per seq, as seqs are small, dense integers. */
class SeqCounts {
  private counts = new Uint8Array(4096);

  /** Counts one arrival; returns how many there were before it. */
  add(seq: number): number {
    if (seq >= this.counts.length) {
      const grown = new Uint8Array(Math.max(seq + 1, this.counts.length * 2));
      grown.set(this.counts);
      this.counts = grown;
    }
    const before = this.counts[seq] ?? 0;
    if (before < 255) this.counts[seq] = before + 1;
    return before;
  }

  has(seq: number): boolean {
    return (this.counts[seq] ?? 0) > 0;
  }
}

interface BenchClient {
  socket: ClientSocket;
  received: SeqCounts;
  /** Seqs this client sent and had acked: `message:new` never comes back to its sender. */
  own: Set<number>;
  /** Why its connection dropped, if it did (this bench never reconnects). */
  droppedBecause?: string;
}

/** What the clients of this worker received in one run, kept until they disconnect (late arrivals still count). */
interface Run {
  latency: Histogram;
  delivered: number;
  duplicated: number;
  lastDeliveryAt: number;
  /** Distinct seqs of this run per client, for a cheap "is everyone complete" check while draining. */
  distinct: Uint32Array;
}

let clients: BenchClient[] = [];
const runs = new Map<string, Run>();
// deliveries that belong to no run of this worker; reported (as unexpected) by the next collect
let strays = 0;
let closing = false;

/** Texts are `<runId> <scheduled send time in µs since the epoch>`: the receiver's clock is the same machine's. */
const textOf = (runId: string, sentAtMs: number) => `${runId} ${Math.round(sentAtMs * 1000)}`;

function onMessage(clientIndex: number, message: Message): void {
  const now = wallNow();
  const space = message.text.indexOf(' ');
  const run = space > 0 ? runs.get(message.text.slice(0, space)) : undefined;
  const client = clients[clientIndex];
  if (!run || !client) {
    strays += 1;
    return;
  }
  recordMs(run.latency, now - Number(message.text.slice(space + 1)) / 1000);
  run.delivered += 1;
  run.lastDeliveryAt = now;
  if (client.received.add(message.seq) > 0) run.duplicated += 1;
  else run.distinct[clientIndex] = (run.distinct[clientIndex] ?? 0) + 1;
}

async function connect(request: ConnectRequest): Promise<ConnectResult> {
  // a run counts per client from its start: clients joining later would be missing from it
  if (runs.size > 0) throw new Error('this worker has runs under way; disconnect before connecting more clients');
  closing = false;
  let handshakeRetries = 0;
  const joinLatency = createLatencyHistogram();
  const roomJoinLatency = createLatencyHistogram();
  const loopDelay = monitorEventLoopDelay({ resolution: 20 });
  loopDelay.enable();
  const first = clients.length;
  let next = 0;
  let droppedWhileConnecting = 0;
  const connectOne = async (specIndex: number) => {
    try {
      await connectOrThrow(specIndex);
    } catch (error) {
      // a connection the server dropped before its join was answered: counted, when the scenario allows it
      if (!request.tolerateDrops || clients[first + specIndex]?.droppedBecause === undefined) throw error;
      droppedWhileConnecting += 1;
    }
  };
  const connectOrThrow = async (specIndex: number) => {
    const spec = request.clients[specIndex]!;
    const index = first + specIndex;
    const started = wallNow();
    const socket: ClientSocket = io(spec.url, {
      transports: ['websocket'],
      // one connection per client: without it socket.io-client multiplexes every client of a URL over one
      forceNew: true,
      reconnection: false,
      timeout: request.timeoutMs,
      ...(spec.auth ? { auth: { ...spec.auth } } : {}),
    });
    const client: BenchClient = { socket, received: new SeqCounts(), own: new Set() };
    clients[index] = client;
    socket.on('message:new', (message) => onMessage(index, message));
    socket.on('disconnect', (reason) => {
      if (!closing) client.droppedBecause = reason;
    });
    await new Promise<void>((resolve, reject) => {
      let attempts = 1;
      const done = (error?: Error) => {
        clearTimeout(timer);
        socket.off('connect', onConnect);
        socket.off('connect_error', onRefused);
        if (error) reject(error);
        else resolve();
      };
      const onConnect = () => done();
      const onRefused = (error: Error & { data?: { code?: string } }) => {
        // the server could not check the session just now (its database was busy): try again, as a person would
        if (error.data?.code === 'unavailable' && attempts < HANDSHAKE_ATTEMPTS) {
          handshakeRetries += 1;
          setTimeout(() => socket.connect(), HANDSHAKE_RETRY_MS * attempts++);
          return;
        }
        done(new Error(`unable to connect to ${spec.url}; ${error.message}`));
      };
      const timer = setTimeout(() => done(new Error(`no connection within ${request.timeoutMs} ms`)), request.timeoutMs);
      socket.on('connect', onConnect);
      socket.on('connect_error', onRefused);
    });
    const joining = wallNow();
    const joined: Ack<JoinResult> = await socket
      .timeout(request.timeoutMs)
      .emitWithAck('room:join', { roomId: spec.roomId })
      .catch((error: unknown) => {
        // say why: "ping timeout" means this process fell behind the server by its ping timeout (the load generator was the limit)
        const reason = client.droppedBecause === undefined ? '' : ` (disconnected: ${client.droppedBecause})`;
        throw new Error(`room:join of client ${index} got no answer: ${error instanceof Error ? error.message : String(error)}${reason}`);
      });
    if (!('ok' in joined)) throw new Error(`room:join was refused: ${joined.error.code}, ${joined.error.message}`);
    const now = wallNow();
    recordMs(joinLatency, now - started);
    recordMs(roomJoinLatency, now - joining);
  };
  try {
    await Promise.all(
      Array.from({ length: Math.min(request.concurrency, request.clients.length) }, async () => {
        while (next < request.clients.length) await connectOne(next++);
      }),
    );
  } finally {
    loopDelay.disable();
  }
  const dropped: Record<string, number> = {};
  for (const client of clients) if (client?.droppedBecause !== undefined) dropped[client.droppedBecause] = (dropped[client.droppedBecause] ?? 0) + 1;
  return {
    connected: request.clients.length - droppedWhileConnecting,
    dropped,
    handshakeRetries,
    joinLatency: encodeHistogram(joinLatency),
    roomJoinLatency: encodeHistogram(roomJoinLatency),
    maxEventLoopDelayMs: Math.round(loopDelay.max / 1e5) / 10,
  };
}

/** Sends at the scheduled times, whatever the acks do (an open loop: a slow server cannot slow the offered load). */
async function send(request: SendRequest): Promise<SendResult> {
  if (runs.has(request.runId)) throw new Error(`run ${request.runId} exists already`);
  // registered before anyone sends, so every worker counts the run's first deliveries
  runs.set(request.runId, {
    latency: createLatencyHistogram(),
    delivered: 0,
    duplicated: 0,
    lastDeliveryAt: 0,
    distinct: new Uint32Array(clients.length),
  });
  const senders = request.senders.map((index) => {
    const client = clients[index];
    if (!client) throw new Error(`no client ${index} in this worker`);
    return client;
  });
  const ackLatency = createLatencyHistogram();
  const result: SendResult = { scheduled: 0, ackedSeqs: [], failed: 0, failureSamples: [], ackLatency: '', lastAckAt: 0, maxSendLagMs: 0 };
  const fail = (reason: string) => {
    result.failed += 1;
    if (result.failureSamples.length < MAX_SAMPLES) result.failureSamples.push(reason);
  };

  const sendOne = async (client: BenchClient, sentAt: number, n: number) => {
    try {
      const ack: Ack<SentMessage> = await client.socket.timeout(request.ackTimeoutMs).emitWithAck('message:send', {
        roomId: request.roomId,
        text: textOf(request.runId, sentAt),
        // 8–64 of [A-Za-z0-9_-], unique per sender and run
        clientMsgId: `${request.runId}-w${workerIndex}-${String(n).padStart(6, '0')}`,
      });
      if (!('ok' in ack)) return fail(`${ack.error.code}: ${ack.error.message}`);
      const now = wallNow();
      client.own.add(ack.message.seq);
      result.ackedSeqs.push(ack.message.seq);
      recordMs(ackLatency, now - sentAt);
      result.lastAckAt = Math.max(result.lastAckAt, now);
    } catch {
      fail(`no ack within ${request.ackTimeoutMs} ms`);
    }
  };

  const pending: Array<Promise<void>> = [];
  if (senders.length > 0 && request.ratePerSecond > 0) {
    const intervalMs = 1000 / request.ratePerSecond;
    result.scheduled = Math.floor(request.durationMs / intervalMs);
    const dueAt = (n: number) => request.startAt + n * intervalMs;
    let next = 0;
    await new Promise<void>((resolve) => {
      const tick = () => {
        const now = wallNow();
        // everything due by now goes out, so a late timer catches up instead of lowering the rate
        while (next < result.scheduled && dueAt(next) <= now) {
          result.maxSendLagMs = Math.max(result.maxSendLagMs, now - dueAt(next));
          pending.push(sendOne(senders[next % senders.length]!, dueAt(next), next));
          next += 1;
        }
        if (next >= result.scheduled) resolve();
        else setTimeout(tick, Math.max(0, dueAt(next) - wallNow()));
      };
      setTimeout(tick, Math.max(0, request.startAt - wallNow()));
    });
  }
  await Promise.all(pending);
  result.maxSendLagMs = Math.round(result.maxSendLagMs * 10) / 10;
  result.ackLatency = encodeHistogram(ackLatency);
  return result;
}

/**
 * Waits until every connected client has every acked seq, or nothing has arrived for quietMs, or drainMs has
 * passed; then counts what is missing or doubled.
 */
async function collect(request: CollectRequest): Promise<CollectResult> {
  const run = runs.get(request.runId);
  if (!run) throw new Error(`no run ${request.runId} in this worker`);
  const acked = new Set(request.ackedSeqs);
  // a client expects every acked seq but its own
  const expectedOf = clients.map((client) => acked.size - [...client.own].filter((seq) => acked.has(seq)).length);
  const missingOf = (client: BenchClient) => request.ackedSeqs.reduce((missing, seq) => missing + (client.own.has(seq) || client.received.has(seq) ? 0 : 1), 0);
  const complete = () =>
    clients.every((client, index) => client.droppedBecause !== undefined || ((run.distinct[index] ?? 0) >= expectedOf[index]! && missingOf(client) === 0));

  const started = wallNow();
  // missing deliveries are lost only once nothing has arrived for a while; cut off while they still flow, they are late
  let stillArriving = false;
  for (;;) {
    const now = wallNow();
    if (complete() || now - Math.max(run.lastDeliveryAt, started) >= request.quietMs) break;
    if (now - started >= request.drainMs) {
      stillArriving = true;
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, DRAIN_POLL_MS));
  }

  const result: CollectResult = {
    delivered: run.delivered,
    expected: expectedOf.reduce((sum, count) => sum + count, 0),
    lost: 0,
    late: 0,
    missedByDropped: 0,
    duplicated: run.duplicated,
    unexpected: strays,
    latency: encodeHistogram(run.latency),
    lastDeliveryAt: run.lastDeliveryAt,
    dropped: {},
  };
  strays = 0;
  clients.forEach((client, index) => {
    const missing = missingOf(client);
    if (client.droppedBecause === undefined) {
      if (stillArriving) result.late += missing;
      else result.lost += missing;
    } else {
      result.missedByDropped += missing;
      result.dropped[client.droppedBecause] = (result.dropped[client.droppedBecause] ?? 0) + 1;
    }
    // distinct seqs received = expected ones received + ones nobody acked
    result.unexpected += (run.distinct[index] ?? 0) - (expectedOf[index]! - missing);
  });
  return result;
}

function firstClient(): ClientSocket {
  const client = clients[0];
  if (!client) throw new Error('this worker has no client connected');
  return client.socket;
}

/** Sequential `room:history` pages before random seqs; checks each page is the newest `limit` before that seq, gap-free. */
async function history(request: HistoryRequest): Promise<TimedRequestsResult> {
  const socket = firstClient();
  return timedRequests(request.requests, request.budgetMs, async () => {
    const before = 2 + Math.floor(Math.random() * request.highestSeq);
    const answer: Ack<HistoryResult> = await socket.timeout(request.timeoutMs).emitWithAck('room:history', { roomId: request.roomId, before, limit: request.limit });
    if (!('ok' in answer)) return `room:history refused: ${answer.error.code}, ${answer.error.message}`;
    const expected = Math.min(request.limit, before - 1);
    if (answer.messages.length !== expected) return `history before ${before}: ${answer.messages.length} messages, expected ${expected}`;
    const gap = answer.messages.findIndex((message, index) => message.seq !== before - 1 - index);
    return gap === -1 ? undefined : `history before ${before}: seq ${answer.messages[gap]?.seq} at position ${gap}`;
  });
}

/**
 * `room:join`s of the first client: with afterSeq, as the SDK sends it after a disconnect (a catch-up), or without
 * (the newest page and the online list), optionally after a `room:leave` each; checks the page, `more` and the list.
 */
async function join(request: JoinRequest): Promise<TimedRequestsResult & { online: number }> {
  const socket = firstClient();
  const what = request.afterSeq === undefined ? 'join' : `catch-up after ${request.afterSeq}`;
  let online = 0;
  const result = await timedRequests(
    request.repeats,
    request.budgetMs,
    async () => {
      const answer: Ack<JoinResult> = await socket
        .timeout(request.timeoutMs)
        .emitWithAck('room:join', { roomId: request.roomId, ...(request.afterSeq === undefined ? {} : { afterSeq: request.afterSeq }) });
      if (!('ok' in answer)) return `room:join refused: ${answer.error.code}, ${answer.error.message}`;
      online = answer.online.length;
      if (answer.messages.length !== request.expectedCount) return `${what}: ${answer.messages.length} messages, expected ${request.expectedCount}`;
      if (answer.more !== request.expectedMore) return `${what}: more = ${answer.more}`;
      if (online < request.expectedOnlineAtLeast) return `${what}: ${online} users online, expected at least ${request.expectedOnlineAtLeast}`;
      const gap = answer.messages.findIndex((message, index) => message.seq !== request.expectedFirstSeq + index);
      return gap === -1 ? undefined : `${what}: seq ${answer.messages[gap]?.seq} at position ${gap}, expected ${request.expectedFirstSeq + gap}`;
    },
    request.leaveFirst
      ? async () => {
          const left: Ack = await socket.timeout(request.timeoutMs).emitWithAck('room:leave', { roomId: request.roomId });
          if (!('ok' in left)) throw new Error(`room:leave was refused: ${left.error.code}, ${left.error.message}`);
        }
      : undefined,
  );
  return { ...result, online };
}

/**
 * Runs `request` one at a time, `count` times or until the budget is spent (at least once); it returns what was
 * wrong, if anything. `prepare`, when given, runs before each request, untimed.
 */
async function timedRequests(count: number, budgetMs: number, request: () => Promise<string | undefined>, prepare?: () => Promise<void>): Promise<TimedRequestsResult> {
  const latency = createLatencyHistogram();
  const result: TimedRequestsResult = { completed: 0, latency: '', wrongAnswers: 0, wrongAnswerSamples: [] };
  const started = wallNow();
  while (result.completed < count && (result.completed === 0 || wallNow() - started < budgetMs)) {
    await prepare?.();
    const sent = wallNow();
    const wrong = await request();
    recordMs(latency, wallNow() - sent);
    result.completed += 1;
    if (wrong !== undefined) {
      result.wrongAnswers += 1;
      if (result.wrongAnswerSamples.length < MAX_SAMPLES) result.wrongAnswerSamples.push(wrong);
    }
  }
  result.latency = encodeHistogram(latency);
  return result;
}

function disconnect(): { closed: number } {
  closing = true;
  const closed = clients.length;
  for (const client of clients) client?.socket.disconnect();
  clients = [];
  runs.clear();
  strays = 0;
  return { closed };
}

function handle(message: CommandMessage): Promise<unknown> {
  switch (message.command) {
    case 'connect':
      return connect(message.request);
    case 'send':
      return send(message.request);
    case 'collect':
      return collect(message.request);
    case 'history':
      return history(message.request);
    case 'join':
      return join(message.request);
    case 'disconnect':
      return Promise.resolve(disconnect());
  }
}

const reply = (message: ReplyMessage) => process.send?.(message);

process.on('message', (message: CommandMessage) => {
  handle(message).then(
    (result) => reply({ id: message.id, result } as ReplyMessage),
    (error: unknown) => reply({ id: message.id, error: error instanceof Error ? error.message : String(error) }),
  );
});
// the primary is gone (finished, or killed): nothing left to do, and nothing may outlive it
process.on('disconnect', () => process.exit(0));
reply({ ready: true });
