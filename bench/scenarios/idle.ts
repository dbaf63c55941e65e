// Scenario 4: what an idle, authenticated, joined socket costs the server in resident memory.
import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchContext } from '../context';
import { connectClients, type ConnectSummary, describeClients, disconnectClients } from '../load';
import { type SeededUser, seedRooms, seedUsers } from '../seed';
import { type BenchServer, collectGarbage, GC_ON_SIGNAL_ARGS, openScenarioDatabase, startBaselineServer, startParleyNode } from '../servers';
import { ratio } from '../stats';
import { readRssKiB } from '../system';

export interface IdleRun {
  sockets: number;
  /** Rooms they are spread over, socketsPerRoom each. */
  rooms: number;
  /** Distinct users behind the sockets (see IdleParameters.users); 0 for the baseline, which has none. */
  users: number;
  /** Connected before the first reading and kept, so first-use allocations are not charged per connection. */
  warmUpSockets: number;
  rssBeforeKB: number;
  rssAfterKB: number;
  /** (after − before) / sockets, in KB of 1,024 bytes as /proc counts them. */
  perConnectionKB: number;
  connect: ConnectSummary;
}

export interface IdleResult {
  parley: IdleRun;
  baseline: IdleRun;
  /** Parley's KB per connection ÷ the baseline's. */
  ratio: number | null;
}

const SETTLE_ROUNDS = 6;
const SETTLED_CHANGE = 0.005;

/**
 * RSS once it has settled: forced full collections, each followed by a pause for V8 and the allocator to hand pages
 * back, until a round frees less than 0.5 % (the connect phase's garbage can take a few rounds to go).
 */
async function settledRss(context: BenchContext, pid: number): Promise<number> {
  let rss = await readRssKiB(pid);
  for (let round = 0; round < SETTLE_ROUNDS; round += 1) {
    collectGarbage(pid);
    await sleep(context.parameters.idle.settleMs);
    const now = await readRssKiB(pid);
    const settled = rss - now < rss * SETTLED_CHANGE;
    rss = now;
    if (settled && round > 0) break;
  }
  return rss;
}

/** The rooms the idle sockets join, `socketsPerRoom` in each. */
function idleRooms(context: BenchContext): string[] {
  const { idle } = context.parameters;
  return Array.from({ length: Math.ceil((idle.warmUpSockets + idle.sockets) / idle.socketsPerRoom) }, (_, index) => `idle-${index}`);
}

async function measureIdle(context: BenchContext, server: BenchServer, users: readonly SeededUser[] | undefined): Promise<IdleRun> {
  const { idle } = context.parameters;
  const rooms = idleRooms(context);
  // each user's session is shared by their sockets, like a browser's tabs
  const specs = describeClients(context, [server], idle.warmUpSockets + idle.sockets, { users, roomOf: (index) => rooms[Math.floor(index / idle.socketsPerRoom)]! });
  try {
    await connectClients(context, specs.slice(0, idle.warmUpSockets));
    const before = await settledRss(context, server.pid);
    context.log(`  ${before} KB before; connecting ${idle.sockets} sockets…`);
    const connect = await connectClients(context, specs.slice(idle.warmUpSockets));
    const after = await settledRss(context, server.pid);
    context.log(`  ${after} KB after, connected in ${(connect.elapsedMs / 1000).toFixed(1)} s`);
    return {
      sockets: connect.clients,
      rooms: rooms.length,
      users: users?.length ?? 0,
      warmUpSockets: idle.warmUpSockets,
      rssBeforeKB: before,
      rssAfterKB: after,
      perConnectionKB: Math.round(((after - before) / connect.clients) * 100) / 100,
      connect,
    };
  } finally {
    await disconnectClients(context);
  }
}

export async function runIdle(context: BenchContext): Promise<IdleResult> {
  const { idle } = context.parameters;
  context.log(`idle, Parley: ${idle.sockets} authenticated sockets of ${idle.users} users, ${idle.socketsPerRoom} to a room`);
  const database = await openScenarioDatabase(context, 'idle');
  let parley: IdleRun;
  try {
    const node = await startParleyNode(context, { label: 'idle', dbName: database.name, nodeArgs: GC_ON_SIGNAL_ARGS });
    try {
      const users = await seedUsers(database.db, idle.users);
      await seedRooms(database.db, idleRooms(context));
      parley = await measureIdle(context, node, users);
    } finally {
      await node.stop();
    }
  } finally {
    await database.close();
  }

  context.log(`idle, baseline: ${idle.sockets} sockets on a bare Socket.IO server`);
  const server = await startBaselineServer(context, { nodeArgs: GC_ON_SIGNAL_ARGS });
  let baseline: IdleRun;
  try {
    baseline = await measureIdle(context, server, undefined);
  } finally {
    await server.stop();
  }
  return { parley, baseline, ratio: ratio(parley.perConnectionKB, baseline.perConnectionKB) };
}
