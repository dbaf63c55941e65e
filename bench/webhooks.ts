// Webhooks (npx tsx bench/webhooks.ts [messages]): a real Parley server on a temporary embedded database (or
// MONGODB_URI, in a database of its own) and a receiver on loopback (node:http, answering 200 at once). What a
// delivery adds to a message: the time from the send's acknowledgement to the event's arrival, for messages sent one
// at a time and for a burst; and after a restart, how long deliveries queued while the receiver was down take to
// arrive once it is back. Prints a Markdown table.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { createChatClient } from '../sdk';
import type { WebhookEvent } from '../sdk/protocol';
import { localServer } from './local-server';

const MESSAGES = Number(process.argv[2] ?? 300);
const BURST = 200;
const QUEUED = 50;
const WAITING = 10_000;

const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.ceil((p / 100) * values.length) - 1)]!;
const ms = (value: number) => `${value.toFixed(value < 10 ? 1 : 0)} ms`;

async function main(): Promise<void> {
  const server = localServer('webhooks', {
    HOOKS_ALLOW_PRIVATE: 'true',
    RATE_LIMIT_MESSAGES_PER_USER: '1000000/10',
    RATE_LIMIT_MESSAGE_BURST_PER_USER: '1000000/10',
  });

  // the receiver notes when each message's event arrived; `up` false answers 503
  const arrived = new Map<string, number>();
  let up = true;
  const receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (!up) return void res.writeHead(503).end();
      const event = JSON.parse(Buffer.concat(chunks).toString('utf8')) as WebhookEvent;
      if (event.type === 'message.created' && !arrived.has(event.data.message.text)) arrived.set(event.data.message.text, performance.now());
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;

  let parley = await server.start();
  const rows: string[] = [];
  try {
    let token: string | null = null;
    const storage = { get: () => token, set: (value: string | null) => void (token = value) };
    const chat = createChatClient({ baseUrl: parley.url, site: 'demo', storage });
    const account = { username: `bench${randomBytes(3).toString('hex')}`, displayName: `Bench ${randomBytes(3).toString('hex')}`, password: 'correct horse battery' };
    await chat.register(account);
    await parley.repositories.users.setRole('demo', account.username, 'admin');
    await chat.login(account);
    await chat.addWebhook({ url, events: ['message.created'] });
    const room = await chat.join('general');
    const until = async (done: () => boolean) => {
      while (!done()) await new Promise((resolve) => setTimeout(resolve, 2));
    };

    // one at a time: the send, its ack, then the event
    const single: number[] = [];
    for (let i = 0; i < MESSAGES; i++) {
      const text = `single ${i}`;
      await room.send(text);
      const acked = performance.now();
      await until(() => arrived.has(text));
      single.push(arrived.get(text)! - acked);
      if (i % 50 === 49) console.error(`one at a time: ${i + 1}`);
    }
    console.error(`one at a time: done`);
    rows.push(`| one at a time (${MESSAGES}) | ${ms(percentile(single, 50))} | ${ms(percentile(single, 99))} | ${ms(Math.max(...single))} |`);

    // a burst: all sent at once
    const started = performance.now();
    const acks = new Map<string, number>();
    await Promise.all(Array.from({ length: BURST }, (_, i) => room.send(`burst ${i}`).then(() => void acks.set(`burst ${i}`, performance.now()))));
    await until(() => [...acks.keys()].every((text) => arrived.has(text)));
    const burst = [...acks].map(([text, acked]) => arrived.get(text)! - acked);
    const all = Math.max(...[...acks.keys()].map((text) => arrived.get(text)!)) - started;
    rows.push(`| a burst of ${BURST} (all delivered ${ms(all)} after the first send) | ${ms(percentile(burst, 50))} | ${ms(percentile(burst, 99))} | ${ms(Math.max(...burst))} |`);

    console.error(`burst: done`);
    // queued while the receiver was down, then the server restarts and the receiver is back
    up = false;
    const queued = Array.from({ length: QUEUED }, (_, i) => `queued ${i}`);
    for (const text of queued) await room.send(text);
    chat.close();
    await parley.close();
    up = true;
    const restarting = performance.now();
    parley = await server.start();
    const ready = performance.now();
    await until(() => queued.every((text) => arrived.has(text)));
    const after = queued.map((text) => arrived.get(text)! - ready);
    rows.push(
      `| ${QUEUED} queued while the receiver was down, after a restart (start took ${ms(ready - restarting)}; the first retry was due 10 s after each failure) | ${ms(percentile(after, 50))} | ${ms(percentile(after, 99))} | ${ms(Math.max(...after))} |`,
    );

    // the queue's look, with many deliveries waiting (the receiver down): on MongoDB an index range, on the embedded
    // database a read of the whole queue
    up = false;
    const [endpoint] = await parley.repositories.webhooks.listEndpoints('demo');
    const waiting = Array.from({ length: WAITING }, () => endpoint!);
    await parley.repositories.webhooks.enqueue(waiting, { id: 'bench', type: 'message.created', body: '{}' }, 60_000);
    const looks: number[] = [];
    for (let i = 0; i < 20; i++) {
      const start = performance.now();
      await parley.repositories.webhooks.due(new Date(), 50);
      looks.push(performance.now() - start);
    }
    rows.push(`| one look at the queue with ${WAITING.toLocaleString('en')} deliveries waiting (not a delivery: what each node does every WEBHOOK_POLL_MS) | ${ms(percentile(looks, 50))} | ${ms(percentile(looks, 99))} | ${ms(Math.max(...looks))} |`);
  } finally {
    await parley.close();
    receiver.close();
    server.remove();
  }
  console.log('| from the ack to the event at the receiver | p50 | p99 | max |\n|---|---:|---:|---:|');
  for (const row of rows) console.log(row);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
