import { createChatClient, type Message } from '../../../sdk';
import type { Parley } from '../../../server/main';
import { chatClients, cutOff, dropConnections, waitUntil } from '../../helpers/chat';
import { newAccount, startTestServer } from '../../helpers/server';

let parley: Parley;
const { member, track, closeAll } = chatClients(() => parley);
beforeAll(async () => {
  parley = await startTestServer();
});
afterAll(async () => {
  closeAll();
  await parley.close();
});

/**
 * Drops the connection of `userId`'s next socket right after it sends `message:send`: stored, but the ack is lost.
 * Returns the sends the server received from that user.
 */
function loseNextAck(userId: string): unknown[] {
  let armed = true;
  const sends: unknown[] = [];
  parley.hub.io.on('connection', (socket) => {
    if (socket.data.user?.id !== userId) return;
    socket.use(([event, payload], next) => {
      if (event === 'message:send') sends.push(payload);
      next();
      if (armed && event === 'message:send') {
        armed = false;
        // the handler is still writing: the connection is gone before it can answer
        socket.conn.close();
      }
    });
  });
  return sends;
}

describe('room.send(text) when the answer is lost', () => {
  it('retries after the reconnect with the same clientMsgId: resolves once, stored once, no seq used up', async () => {
    const chat = track(createChatClient({ baseUrl: parley.url, site: 'demo', requestTimeoutMs: 1_000 }));
    const sends = loseNextAck((await chat.register(newAccount('flaky'))).id);
    // the socket that registered connected before the hook: reconnect through it
    dropConnections(parley, chat.user!.id);
    await waitUntil(() => chat.status === 'connecting');
    await waitUntil(() => chat.status === 'online');
    const room = await chat.join('general');
    const reader = await member('reader');
    const received: Message[] = [];
    reader.room.on('message', (m) => received.push(m));

    const sent = await room.send('said once');
    const next = await room.send('said next');
    // the first attempt reached the server and was stored; its answer was lost, so the SDK asked again
    expect(sends.slice(0, 2)).toEqual([
      { roomId: 'general', text: 'said once', clientMsgId: sent.clientMsgId },
      { roomId: 'general', text: 'said once', clientMsgId: sent.clientMsgId, retry: true },
    ]);
    const stored = (await parley.repositories.messages.before('demo', 'general', undefined, 10)).filter((m) => m.clientMsgId === sent.clientMsgId);
    expect(stored).toHaveLength(1);
    expect(stored[0]!.seq).toBe(sent.seq);
    expect(next.seq).toBe(sent.seq + 1);
    await waitUntil(() => received.length >= 2);
    expect(received.map((m) => m.text)).toEqual(['said once', 'said next']);
  }, 30_000);

  it('gives up with unavailable after sendTimeoutMs when the server stays away', async () => {
    const chat = track(createChatClient({ baseUrl: parley.url, site: 'demo', sendTimeoutMs: 1_500, requestTimeoutMs: 500 }));
    const user = await chat.register(newAccount('lonely'));
    const room = await chat.join('general');
    const network = cutOff(parley, user.id);
    try {
      const started = Date.now();
      await expect(room.send('into the void')).rejects.toMatchObject({ code: 'unavailable' });
      expect(Date.now() - started).toBeLessThan(3_000);
    } finally {
      network.reopen();
    }
  });
});
