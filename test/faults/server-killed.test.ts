import { randomBytes } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { type ChatClient, type Message, type Room } from '../../sdk';
import type { ParleyProcess } from '../../scripts/parley-process';
import { findFreePort } from '../../server/processes/watchdog';
import { memberAt, waitUntil } from '../helpers/chat';
import { startTestProcess } from '../helpers/server';

// The server process gets SIGKILL in the middle of a stream of sends and is started again on the same port:
// nothing acknowledged may be lost, nothing stored twice, and every client ends with every message once, in order.
const SENDERS = 3;
const PER_SENDER = 100;
const database = `test-${randomBytes(6).toString('hex')}`;
let env: Record<string, string>;
let server: ParleyProcess;
let mongo: MongoClient;
const clients: ChatClient[] = [];

beforeAll(async () => {
  env = { PORT: String(await findFreePort()), MONGODB_DB: database };
  server = await startTestProcess(env);
  mongo = await MongoClient.connect(process.env.PARLEY_TEST_MONGODB_URI ?? '');
}, 150_000);
afterAll(async () => {
  for (const client of clients.splice(0)) client.close();
  await server?.stop();
  await mongo?.close();
}, 30_000);

it('keeps every acknowledged message exactly once when the server is killed mid-stream', async () => {
  const members: Array<{ room: Room; received: Message[] }> = [];
  for (let i = 0; i < SENDERS; i++) {
    const { room } = await memberAt(server.url, `sender${i}`, clients);
    const received: Message[] = [];
    room.on('message', (message) => received.push(message));
    members.push({ room, received });
  }

  // the moment of the kill is random (the one thing not real here); it is printed so a failure can be replayed
  const killAfterMs = 150 + Math.floor(Math.random() * 600);
  console.log(`killing the server ${killAfterMs} ms into the stream`);
  const sends = members.flatMap(({ room }, sender) =>
    Array.from({ length: PER_SENDER }, async (_, n) => {
      await new Promise((resolve) => setTimeout(resolve, n * 8)); // ~125 messages/s per sender
      return room.send(`sender ${sender} message ${n}`);
    }),
  );
  await new Promise((resolve) => setTimeout(resolve, killAfterMs));
  await server.stop('SIGKILL');
  const before = await mongo.db(database).collection('messages').countDocuments({ siteId: 'demo' });
  console.log(`${before} of ${SENDERS * PER_SENDER} messages were stored when the server died`);
  server = await startTestProcess(env);

  // the SDK resends what was not acknowledged (same clientMsgId) until its 30 s deadline: all must be stored
  const acked = await Promise.all(sends);
  expect(acked).toHaveLength(SENDERS * PER_SENDER);

  const stored = await mongo.db(database).collection('messages').find({ siteId: 'demo', roomId: 'general' }).sort({ seq: 1 }).toArray();
  expect(stored).toHaveLength(SENDERS * PER_SENDER);
  expect(new Set(stored.map((m) => m.clientMsgId)).size).toBe(stored.length);
  const storedBySeq = new Map(stored.map((m) => [m.seq as number, m]));
  for (const message of acked) expect(storedBySeq.get(message.seq)?.clientMsgId).toBe(message.clientMsgId);

  // every client: every stored message once, in seq order (live, or by catch-up after reconnecting)
  await waitUntil(() => members.every(({ received }) => received.length >= stored.length), 20_000);
  for (const { received } of members) {
    expect(received.map((m) => m.seq)).toEqual(stored.map((m) => m.seq));
  }
}, 240_000);
