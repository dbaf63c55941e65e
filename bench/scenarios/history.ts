// Scenario 5: one room with a long history, measured as it grows (10,000 → 100,000 → 1,000,000 messages in a full
// run): `room:history` pages before random seqs, catch-up joins, and joins of the newest page. The room is seeded to
// the first size and measured, then extended to the next size and measured again, and so on.
import type { Db } from 'mongodb';
import { RoomsRepository } from '../../server/db/rooms';
import { limits } from '../../server/validation';
import type { BenchContext } from '../context';
import { connectClients, type ConnectSummary, describeClients, disconnectClients } from '../load';
import { BENCH_SITE, seedMessages, seedUsers } from '../seed';
import { type BenchServer, openScenarioDatabase, startParleyNode } from '../servers';
import { type LatencySummary, mergeHistograms, ratio, summarize, wallNow } from '../stats';
import type { JoinRequest, TimedRequestsResult } from '../worker-protocol';

const HISTORY_ROOM = 'history';
const COMMAND_MARGIN_MS = 60_000;

export interface TimedRequests extends LatencySummary {
  /** Requests made: fewer than asked when the time budget ran out first. */
  requests: number;
  budgetMs: number;
  wrongAnswers: number;
  wrongAnswerSamples: string[];
}

export interface HistorySize {
  /** Messages in the room while measured. */
  messages: number;
  /** Seeding the messages beyond the previous size's (all of them, for the first size). */
  seedMs: number;
  seededPerSecond: number;
  /** `room:history` { before: random seq, limit }. */
  page: TimedRequests & { limit: number };
  /** `room:join` { afterSeq: highest − catchUp }: `messages` is how many each answer holds. */
  catchUp: TimedRequests & { messages: number };
  /** `room:leave`, then the timed `room:join` without afterSeq: the newest page (`messages` of it) and the online list. */
  join: TimedRequests & { messages: number };
}

export interface HistoryResult {
  /** The room's size at the end: the largest of `sizes`. */
  messages: number;
  /** Messages per insertMany while seeding. */
  seedChunk: number;
  /** Seeding the room from empty to its largest size, all sizes together. */
  seedMs: number;
  /** The one client's connect and first join (the newest page), at the first size. */
  connect: ConnectSummary;
  /** Smallest first. */
  sizes: HistorySize[];
  /** Page p50 at the largest size ÷ at the smallest: 1 when a page costs the same however long the history. */
  pageP50Growth: number | null;
  serverProblems: string[];
}

/** A room with its history seeded, on a node still running: what the history scenario hands to the join scenario. */
export interface SeededRoom {
  db: Db;
  node: BenchServer;
  roomId: string;
  messages: number;
  /** How long seeding it took, and who did it. */
  seedMs: number;
  seededBy: string;
}

export const timed = (result: TimedRequestsResult, budgetMs: number): TimedRequests => ({
  ...summarize(mergeHistograms([result.latency])),
  requests: result.completed,
  budgetMs,
  wrongAnswers: result.wrongAnswers,
  wrongAnswerSamples: result.wrongAnswerSamples,
});

/** The request for timed joins of the newest page into a room of `messages` (see JoinRequest). */
export function newestPageJoin(roomId: string, messages: number, options: Pick<JoinRequest, 'repeats' | 'budgetMs' | 'timeoutMs' | 'expectedOnlineAtLeast'>): JoinRequest {
  const expectedCount = Math.min(limits.recentMessages, messages);
  return { roomId, leaveFirst: true, expectedFirstSeq: messages - expectedCount + 1, expectedCount, expectedMore: false, ...options };
}

/**
 * Measures the history room at each size. `handOff`, when given, gets the room at its largest size once everything
 * here is measured (no client connected), before the node stops and the database is dropped: the join scenario
 * takes it over rather than seeding another million messages.
 */
