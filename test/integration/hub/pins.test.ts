import { randomBytes } from 'node:crypto';
import type { RoomInfo } from '../../../sdk';
import type { Parley } from '../../../server/main';
import { chatClients, connectAs, waitUntil } from '../../helpers/chat';
import { startTestServer } from '../../helpers/server';

// Pinned messages over the real server and database. Each test makes its own room, so pins never reach another.
let parley: Parley;
const clients = chatClients(() => parley);
beforeAll(async () => {
  parley = await startTestServer();
});
afterEach(() => clients.closeAll());
afterAll(() => parley.close());

/** A new room with a moderator, a member who posts and a member who listens (their room's `change` events kept). */
async function room() {
  const admin = await clients.admin('keeper');
  const roomId = `pins-${randomBytes(4).toString('hex')}`;
  await admin.chat.createRoom({ id: roomId, name: 'Pinned' });
  const mod = await clients.member('mod');
  await parley.repositories.users.setRole('demo', mod.account.username, 'moderator');
  const modRoom = await mod.chat.join(roomId);
  const poster = await clients.member('poster');
  const posterRoom = await poster.chat.join(roomId);
  const listener = await clients.member('listener');
  const listenerRoom = await listener.chat.join(roomId);
  const changes: RoomInfo[] = [];
  listenerRoom.on('change', (info) => void changes.push(info));
  return { roomId, admin, mod, modRoom, poster, posterRoom, listener, listenerRoom, changes };
}

// the pin entries of the room's log, newest first
const logOf = async (roomId: string) =>
  (await parley.repositories.moderation.list('demo', undefined, 50)).filter((entry) => entry.roomId === roomId && (entry.action === 'message.pin' || entry.action === 'message.unpin'));

describe('room.pin(seq) and room.unpin(seq)', () => {
  it('pins a message for everyone: the ack, room:updated, a late joiner and the moderation log', async () => {
    const { roomId, mod, modRoom, poster, posterRoom, listenerRoom, changes } = await room();
    const message = await posterRoom.send('Read the rules first\nsecond line');
    const pins = await modRoom.pin(message.seq);
    expect(pins).toEqual([{ seq: message.seq, author: { id: poster.user.id, displayName: poster.user.displayName }, excerpt: 'Read the rules first…', pinnedAt: expect.any(String) }]);
    await waitUntil(() => changes.length === 1);
    expect(changes[0]!.pinned).toEqual(pins);
    expect(listenerRoom.pinned).toEqual(pins);
    expect(modRoom.pinned).toEqual(pins);
    const late = await clients.member('late');
    expect((await late.chat.join(roomId)).pinned).toEqual(pins);
    expect(await logOf(roomId)).toEqual([expect.objectContaining({ action: 'message.pin', actor: { id: mod.user.id, displayName: mod.user.displayName }, seq: message.seq, targetUserId: poster.user.id })]);

    // again: nothing changes, nothing is told or logged
    expect(await modRoom.pin(message.seq)).toEqual(pins);
    expect(await modRoom.unpin(message.seq)).toEqual([]);
    await waitUntil(() => changes.length === 2);
    expect(changes[1]!.pinned).toBeUndefined();
    expect(listenerRoom.pinned).toEqual([]);
    expect(await modRoom.unpin(message.seq)).toEqual([]);
    expect((await logOf(roomId)).map((entry) => entry.action)).toEqual(['message.unpin', 'message.pin']);
    expect(changes).toHaveLength(2);
  });

  it('refuses members and guests-in-rank, and a moderator demoted since they connected', async () => {
    const { roomId, mod, modRoom, posterRoom } = await room();
    const message = await posterRoom.send('pin me');
    await expect(posterRoom.pin(message.seq)).rejects.toMatchObject({ code: 'forbidden' });
    await parley.repositories.users.setRole('demo', mod.account.username, 'member');
    await expect(modRoom.pin(message.seq)).rejects.toMatchObject({ code: 'forbidden' });
    const admin = await clients.admin('boss');
    const adminRoom = await admin.chat.join(roomId);
    expect(await adminRoom.pin(message.seq)).toHaveLength(1);
    expect((await logOf(roomId)).map((entry) => entry.action)).toEqual(['message.pin']);
  });

  it('keeps the newest first and at most 10: an 11th is a conflict that changes nothing', async () => {
    const { modRoom, posterRoom } = await room();
    const sent = [];
    for (let k = 1; k <= 11; k += 1) sent.push(await posterRoom.send(`message ${k}`));
    for (const message of sent.slice(0, 10)) await modRoom.pin(message.seq);
    expect(modRoom.pinned.map((pin) => pin.excerpt)).toEqual(sent.slice(0, 10).reverse().map((m) => m.text));
    await expect(modRoom.pin(sent[10]!.seq)).rejects.toMatchObject({ code: 'conflict', field: 'seq' });
    expect(modRoom.pinned).toHaveLength(10);
    await modRoom.unpin(sent[0]!.seq);
    expect((await modRoom.pin(sent[10]!.seq))[0]).toMatchObject({ seq: sent[10]!.seq });
  });

  it('unpins a deleted message and follows edits and hiding', async () => {
    const { modRoom, posterRoom, listenerRoom, changes } = await room();
    const message = await posterRoom.send('original words');
    await modRoom.pin(message.seq);
    await waitUntil(() => changes.length === 1);

    await posterRoom.edit(message.seq, 'edited words');
    await waitUntil(() => changes.length === 2);
    expect(listenerRoom.pinned[0]).toMatchObject({ seq: message.seq, excerpt: 'edited words' });

    // three reports hide it: the pin stays, without its text
    for (const name of ['r1', 'r2', 'r3']) {
      const reporter = await clients.member(name);
      await (await reporter.chat.join(listenerRoom.id)).report(message.seq, { reason: 'spam' });
    }
    await waitUntil(() => changes.length === 3);
    expect(listenerRoom.pinned[0]).toEqual(expect.objectContaining({ seq: message.seq, excerpt: '', hidden: true }));

    await posterRoom.delete(message.seq);
    await waitUntil(() => changes.length === 4);
    expect(listenerRoom.pinned).toEqual([]);
    await expect(modRoom.pin(message.seq)).rejects.toMatchObject({ code: 'forbidden' });
  });

  it('answers bad input with a typed error and changes nothing', async () => {
    const { roomId, mod, modRoom, posterRoom } = await room();
    const message = await posterRoom.send('solid');
    const socket = await connectAs(parley.url, mod.account);
    const ask = (payload: unknown) => socket.timeout(5_000).emitWithAck('message:pin', payload);
    expect(await ask({ roomId, seq: message.seq, pinned: true })).toMatchObject({ error: { code: 'forbidden' } }); // not joined
    await socket.timeout(5_000).emitWithAck('room:join', { roomId });
    expect(await ask({ roomId, seq: message.seq, pinned: 'yes' })).toMatchObject({ error: { code: 'invalid_input', field: 'pinned' } });
    expect(await ask({ roomId, seq: 0, pinned: true })).toMatchObject({ error: { code: 'invalid_input', field: 'seq' } });
    expect(await ask({ roomId, seq: message.seq, pinned: true, extra: 1 })).toMatchObject({ error: { code: 'invalid_input' } });
    expect(await ask({ roomId, seq: 999_999, pinned: true })).toMatchObject({ error: { code: 'not_found' } });
    socket.close();
    expect(modRoom.pinned).toEqual([]);
    expect(await logOf(roomId)).toEqual([]);
  });
});
