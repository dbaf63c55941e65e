import { randomBytes } from 'node:crypto';
import { type ChatClient, type Message } from '../../sdk';
import type { ParleyProcess } from '../../scripts/parley-process';
import { type RedisProcess, startRedis } from '../../server/processes/redis-server';
import { memberAt, waitUntil } from '../helpers/chat';
import { startTestProcess } from '../helpers/server';

// Two nodes over one redis-server, which is stopped and started again (empty: it keeps nothing on disk) while a
// user on node A sends to a user on node B.
let redis: RedisProcess;
let redisPort: number;
let nodeA: ParleyProcess;
let nodeB: ParleyProcess;
const clients: ChatClient[] = [];
beforeAll(async () => {
  redis = await startRedis();
  redisPort = Number(new URL(redis.url).port);
  const shared = { REDIS_URL: redis.url, MONGODB_DB: `test-${randomBytes(6).toString('hex')}` };
  [nodeA, nodeB] = await Promise.all([startTestProcess(shared), startTestProcess(shared)]);
}, 150_000);
afterAll(async () => {
  for (const client of clients.splice(0)) client.close();
  await Promise.all([nodeA?.stop(), nodeB?.stop()]);
  await redis?.stop();
}, 30_000);

it('resumes cross-node delivery by itself after Redis restarts, and loses nothing acknowledged', async () => {
  const { room: ada } = await memberAt(nodeA.url, 'ada', clients);
  const { room: bob } = await memberAt(nodeB.url, 'bob', clients);
  const heardByBob: Message[] = [];
  bob.on('message', (m) => heardByBob.push(m));
  await ada.send('before');
  await waitUntil(() => heardByBob.length === 1);

  await redis.stop();
  // sends need Redis for the shared send limit: they wait (the SDK resends on unavailable) until it is back
  const during = Array.from({ length: 5 }, (_, i) => ada.send(`during ${i}`));
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  redis = await startRedis({ port: redisPort });
  const sentDuring = await Promise.all(during);

  // a broadcast lost while Redis was away shows as a gap at the next message, which the SDK fills from the database
  const after = await ada.send('after');
  await waitUntil(() => heardByBob.some((m) => m.seq === after.seq), 20_000);
  await waitUntil(() => heardByBob.length === 7, 5_000);
  expect(heardByBob.map((m) => m.text)).toEqual(['before', ...sentDuring.map((m) => m.text), 'after']);
}, 60_000);
