import type { Message } from '../../../sdk';
import type { Ack, SendResult } from '../../../sdk/protocol';
import type { Parley } from '../../../server/main';
import { chatClients, waitUntil } from '../../helpers/chat';
import { startTestServer } from '../../helpers/server';

let parley: Parley;
const { member, rawSocket, closeAll } = chatClients(() => parley);
beforeAll(async () => {
  parley = await startTestServer();
});
afterAll(async () => {
  closeAll();
  await parley.close();
});

const SENDERS = 5;
const PER_SENDER = 40;

describe('message order in a room', () => {
  it('delivers the messages of 5 concurrent senders to everyone exactly once, in seq order, with no gaps', async () => {
    const senders = await Promise.all(Array.from({ length: SENDERS }, (_, i) => member(`sender${i}`)));
    const readers = await Promise.all([member('reader'), member('reader')]);
    const everyone = [...senders, ...readers];
    const received = everyone.map(({ room }) => {
      const seen: Message[] = [];
      room.on('message', (m) => seen.push(m));
      return seen;
    });

    // every sender fires all its messages at once: seqs are taken and stored concurrently, broadcasts interleave
    const sent = (
      await Promise.all(senders.map(({ room }, s) => Promise.all(Array.from({ length: PER_SENDER }, (_, i) => room.send(`s${s} m${i}`)))))
    ).flat();
    const total = SENDERS * PER_SENDER;
    const seqs = sent.map((m) => m.seq).sort((a, b) => a - b);
    expect(new Set(seqs).size).toBe(total);
    // gap-free: every seq from the first to the last was taken by one of these messages
    expect(seqs.at(-1)! - seqs[0]! + 1).toBe(total);

    await waitUntil(() => received.every((seen) => seen.length >= total), 20_000);
    await new Promise((resolve) => setTimeout(resolve, 300)); // and nothing arrives twice later
    for (const seen of received) {
      expect(seen.map((m) => m.seq)).toEqual(seqs);
    }
    // each sender's own messages, in the order it sent them, kept their relative order
    for (let s = 0; s < SENDERS; s++) {
      const own = received[0]!.filter((m) => m.text.startsWith(`s${s} `)).map((m) => Number(m.text.split(' m')[1]));
      expect(own.length).toBe(PER_SENDER);
    }
  }, 60_000);

  it('takes no seq for a retry of a stored message, so the next message follows without a gap', async () => {
    const socket = await rawSocket();
    const join = await socket.timeout(5_000).emitWithAck('room:join', { roomId: 'general' });
    expect(join.ok).toBe(true);
    const send = (text: string, clientMsgId: string, retry?: boolean) =>
      socket.timeout(5_000).emitWithAck('message:send', { roomId: 'general', text, clientMsgId, ...(retry ? { retry } : {}) }) as Promise<Ack<SendResult>>;

    const first = await send('once', 'retry-test-0001');
    const again = await send('once', 'retry-test-0001', true);
    const next = await send('after', 'retry-test-0002');
    if (!('ok' in first) || !('ok' in again) || !('ok' in next)) throw new Error('a send failed');
    expect(again.message).toEqual(first.message);
    expect(next.message.seq).toBe(first.message.seq + 1);
    socket.disconnect();
  });
});
