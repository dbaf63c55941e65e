import { DefaultRoom, type ChatSocket, type RoomContext } from '../../sdk/room';
import type { HttpClient } from '../../sdk/http';
import type { JoinRequest, JoinResult, Message } from '../../sdk/protocol';

// Unit test of the SDK's ordering rules with a stand-in socket; the real server paths are in test/integration/hub.
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

function roomWith(stored: Message[], recent: Message[] = []) {
  const joins: JoinRequest[] = [];
  const socket = {
    connected: true,
    timeout: () => ({
      emitWithAck: async (event: string, request: JoinRequest) => {
        if (event !== 'room:join') throw new Error(`unexpected ${event}`);
        joins.push(request);
        const after = stored.filter((m) => m.seq > (request.afterSeq ?? 0));
        return { ok: true, room: { id: 'general', name: 'General', archived: false }, messages: after, more: false, online: [] } satisfies JoinResult & { ok: true };
      },
    }),
  } as unknown as ChatSocket;
  const context: RoomContext = {
    socket,
    http: {} as HttpClient,
    requestTimeoutMs: 1_000,
    sendTimeoutMs: 1_000,
    onLeave: () => undefined,
    onError: (error) => {
      throw error;
    },
  };
  const room = new DefaultRoom(context, { room: { id: 'general', name: 'General', archived: false }, messages: recent, more: false, online: [] });
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
