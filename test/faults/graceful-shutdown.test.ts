import { randomBytes } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { type ChatClient, type Message } from '../../sdk';
import type { ParleyProcess } from '../../scripts/parley-process';
import { type RedisProcess, startRedis } from '../../server/processes/redis-server';
import { findFreePort } from '../../server/processes/watchdog';
import { memberAt, waitUntil } from '../helpers/chat';
import { startTestProcess } from '../helpers/server';

// SIGTERM in the middle of a stream of sends (with Redis, whose adapter makes closing slowest): the process must
// exit 0 within 10 s, and once it is back every acknowledged message is there, once.
const database = `test-${randomBytes(6).toString('hex')}`;
let env: Record<string, string>;
let redis: RedisProcess;
let server: ParleyProcess;
let mongo: MongoClient;
const clients: ChatClient[] = [];

beforeAll(async () => {
  redis = await startRedis();
  env = { PORT: String(await findFreePort()), MONGODB_DB: database, REDIS_URL: redis.url };
  server = await startTestProcess(env);
  mongo = await MongoClient.connect(process.env.PARLEY_TEST_MONGODB_URI ?? '');
}, 150_000);
afterAll(async () => {
  for (const client of clients.splice(0)) client.close();
  await server?.stop();
  await mongo?.close();
  await redis?.stop();
}, 30_000);

it('stops on SIGTERM within 10 s with exit code 0, losing nothing it acknowledged', async () => {
  const { room } = await memberAt(server.url, 'sender', clients);
  const acked: Message[] = [];
  const sends = Array.from({ length: 150 }, async (_, n) => {
    await new Promise((resolve) => setTimeout(resolve, n * 5));
    const message = await room.send(`message ${n}`);
    acked.push(message);
    return message;
  });

  await new Promise((resolve) => setTimeout(resolve, 300));
  const stopping = Date.now();
  const code = await server.stop('SIGTERM');
  const tookMs = Date.now() - stopping;
  const ackedBeforeExit = acked.length;
  console.log(`exit code ${code} after ${tookMs} ms; ${ackedBeforeExit} of 150 sends acknowledged before the exit`);
  expect(code).toBe(0);
  expect(tookMs).toBeLessThan(10_000);

  // what it acknowledged is stored; the rest goes through once the server is back (the SDK resends)
  const storedAtExit = await mongo.db(database).collection('messages').find({ siteId: 'demo' }).toArray();
  const storedIds = new Set(storedAtExit.map((m) => m.clientMsgId as string));
  for (const message of acked.slice(0, ackedBeforeExit)) expect(storedIds.has(message.clientMsgId)).toBe(true);

  server = await startTestProcess(env);
  const all = await Promise.all(sends);
  const stored = await mongo.db(database).collection('messages').find({ siteId: 'demo' }).toArray();
  expect(stored).toHaveLength(150);
  expect(new Set(stored.map((m) => m.clientMsgId)).size).toBe(150);
  await waitUntil(() => all.every((m) => stored.some((s) => s.seq === m.seq && s.clientMsgId === m.clientMsgId)));
}, 240_000);
