import { randomBytes } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { createClient } from 'redis';
import type { Socket } from 'socket.io-client';
import { createChatClient, type ChatClient, type Message, type PresenceUser } from '../../../sdk';
import type { Ack, JoinResult, SendResult } from '../../../sdk/protocol';
import type { ParleyProcess } from '../../../scripts/parley-process';
import { type RedisProcess, startRedis } from '../../../server/processes/redis-server';
import { UsersRepository } from '../../../server/db/users';
import { connectAs, waitUntil } from '../../helpers/chat';
import { newAccount, startTestProcess } from '../../helpers/server';

// Two Parley nodes — two server processes on different ports, each with its own Redis Streams adapter and
// database connection — over one real redis-server and one database, as behind a load balancer.
type Node = Pick<ParleyProcess, 'url'>;
let redis: RedisProcess;
let nodeA: ParleyProcess;
let nodeB: ParleyProcess;
const database = `test-${randomBytes(6).toString('hex')}`;
let mongo: MongoClient;
const clients: ChatClient[] = [];
const sockets: Socket[] = [];
beforeAll(async () => {
  redis = await startRedis();
  // warnings kept (in output(), not printed): a presence ask that timed out says so there
  const shared = { REDIS_URL: redis.url, MONGODB_DB: database, LOG_LEVEL: 'warn' };
  [nodeA, nodeB] = await Promise.all([startTestProcess(shared), startTestProcess(shared)]);
  mongo = await MongoClient.connect(process.env.PARLEY_TEST_MONGODB_URI ?? '');
}, 150_000);
afterAll(async () => {
  for (const client of clients.splice(0)) client.close();
  for (const socket of sockets.splice(0)) socket.disconnect();
  await Promise.all([nodeA?.stop(), nodeB?.stop()]);
  await mongo?.close();
  await redis?.stop();
}, 30_000);

async function memberOn(node: Node, prefix: string, account = newAccount(prefix)) {
  const chat = createChatClient({ baseUrl: node.url, site: 'demo' });
  clients.push(chat);
  const user = await chat.register(account).catch(() => chat.login(account));
  return { chat, user, account, room: await chat.join('general') };
}

const names = (online: readonly PresenceUser[]) => online.map((u) => u.displayName);

/** A raw socket of `account` on `node`, joined to general (`afterSeq` as the SDK sends it after a reconnect). */
async function rawSocketOn(node: Node, account: { username: string; password: string }, afterSeq?: number) {
  const socket = await connectAs(node.url, account);
  sockets.push(socket);
  const joined = (await socket.timeout(5_000).emitWithAck('room:join', { roomId: 'general', ...(afterSeq === undefined ? {} : { afterSeq }) })) as Ack<JoinResult>;
  if (!('ok' in joined)) throw new Error(joined.error.message);
  return { socket, joined };
}

