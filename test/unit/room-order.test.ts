import type { ChatSocket } from '../../sdk/room/requests';
import { DefaultRoom, type RoomContext } from '../../sdk/room/room';
import type { HttpClient } from '../../sdk/http';
import type { JoinRequest, JoinResult, Message } from '../../sdk/protocol';

// Unit test of the SDK's ordering rules (delivery and sending) with a stand-in socket; the real server paths are in
// test/integration/hub and test/faults.
// Time is faked (jest fake timers) for the wait before a missing seq is read from the server.

const message = (seq: number, text = `m${seq}`): Message => ({
  id: `id${seq}`,
  seq,
  roomId: 'general',
  author: { id: 'u1', displayName: 'Ada' },
  text,
  clientMsgId: `c${seq}`,
  createdAt: new Date(0).toISOString(),
});

function roomWith(stored: Message[], recent: Message[] = [], early: Array<(room: DefaultRoom) => void> = []) {
  const joins: JoinRequest[] = [];
  const socket = {
    connected: true,
    timeout: () => ({
      emitWithAck: async (event: string, request: JoinRequest) => {
        if (event !== 'room:join') throw new Error(`unexpected ${event}`);
        joins.push(request);
        const after = stored.filter((m) => m.seq > (request.afterSeq ?? 0));
        return { ok: true, room: { id: 'general', name: 'General', archived: false, slowModeSeconds: 0, paused: false, access: 'members' }, messages: after, more: false, online: [] } satisfies JoinResult & { ok: true };
      },
    }),
  } as unknown as ChatSocket;
  const context: RoomContext = {
    socket,
    http: {} as HttpClient,
    requestTimeoutMs: 1_000,
    sendTimeoutMs: 1_000,
    onLeave: () => undefined,
    blocked: new Set<string>(),
    onError: (error) => {
      throw error;
    },
  };
  const room = new DefaultRoom(context, { room: { id: 'general', name: 'General', archived: false, slowModeSeconds: 0, paused: false, access: 'members' }, messages: recent, more: false, online: [] }, early);
  const delivered: number[] = [];
  room.on('message', (m) => delivered.push(m.seq));
  return { room, delivered, joins };
}

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

describe('room.on(\'message\') order', () => {
  it('holds a message that overtook an earlier one until that one arrives', () => {
    const { room, delivered } = roomWith([], [message(1)]);
    room.receive(message(3));
    room.receive(message(4));
    expect(delivered).toEqual([]);
    room.receive(message(2));
    expect(delivered).toEqual([2, 3, 4]);
  });

  it('delivers a message once, however many times it arrives', () => {
    const { room, delivered } = roomWith([], [message(1)]);
    room.receive(message(2));
    room.receive(message(2));
    room.receive(message(1));
    expect(delivered).toEqual([2]);
  });

  it('reads a seq that never arrives from the server after a second, then goes on in order', async () => {
    const { room, delivered, joins } = roomWith([message(2), message(3), message(4)], [message(1)]);
    room.receive(message(4));
    room.receive(message(3));
    await jest.advanceTimersByTimeAsync(999);
    expect(delivered).toEqual([]);
    await jest.advanceTimersByTimeAsync(1);
    expect(joins).toEqual([{ roomId: 'general', afterSeq: 1 }]);
    expect(delivered).toEqual([2, 3, 4]);
  });

  it('moves past a seq the server never stored', async () => {
    const { room, delivered } = roomWith([message(3)], [message(1)]);
    room.receive(message(3));
    await jest.advanceTimersByTimeAsync(1_000);
    expect(delivered).toEqual([3]);
    room.receive(message(4));
    expect(delivered).toEqual([3, 4]);
  });

  it('delivers an edited message in its latest form when the edit comes first', () => {
    const { room } = roomWith([], [message(1)]);
    const texts: string[] = [];
    room.on('message', (m) => texts.push(m.text));
    room.update({ ...message(2, 'edited'), editedAt: new Date(1).toISOString() });
    room.receive(message(2, 'original'));
    expect(texts).toEqual(['edited']);
  });
});

