import { randomBytes } from 'node:crypto';
import type { ChatError, Message, PresenceUser } from '../../../sdk';
import type { Parley } from '../../../server/main';
import { createSite } from '../../../server/db';
import { io } from 'socket.io-client';
import { chatClients, waitUntil } from '../../helpers/chat';
import { newAccount, startTestServer } from '../../helpers/server';

// Who may read and post: a site's access (members, guests, read-only) and a room's own, readers without an account,
// guests and their bans, ranks and posting rights — over the real server, database and sockets. Each test has a site
// of its own, so one's settings never reach another.
let parley: Parley;
const clients = chatClients(() => parley);
beforeAll(async () => {
  parley = await startTestServer();
});
afterEach(() => clients.closeAll());
afterAll(() => parley.close());

/** A new site (with its `general` room) and its admin, signed in and in `general`. */
async function site() {
  const id = `s-${randomBytes(4).toString('hex')}`;
  await createSite(parley.repositories, { id, name: 'Public site', allowedOrigins: [] });
  const admin = await clients.admin('keeper', id);
  return { id, admin };
}

const refusal = (promise: Promise<unknown>): Promise<ChatError> =>
  promise.then(
    () => {
      throw new Error('expected a refusal');
    },
    (error: unknown) => error as ChatError,
  );

