// Scenario 5: a room with a long history; `room:history` pages before random seqs, and a catch-up join.
import { limits } from '../../server/validation';
import type { BenchContext } from '../context';
import { connectClients, type ConnectSummary, describeClients, disconnectClients } from '../load';
import { seedRoomWithMessages, seedUsers } from '../seed';
import { openScenarioDatabase, startParleyNode } from '../servers';
import { type LatencySummary, mergeHistograms, summarize, wallNow } from '../stats';
import type { TimedRequestsResult } from '../worker-protocol';

const HISTORY_ROOM = 'history';

export interface TimedRequests extends LatencySummary {
  /** Requests made: fewer than asked when the time budget ran out first. */
  requests: number;
  budgetMs: number;
  wrongAnswers: number;
  wrongAnswerSamples: string[];
}

export interface HistoryResult {
  messages: number;
  seedMs: number;
  /** The one client's connect and first join (which reads the newest page). */
  connect: ConnectSummary;
  /** `room:history` { before: random seq, limit }. */
  page: TimedRequests & { limit: number };
  /** `room:join` { afterSeq: highest − catchUp }. */
  catchUp: TimedRequests & { messages: number };
  serverProblems: string[];
}

const timed = (result: TimedRequestsResult, budgetMs: number): TimedRequests => ({
  ...summarize(mergeHistograms([result.latency])),
  requests: result.completed,
  budgetMs,
  wrongAnswers: result.wrongAnswers,
  wrongAnswerSamples: result.wrongAnswerSamples,
});

export async function runHistory(context: BenchContext): Promise<HistoryResult> {
  const { history } = context.parameters;
  context.log(`history: a room with ${history.messages} messages`);
  const database = await openScenarioDatabase(context, 'history');
  try {
    const node = await startParleyNode(context, { label: 'history', dbName: database.name });
    try {
      const seedStarted = wallNow();
      const users = await seedUsers(database.db, 1);
      await seedRoomWithMessages(database.db, HISTORY_ROOM, history.messages, users);
      const seedMs = Math.round(wallNow() - seedStarted);
      context.log(`  seeded in ${(seedMs / 1000).toFixed(1)} s; joining…`);
      // one client (worker 0's first), asking one request at a time: latency, not throughput
      const connect = await connectClients(context, describeClients(context, [node], 1, { users, roomOf: () => HISTORY_ROOM }));
      context.log(`  joined in ${connect.elapsedMs} ms; paging…`);
      const page = await context.pool.one(
        0,
        'history',
        { roomId: HISTORY_ROOM, highestSeq: history.messages, limit: history.limit, requests: history.requests, budgetMs: history.budgetMs, timeoutMs: history.timeoutMs },
        history.budgetMs + history.timeoutMs + 60_000,
      );
      context.log(`  ${page.completed} pages; catching up…`);
      const expectedCount = Math.min(history.catchUp, limits.catchUpPage);
      const catchUp = await context.pool.one(
        0,
        'catchUp',
        {
          roomId: HISTORY_ROOM,
          afterSeq: history.messages - history.catchUp,
          // the server's promise (sdk/protocol.ts JoinResult): up to catchUpPage messages, `more` when there are others
          expectedCount,
          expectedMore: history.catchUp > limits.catchUpPage,
          repeats: history.catchUpRepeats,
          budgetMs: history.catchUpBudgetMs,
          timeoutMs: history.timeoutMs,
        },
        history.catchUpBudgetMs + history.timeoutMs + 60_000,
      );
      return {
        messages: history.messages,
        seedMs,
        connect,
        page: { ...timed(page, history.budgetMs), limit: history.limit },
        catchUp: { ...timed(catchUp, history.catchUpBudgetMs), messages: expectedCount },
        serverProblems: node.problems(),
      };
    } finally {
      await disconnectClients(context);
      await node.stop();
    }
  } finally {
    await database.close();
  }
}
