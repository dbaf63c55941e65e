import { randomBytes, randomUUID } from 'node:crypto';
import { Collection, MongoClient } from 'mongodb';
import { io, type Socket } from 'socket.io-client';
import { createChatClient, type Message } from '../../../sdk';
import type { Ack, SendResult } from '../../../sdk/protocol';
import type { Parley } from '../../../server/main';
import { chatClients, waitUntil } from '../../helpers/chat';
import { newAccount, startTestServer } from '../../helpers/server';

// Group commit (server/hub/send-batcher.ts): sends to a busy room go to the database in batches,
// one seq-taking write and one insert per batch, with every guarantee of a single send.
const dbName = `test-${randomBytes(6).toString('hex')}`;
let parley: Parley;
let database: MongoClient;
const sockets: Socket[] = [];
const { admin, track, closeAll } = chatClients(() => parley);
beforeAll(async () => {
  parley = await startTestServer({ MONGODB_DB: dbName });
  database = await new MongoClient(process.env.PARLEY_TEST_MONGODB_URI!).connect();
});
afterEach(() => jest.restoreAllMocks());
afterAll(async () => {
  for (const socket of sockets.splice(0)) socket.disconnect();
  closeAll();
  await database.close();
  await parley.close();
});

type SendAck = Ack<SendResult>;

/** A new account with a raw WebSocket joined to `roomId`: sends exactly what the test says, no SDK retries. */
async function sender(prefix: string, roomId = 'general') {
  let token: string | null = null;
  const chat = track(createChatClient({ baseUrl: parley.url, site: 'demo', storage: { get: () => token, set: (t) => void (token = t) } }));
  const user = await chat.register(newAccount(prefix));
  const socket = io(parley.url, { auth: { site: 'demo', token }, transports: ['websocket'] });
  sockets.push(socket);
  await new Promise((resolve) => socket.once('connect', () => resolve(undefined)));
  const joined = await socket.timeout(5_000).emitWithAck('room:join', { roomId });
  if (!joined.ok) throw new Error(`join ${roomId}: ${JSON.stringify(joined)}`);
  const send = (text: string, options: { clientMsgId?: string; retry?: boolean; timeoutMs?: number } = {}) =>
    socket.timeout(options.timeoutMs ?? 10_000).emitWithAck('message:send', {
      roomId,
      text,
      clientMsgId: options.clientMsgId ?? randomUUID(),
      ...(options.retry ? { retry: true } : {}),
    }) as Promise<SendAck>;
  return { user, socket, send };
}

const senders = (count: number, prefix: string, roomId?: string) => Promise.all(Array.from({ length: count }, () => sender(prefix, roomId)));

function stored(ack: SendAck): Message {
  if (!('ok' in ack)) throw new Error(`send failed: ${JSON.stringify(ack.error)}`);
  return ack.message;
}

/** Watches the writes that take seqs (`$inc` of a room's lastSeq, with their filters) and the message inserts. */
function countWrites() {
  const findOneAndUpdate = jest.spyOn(Collection.prototype, 'findOneAndUpdate');
  const insertMany = jest.spyOn(Collection.prototype, 'insertMany');
  const insertOne = jest.spyOn(Collection.prototype, 'insertOne');
  return {
    seqFilters: () =>
      (findOneAndUpdate.mock.calls as unknown as Array<[Record<string, unknown>, { $inc?: { lastSeq?: number } }]>)
        .filter(([, update]) => update.$inc?.lastSeq !== undefined)
        .map(([filter]) => filter),
    messageInserts: () => [...insertMany.mock.contexts, ...insertOne.mock.contexts].filter((c) => (c as Collection).collectionName === 'messages').length,
  };
}

const storedInRoom = (roomId: string) => database.db(dbName).collection('messages').find({ siteId: 'demo', roomId }).sort({ seq: 1 }).toArray();

