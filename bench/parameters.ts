// What `npm run bench` measures and how hard it pushes; `--smoke` runs the same code paths, scaled down.

export interface LoadParameters {
  /** Authenticated clients (connections) in the room. */
  clients: number;
  /**
   * Distinct users behind them, each signed in once; a user's connections share the session, like a browser's
   * tabs. Fewer users than clients because the embedded database scans the whole sessions and users collections
   * at every handshake (it uses no index): 1,000 clients of 1,000 users took 95 s to connect here, of 250 users 37 s.
   */
  users: number;
  /** The first `senders` clients send; everyone receives. */
  senders: number;
  /** Combined send rate of all senders: the load. */
  ratePerSecond: number;
  durationMs: number;
  /**
   * A run at a rate this machine can drive, before the full one: receiving 100,000 messages a second takes
   * socket.io-client more CPU than the two cores have, so at the full rate the clients, not the server, are the
   * limit. At this rate Parley and the baseline are compared where neither is starved.
   */
  lightRatePerSecond: number;
  lightDurationMs: number;
  /** A run at the light rate before anything is measured, so JIT warm-up and first-use costs stay out. */
  warmUpMs: number;
  /** How long to wait at most, after the last ack, for deliveries still under way before calling them lost. */
  drainMs: number;
  ackTimeoutMs: number;
}

export interface SaturationParameters {
  clients: number;
  senders: number;
  startRatePerSecond: number;
  /** Each step offers this many times the previous one. */
  factor: number;
  stepMs: number;
  warmUpMs: number;
  maxSteps: number;
  /** A step fails past this delivery p99, on any loss or failed send, or when acks fall behind the offered rate. */
  p99LimitMs: number;
  /** …behind meaning: fewer than this share of the offered messages per second acked. */
  minAckedShare: number;
  drainMs: number;
  ackTimeoutMs: number;
}

export interface IdleParameters {
  sockets: number;
  /**
   * Distinct users behind the sockets, each with one session (a user with many tabs). Fewer users than sockets
   * because the embedded database scans the whole sessions and users collections at every handshake (no index is
   * used): 5,000 distinct users would take tens of minutes to connect, which measures the database, not memory.
   */
  users: number;
  /**
   * Each room takes this many: joining a room costs the hub time in proportion to the sockets already in it
   * (presence lists them all), so one room of 5,000 takes minutes to fill, which measures presence, not memory.
   */
  socketsPerRoom: number;
  /** Sockets connected (and kept) before the first reading, so first-use allocations are not counted per connection. */
  warmUpSockets: number;
  /** Pause after each forced garbage collection before reading RSS. */
  settleMs: number;
}

export interface HistoryParameters {
  /**
   * Room sizes measured, in messages, smallest first. One room is seeded to the first size and measured, then
   * extended with the messages up to the next size and measured again, and so on: seeding the largest once costs
   * no more than seeding it alone.
   */
  sizes: number[];
  /** Messages per insertMany while seeding (see seedMessages). */
  seedChunk: number;
  limit: number;
  /** Pages per size. */
  requests: number;
  /** Pages are requested until `requests` or this much time, whichever comes first (at least one). */
  budgetMs: number;
  /** A catch-up asks for the messages after `highest - catchUp`. */
  catchUp: number;
  catchUpRepeats: number;
  catchUpBudgetMs: number;
  /** `room:join` without afterSeq (the newest page and the online list), after a `room:leave`, per size. */
  joinRepeats: number;
  joinBudgetMs: number;
  timeoutMs: number;
}

export interface JoinParameters {
  /**
   * Messages in the room. When it is the history scenario's largest size and both run in the same lane (a full
   * run), the join scenario takes over the history scenario's room instead of seeding another.
   */
  messages: number;
  seedChunk: number;
  /** Sockets in the room after each step, ascending: each step connects the difference, then the re-joins are timed. */
  steps: number[];
  /**
   * Distinct users behind the sockets, each signed in once (socket i is user i mod users, so a user's later
   * sockets are further tabs): the online list a join answers holds this many. Fewer users than sockets because
   * each user's first socket is announced (`presence:join`) to every socket already in the room: n users make
   * n²/2 packets for the load generators to read, 12.5 million for 5,000, which two generator processes on two
   * cores cannot (their clients miss the server's ping timeout and are dropped): that would measure the generators.
   */
  users: number;
  /** Timed `room:leave` + `room:join` of one client into the room after each step (the join is what is timed). */
  rejoins: number;
  rejoinBudgetMs: number;
  timeoutMs: number;
}

