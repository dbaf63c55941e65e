// The IPC contract between the benchmark's primary (bench/run.ts) and its load-generating worker processes
// (bench/client-worker.ts). Types only, like sdk/protocol.ts: both sides import it for free.

import type { HandshakeAuth } from '../sdk/protocol';

/** One Socket.IO client a worker opens: the server it talks to, the room it joins and, for Parley, its session. */
export interface ClientSpec {
  url: string;
  roomId: string;
  /** Absent for the bare baseline server, which authenticates nobody. */
  auth?: HandshakeAuth;
}

/** Histograms travel as hdr-histogram-js's compressed base64 encoding; values are microseconds. */
export type EncodedHistogram = string;

export interface ConnectRequest {
  clients: ClientSpec[];
  /** Handshakes plus joins in flight at once, per worker. */
  concurrency: number;
  timeoutMs: number;
  /**
   * A client the server drops before its join is answered is counted (in `dropped`) rather than failing the
   * command: for a scenario whose load can outrun the generators on a busy machine.
   */
  tolerateDrops?: boolean;
}

export interface ConnectResult {
  /** Clients connected and joined (all of them, unless `tolerateDrops`). */
  connected: number;
  /** This worker's clients, connected by this request or before, whose connection has dropped: by Socket.IO's reason. */
  dropped: Record<string, number>;
  /** Handshakes the server refused as `unavailable` (it could not check the session just then), tried again. */
  handshakeRetries: number;
  /** From opening the socket to the `room:join` ack, per client. */
  joinLatency: EncodedHistogram;
  /** From sending `room:join` to its ack, per client: the join alone, without the handshake. */
  roomJoinLatency: EncodedHistogram;
  /**
   * The longest this worker's event loop was held up while connecting: past the server's ping timeout (5 s; the
   * client's own is 15 s) its clients are dropped for "ping timeout", the load generator being the limit.
   */
  maxEventLoopDelayMs: number;
}

export interface SendRequest {
  /** Tags the texts of this run, so a receiver can tell its messages from earlier runs' late ones. */
  runId: string;
  roomId: string;
  /** Indexes, among this worker's clients, of the ones that send; empty for a worker that only receives. */
  senders: number[];
  /** This worker's share of the combined rate, in messages per second. */
  ratePerSecond: number;
  durationMs: number;
  /** Wall-clock time (ms since the epoch) of this worker's first send: every worker starts together. */
  startAt: number;
  ackTimeoutMs: number;
}

export interface SendResult {
  /** Messages this worker's schedule called for. */
  scheduled: number;
  /** Seqs the server acked to this worker's senders. */
  ackedSeqs: number[];
  /** Sends refused or not acked within ackTimeoutMs. */
  failed: number;
  failureSamples: string[];
  /** Send (scheduled time) → ack at the sender. */
  ackLatency: EncodedHistogram;
  /** Wall-clock time of the last ack, 0 when none came. */
  lastAckAt: number;
  /** How far behind its schedule the worker emitted its latest send: a worker that cannot keep up shows here. */
  maxSendLagMs: number;
}

export interface CollectRequest {
  runId: string;
  /** Every seq acked in this run, by all workers: what each client should receive, less its own sends. */
  ackedSeqs: number[];
  /** Wait at most this long for missing deliveries… */
  drainMs: number;
  /** …and stop waiting sooner once nothing has arrived for this long: what is missing then is not on its way. */
  quietMs: number;
}

export interface CollectResult {
  /** `message:new` events of this run received by this worker's clients, duplicates included. */
  delivered: number;
  /** Deliveries the acked seqs call for at this worker's clients. */
  expected: number;
  /**
   * Acked seqs a connected client never received (its own sends excepted: `message:new` skips the sender), counted
   * once deliveries had stopped coming for quietMs.
   */
  lost: number;
  /** Acked seqs still missing at connected clients when drainMs ran out while deliveries were still arriving. */
  late: number;
  /** Acked seqs missing at clients whose connection dropped: reported apart, as a dropped client would catch up. */
  missedByDropped: number;
  /** Seqs a client received more than once. */
  duplicated: number;
  /** Deliveries of seqs that were never acked (a send that timed out but was stored). */
  unexpected: number;
  /** Scheduled send time → `message:new` at each receiving client. */
  latency: EncodedHistogram;
  /** Wall-clock time of the run's latest delivery, 0 when none came. */
  lastDeliveryAt: number;
  /** Clients whose connection dropped since they connected, by Socket.IO's reason ("ping timeout", …). */
  dropped: Record<string, number>;
}

export interface HistoryRequest {
  roomId: string;
  /** The room's highest seq: each request asks for the page before a random seq up to highestSeq + 1. */
  highestSeq: number;
  limit: number;
  requests: number;
  /** Stop early once this much time has gone, after at least one request. */
  budgetMs: number;
  timeoutMs: number;
}

/** Timed `room:join`s of the worker's first client, one at a time, each checked against what the server promises. */
export interface JoinRequest {
  roomId: string;
  /** A catch-up (the messages after it, oldest first); without it, the room's newest page. */
  afterSeq?: number;
  /** `room:leave` before each join, untimed: a reload's leave and join rather than a join of a room already joined. */
  leaveFirst: boolean;
  /** The answer holds the seqs firstSeq, firstSeq + 1, … : this many of them, and this `more`. */
  expectedFirstSeq: number;
  expectedCount: number;
  expectedMore: boolean;
  /** The online list holds at least this many users. */
  expectedOnlineAtLeast: number;
  repeats: number;
  budgetMs: number;
  timeoutMs: number;
}

export interface TimedRequestsResult {
  completed: number;
  latency: EncodedHistogram;
  /** Answers that were errors or did not hold what the protocol promises (count, order, gaps, `more`). */
  wrongAnswers: number;
  wrongAnswerSamples: string[];
}

/** Every command a worker understands, with what it answers. */
export interface WorkerCommands {
  connect: { request: ConnectRequest; result: ConnectResult };
  send: { request: SendRequest; result: SendResult };
  collect: { request: CollectRequest; result: CollectResult };
  history: { request: HistoryRequest; result: TimedRequestsResult };
  join: { request: JoinRequest; result: TimedRequestsResult & { online: number } };
  /** Closes every client of the worker. */
  disconnect: { request: Record<string, never>; result: { closed: number } };
}

export type CommandName = keyof WorkerCommands;

export type CommandMessage = {
  [Name in CommandName]: { id: number; command: Name; request: WorkerCommands[Name]['request'] };
}[CommandName];

export type ReplyMessage = { ready: true } | { id: number; result: WorkerCommands[CommandName]['result'] } | { id: number; error: string };
