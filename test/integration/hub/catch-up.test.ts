import type { Message } from '../../../sdk';
import type { HistoryResult, JoinResult } from '../../../sdk/protocol';
import { createSite } from '../../../server/db';
import type { Parley } from '../../../server/main';
import { ask, chatClients, connectAs, cutOff, dropConnections, waitUntil } from '../../helpers/chat';
import { startTestServer } from '../../helpers/server';

let parley: Parley;
const { member, closeAll } = chatClients(() => parley);
beforeAll(async () => {
  parley = await startTestServer();
});
afterAll(async () => {
  closeAll();
  await parley.close();
});

async function missWhileAway(count: number) {
  const sender = await member('sender');
  const reader = await member('reader');
  const received: Message[] = [];
  reader.room.on('message', (m) => received.push(m));
  await sender.room.send('before the drop');
  await waitUntil(() => received.length === 1);

  const statuses: string[] = [];
  reader.chat.on('status', (status) => statuses.push(status));
  const network = cutOff(parley, reader.user.id);
  await waitUntil(() => statuses.includes('connecting'));
  const sent: Message[] = [];
  for (let i = 0; i < count; i++) sent.push(await sender.room.send(`while away ${i}`));
  network.reopen();

  await waitUntil(() => received.length === count + 1, 30_000);
  await new Promise((resolve) => setTimeout(resolve, 300)); // and nothing more arrives later
  return { received, sent, statuses };
}

describe('catch-up after a disconnect', () => {
  it('delivers all 200 messages sent while a client was away, exactly once, in seq order', async () => {
    const { received, sent, statuses } = await missWhileAway(200);
    expect(received.length).toBe(201);
    expect(received.slice(1).map((m) => m.seq)).toEqual(sent.map((m) => m.seq));
    expect(statuses.at(-1)).toBe('online');
  }, 60_000);

  it('pages through more than one catch-up page (500) after a long absence', async () => {
    const { received, sent } = await missWhileAway(620);
    expect(received.slice(1).map((m) => m.seq)).toEqual(sent.map((m) => m.seq));
  }, 90_000);
});

describe('reconnects in the middle of a stream', () => {
  it('delivers every message exactly once, in seq order, while the transport is killed again and again', async () => {
    const sender = await member('sender');
    const reader = await member('reader');
    const received: Message[] = [];
    reader.room.on('message', (m) => received.push(m));

    const total = 300;
    const sending = (async () => {
      const sent: Message[] = [];
      // ten in flight at a time, the way a busy room looks from one client
      for (let i = 0; i < total; i += 10) {
        sent.push(...(await Promise.all(Array.from({ length: 10 }, (_, j) => sender.room.send(`stream ${i + j}`)))));
      }
      return sent;
    })();
    // kill the reader's transport three times while the stream runs; it reconnects and catches up each time
    let drops = 0;
    while (drops < 3) {
      await waitUntil(() => received.length >= (drops + 1) * 60, 20_000);
      dropConnections(parley, reader.user.id);
      drops += 1;
    }
    const sent = await sending;
    await waitUntil(() => received.length === total, 30_000);
    await new Promise((resolve) => setTimeout(resolve, 300)); // and nothing more arrives later
    expect(received.map((m) => m.seq)).toEqual(sent.map((m) => m.seq).sort((a, b) => a - b));
    expect(new Set(received.map((m) => m.id)).size).toBe(total);
  }, 60_000);
});

describe('the ends of a room', () => {
  it('answers history before seq 1 with nothing, and a catch-up from the seq before the newest with the newest', async () => {
    const site = 'ends';
    // a site of its own, so the room starts at seq 1
    await createSite(parley.repositories, { id: site, name: 'Ends', allowedOrigins: [] });
    const writer = await member('ends', site);
    const sent: Message[] = [];
    for (let i = 1; i <= 3; i += 1) sent.push(await writer.room.send(`message ${i}`));
    const socket = await connectAs(parley.url, writer.account, { site });
    try {
      const last = sent.at(-1)!.seq;
      const caughtUp = await ask<JoinResult>(socket, 'room:join', { roomId: 'general', afterSeq: last - 1 });
      expect(caughtUp.messages.map((m) => m.seq)).toEqual([last]);

      const oldest = sent[0]!.seq;
      expect(oldest).toBe(1);
      const history = await ask<HistoryResult>(socket, 'room:history', { roomId: 'general', before: oldest, limit: 100 });
      expect(history).toEqual({ ok: true, messages: [], more: false });
      const all = await ask<HistoryResult>(socket, 'room:history', { roomId: 'general', before: last + 1, limit: 3 });
      expect(all.messages.map((m) => m.seq)).toEqual([3, 2, 1]);
    } finally {
      socket.disconnect();
    }
  }, 60_000);
});
