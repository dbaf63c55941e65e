import { ChatError, type RoomInfo } from '../../../sdk';
import type { Parley } from '../../../server/main';
import { chatClients, waitUntil } from '../../helpers/chat';
import { startTestServer } from '../../helpers/server';

let parley: Parley;
const { member, admin, closeAll } = chatClients(() => parley);
beforeAll(async () => {
  parley = await startTestServer();
});
afterAll(async () => {
  closeAll();
  await parley.close();
});

let counter = 0;
const uniqueId = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${(counter += 1)}`;

describe('chat.rooms()', () => {
  it("lists the site's rooms, general among them, to any member", async () => {
    const { chat } = await member('reader');
    const rooms = await chat.rooms();
    expect(rooms).toContainEqual({ id: 'general', name: 'General', archived: false, slowModeSeconds: 0, paused: false, access: 'members' });
  });

  it('shows a visitor without a session only the rooms open to read: none on a members-only site', async () => {
    const response = await fetch(`${parley.url}/api/sites/demo/rooms`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ rooms: [] });
  });

  it('refuses a token that names no session, rather than treating it as a visitor', async () => {
    const response = await fetch(`${parley.url}/api/sites/demo/rooms`, { headers: { authorization: 'Bearer not-a-session' } });
    expect(response.status).toBe(401);
  });
});

describe('chat.createRoom({ id, name })', () => {
  it('lets an admin create a room that members can list, join and chat in, and logs it', async () => {
    const boss = await admin('boss');
    const id = uniqueId('help');
    const created = await boss.chat.createRoom({ id, name: '  Help desk ' });
    expect(created).toEqual({ id, name: 'Help desk', archived: false, slowModeSeconds: 0, paused: false, access: 'members' });

    const ada = await member('ada');
    expect(await ada.chat.rooms()).toContainEqual(created);
    const room = await ada.chat.join(id);
    expect((await room.send('hello help')).seq).toBe(1);
    const [entry] = await boss.chat.moderationLog({ limit: 1 });
    expect(entry).toMatchObject({ action: 'room.create', roomId: id, actor: { id: boss.user.id } });
  });

  it('is for admins only', async () => {
    const { chat } = await member('ada');
    const error = await chat.createRoom({ id: uniqueId('mine'), name: 'Mine' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChatError);
    expect(error).toMatchObject({ code: 'forbidden' });
  });

  it.each([
    [{ id: 'Bad_Id', name: 'x' }, 'id'],
    [{ id: 'a'.repeat(41), name: 'x' }, 'id'],
    [{ id: 'ok-id', name: '' }, 'name'],
    [{ id: 'ok-id', name: 'x'.repeat(81) }, 'name'],
  ])('refuses %j naming the field', async (input, field) => {
    const boss = await admin('boss');
    await expect(boss.chat.createRoom(input)).rejects.toMatchObject({ code: 'invalid_input', field });
  });

  it('refuses an id in use with conflict', async () => {
    const boss = await admin('boss');
    await expect(boss.chat.createRoom({ id: 'general', name: 'Another' })).rejects.toMatchObject({ code: 'conflict', field: 'id' });
  });
});

describe('chat.updateRoom(id, change)', () => {
  it('renames a room and tells the members in it', async () => {
    const boss = await admin('boss');
    const id = uniqueId('lobby');
    await boss.chat.createRoom({ id, name: 'Lobby' });
    const ada = await member('ada');
    const room = await ada.chat.join(id);
    const changes: RoomInfo[] = [];
    room.on('change', (info) => changes.push(info));

    expect(await boss.chat.updateRoom(id, { name: 'Front desk' })).toEqual({ id, name: 'Front desk', archived: false, slowModeSeconds: 0, paused: false, access: 'members' });
    await waitUntil(() => changes.length === 1);
    expect(changes[0]).toEqual({ id, name: 'Front desk', archived: false, slowModeSeconds: 0, paused: false, access: 'members' });
    expect(room.name).toBe('Front desk');
  });

  it('archives a room: it can still be read, but takes no message until unarchived', async () => {
    const boss = await admin('boss');
    const id = uniqueId('old');
    await boss.chat.createRoom({ id, name: 'Old' });
    const ada = await member('ada');
    const room = await ada.chat.join(id);
    const kept = await room.send('still here');

    await boss.chat.updateRoom(id, { archived: true });
    await waitUntil(() => room.archived);
    await expect(room.send('too late')).rejects.toMatchObject({ code: 'forbidden', message: 'the room is archived' });
    await expect(room.edit(kept.seq, 'changed')).rejects.toMatchObject({ code: 'forbidden' });
    const reader = await member('reader');
    const again = await reader.chat.join(id);
    expect(again.archived).toBe(true);
    expect(again.recent).toEqual([kept]);

    await boss.chat.updateRoom(id, { archived: false, slowModeSeconds: 0, paused: false });
    await expect(room.send('back')).resolves.toMatchObject({ seq: kept.seq + 1 });
    const actions = (await boss.chat.moderationLog({ limit: 2 })).map((entry) => entry.action);
    expect(actions).toEqual(['room.unarchive', 'room.archive']);
  });

  it('never archives general, and names unknown rooms', async () => {
    const boss = await admin('boss');
    await expect(boss.chat.updateRoom('general', { archived: true })).rejects.toMatchObject({ code: 'forbidden' });
    await expect(boss.chat.updateRoom('no-such-room', { name: 'x' })).rejects.toMatchObject({ code: 'not_found' });
    await expect(boss.chat.updateRoom('general', {})).rejects.toMatchObject({ code: 'invalid_input' });
  });

  it('is for admins only', async () => {
    const { chat } = await member('ada');
    await expect(chat.updateRoom('general', { name: 'Mine now' })).rejects.toMatchObject({ code: 'forbidden' });
  });
});

describe("chat.join(id)", () => {
  it('refuses an unknown room with not_found and a malformed id with invalid_input', async () => {
    const { chat } = await member('ada');
    await expect(chat.join('no-such-room')).rejects.toMatchObject({ code: 'not_found' });
    await expect(chat.join('Not A Room')).rejects.toMatchObject({ code: 'invalid_input', field: 'roomId' });
  });
});
