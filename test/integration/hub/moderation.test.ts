import { createHmac } from 'node:crypto';
import { ChatError, createChatClient, type User } from '../../../sdk';
import type { Parley } from '../../../server/main';
import { chatClients, waitUntil } from '../../helpers/chat';
import { newAccount, startTestServer } from '../../helpers/server';

let parley: Parley;
const { member, admin, client, closeAll } = chatClients(() => parley);
beforeAll(async () => {
  parley = await startTestServer();
});
afterAll(async () => {
  closeAll();
  await parley.close();
});

describe('room.mute(userId, { durationMs })', () => {
  it('stops a user sending in that room until the time is up, and no longer', async () => {
    const boss = await admin('boss');
    const ada = await member('ada');
    const mute = await boss.room.mute(ada.user.id, { durationMs: 1_500 });
    expect(mute).toEqual({ roomId: 'general', userId: ada.user.id, until: expect.any(String) });

    const error = await ada.room.send('let me speak').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChatError);
    expect(error).toMatchObject({ code: 'forbidden', retryAfterMs: expect.any(Number) });
    expect((error as ChatError).retryAfterMs).toBeLessThanOrEqual(1_500);
    // others are not muted
    await expect(boss.room.send('order, order')).resolves.toMatchObject({ text: 'order, order' });

    await new Promise((resolve) => setTimeout(resolve, 1_600));
    await expect(ada.room.send('thank you')).resolves.toMatchObject({ text: 'thank you' });
  });

  it('mutes in one room only, and unmute lifts it at once', async () => {
    const boss = await admin('boss');
    const ada = await member('ada');
    const id = `side-${Date.now().toString(36)}`;
    await boss.chat.createRoom({ id, name: 'Side' });
    const side = await ada.chat.join(id);
    await boss.room.mute(ada.user.id, { durationMs: 60_000 });
    await expect(side.send('still fine here')).resolves.toBeDefined();
    await expect(ada.room.send('muted here')).rejects.toMatchObject({ code: 'forbidden' });
    await boss.room.unmute(ada.user.id);
    await expect(ada.room.send('unmuted')).resolves.toBeDefined();

    const actions = (await boss.chat.moderationLog({ limit: 3 })).map((entry) => [entry.action, entry.targetUserId]);
    expect(actions.slice(0, 2)).toEqual([
      ['user.unmute', ada.user.id],
      ['user.mute', ada.user.id],
    ]);
  });

  it('is for admins only, and validated', async () => {
    const ada = await member('ada');
    const bob = await member('bob');
    await expect(ada.room.mute(bob.user.id, { durationMs: 60_000 })).rejects.toMatchObject({ code: 'forbidden' });
    const boss = await admin('boss');
    await expect(boss.room.mute(bob.user.id, { durationMs: 10 })).rejects.toMatchObject({ code: 'invalid_input', field: 'durationMs' });
    await expect(boss.room.mute('not-a-user', { durationMs: 60_000 })).rejects.toMatchObject({ code: 'invalid_input', field: 'userId' });
    await expect(boss.room.mute('0123456789abcdef01234567', { durationMs: 60_000 })).rejects.toMatchObject({ code: 'not_found' });
    await expect(boss.room.mute(boss.user.id, { durationMs: 60_000 })).rejects.toMatchObject({ code: 'forbidden' });
  });
});

describe('chat.ban(userId)', () => {
  it('ends the sessions and sockets of every tab at once, and the user cannot come back', async () => {
    const boss = await admin('boss');
    const ada = await member('ada');
    const secondTab = client();
    await secondTab.login(ada.account);
    await secondTab.join('general');
    const errors: ChatError[] = [];
    const users: Array<User | null> = [];
    ada.chat.on('error', (error) => errors.push(error));
    ada.chat.on('user', (user) => users.push(user));
    secondTab.on('user', (user) => users.push(user));

    await boss.chat.ban(ada.user.id, { reason: 'spam' });
    await waitUntil(() => users.filter((user) => user === null).length === 2);
    expect(errors[0]).toMatchObject({ code: 'forbidden' });
    expect(ada.chat.status).toBe('offline');

    // no way back in: password, a new account under the same username, or the old token
    await expect(client().login(ada.account)).rejects.toMatchObject({ code: 'forbidden', message: 'this account is banned from the site' });
    await expect(client().register({ ...newAccount('again'), username: ada.account.username })).rejects.toMatchObject({
      code: 'conflict',
      field: 'username',
    });
    const sessions = await parley.repositories.sessions.deleteByUser('demo', ada.user.id);
    expect(sessions).toBe(0);

    const [entry] = await boss.chat.moderationLog({ limit: 1 });
    expect(entry).toMatchObject({ action: 'user.ban', targetUserId: ada.user.id, reason: 'spam', actor: { id: boss.user.id } });

    await boss.chat.unban(ada.user.id);
    await expect(client().login(ada.account)).resolves.toMatchObject({ id: ada.user.id });
  });

  it('keeps a banned user identified by the site out too', async () => {
    const boss = await admin('boss');
    const secret = (await parley.repositories.sites.findById('demo'))!.identitySecret;
    const userId = `ext-${Date.now()}`;
    const identity = { userId, displayName: `Ext ${userId.slice(-5)}`, hash: createHmac('sha256', secret).update(userId).digest('hex') };
    const first = client();
    const user = await first.identify(identity);
    await boss.chat.ban(user.id);
    await expect(client().identify(identity)).rejects.toMatchObject({ code: 'forbidden' });
  });

  it('is for admins only, never oneself, and refused for an unknown user', async () => {
    const ada = await member('ada');
    const bob = await member('bob');
    await expect(ada.chat.ban(bob.user.id)).rejects.toMatchObject({ code: 'forbidden' });
    const boss = await admin('boss');
    await expect(boss.chat.ban(boss.user.id)).rejects.toMatchObject({ code: 'forbidden' });
    await expect(boss.chat.ban('0123456789abcdef01234567')).rejects.toMatchObject({ code: 'not_found' });
    // bob was never banned
    await expect(bob.room.send('still here')).resolves.toBeDefined();
  });

  it('refuses the moderation log to members', async () => {
    const { chat } = await member('ada');
    await expect(chat.moderationLog()).rejects.toMatchObject({ code: 'forbidden' });
    const other = createChatClient({ baseUrl: parley.url, site: 'demo' });
    await expect(other.moderationLog()).rejects.toMatchObject({ code: 'unauthorized' });
    other.close();
  });
});