describe('two nodes sharing Redis', () => {
  it('delivers messages, presence and typing between users on different nodes', async () => {
    const ada = await memberOn(nodeA, 'ada');
    const bob = await memberOn(nodeB, 'bob');
    await waitUntil(() => names(ada.room.online).includes(bob.user.displayName));
    expect(names(bob.room.online)).toContain(ada.user.displayName);

    const heardByBob: Message[] = [];
    bob.room.on('message', (m) => heardByBob.push(m));
    const typingAtAda: string[][] = [];
    ada.room.on('typing', (users) => typingAtAda.push(names(users)));

    bob.room.typing();
    await waitUntil(() => typingAtAda.some((list) => list.includes(bob.user.displayName)));
    const sent = await ada.room.send('across nodes');
    await waitUntil(() => heardByBob.length === 1);
    expect(heardByBob[0]).toEqual(sent);
  });

  it('lists a user with a tab on each node once, and until both tabs close', async () => {
    const watcher = await memberOn(nodeA, 'watcher');
    const account = newAccount('twotabs');
    const onA = await memberOn(nodeA, 'twotabs', account);
    const onB = await memberOn(nodeB, 'twotabs', account);
    const count = () => names(watcher.room.online).filter((n) => n === account.displayName).length;
    await waitUntil(() => count() === 1);
    expect(names(onB.room.online).filter((n) => n === account.displayName)).toHaveLength(1);

    onA.chat.close();
    await new Promise((resolve) => setTimeout(resolve, 600)); // past the test servers' 100 ms grace
    expect(count()).toBe(1);
    onB.chat.close();
    await waitUntil(() => count() === 0);
  });

  it('answers a send retried on node B with the message node A stored: never a second copy', async () => {
    const { account } = await memberOn(nodeA, 'retrier');
    const request = { roomId: 'general', text: 'stored once', clientMsgId: randomBytes(16).toString('hex') };
    const onA = (await rawSocketOn(nodeA, account)).socket;
    const onB = (await rawSocketOn(nodeB, account)).socket;
    const first = (await onA.timeout(5_000).emitWithAck('message:send', request)) as Ack<SendResult>;
    const retried = (await onB.timeout(5_000).emitWithAck('message:send', { ...request, retry: true })) as Ack<SendResult>;
    if (!('ok' in first) || !('ok' in retried)) throw new Error('a send failed');
    expect(retried.message).toEqual(first.message);
    const stored = await mongo.db(database).collection('messages').countDocuments({ siteId: 'demo', clientMsgId: request.clientMsgId });
    expect(stored).toBe(1);
  });

  it('catches a client up when it comes back through the other node', async () => {
    const sender = await memberOn(nodeA, 'sender');
    const reader = await memberOn(nodeA, 'reader');
    const seen = reader.room.recent.at(-1)?.seq ?? 0;
    reader.chat.close();
    const sent: Message[] = [];
    for (let i = 0; i < 30; i++) sent.push(await sender.room.send(`while away ${i}`));

    // the same account, now through node B, resuming from the last seq it had (what the SDK sends on reconnect)
    const { joined } = await rawSocketOn(nodeB, reader.account, seen);
    expect(joined.messages.map((m) => m.seq)).toEqual(sent.map((m) => m.seq));
    expect(joined.more).toBe(false);
  });

  it('delivers a message stored while a rejoin waits for the other node: in the page or live', async () => {
    const sender = await memberOn(nodeA, 'sender');
    const joiner = await memberOn(nodeA, 'joiner');
    const seen = joiner.room.recent.at(-1)?.seq ?? 0;
    joiner.chat.close();
    const socket = await connectAs(nodeA.url, joiner.account);
    sockets.push(socket);
    const live: Message[] = [];
    socket.on('message:new', (message: Message) => live.push(message));

    const [joined, sent] = await whileAJoinWaits(
      () => socket.timeout(60_000).emitWithAck('room:join', { roomId: 'general', afterSeq: seen }) as Promise<Ack<JoinResult>>,
      () => sender.room.send('while the rejoin waits'),
    );
    if (!('ok' in joined)) throw new Error(joined.error.message);
    await waitUntil(() => [...joined.messages, ...live].some((m) => m.seq === sent.seq), 10_000);
  }, 120_000);

  it('gives the SDK a message sent to the room while its first join waits for the other node', async () => {
    const sender = await memberOn(nodeA, 'sender');
    const account = newAccount('newcomer');
    const newcomer = createChatClient({ baseUrl: nodeA.url, site: 'demo' });
    clients.push(newcomer);
    await newcomer.register(account);
    const heard: Message[] = [];

    const [room, sent] = await whileAJoinWaits(
      () => newcomer.join('general'),
      () => sender.room.send('while the first join waits'),
    );
    room.on('message', (message) => heard.push(message));
    await waitUntil(() => [...room.recent, ...heard].some((m) => m.seq === sent.seq), 10_000);
  }, 120_000);
});

