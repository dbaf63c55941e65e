import { execFileSync } from 'node:child_process';
import { get } from 'node:http';
import { io, type Socket } from 'socket.io-client';
import { type ChatClient, type Message } from '../../sdk';
import type { Ack, JoinResult, SendResult } from '../../sdk/protocol';
import type { ParleyProcess } from '../../scripts/parley-process';
import { memberAt, waitUntil } from '../helpers/chat';
import { newAccount, startTestProcess } from '../helpers/server';

// `--workers 2`: a primary that owns the port and hands connections to two worker processes (@socket.io/sticky),
// with the database from MONGODB_URI and a redis-server of its own (no REDIS_URL).
let cluster: ParleyProcess;
const clients: ChatClient[] = [];
const sockets: Socket[] = [];
beforeAll(async () => {
  cluster = await startTestProcess({}, ['--workers', '2']);
}, 150_000);
afterAll(async () => {
  for (const client of clients.splice(0)) client.close();
  for (const socket of sockets.splice(0)) socket.disconnect();
  await cluster?.stop();
}, 30_000);

/** The primary's child processes, as [pid, command line]. */
function childrenOf(pid: number): Array<[number, string]> {
  let listing = '';
  try {
    listing = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(pid)], { encoding: 'utf8' });
  } catch {
    return []; // ps exits 1 when there are none
  }
  return listing
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [, childPid = '0', args = ''] = /^\s*(\d+)\s+(.*)$/.exec(line) ?? [];
      return [Number(childPid), args];
    });
}
const workerPids = () => childrenOf(cluster.pid).filter(([, args]) => args.includes('cluster-worker')).map(([pid]) => pid);

const member = (prefix: string) => memberAt(cluster.url, prefix, clients);

/** A client that never leaves long-polling: every one of its requests must reach the worker holding its session. */
async function pollingOnly(token: string): Promise<Socket> {
  const socket = io(cluster.url, { auth: { site: 'demo', token }, transports: ['polling'] });
  sockets.push(socket);
  await new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(undefined));
    socket.once('connect_error', reject);
  });
  const joined = (await socket.timeout(5_000).emitWithAck('room:join', { roomId: 'general' })) as Ack<JoinResult>;
  if (!('ok' in joined)) throw new Error(joined.error.message);
  return socket;
}

it('runs two workers that chat with each other through Redis, long-polling included', async () => {
  expect(workerPids()).toHaveLength(2);
  const ada = await member('ada');
  const bob = await member('bob');
  const heardByBob: Message[] = [];
  bob.room.on('message', (m) => heardByBob.push(m));

  const account = newAccount('poller');
  const response = await fetch(`${cluster.url}/api/sites/demo/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(account),
  });
  const { token } = (await response.json()) as { token: string };
  const poller = await pollingOnly(token);
  const heardByPoller: Message[] = [];
  poller.on('message:new', (m: Message) => heardByPoller.push(m));

  // least-connection puts the three on both workers; the messages cross between them
  for (let i = 0; i < 5; i++) await ada.room.send(`hello ${i}`);
  for (let i = 0; i < 5; i++) {
    const sent = (await poller.timeout(5_000).emitWithAck('message:send', { roomId: 'general', text: `polled ${i}`, clientMsgId: `poll-${i}-${Date.now()}` })) as Ack<SendResult>;
    expect('ok' in sent).toBe(true);
  }
  await waitUntil(() => heardByBob.length === 10 && heardByPoller.length === 5);
  expect(heardByPoller.map((m) => m.text)).toEqual([0, 1, 2, 3, 4].map((i) => `hello ${i}`));
  await waitUntil(() => ada.room.online.length >= 3);
});

/** parley_sockets_connected in one scrape of /metrics, on a connection of its own (loopback: no token needed). */
function scrapedSockets(): Promise<number> {
  return new Promise((resolve, reject) => {
    // no keep-alive agent: each scrape is a new connection, which the primary hands to the least busy worker
    // a scrape that gets no answer fails, saying so, rather than holding the test until jest's own timeout
    const request = get(`${cluster.url}/metrics`, { agent: false, timeout: 30_000 }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => {
        if (response.statusCode !== 200) reject(new Error(`/metrics answered ${response.statusCode}: ${text}`));
        else resolve(Number(/^parley_sockets_connected (\d+)$/m.exec(text)?.[1]));
      });
    });
    request.on('timeout', () => request.destroy(new Error('/metrics gave no answer in 30 s')));
    request.on('error', reject);
  });
}

it('serves every worker\'s numbers from /metrics, whichever worker the scrape reaches', async () => {
  const { token } = (await (
    await fetch(`${cluster.url}/api/sites/demo/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(newAccount('counted')),
    })
  ).json()) as { token: string };
  // four more sockets: least-connection spreads them, so neither worker alone holds them all
  for (let i = 0; i < 4; i++) {
    const socket = io(cluster.url, { auth: { site: 'demo', token }, transports: ['websocket'], forceNew: true });
    sockets.push(socket);
    await new Promise((resolve, reject) => {
      socket.once('connect', () => resolve(undefined));
      socket.once('connect_error', reject);
    });
  }
  const open = () => clients.filter((client) => client.status === 'online').length + sockets.filter((socket) => socket.connected).length;
  // connections being counted settle within moments; then every scrape must report all of them
  let seen: number[] = [];
  for (const deadline = Date.now() + 10_000; Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 200))) {
    seen = await Promise.all(Array.from({ length: 6 }, () => scrapedSockets()));
    if (seen.every((count) => count === open())) break;
  }
  expect(open()).toBeGreaterThanOrEqual(4);
  expect(seen).toEqual(Array.from({ length: 6 }, () => open()));
  // four handshakes and a few rounds of scrapes through the primary: seconds, but minutes beside a busy CI (the default
  // 60 s ran out once there, while the HTTP fuzz run held both cores)
}, 180_000);

it('replaces a worker that dies; its clients reconnect and catch up', async () => {
  const ada = await member('ada');
  const bob = await member('bob');
  const heardByBob: Message[] = [];
  bob.room.on('message', (m) => heardByBob.push(m));
  const [victim] = workerPids();
  process.kill(victim ?? 0, 'SIGKILL');
  await waitUntil(() => workerPids().length === 2 && !workerPids().includes(victim ?? 0), 30_000);

  // whichever of the two was on the dead worker is back online through the other one or the replacement
  await waitUntil(() => ada.chat.status === 'online' && bob.chat.status === 'online', 60_000);
  const sent = await ada.room.send('after the crash');
  // live, or by catch-up once bob's rejoin gets through: until the others stop waiting for the dead worker's
  // presence answer, a rejoin may be refused and asked again with backoff (up to 10 s apart), longer on a busy machine
  await waitUntil(() => heardByBob.some((m) => m.seq === sent.seq), 60_000);
}, 180_000);

it('stops on SIGTERM: workers first, then its redis-server; exit code 0', async () => {
  const children = childrenOf(cluster.pid).map(([pid]) => pid);
  expect(children.length).toBeGreaterThanOrEqual(3); // two workers and the redis-server's watchdog
  expect(await cluster.stop('SIGTERM')).toBe(0);
  const alive = () =>
    children.filter((pid) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    });
  await waitUntil(() => alive().length === 0, 5_000);
}, 30_000);