export async function runHistory(context: BenchContext, handOff?: (room: SeededRoom) => Promise<void>): Promise<HistoryResult> {
  const { history } = context.parameters;
  const sizes = history.sizes;
  if (sizes.length === 0 || sizes.some((size, index) => size < 1 || (index > 0 && size <= sizes[index - 1]!))) {
    throw new Error(`history.sizes must be ascending sizes of at least 1 message: ${sizes.join(', ')}`);
  }
  context.log(`history: one room, grown to ${sizes.join(' → ')} messages`);
  const database = await openScenarioDatabase(context, 'history');
  try {
    const node = await startParleyNode(context, { label: 'history', dbName: database.name });
    try {
      const users = await seedUsers(database.db, 1);
      await new RoomsRepository(database.db).create(BENCH_SITE, HISTORY_ROOM, HISTORY_ROOM);
      let connect: ConnectSummary | undefined;
      const measured: HistorySize[] = [];
      let seeded = 0;
      for (const size of sizes) {
        context.log(`  seeding messages ${seeded + 1}…${size} (${history.seedChunk} to an insertMany)…`);
        const seedStarted = wallNow();
        await seedMessages(database.db, HISTORY_ROOM, { from: seeded + 1, to: size }, users, history.seedChunk);
        const seedMs = Math.round(wallNow() - seedStarted);
        const seededPerSecond = Math.round((size - seeded) / (seedMs / 1000));
        context.log(`  ${size} messages, seeded in ${(seedMs / 1000).toFixed(1)} s (${seededPerSecond} a second)`);
        seeded = size;
        // one client (worker 0's first), asking one request at a time: latency, not throughput
        connect ??= await connectClients(context, describeClients(context, [node], 1, { users, roomOf: () => HISTORY_ROOM }));
        measured.push({ messages: size, seedMs, seededPerSecond, ...(await measureSize(context, size)) });
      }
      const first = measured[0]!;
      const last = measured.at(-1)!;
      const result: HistoryResult = {
        messages: last.messages,
        seedChunk: history.seedChunk,
        seedMs: measured.reduce((sum, size) => sum + size.seedMs, 0),
        connect: connect!,
        sizes: measured,
        pageP50Growth: ratio(last.page.p50Ms, first.page.p50Ms),
        serverProblems: node.problems(),
      };
      if (handOff) {
        await disconnectClients(context);
        await handOff({ db: database.db, node, roomId: HISTORY_ROOM, messages: last.messages, seedMs: result.seedMs, seededBy: 'the history scenario' });
      }
      return result;
    } finally {
      await disconnectClients(context);
      await node.stop();
    }
  } finally {
    await database.close();
  }
}

/** Pages, catch-ups and joins of the newest page, by the one client, in a room of `size` messages. */
async function measureSize(context: BenchContext, size: number): Promise<Pick<HistorySize, 'page' | 'catchUp' | 'join'>> {
  const { history } = context.parameters;
  const page = await context.pool.one(
    0,
    'history',
    { roomId: HISTORY_ROOM, highestSeq: size, limit: history.limit, requests: history.requests, budgetMs: history.budgetMs, timeoutMs: history.timeoutMs },
    history.budgetMs + history.timeoutMs + COMMAND_MARGIN_MS,
  );
  const pages = timed(page, history.budgetMs);
  context.log(`    ${page.completed} pages: p50 ${pages.p50Ms} ms, p99 ${pages.p99Ms} ms; catching up…`);

  // the server's promise (sdk/protocol.ts JoinResult): up to catchUpPage messages, `more` when there are others
  const afterSeq = Math.max(0, size - history.catchUp);
  const missed = size - afterSeq;
  const catchUpCount = Math.min(missed, limits.catchUpPage);
  const catchUp = await context.pool.one(
    0,
    'join',
    {
      roomId: HISTORY_ROOM,
      afterSeq,
      leaveFirst: false,
      expectedFirstSeq: afterSeq + 1,
      expectedCount: catchUpCount,
      expectedMore: missed > limits.catchUpPage,
      expectedOnlineAtLeast: 1,
      repeats: history.catchUpRepeats,
      budgetMs: history.catchUpBudgetMs,
      timeoutMs: history.timeoutMs,
    },
    history.catchUpBudgetMs + history.timeoutMs + COMMAND_MARGIN_MS,
  );
  const catchUps = timed(catchUp, history.catchUpBudgetMs);
  context.log(`    ${catchUp.completed} catch-ups: p50 ${catchUps.p50Ms} ms, p99 ${catchUps.p99Ms} ms; joining…`);

  const joinRequest = newestPageJoin(HISTORY_ROOM, size, { repeats: history.joinRepeats, budgetMs: history.joinBudgetMs, timeoutMs: history.timeoutMs, expectedOnlineAtLeast: 1 });
  const join = await context.pool.one(0, 'join', joinRequest, history.joinBudgetMs + 2 * history.timeoutMs + COMMAND_MARGIN_MS);
  const joins = timed(join, history.joinBudgetMs);
  context.log(`    ${join.completed} joins: p50 ${joins.p50Ms} ms, p99 ${joins.p99Ms} ms`);
  return {
    page: { ...pages, limit: history.limit },
    catchUp: { ...catchUps, messages: catchUpCount },
    join: { ...joins, messages: joinRequest.expectedCount },
  };
}