describe('presence while a node does not answer', () => {
  it('announces no leave for a user who came back on this node while the other nodes were asked', async () => {
    const watcher = await memberOn(nodeA, 'watcher');
    const returner = await memberOn(nodeA, 'returner');
    const again = createChatClient({ baseUrl: nodeA.url, site: 'demo' });
    clients.push(again);
    await again.login(returner.account);
    await waitUntil(() => names(watcher.room.online).includes(returner.user.displayName));
    const warnings = () => nodeA.output().split('a node did not answer for presence').length - 1;
    const before = warnings();

    // the new connection's join waits for node B; the old one closes meanwhile, and once its grace period is over
    // its leave waits for node B too, and gets its answer (none) after the join has listed the user again
    let leaveAsk = '';
    await whileAJoinWaits(
      () => again.join('general'),
      async (asks) => {
        returner.chat.close();
        // the leave asks node B too, a grace period after the close
        await waitUntilAsync(async () => (leaveAsk = (await asks())[1] ?? '') !== '');
      },
    );
    // the leave's ask is over (node B, running again, answered it, or it timed out): the leave has been announced
    // by now, if it was going to be
    const answered = async () => (await streamEntries()).some((entry) => entry.message.type === '10' && (entry.message.data ?? '').includes(leaveAsk));
    await waitUntilAsync(async () => warnings() >= before + 2 || (await answered()));
    // a message sent through node A after that reaches the watcher after any presence news node A sent before it
    const heard: Message[] = [];
    watcher.room.on('message', (message) => void heard.push(message));
    const barrier = await (await memberOn(nodeA, 'barrier')).room.send('after the leave would have come');
    await waitUntil(() => heard.some((message) => message.seq === barrier.seq));
    expect(names(watcher.room.online)).toContain(returner.user.displayName);
  }, 120_000);
});

describe('room settings with Redis', () => {
  it('applies slow mode set through node A to a member on node B at once, though B had read the room before', async () => {
    const keeper = await memberOn(nodeA, 'keeper');
    await new UsersRepository(mongo.db(database)).setRole('demo', keeper.account.username, 'admin');
    const roomId = `slow-${randomBytes(4).toString('hex')}`;
    await keeper.chat.createRoom({ id: roomId, name: 'Slow room' });
    const poster = await memberOn(nodeB, 'poster');
    const room = await poster.chat.join(roomId);
    await room.send('read the setting (off) on node B');

    await keeper.chat.updateRoom(roomId, { slowModeSeconds: 3_600 });
    await waitUntil(() => room.slowModeSeconds === 3_600);
    await room.send('one');
    await expect(room.send('two')).rejects.toMatchObject({ code: 'rate_limited' });
  });
});

/**
 * Runs `join` with node B stopped, so the join waits for B's presence answer (up to its 2 s timeout), and
 * `meanwhile` once the join has asked (seen in the adapter's Redis stream): what `meanwhile` sends to the room
 * reaches it before the joiner has its answer.
 */
async function whileAJoinWaits<J, M>(join: () => Promise<J>, meanwhile: (asks: () => Promise<string[]>) => Promise<M>): Promise<[J, M]> {
  const stream = createClient({ url: redis.url });
  await stream.connect();
  const newest = async () => (await stream.xRevRange('socket.io', '+', '-', { COUNT: 1 }))[0]?.id ?? '0';
  // the presence asks since `id`, by request id
  const asksSince = async (id: string) =>
    (await stream.xRange('socket.io', `(${id}`, '+')).flatMap((entry) =>
      entry.message.type === '9' && (entry.message.data ?? '').includes('presence:users') ? [(JSON.parse(entry.message.data ?? '{}') as { requestId: string }).requestId] : [],
    );
  const askedSince = async (id: string) => (await asksSince(id)).length > 0;
  const until = (test: () => Promise<boolean>, what: string) => waitUntilAsync(test).catch(() => Promise.reject(new Error(`${what} within 30 s`)));
  // node A asks only the nodes it has heard from (a heartbeat, 5 s apart): a join there asks once it knows B
  const probe = await connectAs(nodeA.url, (await memberOn(nodeA, 'probe')).account);
  sockets.push(probe);
  await until(async () => {
    const before = await newest();
    await probe.timeout(10_000).emitWithAck('room:join', { roomId: 'general' });
    return askedSince(before);
  }, 'node A did not hear from node B');

  process.kill(nodeB.pid, 'SIGSTOP');
  try {
    const before = await newest();
    const joining = join();
    await until(() => askedSince(before), 'the join did not ask node B');
    const done = await meanwhile(() => asksSince(before));
    return [await joining, done];
  } finally {
    process.kill(nodeB.pid, 'SIGCONT');
    await stream.quit();
  }
}

