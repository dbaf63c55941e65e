import { randomBytes, randomUUID } from 'node:crypto';
import { type CommandStartedEvent, type Document, MongoClient } from 'mongodb';
import type { Socket } from 'socket.io-client';
import type { HistoryResult, JoinResult, SendResult } from '../../../sdk/protocol';
import type { Parley } from '../../../server/main';
import { ask, connectAs } from '../../helpers/chat';
import { newAccount, startTestServer } from '../../helpers/server';

// Every query of the hot paths — handshake, join, history, catch-up, send, retry, edit, delete, login, presence —
// as the server really sends it (recorded from the driver), explained on the embedded database: each one must be
// an index search, so opening a room costs the same at 1,000 messages as at 1,000,000. docs/operations.md lists
// the same queries for MongoDB operators.
//
// Left out, on purpose: `rate_limits` (rate-limiter-flexible's own documents, looked up by its `key` field; one per
// live client address or username, swept every ten minutes), `webhook_queue` (no request's path: each node's
// background look for due webhook deliveries, which holds only those still to make; on the embedded database it reads
// them all, BENCHMARKS.md has its cost), and inserts (no filter).
const EXEMPT = new Set(['rate_limits', 'webhook_queue']);

interface Query {
  path: string;
  collection: string;
  command: string;
  filter: Document;
}

let parley: Parley;
let recording: string | undefined;
const recorded: Query[] = [];
const sockets: Socket[] = [];
let mongo: MongoClient;
const dbName = `test-${randomBytes(6).toString('hex')}`;

/** The filters of a command that reads or changes documents (what the server pushes down to SQL, or not). */
function filtersOf(event: CommandStartedEvent): Array<{ collection: string; filter: Document }> {
  const { command } = event;
  switch (event.commandName) {
    case 'find':
      return [{ collection: command.find as string, filter: command.filter ?? {} }];
    case 'findAndModify':
      return [{ collection: command.findAndModify as string, filter: command.query ?? {} }];
    case 'update':
      return (command.updates as Array<{ q: Document }>).map(({ q }) => ({ collection: command.update as string, filter: q }));
    case 'delete':
      return (command.deletes as Array<{ q: Document }>).map(({ q }) => ({ collection: command.delete as string, filter: q }));
    case 'count':
      return [{ collection: command.count as string, filter: command.query ?? {} }];
    case 'aggregate': {
      const match = (command.pipeline as Document[]).find((stage) => '$match' in stage);
      return [{ collection: command.aggregate as string, filter: match?.$match ?? {} }];
    }
    default:
      return [];
  }
}

beforeAll(async () => {
  parley = await startTestServer(
    { MONGODB_DB: dbName },
    {
      onCommand: (event) => {
        if (!recording) return;
        for (const { collection, filter } of filtersOf(event)) recorded.push({ path: recording, collection, command: event.commandName, filter });
      },
    },
  );
  mongo = await MongoClient.connect(process.env.PARLEY_TEST_MONGODB_URI ?? '');
}, 30_000);

afterAll(async () => {
  for (const socket of sockets.splice(0)) socket.disconnect();
  await parley?.close();
  await mongo?.close();
});

async function during<T>(path: string, work: () => Promise<T>): Promise<T> {
  recording = path;
  try {
    return await work();
  } finally {
    recording = undefined;
  }
}

const register = (account: ReturnType<typeof newAccount>) =>
  fetch(`${parley.url}/api/sites/demo/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(account) });

it('answers every query of the hot paths from an index on the embedded database', async () => {
  const ada = newAccount('ada');
  const bob = newAccount('bob');
  await register(ada);
  await register(bob);
  // some history first, so pages, catch-up and edits have something to read
  const seeder = await connectAs(parley.url, ada);
  sockets.push(seeder);
  await ask(seeder, 'room:join', { roomId: 'general' });
  for (let i = 0; i < 60; i++) await ask(seeder, 'message:send', { roomId: 'general', text: `history ${i}`, clientMsgId: randomUUID() });

  const adaSocket = await during('login + handshake', () => connectAs(parley.url, ada));
  sockets.push(adaSocket);
  const joined = await during('join (newest page + presence)', () => ask<JoinResult>(adaSocket, 'room:join', { roomId: 'general' }));
  const newest = joined.messages.at(-1)!.seq;
  await during('history', () => ask<HistoryResult>(adaSocket, 'room:history', { roomId: 'general', before: newest - 10, limit: 50 }));
  await during('history (newest)', () => ask<HistoryResult>(adaSocket, 'room:history', { roomId: 'general' }));
  const bobSocket = await connectAs(parley.url, bob);
  sockets.push(bobSocket);
  await during('catch-up (presence: a second user)', () => ask<JoinResult>(bobSocket, 'room:join', { roomId: 'general', afterSeq: newest - 40 }));
  const clientMsgId = randomUUID();
  const sent = await during('send', () => ask<SendResult>(adaSocket, 'message:send', { roomId: 'general', text: 'hot', clientMsgId }));
  await during('retry', () => ask<SendResult>(adaSocket, 'message:send', { roomId: 'general', text: 'hot', clientMsgId, retry: true }));
  await during('repeat without retry', () => ask<SendResult>(adaSocket, 'message:send', { roomId: 'general', text: 'hot', clientMsgId }));
  await during('edit', () => ask(adaSocket, 'message:edit', { roomId: 'general', seq: sent.message.seq, text: 'edited' }));
  await during('delete', () => ask(adaSocket, 'message:delete', { roomId: 'general', seq: sent.message.seq }));
  await during('typing', async () => {
    adaSocket.emit('typing', { roomId: 'general' });
    // a round trip after it, so the typing handler's reads are done
    await ask(adaSocket, 'room:history', { roomId: 'general', before: 2, limit: 1 });
  });
  await during('leave (presence)', () => ask(bobSocket, 'room:leave', { roomId: 'general' }));

  const paths = new Set(recorded.map((query) => query.path));
  expect(paths.size).toBeGreaterThanOrEqual(10);
  const db = mongo.db(dbName);
  const scans: string[] = [];
  for (const query of recorded) {
    if (EXEMPT.has(query.collection)) continue;
    const explained = await db.command({ explain: { find: query.collection, filter: query.filter } });
    const plan = (explained.queryPlanner as { Plan: string[] }).Plan;
    if (explained.filterPushdown !== true || !plan.every((row) => /detail=SEARCH \S+ USING INDEX \S+__id_ /.test(row))) {
      scans.push(`${query.path}: ${query.command} ${query.collection} ${JSON.stringify(query.filter)} → ${plan.join('; ')}`);
    }
  }
  console.log(`${recorded.length} queries on ${paths.size} hot paths explained; ${scans.length} not served by an index`);
  expect(scans).toEqual([]);
}, 60_000);
