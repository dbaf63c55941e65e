import { randomBytes } from 'node:crypto';
import sharp from 'sharp';
import { ChatError, createChatClient } from '../../sdk';
import { createSite } from '../../server/db';
import { createLogger } from '../../server/logger';
import { Retention } from '../../server/privacy/retention';
import type { Parley } from '../../server/start-up';
import { chatClients, waitUntil } from '../helpers/chat';
import { newAccount, startTestServer } from '../helpers/server';

// Data rights against a real server and database: a user's export of everything held about them, the erasure of an
// account (by the user, by an admin), and a site's retention, run by one node at a time.
let parley: Parley;
const clients = chatClients(() => parley);
const DAY_MS = 24 * 60 * 60 * 1000;

beforeAll(async () => {
  parley = await startTestServer();
});
afterEach(() => clients.closeAll());
afterAll(async () => {
  await parley.close();
});

async function newSite() {
  const site = `p-${randomBytes(4).toString('hex')}`;
  await createSite(parley.repositories, { id: site, name: 'Private', allowedOrigins: [] });
  return site;
}
const png = () => sharp({ create: { width: 40, height: 30, channels: 3, background: '#e33' } }).png().toBuffer();
const refusal = (call: Promise<unknown>) => call.then(() => undefined, (error: unknown) => error as ChatError);

/** Ada's conversation with Bob in a new site: a message with an image, a reply to Bob, a reaction and a report. */
async function conversation() {
  const site = await newSite();
  const ada = await clients.member('ada', site);
  const bob = await clients.member('bob', site);
  const bobSaid = await bob.room.send('Bob here, with a question');
  const image = await ada.chat.upload(await png(), 'ada.png');
  const withImage = await ada.room.send('Ada: my photo', { attachments: [image] });
  const reply = await ada.room.send('Ada answers Bob', { replyTo: bobSaid.seq, mentions: [bob.user.id] });
  await ada.room.react(bobSaid.seq, '👍');
  await ada.room.report(bobSaid.seq, { reason: 'spam', details: 'Ada thinks so' });
  const bobQuotes = await bob.room.send('Bob quotes Ada', { replyTo: reply.seq });
  return { site, ada, bob, bobSaid, image, withImage, reply, bobQuotes };
}

describe('an export', () => {
  it("holds everything about the user and nothing of anyone else's, for them and for an admin", async () => {
    const { site, ada, bob, bobSaid, image, withImage, reply } = await conversation();
    const data = await ada.chat.exportData();
    expect(data).toMatchObject({
      site: { id: site, name: 'Private' },
      user: { id: ada.user.id, username: ada.account.username, displayName: ada.account.displayName, role: 'member', emailNotifications: true },
      sessions: [{ expiresAt: expect.any(String) }],
      messages: [
        { roomId: 'general', seq: withImage.seq, text: 'Ada: my photo', attachments: [{ id: image.id, name: 'ada.png' }] },
        { roomId: 'general', seq: reply.seq, text: 'Ada answers Bob', replyTo: { seq: bobSaid.seq }, mentions: [bob.user.id] },
      ],
      reactions: [{ roomId: 'general', seq: bobSaid.seq, emoji: '👍' }],
      uploads: [{ id: image.id, name: 'ada.png', roomId: 'general', seq: withImage.seq, url: expect.stringContaining(`/api/sites/${site}/uploads/${image.id}`) }],
      reports: [{ roomId: 'general', seq: bobSaid.seq, reason: 'spam', details: 'Ada thinks so', status: 'open' }],
    });
    expect(data.messages).toHaveLength(2);
    const text = JSON.stringify(data);
    for (const foreign of ['Bob quotes Ada', bob.account.username, ada.account.password, 'passwordHash', 'identitySecret']) expect(text).not.toContain(foreign);

    // an admin gets the same for any user of the site; a member for nobody else
    const admin = await clients.admin('admin', site);
    const byAdmin = await admin.chat.exportUserData(ada.user.id);
    expect({ ...byAdmin, exportedAt: '' }).toEqual({ ...(await ada.chat.exportData()), exportedAt: '' });
    expect(await refusal(bob.chat.exportUserData(ada.user.id))).toMatchObject({ code: 'forbidden' });
    expect(await refusal(admin.chat.exportUserData('0123456789abcdef01234567'))).toMatchObject({ code: 'not_found' });
  });

  it('is a download, limited per user', async () => {
    const site = await newSite();
    let token: string | null = null;
    const chat = clients.track(createChatClient({ baseUrl: parley.url, site, storage: { get: () => token, set: (value) => void (token = value) } }));
    await chat.register(newAccount('dl'));
    const answer = await fetch(`${parley.url}/api/sites/${site}/me/export`, { headers: { authorization: `Bearer ${token}` } });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-disposition')).toMatch(/^attachment; filename="parley-p-[0-9a-f]{8}-[0-9a-f]{24}\.json"$/);
    // ten an hour by default (RATE_LIMIT_DATA_REQUESTS_PER_USER)
    for (let asked = 1; asked < 10; asked++) await chat.exportData();
    expect(await refusal(chat.exportData())).toMatchObject({ code: 'rate_limited' });
  });
});

