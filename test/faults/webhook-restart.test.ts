import { randomBytes } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { type ChatClient, createChatClient } from '../../sdk';
import type { ParleyProcess } from '../../scripts/parley-process';
import { UsersRepository } from '../../server/db/users';
import { findFreePort } from '../../server/processes/watchdog';
import { memberAt, waitUntil } from '../helpers/chat';
import { startTestProcess } from '../helpers/server';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver';

// A webhook delivery survives the server: it is queued before the message is acknowledged, the server gets SIGKILL
// while an attempt is in flight (after one that failed), and once started again it delivers: each attempt id reaches
// the receiver once, the delivery id stays the same, and the log shows it delivered.
const database = `test-${randomBytes(6).toString('hex')}`;
let env: Record<string, string>;
let server: ParleyProcess;
let receiver: WebhookReceiver;
let mongo: MongoClient;
const clients: ChatClient[] = [];

beforeAll(async () => {
  env = {
    PORT: String(await findFreePort()),
    MONGODB_DB: database,
    HOOKS_ALLOW_PRIVATE: 'true',
    WEBHOOK_TIMEOUT_MS: '1500',
    WEBHOOK_RETRY_FIRST_MS: '100',
    WEBHOOK_POLL_MS: '100',
  };
  server = await startTestProcess(env);
  mongo = await MongoClient.connect(process.env.PARLEY_TEST_MONGODB_URI ?? '');
  receiver = await startWebhookReceiver();
}, 150_000);
afterAll(async () => {
  for (const client of clients.splice(0)) client.close();
  await server?.stop();
  await receiver?.close();
  await mongo?.close();
}, 30_000);

it('delivers an event queued before its ack after the server is killed mid-retry, once per attempt id', async () => {
  const admin = await memberAt(server.url, 'owner', clients);
  await new UsersRepository(mongo.db(database)).setRole('demo', admin.account.username, 'admin');
  const endpoint = await admin.chat.addWebhook({ url: receiver.url, events: ['message.created'] });
  // the first attempt is refused, the second is held until the server is gone, any later one succeeds
  receiver.answer((_request, index) => (index === 0 ? { status: 500 } : index === 1 ? 'hang' : { status: 200 }));
  const sent = await admin.room.send('survive this');
  await waitUntil(() => receiver.hanging() === 1, 60_000);

  await server.stop('SIGKILL');
  receiver.release(200);
  server = await startTestProcess(env);
  await waitUntil(() => receiver.received.length === 3, 60_000);

  const attempts = receiver.received.map((request) => request.attempt);
  expect(new Set(attempts).size).toBe(3);
  expect(new Set(receiver.received.map((request) => request.delivery)).size).toBe(1);
  const last = receiver.received[2]!.event;
  expect(last.type === 'message.created' && last.data.message).toEqual(sent);

  // the log, read through the restarted server, shows it delivered by the attempt after the restart
  const reader = createChatClient({ baseUrl: server.url, site: 'demo' });
  clients.push(reader);
  await reader.login({ username: admin.account.username, password: admin.account.password });
  let [delivery] = (await reader.webhookDeliveries(endpoint.id)).deliveries;
  for (const deadline = Date.now() + 30_000; delivery?.state !== 'delivered' && Date.now() < deadline; ) [delivery] = (await reader.webhookDeliveries(endpoint.id)).deliveries;
  expect(delivery).toMatchObject({ state: 'delivered', id: receiver.received[0]!.delivery });
  expect(delivery!.attempts.map((attempt) => [attempt.id, attempt.status])).toEqual([
    [attempts[0], 500],
    [attempts[2], 200],
  ]);
  // and no other request came for it
  expect(receiver.received).toHaveLength(3);
}, 180_000);
