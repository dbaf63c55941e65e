import { randomBytes } from 'node:crypto';
import type { Message, RoomInfo } from '../../../sdk';
import type { Ack } from '../../../sdk/protocol';
import type { Parley } from '../../../server/main';
import { chatClients, connectAs, waitUntil } from '../../helpers/chat';
import { startTestServer } from '../../helpers/server';

// Slow mode and pause, per room, over the real server and database. Each test makes its own room, so one's
// settings never reach another.
let parley: Parley;
const clients = chatClients(() => parley);
beforeAll(async () => {
  parley = await startTestServer();
});
afterEach(() => clients.closeAll());
afterAll(() => parley.close());

/** A new room with an admin, a member who posts and a member who listens, all in it. */
async function room() {
  const admin = await clients.admin('keeper');
  const roomId = `calm-${randomBytes(4).toString('hex')}`;
  await admin.chat.createRoom({ id: roomId, name: 'Calm room' });
  const adminRoom = await admin.chat.join(roomId);
  const poster = await clients.member('poster');
  const posterRoom = await poster.chat.join(roomId);
  const changes: RoomInfo[] = [];
  posterRoom.on('change', (info) => void changes.push(info));
  const listener = await clients.member('listener');
  const listenerRoom = await listener.chat.join(roomId);
  const heard: Message[] = [];
  listenerRoom.on('message', (message) => void heard.push(message));
  return { roomId, admin, adminRoom, poster, posterRoom, changes, heard };
}

const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error,
  );

describe('slow mode', () => {
  it('lets a member post once per period, tells them how long to wait, and exempts admins', async () => {
    const { roomId, admin, adminRoom, posterRoom, changes, heard } = await room();
    const info = await admin.chat.updateRoom(roomId, { slowModeSeconds: 3_600 });
    expect(info).toMatchObject({ id: roomId, slowModeSeconds: 3_600, paused: false });
    await waitUntil(() => changes.length === 1);
    expect(posterRoom.slowModeSeconds).toBe(3_600);

    const first = await posterRoom.send('first');
    const refused = await refusal(posterRoom.send('second, too soon'));
    expect(refused).toMatchObject({ code: 'rate_limited', message: expect.stringMatching(/^slow mode: one message every 3600 s in this room; try again in \d+ s$/) });
    expect((refused as { retryAfterMs: number }).retryAfterMs).toBeGreaterThan(3_500_000);
    expect((refused as { retryAfterMs: number }).retryAfterMs).toBeLessThanOrEqual(3_600_000);

    const fromAdmin = [await adminRoom.send('admins are exempt'), await adminRoom.send('twice in a row')];
    await waitUntil(() => heard.length === 3);
    expect(heard.map((m) => m.seq)).toEqual([first.seq, ...fromAdmin.map((m) => m.seq)]);

    // off again: the member posts at once
    await admin.chat.updateRoom(roomId, { slowModeSeconds: 0 });
    await waitUntil(() => changes.length === 2);
    expect(posterRoom.slowModeSeconds).toBe(0);
    await posterRoom.send('free again');
  });

  it('gives the next turn once the period has passed', async () => {
    const { roomId, admin, posterRoom, changes } = await room();
    await admin.chat.updateRoom(roomId, { slowModeSeconds: 1 });
    await waitUntil(() => changes.length === 1);
    await posterRoom.send('one');
    // real time: asked again until the turn comes back, each refusal saying to wait at most the second
    const deadline = Date.now() + 30_000;
    for (let sent = refusal(posterRoom.send('two')); ; sent = refusal(posterRoom.retry(posterRoom.pending[0]?.clientMsgId ?? ''))) {
      const refused = (await sent) as { code: string; retryAfterMs: number } | undefined;
      if (!refused) break;
      expect(refused).toMatchObject({ code: 'rate_limited' });
      expect(refused.retryAfterMs).toBeLessThanOrEqual(1_000);
      if (Date.now() > deadline) throw new Error('slow mode kept refusing after 30 s');
      await new Promise((resolve) => setTimeout(resolve, refused.retryAfterMs));
    }
    expect(posterRoom.pending).toEqual([]);
  });

  it('holds no turn for a message that was refused (a paused room): the member posts once it resumes', async () => {
    const { roomId, admin, posterRoom, changes } = await room();
    await admin.chat.updateRoom(roomId, { slowModeSeconds: 3_600, paused: true });
    await waitUntil(() => changes.length === 1);
    await expect(posterRoom.send('while paused')).rejects.toMatchObject({ code: 'forbidden' });
    await admin.chat.updateRoom(roomId, { paused: false });
    await waitUntil(() => changes.length === 2);
    await posterRoom.send('after the pause');
  });

  it('answers a copy of a stored send with the stored message, not a refusal', async () => {
    const { roomId, admin, poster, changes } = await room();
    await admin.chat.updateRoom(roomId, { slowModeSeconds: 3_600 });
    await waitUntil(() => changes.length === 1);
    const socket = await connectAs(parley.url, poster.account);
    try {
      await socket.timeout(10_000).emitWithAck('room:join', { roomId });
      const request = { roomId, text: 'sent twice', clientMsgId: randomBytes(16).toString('hex') };
      const first = (await socket.timeout(10_000).emitWithAck('message:send', request)) as Ack<{ message: Message }>;
      const again = (await socket.timeout(10_000).emitWithAck('message:send', request)) as Ack<{ message: Message }>;
      if (!('ok' in first)) throw new Error(first.error.message);
      expect(again).toEqual(first);
    } finally {
      socket.disconnect();
    }
  });

  it('refuses a slow mode out of range with invalid_input on slowModeSeconds, and changes nothing', async () => {
    const { roomId, admin } = await room();
    for (const slowModeSeconds of [-1, 1.5, 21_601, '30']) {
      await expect(admin.chat.updateRoom(roomId, { slowModeSeconds: slowModeSeconds as number })).rejects.toMatchObject({
        code: 'invalid_input',
        field: 'slowModeSeconds',
      });
    }
    expect((await parley.repositories.rooms.find('demo', roomId))?.slowModeSeconds).toBeUndefined();
  });
});

