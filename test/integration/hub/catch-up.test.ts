import type { Message } from '../../../sdk';
import type { Parley } from '../../../server/main';
import { chatClients, waitUntil } from '../../helpers/chat';
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

/**
 * Cuts a user off as a network failure would, and keeps new connections out until `reopen()`:
 * the client keeps retrying by itself, as it would in a tunnel.
 */
function cutOff(userId: string): { reopen(): void } {
  const engine = parley.hub.io.engine as unknown as { opts: { allowRequest?: unknown } };
  engine.opts.allowRequest = (_req: unknown, callback: (error: string | null, ok: boolean) => void) => callback('network down', false);
  for (const socket of parley.hub.io.of('/').sockets.values()) {
    if (socket.data.user?.id === userId) socket.conn.close();
  }
  return { reopen: () => void delete engine.opts.allowRequest };
}

async function missWhileAway(count: number) {
  const sender = await member('sender');
  const reader = await member('reader');
  const received: Message[] = [];
  reader.room.on('message', (m) => received.push(m));
  await sender.room.send('before the drop');
  await waitUntil(() => received.length === 1);

  const statuses: string[] = [];
  reader.chat.on('status', (status) => statuses.push(status));
  const network = cutOff(reader.user.id);
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