const post = (url: string, siteId: string, path: string, body: unknown) =>
  fetch(`${url}/api/sites/${siteId}/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('reading without an account', () => {
  it('shows a read-only room’s history, live messages and online list to a visitor, with no session, and takes nothing from them', async () => {
    const { id, admin } = await site();
    await admin.room.send('before the visitor came');
    await admin.chat.updateSettings({ access: 'read-only' });

    const visitor = clients.client(id);
    expect(await visitor.site()).toEqual({ id, name: 'Public site', access: 'read-only', read: true, guests: false });
    const info = await fetch(`${parley.url}/api/sites/${id}/info`);
    expect(info.headers.get('set-cookie')).toBeNull();
    expect((await visitor.rooms()).map((room) => room.id)).toEqual(['general']);

    const room = await visitor.join('general');
    expect(visitor.user).toBeNull();
    expect(room.access).toBe('read-only');
    expect(room.recent.map((message) => message.text)).toEqual(['before the visitor came']);
    expect(room.online.map((user) => user.id)).toEqual([admin.user.id]);
    const heard: Message[] = [];
    room.on('message', (message) => void heard.push(message));
    await admin.room.send('live, to the reader too');
    await waitUntil(() => heard.length === 1);
    expect(heard[0]).toMatchObject({ text: 'live, to the reader too' });

    // a reader is in nobody's list, and may not write
    const joined: PresenceUser[][] = [];
    admin.room.on('presence', (online) => void joined.push(online));
    expect(admin.room.online.map((user) => user.id)).toEqual([admin.user.id]);
    expect(await refusal(room.send('let me in'))).toMatchObject({ code: 'unauthorized', message: 'sign in to chat' });
    // the reader's socket holds no session: the server lists none for it
    const readers = [...parley.hub.io.of('/').sockets.values()].filter((socket) => socket.data.siteId === id && !socket.data.user);
    expect(readers).toHaveLength(1);
    expect(readers[0]!.data).toEqual({ siteId: id, reader: true });
    expect(joined).toEqual([]);
  });

  it('keeps a members room closed to readers and guests, and lists it to members only', async () => {
    const { id, admin } = await site();
    await admin.chat.updateSettings({ access: 'guests' });
    await admin.chat.createRoom({ id: 'staff', name: 'Staff' });
    await admin.chat.updateRoom('staff', { access: 'members' });

    const visitor = clients.client(id);
    expect((await visitor.rooms()).map((room) => room.id)).toEqual(['general']);
    expect(await refusal(visitor.join('staff'))).toMatchObject({ code: 'unauthorized', message: 'sign in to read this room' });

    const guest = clients.client(id);
    await guest.guest({ displayName: `Guest ${randomBytes(3).toString('hex')}` });
    expect(await refusal(guest.join('staff'))).toMatchObject({ code: 'forbidden' });
    expect((await guest.rooms()).map((room) => room.id)).toEqual(['general']);
    expect((await admin.chat.rooms()).map((room) => [room.id, room.access])).toEqual([
      ['general', 'guests'],
      ['staff', 'members'],
    ]);
  });

  it('never puts a socket in a room it may not read, not even while its join is checked', async () => {
    const { id, admin } = await site();
    await admin.chat.updateSettings({ access: 'read-only' });
    await admin.chat.createRoom({ id: 'staff', name: 'Staff' });
    await admin.chat.updateRoom('staff', { access: 'members' });
    const staff = await admin.chat.join('staff');
    // a reader's raw socket asks to join the members' room (and one that does not exist) and, until the answer, for
    // its history: every request must find the socket outside the room (the join used to put it in first and check
    // afterwards: requests in between were answered, and the room's messages reached the reader)
    const socket = io(parley.url, { auth: { site: id, read: true }, transports: ['websocket'] });
    const heard: unknown[] = [];
    socket.on('message:new', (message) => void heard.push(message));
    await new Promise((resolve) => socket.on('connect', () => resolve(undefined)));
    try {
      const ask = (event: string, payload: object) => socket.timeout(10_000).emitWithAck(event, payload) as Promise<{ error?: { code: string } }>;
      const codes = new Set<string>();
      for (let round = 0; round < 5; round++) {
        for (const roomId of ['staff', 'nowhere']) {
          // while the join is being checked, history requests one after another: each must find the socket outside
          let answered = false;
          const join = ask('room:join', { roomId }).finally(() => (answered = true));
          const asked: Array<Promise<{ error?: { code: string } }>> = [];
          while (!answered) {
            asked.push(ask('room:history', { roomId }));
            await new Promise((resolve) => setImmediate(resolve));
          }
          expect((await join).error?.code).toBe(roomId === 'staff' ? 'unauthorized' : 'not_found');
          for (const answer of await Promise.all(asked)) codes.add(answer.error?.code ?? 'answered');
        }
        await staff.send(`for members only ${round}`);
      }
      expect([...codes]).toEqual(['forbidden']);
      await staff.send('a last one, after which nothing more can arrive');
      expect(heard).toEqual([]);
    } finally {
      socket.close();
    }
  });

  it('refuses a reader’s socket for a site that does not exist', async () => {
    const visitor = clients.client('no-such-site');
    const errors: ChatError[] = [];
    visitor.on('error', (error) => void errors.push(error));
    void visitor.join('general').catch(() => undefined);
    await waitUntil(() => errors.length > 0);
    expect(errors[0]).toMatchObject({ code: 'not_found', message: 'no site no-such-site' });
    expect(visitor.status).toBe('offline');
  });
});

describe('guests', () => {
  it('chat under a unique name where the room takes guests, shown as guests, and only read in a read-only room', async () => {
    const { id, admin } = await site();
    // closed to guests until the site (or a room) takes them
    const early = clients.client(id);
    expect(await refusal(early.guest({ displayName: 'Too early' }))).toMatchObject({ code: 'forbidden' });

    await admin.chat.updateSettings({ access: 'guests' });
    await admin.chat.createRoom({ id: 'news', name: 'News' });
    await admin.chat.updateRoom('news', { access: 'read-only' });
    const guest = clients.client(id);
    const name = `Wanderer ${randomBytes(3).toString('hex')}`;
    const user = await guest.guest({ displayName: name });
    expect(user).toMatchObject({ displayName: name, role: 'guest' });
    expect(user.username).toMatch(/^guest:/);

    // the name is taken for members and guests alike, whatever the case
    expect(await refusal(clients.client(id).guest({ displayName: name.toUpperCase() }))).toMatchObject({ code: 'conflict', field: 'displayName' });
    expect(await refusal(clients.client(id).register({ ...newAccount('clash'), displayName: name }))).toMatchObject({ code: 'conflict', field: 'displayName' });
    expect(await refusal(clients.client(id).guest({ displayName: admin.user.displayName }))).toMatchObject({ code: 'conflict', field: 'displayName' });

    const room = await guest.join('general');
    await waitUntil(() => admin.room.online.some((each) => each.id === user.id));
    expect(admin.room.online.find((each) => each.id === user.id)).toEqual({ id: user.id, displayName: name, guest: true });
    expect(admin.room.online.find((each) => each.id === admin.user.id)).toEqual({ id: admin.user.id, displayName: admin.user.displayName });
    const heard: Message[] = [];
    admin.room.on('message', (message) => void heard.push(message));
    await room.send('hello as a guest');
    await waitUntil(() => heard.length === 1);
    expect(heard[0]!.author).toEqual({ id: user.id, displayName: name });

    const news = await guest.join('news');
    const read: Message[] = [];
    news.on('message', (message) => void read.push(message));
    expect(await refusal(news.send('may I?'))).toMatchObject({ code: 'forbidden', reason: 'read-only' });
    const adminNews = await admin.chat.join('news');
    await adminNews.send('members post here');
    await waitUntil(() => read.length === 1);
    expect(read[0]).toMatchObject({ text: 'members post here' });
  });

  it('stay banned by their network when they come back under a new name, until the ban is lifted', async () => {
    const { id, admin } = await site();
    await admin.chat.updateSettings({ access: 'guests', guestBanHours: 2 });
    const guest = clients.client(id);
    const user = await guest.guest({ displayName: `Troll ${randomBytes(3).toString('hex')}` });
    await guest.join('general');
    const ended: Array<string | undefined> = [];
    guest.on('status', (_status, reason) => void ended.push(reason));
    const errors: ChatError[] = [];
    guest.on('error', (error) => void errors.push(error));

    await admin.chat.ban(user.id, { reason: 'spam' });
    await waitUntil(() => ended.includes('session-ended'));
    // told why, in a form the app can put in its own words
    expect(errors).toContainEqual(expect.objectContaining({ code: 'forbidden', reason: 'banned' }));
    const again = await refusal(clients.client(id).guest({ displayName: `Angel ${randomBytes(3).toString('hex')}` }));
    expect(again).toMatchObject({ code: 'forbidden', reason: 'banned' });
    expect(again.retryAfterMs).toBeGreaterThan(7_000_000);
    expect(again.retryAfterMs).toBeLessThanOrEqual(7_200_000);
    // …nor as a member
    expect(await refusal(clients.client(id).register(newAccount('evader')))).toMatchObject({ code: 'forbidden', reason: 'banned' });
    // another site does not inherit the ban
    const other = await site();
    await other.admin.chat.updateSettings({ access: 'guests' });
    await clients.client(other.id).guest({ displayName: `Elsewhere ${randomBytes(3).toString('hex')}` });

    await admin.chat.unban(user.id);
    const back = await clients.client(id).guest({ displayName: `Reformed ${randomBytes(3).toString('hex')}` });
    expect(back.role).toBe('guest');
    const log = await admin.chat.moderationLog();
    expect(log.map((entry) => entry.action).slice(0, 3)).toEqual(['user.unban', 'user.ban', 'site.settings']);
  });

  it('become members by signing up, keeping their account and so their messages', async () => {
    const { id, admin } = await site();
    await admin.chat.updateSettings({ access: 'guests' });
    const name = `Newcomer ${randomBytes(3).toString('hex')}`;
    const guest = clients.client(id);
    const user = await guest.guest({ displayName: name });
    const sent = await (await guest.join('general')).send('said as a guest');

    // the same name (theirs already), a username and a password: the same user, now a member who can log in
    const account = { ...newAccount('settled'), displayName: name };
    const member = await guest.register(account);
    expect(member).toMatchObject({ id: user.id, displayName: name, username: account.username, role: 'member' });
    const stored = await parley.repositories.users.findById(id, user.id);
    expect(stored).toMatchObject({ role: 'member' });
    expect(stored?.expiresAt).toBeUndefined();
    const again = clients.client(id);
    expect((await again.login(account)).id).toBe(user.id);
    const history = await (await again.join('general')).history({ limit: 10 });
    expect(history.find((message) => message.seq === sent.seq)?.author.id).toBe(user.id);
    // a member who signs up again gets a new account, not theirs changed
    const second = await again.register(newAccount('second'));
    expect(second.id).not.toBe(user.id);
    expect(await parley.repositories.users.findById(id, user.id)).toMatchObject({ username: account.username });
  });

  it('are forgotten 30 days after their last visit, freeing the name', async () => {
    const { id, admin } = await site();
    await admin.chat.updateSettings({ access: 'guests' });
    const name = `Passing ${randomBytes(3).toString('hex')}`;
    const user = await clients.client(id).guest({ displayName: name });
    // a sweep before the deadline keeps them; one after it (time moved on by the argument) deletes them
    await parley.repositories.users.deleteExpiredGuests(new Date(Date.now() + 29 * 24 * 3_600_000));
    expect(await parley.repositories.users.findById(id, user.id)).not.toBeNull();
    await parley.repositories.users.deleteExpiredGuests(new Date(Date.now() + 31 * 24 * 3_600_000));
    expect(await parley.repositories.users.findById(id, user.id)).toBeNull();
    expect((await clients.client(id).guest({ displayName: name })).displayName).toBe(name);
  });
});

describe('ranks', () => {
  it('let moderators moderate but not manage rooms or ranks, and only on lower ranks', async () => {
    const { id, admin } = await site();
    const moderator = await clients.member('mod', id);
    const member = await clients.member('plain', id);
    await admin.chat.setRole(moderator.user.id, 'moderator');
    const staff = await admin.chat.staff();
    expect(new Map(staff.map((each) => [each.id, each.role]))).toEqual(new Map([[admin.user.id, 'admin'], [moderator.user.id, 'moderator']]));

    // slow, pause and resume: yes; rename, archive, open: no
    expect(await moderator.chat.updateRoom('general', { slowModeSeconds: 10 })).toMatchObject({ slowModeSeconds: 10 });
    expect(await moderator.chat.updateRoom('general', { paused: true })).toMatchObject({ paused: true });
    expect(await refusal(member.room.send('paused for me'))).toMatchObject({ code: 'forbidden', reason: 'paused' });
    await moderator.room.send('moderators post in a paused room');
    await moderator.chat.updateRoom('general', { paused: false, slowModeSeconds: 0 });
    expect(await refusal(moderator.chat.updateRoom('general', { name: 'Mine now' }))).toMatchObject({ code: 'forbidden' });
    expect(await refusal(moderator.chat.createRoom({ id: 'side', name: 'Side' }))).toMatchObject({ code: 'forbidden' });
    expect(await refusal(moderator.chat.updateSettings({ access: 'guests' }))).toMatchObject({ code: 'forbidden' });
    expect(await refusal(moderator.chat.setRole(member.user.id, 'moderator'))).toMatchObject({ code: 'forbidden' });

    // delete anyone's message below them; mute and ban members, never an admin
    const sent = await member.room.send('moderate me');
    await moderator.room.delete(sent.seq);
    await moderator.room.mute(member.user.id, { durationMs: 60_000 });
    expect(await refusal(moderator.room.mute(admin.user.id, { durationMs: 60_000 }))).toMatchObject({ code: 'forbidden' });
    expect(await refusal(moderator.chat.ban(admin.user.id))).toMatchObject({ code: 'forbidden' });
    await moderator.chat.ban(member.user.id);
    expect((await moderator.chat.moderationLog()).map((entry) => entry.action).slice(0, 3)).toEqual(['user.ban', 'user.mute', 'message.delete']);

    // an admin makes moderators but not admins; the owner makes admins; nobody changes their own rank
    const second = await clients.member('second', id);
    expect(await refusal(admin.chat.setRole(second.user.id, 'admin'))).toMatchObject({ code: 'forbidden' });
    await parley.repositories.users.setRole(id, admin.account.username, 'owner');
    await admin.chat.setRole(second.user.id, 'admin');
    expect(await refusal(second.chat.setRole(admin.user.id, 'member'))).toMatchObject({ code: 'forbidden' });
    expect(await refusal(admin.chat.setRole(admin.user.id, 'member'))).toMatchObject({ code: 'forbidden' });
    await admin.chat.setRole(moderator.user.id, 'member');
    expect(await refusal(moderator.chat.updateRoom('general', { paused: true }))).toMatchObject({ code: 'forbidden' });
    const roles = (await admin.chat.moderationLog()).filter((entry) => entry.action === 'user.role').map((entry) => entry.reason);
    expect(roles).toEqual(['moderator → member', 'member → admin', 'member → moderator']);
  });

  it('hold the site’s posting rights: links and @everyone from the ranks it names', async () => {
    const { id, admin } = await site();
    await admin.chat.updateSettings({ access: 'guests', postingRights: { links: 'member' } });
    expect(await admin.chat.settings()).toEqual({ access: 'guests', postingRights: { links: 'member', mentionEveryone: 'moderator' }, guestBanHours: 24, uploadMaxMB: 5, emailDigests: true, retentionDays: 0 });
    const guest = clients.client(id);
    await guest.guest({ displayName: `Linker ${randomBytes(3).toString('hex')}` });
    const guestRoom = await guest.join('general');
    for (const text of ['see https://spam.example/offer', 'go to www.spam.example now', 'visit spam.com']) {
      expect(await refusal(guestRoom.send(text))).toMatchObject({ code: 'forbidden', reason: 'links', field: 'text' });
    }
    await guestRoom.send('no links here. Just words.');
    const member = await clients.member('linker', id);
    await member.room.send('https://ok.example is fine from a member');
    expect(await refusal(member.room.send('@everyone look'))).toMatchObject({ code: 'forbidden', reason: 'mention-everyone' });
    await member.room.send('mail me at ada@everyone.example');
    await admin.room.send('@here meeting now');
    // an edit is held to the same rights
    const plain = await guestRoom.send('edit me');
    expect(await refusal(guestRoom.edit(plain.seq, 'now with https://spam.example'))).toMatchObject({ code: 'forbidden', reason: 'links' });
  });

  it('refuse bad settings and roles with typed errors, changing nothing', async () => {
    const { id, admin } = await site();
    const member = await clients.member('target', id);
    for (const change of [{ access: 'everyone' }, { postingRights: { links: 'root' } }, { guestBanHours: -1 }, { guestBanHours: 1.5 }, { uploadMaxMB: 21 }, { uploadMaxMB: -1 }, {}, { colour: 'red' }]) {
      expect(await refusal(admin.chat.updateSettings(change as never))).toMatchObject({ code: 'invalid_input' });
    }
    for (const role of ['owner', 'guest', 'root']) {
      expect(await refusal(admin.chat.setRole(member.user.id, role as never))).toMatchObject({ code: 'invalid_input' });
    }
    expect(await refusal(admin.chat.setRole('0123456789abcdef01234567', 'moderator'))).toMatchObject({ code: 'not_found' });
    expect(await refusal(admin.chat.updateRoom('general', { access: 'open' as never }))).toMatchObject({ code: 'invalid_input' });
    expect(await admin.chat.settings()).toEqual({ access: 'members', postingRights: { links: 'guest', mentionEveryone: 'moderator' }, guestBanHours: 24, uploadMaxMB: 5, emailDigests: true, retentionDays: 0 });
    const response = await post(parley.url, id, 'guest', { displayName: 'x', extra: true });
    expect(response.status).toBe(400);
  });
});
