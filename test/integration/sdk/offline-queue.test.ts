import { createChatClient, type ConnectionStatus, type Message, type PendingMessage, type StatusReason } from '../../../sdk';
import type { Parley } from '../../../server/main';
import { chatClients, cutOff, waitUntil } from '../../helpers/chat';
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

const stored = async (clientMsgId: string) =>
  (await parley.repositories.messages.before('demo', 'general', undefined, 100)).filter((m) => m.clientMsgId === clientMsgId).length;

describe('room.send() while offline', () => {
  it('queues the messages, shows them as pending, and stores each once, in order, after the reconnect', async () => {
    const writer = await member('writer');
    const reader = await member('reader');
    const received: Message[] = [];
    reader.room.on('message', (m) => received.push(m));
    const statuses: Array<[ConnectionStatus, StatusReason | undefined]> = [];
    writer.chat.on('status', (status, reason) => statuses.push([status, reason]));
    const pendingSeen: PendingMessage[][] = [];
    writer.room.on('pending', (pending) => pendingSeen.push(pending));

    const network = cutOff(parley, writer.user.id);
    await waitUntil(() => writer.chat.status === 'connecting');
    expect(writer.chat.statusReason).toBe('connection-lost');
    const sends = ['one', 'two', 'three'].map((text) => writer.room.send(text));
    await waitUntil(() => writer.room.pending.length === 3);
    expect(writer.room.pending.map((p) => [p.text, p.status])).toEqual([
      ['one', 'queued'],
      ['two', 'queued'],
      ['three', 'queued'],
    ]);

    network.reopen();
    const sent = await Promise.all(sends);
    expect(sent.map((m) => m.text)).toEqual(['one', 'two', 'three']);
    expect(sent[1]!.seq).toBe(sent[0]!.seq + 1);
    expect(sent[2]!.seq).toBe(sent[1]!.seq + 1);
    for (const message of sent) expect(await stored(message.clientMsgId)).toBe(1);
    expect(writer.room.pending).toEqual([]);
    expect(pendingSeen.at(-1)).toEqual([]);
    await waitUntil(() => received.length === 3);
    expect(received.map((m) => m.text)).toEqual(['one', 'two', 'three']);
    expect(statuses).toContainEqual(['connecting', 'connection-lost']);
    expect(statuses.at(-1)).toEqual(['online', undefined]);
  }, 30_000);

  it('gives up after sendTimeoutMs, keeps the message as failed, and retry() stores it once', async () => {
    const chat = track(createChatClient({ baseUrl: parley.url, site: 'demo', sendTimeoutMs: 1_000 }));
    const user = await chat.register(newAccount('patient'));
    const room = await chat.join('general');
    const network = cutOff(parley, user.id);
    await waitUntil(() => chat.status === 'connecting');

    const error = await room.send('from the tunnel').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'unavailable' });
    const [failed] = room.pending;
    expect(failed).toMatchObject({ text: 'from the tunnel', status: 'failed', error: { code: 'unavailable' } });

    network.reopen();
    await waitUntil(() => chat.status === 'online');
    const message = await room.retry(failed!.clientMsgId);
    expect(message).toMatchObject({ text: 'from the tunnel', clientMsgId: failed!.clientMsgId });
    expect(await stored(failed!.clientMsgId)).toBe(1);
    expect(room.pending).toEqual([]);
    await expect(room.retry(failed!.clientMsgId)).rejects.toMatchObject({ code: 'not_found' });
  }, 30_000);

  it('refuses a message the server refuses, without keeping it', async () => {
    const { room } = await member('terse');
    await expect(room.send('   ')).rejects.toMatchObject({ code: 'invalid_input', field: 'text' });
    expect(room.pending).toEqual([]);
  });
});