export interface BenchParameters {
  /** Load-generating processes; each owns an equal share of the clients. */
  workers: number;
  /** Handshakes plus joins in flight at once, per worker. */
  connectConcurrency: number;
  connectTimeoutMs: number;
  fanOut: LoadParameters;
  saturation: SaturationParameters;
  idle: IdleParameters;
  history: HistoryParameters;
  join: JoinParameters;
  /** Scenario 1 again, its clients split over two nodes sharing Redis. */
  twoNodes: LoadParameters;
}

/** The targets of the benchmark issue, for this 2-core machine. */
export const TARGETS = {
  fanOutP99Ms: 50,
  /** Parley's highest sustained persisted rate as a share of the bare server's broadcast rate. */
  saturationShareOfBaseline: 0.5,
  idleKBPerConnection: 40,
  /** At every size of the history scenario (the issue: at 100,000 and 1,000,000 messages). */
  historyPageP99Ms: 20,
  /** Page p50 at the largest size ÷ at the smallest (1,000,000 vs 10,000 messages). */
  historyPageP50Growth: 1.5,
  /** Catch-up of 500 missed messages (`room:join` with afterSeq), at every size. */
  catchUpP99Ms: 100,
  /** `room:join` (the newest 50 and the online list) into the join scenario's full room. */
  joinP99Ms: 30,
} as const;

const fanOut: LoadParameters = {
  clients: 1_000,
  users: 250,
  senders: 20,
  ratePerSecond: 100,
  durationMs: 30_000,
  lightRatePerSecond: 10,
  lightDurationMs: 5_000,
  warmUpMs: 2_000,
  drainMs: 20_000,
  ackTimeoutMs: 6_000,
};

export const FULL: BenchParameters = {
  workers: 2,
  connectConcurrency: 25,
  connectTimeoutMs: 120_000,
  fanOut,
  saturation: {
    clients: 100,
    senders: 20,
    startRatePerSecond: 100,
    factor: 1.5,
    stepMs: 4_000,
    warmUpMs: 2_000,
    maxSteps: 10,
    p99LimitMs: 250,
    minAckedShare: 0.9,
    drainMs: 15_000,
    ackTimeoutMs: 10_000,
  },
  idle: { sockets: 5_000, users: 100, socketsPerRoom: 500, warmUpSockets: 50, settleMs: 1_000 },
  history: {
    sizes: [10_000, 100_000, 1_000_000],
    seedChunk: 2_000,
    limit: 50,
    requests: 1_000,
    budgetMs: 8_000,
    catchUp: 500,
    catchUpRepeats: 50,
    catchUpBudgetMs: 5_000,
    joinRepeats: 50,
    joinBudgetMs: 3_000,
    timeoutMs: 120_000,
  },
  join: {
    messages: 1_000_000,
    seedChunk: 2_000,
    steps: [1_000, 2_500, 5_000],
    users: 1_000,
    rejoins: 300,
    rejoinBudgetMs: 10_000,
    timeoutMs: 120_000,
  },
  twoNodes: fanOut,
};

const smokeLoad: LoadParameters = {
  clients: 60,
  users: 30,
  senders: 6,
  ratePerSecond: 50,
  durationMs: 1_000,
  lightRatePerSecond: 20,
  lightDurationMs: 500,
  warmUpMs: 200,
  drainMs: 5_000,
  ackTimeoutMs: 10_000,
};

/**
 * Every scenario and code path with tiny numbers, in ~20–30 s (three lanes at once; most of it starting the server
 * processes); what `test/integration/bench-smoke.test.ts` runs.
 */
export const SMOKE: BenchParameters = {
  workers: 2,
  connectConcurrency: 25,
  connectTimeoutMs: 60_000,
  fanOut: smokeLoad,
  saturation: {
    clients: 20,
    senders: 4,
    startRatePerSecond: 50,
    factor: 1.5,
    stepMs: 600,
    warmUpMs: 200,
    maxSteps: 3,
    // three lanes share two cores (and CI runs other tests): the smoke run finds a rate, not the machine's limit
    p99LimitMs: 2_000,
    minAckedShare: 0.5,
    drainMs: 5_000,
    ackTimeoutMs: 10_000,
  },
  idle: { sockets: 200, users: 20, socketsPerRoom: 100, warmUpSockets: 10, settleMs: 300 },
  history: {
    sizes: [500, 2_000],
    seedChunk: 500,
    limit: 50,
    requests: 100,
    budgetMs: 500,
    catchUp: 500,
    catchUpRepeats: 5,
    catchUpBudgetMs: 300,
    joinRepeats: 5,
    joinBudgetMs: 300,
    timeoutMs: 60_000,
  },
  join: {
    messages: 1_000,
    seedChunk: 500,
    steps: [20, 40],
    users: 20,
    rejoins: 10,
    rejoinBudgetMs: 300,
    timeoutMs: 60_000,
  },
  twoNodes: smokeLoad,
};