describe('erasing an account', () => {
  it('leaves tombstones without text or name, deletes images and sessions, frees the name and keeps the log without it', async () => {
    const { site, ada, bob, bobSaid, image, withImage, reply, bobQuotes } = await conversation();
    const mod = await clients.admin('mod', site);
    await parley.repositories.users.setRoleById(site, ada.user.id, 'moderator');
    await ada.chat.login(ada.account);
    const room = await ada.chat.join('general');
    const spam = await bob.room.send('buy now');
    await room.delete(spam.seq); // a moderation action of Ada's, in the log under her name until she is erased
    const told = new Map<number, string | undefined>();
    bob.room.on('update', (message) => told.set(message.seq, message.deletedAt));

    // a member proves it is them
    expect(await refusal(ada.chat.deleteAccount('not my password'))).toMatchObject({ code: 'unauthorized' });
    expect(await parley.repositories.users.findById(site, ada.user.id)).not.toBeNull();
    await ada.chat.deleteAccount(ada.account.password);
    expect(ada.chat.user).toBeNull();
    expect(await parley.repositories.users.findById(site, ada.user.id)).toBeNull();

    // her messages: tombstones at the same seq, no text, no image, no name; Bob's live room was told
    await waitUntil(() => told.get(withImage.seq) !== undefined && told.get(reply.seq) !== undefined, 10_000);
    const history = await bob.room.history({ limit: 50 });
    for (const seq of [withImage.seq, reply.seq]) {
      const tombstone = history.find((message) => message.seq === seq)!;
      expect(tombstone).toMatchObject({ text: '', author: { id: ada.user.id, displayName: '' }, deletedAt: expect.any(String) });
      expect(tombstone.attachments).toBeUndefined();
    }
    // her reaction is gone, and Bob's reply no longer quotes her
    expect(history.find((message) => message.seq === bobSaid.seq)).toMatchObject({ text: 'Bob here, with a question' });
    expect(history.find((message) => message.seq === bobSaid.seq)?.reactions).toBeUndefined();
    expect(JSON.stringify(await parley.repositories.messages.findBySeq(site, 'general', bobSaid.seq))).not.toContain(ada.user.id);
    expect(history.find((message) => message.seq === bobQuotes.seq)?.replyTo).toMatchObject({ excerpt: '', author: { displayName: '' } });
    const stored = await parley.repositories.messages.findBySeq(site, 'general', bobQuotes.seq);
    expect(JSON.stringify(stored)).not.toContain('Ada answers Bob');
    // her image is deleted, her sessions ended
    expect(await parley.repositories.uploads.find(site, image.id)).toBeNull();
    expect(await parley.repositories.sessions.ofUser(site, ada.user.id)).toEqual([]);

    // the log keeps what she did and what was done, without her name; her report stays counted, without her words
    const log = await mod.chat.moderationLog({ limit: 20 });
    expect(log.find((entry) => entry.action === 'user.erase')).toMatchObject({ actor: { id: ada.user.id, displayName: '' }, targetUserId: ada.user.id });
    expect(log.find((entry) => entry.action === 'message.delete')).toMatchObject({ actor: { id: ada.user.id, displayName: '' } });
    expect(JSON.stringify(log)).not.toContain(ada.account.displayName);
    const reports = await parley.repositories.reports.byReporter(site, ada.user.id);
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({ reporter: { displayName: '' } });
    expect(reports[0]!.details).toBeUndefined();

    // the name is free again
    const again = clients.track(createChatClient({ baseUrl: parley.url, site }));
    expect(await again.register(ada.account)).toMatchObject({ username: ada.account.username, displayName: ada.account.displayName });
    expect((await again.exportData()).messages).toEqual([]);
  });

  it('by an admin, for users below their rank; a guest needs no password', async () => {
    const site = await newSite();
    const admin = await clients.admin('admin', site);
    const carl = await clients.member('carl', site);
    const said = await carl.room.send('Carl was here');
    const otherAdmin = await clients.admin('peer', site);
    expect(await refusal(admin.chat.eraseUser(otherAdmin.user.id))).toMatchObject({ code: 'forbidden' });
    expect(await refusal(carl.chat.eraseUser(admin.user.id))).toMatchObject({ code: 'forbidden' });
    const carlEnded = new Promise<string | undefined>((resolve) => carl.chat.on('status', (status, reason) => status !== 'online' && resolve(reason)));
    await admin.chat.eraseUser(carl.user.id);
    expect(await carlEnded).toBe('session-ended');
    expect(await parley.repositories.users.findById(site, carl.user.id)).toBeNull();
    expect(await parley.repositories.messages.findBySeq(site, 'general', said.seq)).toMatchObject({ text: '', author: { displayName: '' } });
    const log = await admin.chat.moderationLog({ limit: 5 });
    expect(log[0]).toMatchObject({ action: 'user.erase', actor: { id: admin.user.id, displayName: admin.account.displayName }, targetUserId: carl.user.id });

    await parley.repositories.sites.setSettings(site, { access: 'guests', postingRights: { links: 'guest', mentionEveryone: 'moderator' }, guestBanHours: 24, uploadMaxMB: 5, emailDigests: true, retentionDays: 0 });
    const guest = clients.client(site);
    const user = await guest.guest({ displayName: `Guest ${randomBytes(3).toString('hex')}` });
    await guest.deleteAccount();
    expect(await parley.repositories.users.findById(site, user.id)).toBeNull();
  });
});

