// Scenario 7: joining a room with a long history (1,000,000 messages in a full run) while thousands are in it.
// Sockets of distinct users fill the room in steps; each of their joins is timed as it happens (handshake, then
// `room:join`: the newest page and the online list). After each step one client leaves and joins again, a few
// hundred times, timed alone: a join into the room with everyone present and nothing else going on.
import { RoomsRepository } from '../../server/db/rooms';
import type { BenchContext } from '../context';
import { connectClients, type ConnectSummary, describeClients, disconnectClients } from '../load';
import { BENCH_SITE, seedMessages, seedUsers } from '../seed';
import { openScenarioDatabase, startParleyNode } from '../servers';
import { wallNow } from '../stats';
import { newestPageJoin, type SeededRoom, timed, type TimedRequests } from './history';

const JOIN_ROOM = 'crowded';
const COMMAND_MARGIN_MS = 60_000;

export interface JoinStep {
  /** Sockets that joined the room by the end of this step (less those dropped: `connect.dropped`). */
  sockets: number;
  /** Distinct users among them: how long the online list is. */
  users: number;
  /** This step's sockets connecting and joining, `connectConcurrency` per worker at a time, into the room as it fills. */
  connect: ConnectSummary;
  /** After the step: `room:leave`, then the timed `room:join` (the newest page and the online list), by one client. */
  rejoin: TimedRequests & { messages: number; online: number };
}

export interface JoinScenarioResult {
  messages: number;
  /** Seeding the room's messages, by this scenario or the history scenario (`seededBy`). */
  seedMs: number;
  seededBy: string;
  /** Distinct users behind the sockets (see JoinParameters.users). */
  users: number;
  /** The fullest last. */
  steps: JoinStep[];
  serverProblems: string[];
}

/**
 * Fills a room of `join.messages` messages with `join.steps` sockets. `room`, when given, is the history
 * scenario's room with that many messages, on its node: used as it is instead of seeding another.
 */
export async function runJoin(context: BenchContext, room?: SeededRoom): Promise<JoinScenarioResult> {
  const { join } = context.parameters;
  if (join.steps.length === 0 || join.steps.some((step, index) => step < 1 || (index > 0 && step <= join.steps[index - 1]!))) {
    throw new Error(`join.steps must be ascending socket counts of at least 1: ${join.steps.join(', ')}`);
  }
  if (room) {
    if (room.messages !== join.messages) throw new Error(`the room handed over holds ${room.messages} messages, not join.messages = ${join.messages}`);
    return measureJoins(context, room);
  }
  context.log(`join: a room with ${join.messages} messages`);
  const database = await openScenarioDatabase(context, 'join');
  try {
    const node = await startParleyNode(context, { label: 'join', dbName: database.name });
    try {
      const authors = await seedUsers(database.db, 1, 'author');
      await new RoomsRepository(database.db).create(BENCH_SITE, JOIN_ROOM, JOIN_ROOM);
      const seedStarted = wallNow();
      await seedMessages(database.db, JOIN_ROOM, { from: 1, to: join.messages }, authors, join.seedChunk);
      const seedMs = Math.round(wallNow() - seedStarted);
      context.log(`  seeded in ${(seedMs / 1000).toFixed(1)} s`);
      return await measureJoins(context, { db: database.db, node, roomId: JOIN_ROOM, messages: join.messages, seedMs, seededBy: 'this scenario' });
    } finally {
      await disconnectClients(context);
      await node.stop();
    }
  } finally {
    await database.close();
  }
}

async function measureJoins(context: BenchContext, room: SeededRoom): Promise<JoinScenarioResult> {
  const { join } = context.parameters;
  const sockets = join.steps.at(-1)!;
  context.log(`join: ${sockets} sockets of ${join.users} users into a room of ${room.messages} messages (seeded by ${room.seededBy})`);
  try {
    const users = await seedUsers(room.db, join.users, 'joiner');
    const specs = describeClients(context, [room.node], sockets, { users, roomOf: () => room.roomId });
    const steps: JoinStep[] = [];
    let connected = 0;
    for (const step of join.steps) {
      // on a busy machine the generators may fall behind the room's presence updates and see clients dropped: reported
      const connect = await connectClients(context, specs.slice(connected, step), { tolerateDrops: true });
      connected = step;
      const present = Math.min(step, join.users);
      const dropped = Object.values(connect.dropped).reduce((sum, count) => sum + count, 0);
      context.log(
        `  ${step} sockets in the room, in ${(connect.elapsedMs / 1000).toFixed(1)} s: connect + join p50 ${connect.joinLatency.p50Ms} ms, p99 ${connect.joinLatency.p99Ms} ms; room:join alone p50 ${connect.roomJoinLatency.p50Ms} ms, p99 ${connect.roomJoinLatency.p99Ms} ms; re-joining…`,
      );
      if (dropped > 0) context.log(`  ${dropped} clients dropped so far (${Object.entries(connect.dropped).map(([reason, count]) => `${count} ${reason}`).join(', ')})`);
      // client 0 (worker 0's first) is in the room since the first step
      const request = newestPageJoin(room.roomId, room.messages, { repeats: join.rejoins, budgetMs: join.rejoinBudgetMs, timeoutMs: join.timeoutMs, expectedOnlineAtLeast: present - dropped });
      const rejoin = await context.pool.one(0, 'join', request, join.rejoinBudgetMs + 2 * join.timeoutMs + COMMAND_MARGIN_MS);
      const rejoins = timed(rejoin, join.rejoinBudgetMs);
      context.log(`    ${rejoin.completed} re-joins: p50 ${rejoins.p50Ms} ms, p99 ${rejoins.p99Ms} ms (${rejoin.online} online)`);
      steps.push({ sockets: step, users: present, connect, rejoin: { ...rejoins, messages: request.expectedCount, online: rejoin.online } });
    }
    return { messages: room.messages, seedMs: room.seedMs, seededBy: room.seededBy, users: join.users, steps, serverProblems: room.node.problems() };
  } catch (error) {
    // the results keep no scenario that broke: what the server said about it goes to the log
    const problems = room.node.problems();
    if (problems.length > 0) context.log(`  the join scenario broke; the server logged: ${problems.join('; ')}`);
    throw error;
  } finally {
    await disconnectClients(context);
  }
}
