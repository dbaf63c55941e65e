import { randomBytes, randomUUID } from 'node:crypto';
import type { Collection, ObjectId } from 'mongodb';
import type { Socket } from 'socket.io-client';
import type { Ack, Message, SendResult } from '../../../sdk/protocol';
import type { ParleyProcess } from '../../../scripts/parley-process';
import { sendKey } from '../../../server/db/messages';
import type { Parley } from '../../../server/main';
import { type RedisProcess, startRedis } from '../../../server/processes/redis-server';
import { connectAs, waitUntil } from '../../helpers/chat';
import { newAccount, startTestProcess, startTestServer } from '../../helpers/server';

// A send repeated with the same clientMsgId (with or without `retry`, as a client that is not the SDK may well do
// after a timeout) is one message: answered with the stored one, announced once, and it takes no seq.
const sockets: Socket[] = [];
afterEach(() => {
  for (const socket of sockets.splice(0)) socket.disconnect();
});

async function rawMember(url: string, account = newAccount('raw')): Promise<{ socket: Socket; account: typeof account; heard: Message[] }> {
  await fetch(`${url}/api/sites/demo/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(account) });
  const socket = await connectAs(url, account);
  sockets.push(socket);
  const heard: Message[] = [];
  socket.on('message:new', (message: Message) => heard.push(message));
  const joined = (await socket.timeout(10_000).emitWithAck('room:join', { roomId: 'general' })) as Ack<object>;
  if (!('ok' in joined)) throw new Error(joined.error.message);
  return { socket, account, heard };
}

async function send(socket: Socket, text: string, clientMsgId: string, retry?: boolean): Promise<Message> {
  const ack = (await socket.timeout(10_000).emitWithAck('message:send', { roomId: 'general', text, clientMsgId, ...(retry ? { retry } : {}) })) as Ack<SendResult>;
  if (!('ok' in ack)) throw new Error(ack.error.message);
  return ack.message;
}

const seqsHeard = (heard: readonly Message[], by: string) => heard.filter((m) => m.author.id === by).map((m) => m.seq);

describe('one node', () => {
  let parley: Parley;
  beforeAll(async () => {
    parley = await startTestServer();
  });
  afterAll(() => parley.close());

  it('answers a repeated send with the stored message, announces it once and uses no seq', async () => {
    const a = await rawMember(parley.url);
    const b = await rawMember(parley.url);
    const id = randomUUID();
    const one = await send(a.socket, 'one', id);
    const again = await send(a.socket, 'one', id); // no retry flag
    const retried = await send(a.socket, 'one', id, true);
    const next = await send(a.socket, 'two', randomUUID());
    expect(again).toEqual(one);
    expect(retried).toEqual(one);
    expect(next.seq).toBe(one.seq + 1);
    // b's messages arrive in seq order on one connection: once `next` is there, a second `one` would be too
    await waitUntil(() => b.heard.some((m) => m.seq === next.seq));
    expect(seqsHeard(b.heard, one.author.id)).toEqual([one.seq, next.seq]);
    const stored = await parley.repositories.messages.before('demo', 'general', next.seq + 1, 2);
    expect(stored.map((m) => [m.seq, m.text])).toEqual([[next.seq, 'two'], [one.seq, 'one']]);
  });

  it('answers a repeat of a message whose record was never written (a node died in between) with it, once', async () => {
    const a = await rawMember(parley.url);
    const b = await rawMember(parley.url);
    const id = randomUUID();
    const one = await send(a.socket, 'one', id);
    // as if the node had died between storing the message and recording its send
    const sends = (parley.repositories.messages as unknown as { sends: Collection }).sends;
    await sends.deleteOne({ _id: sendKey('demo', 'general', one.author.id, id) as unknown as ObjectId });
    const again = await send(a.socket, 'one', id);
    const next = await send(a.socket, 'two', randomUUID());
    expect(again).toEqual(one);
    await waitUntil(() => b.heard.some((m) => m.seq === next.seq));
    expect(b.heard.filter((m) => m.clientMsgId === id)).toHaveLength(1);
    // and its record is mended: the next repeat is found by `_id`
    expect(await parley.repositories.messages.findSent('demo', 'general', one.author.id, id)).toMatchObject({ seq: one.seq });
  });

  it('stores two sends of one clientMsgId arriving together once, announced once, one seq', async () => {
    const a = await rawMember(parley.url);
    const b = await rawMember(parley.url);
    const id = randomUUID();
    // a busy room: these sends wait for the batch in flight, so the two copies go in one batch
    const busy = Array.from({ length: 5 }, (_, i) => send(a.socket, `busy ${i}`, randomUUID()));
    const [first, second] = await Promise.all([send(a.socket, 'twice', id), send(a.socket, 'twice', id)]);
    await Promise.all(busy);
    const next = await send(a.socket, 'after', randomUUID());
    expect(second).toEqual(first);
    await waitUntil(() => b.heard.some((m) => m.seq === next.seq));
    expect(b.heard.filter((m) => m.clientMsgId === id)).toHaveLength(1);
    // every seq of the room up to `next` is a message: none was used up by the copy
    const seqs = b.heard.map((m) => m.seq);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, k) => seqs[0]! + k));
  });
});

describe('two nodes sharing Redis', () => {
  let redis: RedisProcess;
  let nodeA: ParleyProcess;
  let nodeB: ParleyProcess;
  beforeAll(async () => {
    redis = await startRedis();
    const shared = { REDIS_URL: redis.url, MONGODB_DB: `test-${randomBytes(6).toString('hex')}` };
    [nodeA, nodeB] = await Promise.all([startTestProcess(shared), startTestProcess(shared)]);
  }, 150_000);
  afterAll(async () => {
    for (const socket of sockets.splice(0)) socket.disconnect();
    await Promise.all([nodeA?.stop(), nodeB?.stop()]);
    await redis?.stop();
  }, 30_000);

  it('answers a send repeated on another node with the stored message, announced once, no seq used', async () => {
    const onA = await rawMember(nodeA.url);
    const sameUserOnB = await rawMember(nodeB.url, onA.account);
    const watcherOnA = await rawMember(nodeA.url);
    const watcherOnB = await rawMember(nodeB.url);
    const id = randomUUID();
    const one = await send(onA.socket, 'one', id);
    const again = await send(sameUserOnB.socket, 'one', id);
    const next = await send(onA.socket, 'two', randomUUID());
    // and one more from node B, so each watcher has heard everything either node announced before it
    const last = await send(sameUserOnB.socket, 'three', randomUUID());
    expect(again).toEqual(one);
    expect([next.seq, last.seq]).toEqual([one.seq + 1, one.seq + 2]);
    for (const watcher of [watcherOnA, watcherOnB]) {
      await waitUntil(() => watcher.heard.some((m) => m.seq === last.seq));
      expect(seqsHeard(watcher.heard, one.author.id)).toEqual([one.seq, next.seq, last.seq]);
    }
  });
});
