import type { Message } from '../../../sdk';
import type { Parley } from '../../../server/main';
import { chatClients, cutOff, dropConnections, waitUntil } from '../../helpers/chat';
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
