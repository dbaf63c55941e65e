import type { Socket } from 'socket.io-client';
import type { Ack, HistoryResult, JoinResult, Message, PresenceChange, SendResult, UpdateResult } from '../../../sdk/protocol';
import type { Parley } from '../../../server/main';
import { chatClients, connectAs, waitUntil } from '../../helpers/chat';
import { newAccount, startTestServer } from '../../helpers/server';

// What one signed-up visitor can make the shared server do, bounded: bytes per answer, room requests per socket and
// per user, edits and deletes, presence events and typing hints. Each server has the limits its tests need.
const servers: Parley[] = [];
const sockets: Socket[] = [];
afterAll(async () => {
  for (const socket of sockets.splice(0)) socket.disconnect();
  for (const server of servers.splice(0)) await server.close();
});

async function server(env: Record<string, string>): Promise<Parley> {
  const parley = await startTestServer(env);
  servers.push(parley);
  return parley;
}

/** A new account on `parley` and `count` raw WebSocket connections of it. */
async function rawUser(parley: Parley, count = 1) {
  const account = newAccount('raw');
  const registered = await fetch(`${parley.url}/api/sites/demo/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(account) });
  const { user } = (await registered.json()) as { user: { id: string } };
  const connections = await Promise.all(Array.from({ length: count }, () => connectAs(parley.url, account, { reconnection: false })));
  sockets.push(...connections);
  return { user, account, sockets: connections };
}

const ask = <T extends object>(socket: Socket, event: string, payload: object) => socket.timeout(10_000).emitWithAck(event, payload) as Promise<Ack<T>>;
const jsonBytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value));
// ~12 KB of JSON per message: '€' is three bytes
const BIG = '€'.repeat(3_990);

describe('answers bounded in bytes', () => {
  let parley: Parley;
  let reader: Socket;
  beforeAll(async () => {
    parley = await server({});
    const [writer] = (await rawUser(parley)).sockets;
    reader = (await rawUser(parley)).sockets[0]!;
    await ask(writer!, 'room:join', { roomId: 'general' });
    for (let i = 1; i <= 60; i++) {
      const ack = await ask<SendResult>(writer!, 'message:send', { roomId: 'general', text: `${BIG} ${i}`, clientMsgId: `big-message-${i}` });
      if (!('ok' in ack)) throw new Error(ack.error.message);
    }
  }, 60_000);

  it('gives a catch-up page of at most 256 KB, with more: true for the rest', async () => {
    const first = await ask<JoinResult>(reader, 'room:join', { roomId: 'general', afterSeq: 0 });
    if (!('ok' in first)) throw new Error(first.error.message);
    expect(jsonBytes(first.messages)).toBeLessThanOrEqual(256 * 1024);
    expect(first.messages.length).toBeGreaterThan(10);
    expect(first.messages.length).toBeLessThan(60);
    expect(first.more).toBe(true);
    // the rest, from where the page stopped: every message exactly once
    const seqs = first.messages.map((m) => m.seq);
    for (let page = first; page.more; ) {
      const next = await ask<JoinResult>(reader, 'room:join', { roomId: 'general', afterSeq: seqs.at(-1) });
      if (!('ok' in next)) throw new Error(next.error.message);
      expect(jsonBytes(next.messages)).toBeLessThanOrEqual(256 * 1024);
      seqs.push(...next.messages.map((m) => m.seq));
      page = next;
    }
    expect(seqs).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
  });

  it('gives the newest messages that fit on a plain join, and a history page of at most 256 KB', async () => {
    const joined = await ask<JoinResult>(reader, 'room:join', { roomId: 'general' });
    if (!('ok' in joined)) throw new Error(joined.error.message);
    expect(jsonBytes(joined.messages)).toBeLessThanOrEqual(256 * 1024);
    expect(joined.messages.at(-1)?.seq).toBe(60);

    const history = await ask<HistoryResult>(reader, 'room:history', { roomId: 'general', before: 61, limit: 100 });
    if (!('ok' in history)) throw new Error(history.error.message);
    expect(jsonBytes(history.messages)).toBeLessThanOrEqual(256 * 1024);
    expect(history.messages[0]?.seq).toBe(60);
    expect(history.more).toBe(true);
  });

  it('lets room.history() fill the page it was asked for, across answers', async () => {
    const { member, closeAll } = chatClients(() => parley);
    const ada = await member('ada');
    const page = await ada.room.history({ limit: 100 });
    // fewer than asked for still means the room's start
    expect(page.map((m) => m.seq)).toEqual(Array.from({ length: 60 }, (_, i) => 60 - i));
    closeAll();
  });
});

describe('room requests (join, leave, history) per socket and per user', () => {
  let parley: Parley;
  beforeAll(async () => {
    parley = await server({ RATE_LIMIT_ROOM_REQUESTS_PER_SOCKET: '5/60', RATE_LIMIT_ROOM_REQUESTS_PER_USER: '8/60' });
  });

  it('answers rate_limited with retryAfterMs past the socket limit, and past the user limit on another socket', async () => {
    const { sockets: [first, second] } = await rawUser(parley, 2);
    const requests = [
      ['room:join', { roomId: 'general' }],
      ['room:history', { roomId: 'general' }],
      ['room:leave', { roomId: 'general' }],
      ['room:join', { roomId: 'general', afterSeq: 0 }],
      ['room:history', { roomId: 'general', limit: 1 }],
    ] as const;
    for (const [event, payload] of requests) expect(await ask(first!, event, payload)).toMatchObject({ ok: true });
    const refused = await ask(first!, 'room:join', { roomId: 'general' });
    expect(refused).toEqual({ error: { code: 'rate_limited', message: expect.stringContaining('room requests'), retryAfterMs: expect.any(Number) } });
    // the user's other socket has its own 5, but the user only 8 in all
    for (let i = 0; i < 3; i++) expect(await ask(second!, 'room:join', { roomId: 'general' })).toMatchObject({ ok: true });
    expect(await ask(second!, 'room:join', { roomId: 'general' })).toMatchObject({ error: { code: 'rate_limited' } });
    // nobody else is limited by them
    const other = (await rawUser(parley)).sockets[0]!;
    expect(await ask(other, 'room:join', { roomId: 'general' })).toMatchObject({ ok: true });
  });

  it('refuses a flood at once, without queueing it', async () => {
    const socket = (await rawUser(parley)).sockets[0]!;
    const answers = await Promise.all(Array.from({ length: 200 }, () => ask(socket, 'room:join', { roomId: 'general' })));
    expect(answers.filter((answer) => 'ok' in answer)).toHaveLength(5);
    expect(answers.filter((answer) => 'error' in answer && answer.error.code === 'rate_limited')).toHaveLength(195);
  });
});

describe('the SDK waits out a rate_limited room request by itself', () => {
  it('resolves history() calls past the limit once the window has passed', async () => {
    const parley = await server({ RATE_LIMIT_ROOM_REQUESTS_PER_SOCKET: '3/1' });
    const { member, closeAll } = chatClients(() => parley);
    const ada = await member('ada'); // the join took one point
    await ada.room.send('hello');
    const pages = await Promise.all(Array.from({ length: 5 }, () => ada.room.history({ limit: 5 })));
    for (const page of pages) expect(page.map((m) => m.text)).toEqual(['hello']);
    closeAll();
  });
});

describe('edits and deletes', () => {
  it('count against the sender’s message limit', async () => {
    const parley = await server({ RATE_LIMIT_MESSAGES_PER_USER: '3/60', RATE_LIMIT_MESSAGE_BURST_PER_USER: '1/60' });
    const socket = (await rawUser(parley)).sockets[0]!;
    await ask(socket, 'room:join', { roomId: 'general' });
    const sent = await ask<SendResult>(socket, 'message:send', { roomId: 'general', text: 'first', clientMsgId: 'edit-limit-1' });
    if (!('ok' in sent)) throw new Error(sent.error.message);
    const answers: Array<Ack<UpdateResult>> = [];
    for (let i = 0; i < 5; i++) answers.push(await ask<UpdateResult>(socket, 'message:edit', { roomId: 'general', seq: sent.message.seq, text: `${BIG} ${i}` }));
    // 4 in all (3 + a burst of 1): the send and three edits
    expect(answers.map((answer) => ('ok' in answer ? 'ok' : answer.error.code))).toEqual(['ok', 'ok', 'ok', 'rate_limited', 'rate_limited']);
    expect(await ask(socket, 'message:delete', { roomId: 'general', seq: sent.message.seq })).toMatchObject({ error: { code: 'rate_limited', retryAfterMs: expect.any(Number) } });
  });
});

describe('presence under leave/join cycling', () => {
  it('announces at most a handful of events for 100 leave+join cycles', async () => {
    // the default grace period and limits
    const parley = await server({ PRESENCE_GRACE_MS: '5000', RATE_LIMIT_ROOM_REQUESTS_PER_SOCKET: '10/10', RATE_LIMIT_ROOM_REQUESTS_PER_USER: '30/10' });
    const observer = (await rawUser(parley)).sockets[0]!;
    await ask(observer, 'room:join', { roomId: 'general' });
    const events: string[] = [];
    observer.on('presence:join', (change: PresenceChange) => events.push(`join ${change.user.id}`));
    observer.on('presence:leave', (change: PresenceChange) => events.push(`leave ${change.user.id}`));

    const cycler = await rawUser(parley);
    const socket = cycler.sockets[0]!;
    expect(await ask(socket, 'room:join', { roomId: 'general' })).toMatchObject({ ok: true });
    await waitUntil(() => events.length === 1);
    for (let i = 0; i < 100; i++) {
      await ask(socket, 'room:leave', { roomId: 'general' });
      await ask(socket, 'room:join', { roomId: 'general' });
    }
    // a message through the room after the cycles: everything announced meanwhile has arrived by then
    const marker = (await rawUser(parley)).sockets[0]!;
    await ask(marker, 'room:join', { roomId: 'general' });
    const arrived = new Promise<Message>((resolve) => observer.once('message:new', resolve));
    await ask(marker, 'message:send', { roomId: 'general', text: 'marker', clientMsgId: 'presence-cycling-marker' });
    await arrived;
    const cyclerEvents = events.filter((event) => event.endsWith(cycler.user.id));
    console.log(`100 leave+join cycles: ${cyclerEvents.length} presence events at an observer`);
    expect(cyclerEvents.length).toBeLessThanOrEqual(3);
  });
});

describe('typing:start', () => {
  let parley: Parley;
  beforeAll(async () => {
    parley = await server({});
  });

  it('is refused to a muted user and in an archived room, and not relayed', async () => {
    const { admin, closeAll } = chatClients(() => parley);
    const boss = await admin('boss');
    const muted = await rawUser(parley);
    const observer = (await rawUser(parley)).sockets[0]!;
    const other = await rawUser(parley);
    const roomId = `typing-${Date.now().toString(36)}`;
    await boss.chat.createRoom({ id: roomId, name: 'Typing' });
    for (const socket of [muted.sockets[0]!, observer, other.sockets[0]!]) {
      await ask(socket, 'room:join', { roomId: 'general' });
      await ask(socket, 'room:join', { roomId });
    }
    const relayed: string[] = [];
    observer.on('typing:update', ({ roomId: room }: { roomId: string }) => relayed.push(room));

    await boss.room.mute(muted.user.id, { durationMs: 60_000 });
    expect(await ask(muted.sockets[0]!, 'typing:start', { roomId: 'general' })).toMatchObject({ error: { code: 'forbidden' } });
    await boss.chat.updateRoom(roomId, { archived: true });
    expect(await ask(muted.sockets[0]!, 'typing:start', { roomId })).toMatchObject({ error: { code: 'forbidden' } });

    // someone who may write is relayed, and their hint arrives after anything relayed before it: nothing was
    await boss.chat.updateRoom(roomId, { archived: false });
    expect(await ask(other.sockets[0]!, 'typing:start', { roomId })).toEqual({ ok: true });
    await waitUntil(() => relayed.length > 0);
    expect(relayed).toEqual([roomId]);
    closeAll();
  });

  it('relays one hint per user however many sockets send it', async () => {
    const typist = await rawUser(parley, 5);
    const observer = (await rawUser(parley)).sockets[0]!;
    for (const socket of [...typist.sockets, observer]) await ask(socket, 'room:join', { roomId: 'general' });
    const relayed: string[] = [];
    observer.on('typing:update', ({ user }: { user: { id: string } }) => relayed.push(user.id));
    const answers = await Promise.all(typist.sockets.map((socket) => ask(socket, 'typing:start', { roomId: 'general' })));
    for (const answer of answers) expect(answer).toEqual({ ok: true });
    // a message after the hints: every hint relayed before it has arrived by then
    const arrived = new Promise<Message>((resolve) => observer.once('message:new', resolve));
    await ask(typist.sockets[0]!, 'message:send', { roomId: 'general', text: 'done typing', clientMsgId: 'typing-throttle-marker' });
    await arrived;
    expect(relayed).toEqual([typist.user.id]);
  });
});