describe('broadcasts that reach a first join before its answer', () => {
  // what the client keeps for a room while its join is on its way, replayed as the room is made
  function joinedWith(recent: Message[], early: Array<['new' | 'updated', Message]>) {
    return roomWith([], recent, early.map(([kind, m]) => (room: DefaultRoom) => (kind === 'new' ? room.receive(m) : room.update(m))));
  }

  it('adds the messages that follow the page to recent, in their latest form, once each', () => {
    const { room, delivered } = joinedWith(
      [message(1), message(2)],
      [
        ['new', message(2)],
        ['new', message(4)],
        ['new', message(3)],
        ['updated', message(3, 'edited')],
        ['updated', message(1, 'edited too')],
      ],
    );
    expect(room.recent.map((m) => [m.seq, m.text])).toEqual([
      [1, 'edited too'],
      [2, 'm2'],
      [3, 'edited'],
      [4, 'm4'],
    ]);
    expect(delivered).toEqual([]);
  });

  it('holds a message after a gap until the seq before it arrives, then delivers both to listeners', () => {
    const { room, delivered } = joinedWith([message(1)], [['new', message(3)]]);
    expect(room.recent.map((m) => m.seq)).toEqual([1]);
    room.receive(message(2));
    expect(delivered).toEqual([2, 3]);
  });

  it('starts an empty room with the first message', () => {
    expect(joinedWith([], [['new', message(1)]]).room.recent.map((m) => m.seq)).toEqual([1]);
  });
});

describe('room.send() order', () => {
  // a stand-in server that stores in the order sends reach it; `answer` decides each attempt: stored, refused for
  // now (no database), or no answer at all (the socket's timeout fires)
  type Answer = 'stored' | 'unavailable' | 'silent';
  function roomWithServer(answer: (text: string, attempt: number) => Answer, sendTimeoutMs = 30_000) {
    const storedOrder: string[] = [];
    const attempts = new Map<string, number>();
    const socket = {
      connected: true,
      timeout: (ms: number) => ({
        emitWithAck: async (event: string, request: { text: string; clientMsgId: string }) => {
          if (event !== 'message:send') throw new Error(`unexpected ${event}`);
          const attempt = (attempts.get(request.text) ?? 0) + 1;
          attempts.set(request.text, attempt);
          const answered = answer(request.text, attempt);
          if (answered === 'silent') return new Promise((_, reject) => setTimeout(() => reject(new Error('operation has timed out')), ms));
          if (answered === 'unavailable') return { error: { code: 'unavailable', message: 'the service is temporarily unavailable' } };
          storedOrder.push(request.text);
          return { ok: true, message: { ...message(storedOrder.length + 1, request.text), clientMsgId: request.clientMsgId } };
        },
      }),
    } as unknown as ChatSocket;
    const context: RoomContext = {
      socket,
      http: {} as HttpClient,
      requestTimeoutMs: 1_000,
      sendTimeoutMs,
      onLeave: () => undefined,
    blocked: new Set<string>(),
      onError: (error) => {
        throw error;
      },
    };
    const room = new DefaultRoom(context, { room: { id: 'general', name: 'General', archived: false, slowModeSeconds: 0, paused: false, access: 'members' }, messages: [message(1)], more: false, online: [] });
    return { room, storedOrder, attempts };
  }

  it('stores your messages in the order you sent them, even when the first has to be resent', async () => {
    const { room, storedOrder } = roomWithServer((text, attempt) => (text === 'first' && attempt === 1 ? 'unavailable' : 'stored'));
    const first = room.send('first');
    const second = room.send('second');
    expect(room.pending.map((p) => [p.text, p.status])).toEqual([
      ['first', 'sending'],
      ['second', 'sending'],
    ]);
    await jest.advanceTimersByTimeAsync(100);
    expect(storedOrder).toEqual([]); // the first waits 250 ms before its resend; the second waits for the first
    await jest.advanceTimersByTimeAsync(900);
    expect(storedOrder).toEqual(['first', 'second']);
    expect((await first).seq).toBeLessThan((await second).seq);
    expect(room.pending).toEqual([]);
  });

  it('sends the next message when the one before it has failed', async () => {
    const { room, storedOrder } = roomWithServer((text) => (text === 'first' ? 'unavailable' : 'stored'), 1_000);
    const first = room.send('first').catch((error: unknown) => error);
    const second = room.send('second');
    await jest.advanceTimersByTimeAsync(1_000);
    expect(await first).toMatchObject({ code: 'unavailable' });
    expect((await second).text).toBe('second');
    expect(storedOrder).toEqual(['second']);
    expect(room.pending.map((p) => [p.text, p.status])).toEqual([['first', 'failed']]);
  });

  it('fails a message whose time ran out while it waited its turn, without sending it', async () => {
    const { room, attempts } = roomWithServer((text) => (text === 'first' ? 'silent' : 'stored'), 1_000);
    const first = room.send('first').catch((error: unknown) => error);
    const second = room.send('second').catch((error: unknown) => error);
    await jest.advanceTimersByTimeAsync(1_000);
    expect(await first).toMatchObject({ code: 'unavailable' });
    expect(await second).toMatchObject({ code: 'unavailable', message: expect.stringMatching(/timed out before it could be sent/) });
    expect(attempts.get('second')).toBeUndefined();
    expect(room.pending.map((p) => [p.text, p.status])).toEqual([
      ['first', 'failed'],
      ['second', 'failed'],
    ]);
  });
});