async function newRoom(prefix: string) {
  const boss = await admin('boss');
  const roomId = `${prefix}-${randomBytes(4).toString('hex')}`;
  await boss.chat.createRoom({ id: roomId, name: prefix });
  return { boss, roomId };
}

describe('message:send in a busy room (group commit)', () => {
  it('stores the concurrent sends of 40 users gap-free and exactly once, acked with their seq, in a few batches', async () => {
    const { roomId } = await newRoom('busy');
    const users = await senders(40, 'busy', roomId);
    const observer = await sender('observer', roomId);
    const heard: number[] = [];
    observer.socket.on('message:new', (m) => heard.push(m.seq));
    const writes = countWrites();

    const PER_USER = 5;
    const acks = await Promise.all(users.flatMap(({ send }, u) => Array.from({ length: PER_USER }, (_, i) => send(`u${u} m${i}`))));
    const total = users.length * PER_USER;
    const sent = acks.map(stored);

    expect(sent.map((m) => m.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    const documents = await storedInRoom(roomId);
    expect(documents.map((d) => d.seq)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    // each ack names its own stored message
    for (const message of sent) expect(documents.find((d) => d.seq === message.seq)).toMatchObject({ clientMsgId: message.clientMsgId, text: message.text });

    // batched: far fewer seq-taking writes and inserts than messages
    expect(writes.seqFilters().length).toBeLessThanOrEqual(total / 5);
    expect(writes.messageInserts()).toBe(writes.seqFilters().length);
    // this node broadcasts in seq order
    await waitUntil(() => heard.length === total);
    expect(heard).toEqual(Array.from({ length: total }, (_, i) => i + 1));
  }, 60_000);

  it('takes one seq write and one insert for a lone send in an idle room', async () => {
    const { roomId } = await newRoom('idle');
    const [alone] = await senders(1, 'alone', roomId);
    const writes = countWrites();
    const first = stored(await alone!.send('first'));
    const second = stored(await alone!.send('second'));
    expect([first.seq, second.seq]).toEqual([1, 2]);
    expect(writes.seqFilters()).toHaveLength(2);
    expect(writes.messageInserts()).toBe(2);
  });

  it("refuses a muted user's sends inside a busy batch with retryAfterMs, and stores the others' without a gap", async () => {
    const { boss, roomId } = await newRoom('muted');
    const [muted, ...others] = await senders(11, 'talker', roomId);
    await boss.chat.join(roomId).then((room) => room.mute(muted!.user.id, { durationMs: 60_000 }));
    const writes = countWrites();

    // the muted user's sends are interleaved with the others', so they share batches
    const acks = await Promise.all(
      Array.from({ length: 4 }, (_, round) => [muted!, ...others].map(({ send }, i) => send(`r${round} s${i}`))).flat(),
    );
    const refused = acks.filter((_, index) => index % 11 === 0);
    const accepted = acks.filter((_, index) => index % 11 !== 0).map(stored);

    for (const ack of refused) {
      expect(ack).toEqual({ error: { code: 'forbidden', message: expect.stringMatching(/^you are muted in this room until /), reason: 'muted', retryAfterMs: expect.any(Number) } });
      expect(!('ok' in ack) && ack.error.retryAfterMs).toBeGreaterThan(50_000);
    }
    expect(accepted.map((m) => m.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect((await storedInRoom(roomId)).filter((d) => d.author.id === muted!.user.id)).toEqual([]);
    // the muted user was refused inside a batch that also held the others' messages
    const shared = writes.seqFilters().filter((filter) => Object.keys(filter).filter((key) => key.startsWith('mutedUntil.')).length > 1);
    expect(shared.some((filter) => `mutedUntil.${muted!.user.id}` in filter)).toBe(true);
  }, 60_000);

  it('refuses every send of a batch when the room is archived, and takes no seq', async () => {
    const { boss, roomId } = await newRoom('archived');
    const users = await senders(10, 'late', roomId);
    stored(await users[0]!.send('before the archive'));
    await boss.chat.updateRoom(roomId, { archived: true });

    const acks = await Promise.all(users.flatMap(({ send }) => [send('one'), send('two')]));
    for (const ack of acks) expect(ack).toEqual({ error: { code: 'forbidden', message: 'the room is archived', reason: 'archived' } });
    expect((await storedInRoom(roomId)).map((d) => d.text)).toEqual(['before the archive']);
    const room = await parley.repositories.rooms.find('demo', roomId);
    expect(room?.lastSeq).toBe(1);
  }, 60_000);

  it('stores a retry racing its first attempt once, and answers both with that message', async () => {
    const { roomId } = await newRoom('race');
    const [racer, ...crowd] = await senders(6, 'racer', roomId);
    const clientMsgId = randomUUID();
    // a busy room: the first attempt, its retry and a copy without the flag all wait for the batch in flight
    const noise = crowd.map(({ send }) => send('noise'));
    const [first, retried, copy] = await Promise.all([
      racer!.send('said once', { clientMsgId }),
      racer!.send('said once', { clientMsgId, retry: true }),
      racer!.send('said once', { clientMsgId }),
    ]);
    const next = stored(await racer!.send('said next'));
    await Promise.all(noise);

    const message = stored(first!);
    expect(stored(retried!)).toEqual(message);
    expect(stored(copy!)).toEqual(message);
    const documents = await storedInRoom(roomId);
    expect(documents.filter((d) => d.clientMsgId === clientMsgId)).toHaveLength(1);
    expect(next.seq).toBeGreaterThan(message.seq);
  }, 30_000);

  it('moves a counter that fell behind the stored messages past them, and stores every send of the batch once', async () => {
    const { roomId } = await newRoom('behind');
    const users = await senders(8, 'behind', roomId);
    for (const { send } of users) stored(await send('early'));
    // what concurrent $inc from two nodes do on a database without atomic updates: the counter loses increments
    await database.db(dbName).collection('rooms').updateOne({ siteId: 'demo', roomId }, { $set: { lastSeq: 2 } });

    const acks = await Promise.all(users.flatMap(({ send }, u) => [send(`late ${u} a`), send(`late ${u} b`)]));
    const seqs = acks.map((ack) => stored(ack).seq).sort((a, b) => a - b);
    expect(seqs[0]).toBeGreaterThan(8);
    expect(new Set(seqs).size).toBe(16);
    const documents = await storedInRoom(roomId);
    expect(documents).toHaveLength(24);
    expect(new Set(documents.map((d) => d.seq)).size).toBe(24);
  }, 30_000);
});

describe('closing the server while sends are in flight', () => {
  it('acks only what it stored, answers or drops the rest, and closes without hanging', async () => {
    const closingDb = `test-${randomBytes(6).toString('hex')}`;
    const closing = await startTestServer({ MONGODB_DB: closingDb });
    const previous = parley;
    parley = closing; // sender() and admin() speak to this server
    try {
      const users = await senders(10, 'closing');
      const acks = users.flatMap(({ socket, send }) => {
        socket.io.opts.reconnection = false;
        return Array.from({ length: 10 }, (_, i) => send(`m${i}`, { timeoutMs: 2_000 }).catch(() => 'no answer' as const));
      });
      await new Promise((resolve) => setTimeout(resolve, 5));
      const started = Date.now();
      await closing.close();
      expect(Date.now() - started).toBeLessThan(5_000);

      const answers = await Promise.all(acks);
      const documents = await database.db(closingDb).collection('messages').find({ siteId: 'demo' }).toArray();
      for (const answer of answers) {
        if (answer === 'no answer') continue;
        if ('ok' in answer) expect(documents.find((d) => d.seq === answer.message.seq)).toMatchObject({ clientMsgId: answer.message.clientMsgId });
        else expect(answer.error.code).toBe('unavailable');
      }
    } finally {
      parley = previous;
    }
  }, 30_000);
});