describe('the per-user send limit with Redis', () => {
  it("counts a user's messages across nodes, so more nodes do not mean a higher limit", async () => {
    const shared = {
      REDIS_URL: redis.url,
      MONGODB_DB: `test-${randomBytes(6).toString('hex')}`,
      RATE_LIMIT_MESSAGES_PER_USER: '3/60',
      RATE_LIMIT_MESSAGE_BURST_PER_USER: '1/60',
    };
    const [limitedA, limitedB] = await Promise.all([startTestProcess(shared), startTestProcess(shared)]);
    try {
      const account = newAccount('limited');
      const onA = await memberOn(limitedA, 'limited', account);
      const onB = await memberOn(limitedB, 'limited', account);
      await onA.room.send('one');
      await onB.room.send('two');
      await onA.room.send('three');
      await onB.room.send('four (the burst)');
      await expect(onA.room.send('five')).rejects.toMatchObject({ code: 'rate_limited', retryAfterMs: expect.any(Number) });
      await expect(onB.room.send('five again')).rejects.toMatchObject({ code: 'rate_limited' });
    } finally {
      for (const client of clients.splice(0)) client.close();
      await Promise.all([limitedA.stop(), limitedB.stop()]);
    }
  }, 180_000);
});

describe('presence when a node goes away', () => {
  it('drops the users of a node that died, within the adapter timeout plus the sync period', async () => {
    const shared = { REDIS_URL: redis.url, MONGODB_DB: `test-${randomBytes(6).toString('hex')}`, PRESENCE_SYNC_MS: '300' };
    const [survivor, doomed] = await Promise.all([startTestProcess(shared), startTestProcess(shared)]);
    try {
      const watcher = await memberOn(survivor, 'watcher');
      const stranded = await memberOn(doomed, 'stranded');
      await waitUntil(() => names(watcher.room.online).includes(stranded.user.displayName));
      await new Promise((resolve) => setTimeout(resolve, 700)); // a sync or two with both online
      stranded.chat.close(); // or its SDK would reconnect to the survivor and stay online there
      // a crash: no goodbye to Redis, no leaves announced; only the survivor's sync can tell
      await doomed.stop('SIGKILL');
      const died = Date.now();
      await waitUntil(() => !names(watcher.room.online).includes(stranded.user.displayName), 25_000);
      // the adapter declares a node gone 10 s after its last heartbeat (5 s apart); then one sync
      expect(Date.now() - died).toBeLessThan(16_000);
      expect(names(watcher.room.online)).toContain(watcher.user.displayName);
    } finally {
      for (const client of clients.splice(0)) client.close();
      await survivor.stop();
    }
  }, 180_000);
});

/** Polls an asynchronous condition until it holds; throws after 30 s. */
async function waitUntilAsync(test: () => Promise<boolean>): Promise<void> {
  for (const deadline = Date.now() + 30_000; !(await test()); await new Promise((resolve) => setTimeout(resolve, 10))) {
    if (Date.now() > deadline) throw new Error('condition not met within 30 s');
  }
}

/** Every entry of the Socket.IO adapter's Redis stream. */
async function streamEntries() {
  const stream = createClient({ url: redis.url });
  await stream.connect();
  try {
    return await stream.xRange('socket.io', '-', '+');
  } finally {
    await stream.quit();
  }
}