describe('pause', () => {
  it('takes messages, edits and typing from admins only while paused, and logs pause and resume', async () => {
    const { roomId, admin, adminRoom, poster, posterRoom, changes, heard } = await room();
    const before = await posterRoom.send('before the pause');
    await admin.chat.updateRoom(roomId, { paused: true });
    await waitUntil(() => changes.length === 1);
    expect(posterRoom.paused).toBe(true);

    await expect(posterRoom.send('let me in')).rejects.toMatchObject({ code: 'forbidden', message: 'the room is paused: only moderators can post' });
    await expect(posterRoom.edit(before.seq, 'edited while paused')).rejects.toMatchObject({ code: 'forbidden' });
    const socket = await connectAs(parley.url, poster.account);
    try {
      await socket.timeout(10_000).emitWithAck('room:join', { roomId });
      expect(await socket.timeout(10_000).emitWithAck('typing:start', { roomId })).toMatchObject({ error: { code: 'forbidden' } });
    } finally {
      socket.disconnect();
    }
    const announcement = await adminRoom.send('a word from the moderators');

    await admin.chat.updateRoom(roomId, { paused: false });
    await waitUntil(() => changes.length === 2);
    expect(posterRoom.paused).toBe(false);
    const after = await posterRoom.send('back');
    await waitUntil(() => heard.some((m) => m.seq === after.seq));
    expect(heard.map((m) => m.text)).toEqual(['before the pause', 'a word from the moderators', 'back']);
    expect(announcement.seq).toBe(before.seq + 1);

    const log = (await admin.chat.moderationLog()).filter((action) => action.roomId === roomId).map((action) => action.action);
    expect(log.slice(0, 2)).toEqual(['room.resume', 'room.pause']);
  });

  it('refuses a member who was made admin after connecting no more: the role is read when it matters', async () => {
    const { roomId, admin, poster, posterRoom, changes } = await room();
    await admin.chat.updateRoom(roomId, { paused: true });
    await waitUntil(() => changes.length === 1);
    await expect(posterRoom.send('not yet')).rejects.toMatchObject({ code: 'forbidden' });
    await parley.repositories.users.setRole('demo', poster.account.username, 'admin');
    await posterRoom.send('now an admin');
  });

  it('logs slow mode changes, and a room description carries both settings', async () => {
    const { roomId, admin } = await room();
    await admin.chat.updateRoom(roomId, { slowModeSeconds: 30 });
    await admin.chat.updateRoom(roomId, { slowModeSeconds: 30 }); // no change: not logged again
    await admin.chat.updateRoom(roomId, { slowModeSeconds: 0 });
    const log = (await admin.chat.moderationLog()).filter((action) => action.roomId === roomId && action.action === 'room.slow-mode');
    expect(log.map((action) => action.reason)).toEqual(['off', 'one message every 30 s']);
    expect((await admin.chat.rooms()).find((info) => info.id === roomId)).toEqual({ id: roomId, name: 'Calm room', archived: false, slowModeSeconds: 0, paused: false, access: 'members' });
  });
});