describe('retention', () => {
  it('erases messages older than the site keeps, with their images, once a day on one node at a time', async () => {
    const site = await newSite();
    const ada = await clients.member('ada', site);
    const image = await ada.chat.upload(await png(), 'old.png');
    const old = await ada.room.send('an old message', { attachments: [image] });
    const recent = await ada.room.send('a recent message');
    await parley.repositories.sites.setSettings(site, { access: 'members', postingRights: { links: 'guest', mentionEveryone: 'moderator' }, guestBanHours: 24, uploadMaxMB: 5, emailDigests: true, retentionDays: 30 });

    // a clock 30 days on, less the recent message's age: the old one is past the line, the recent one not (time is
    // the one thing mocked here)
    const oldAt = Date.parse(old.createdAt);
    const recentAt = Date.parse(recent.createdAt);
    const clock = oldAt + 30 * DAY_MS + Math.max(1, (recentAt - oldAt) / 2);
    const log = createLogger('silent', false);
    // two nodes asking at once: one takes the day's turn
    const nodes = [new Retention(parley.repositories, log, () => clock), new Retention(parley.repositories, log, () => clock)];
    const turns = await Promise.all(nodes.map((node) => node.runIfDue()));
    expect(turns.filter((turn) => turn !== null)).toHaveLength(1);
    expect(await nodes[0]!.runIfDue()).toBeNull();

    expect(await parley.repositories.messages.findBySeq(site, 'general', old.seq)).toMatchObject({ text: '', author: { displayName: '' }, erasedAt: expect.any(Date) });
    expect(await parley.repositories.uploads.find(site, image.id)).toBeNull();
    expect(await parley.repositories.messages.findBySeq(site, 'general', recent.seq)).toMatchObject({ text: 'a recent message' });
    // history stays gap-free: the tombstone keeps its seq
    const history = await ada.room.history({ limit: 10 });
    expect(history.map((message) => message.seq)).toEqual(expect.arrayContaining([old.seq, recent.seq]));
  });
});
