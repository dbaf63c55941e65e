import { ChatError, type Message } from '../../../sdk';
import type { Parley } from '../../../server/main';
import { chatClients, waitUntil } from '../../helpers/chat';
import { startTestServer } from '../../helpers/server';

let parley: Parley;
const clients = chatClients(() => parley);
beforeAll(async () => {
  parley = await startTestServer();
});
afterEach(() => clients.closeAll());
afterAll(() => parley.close());

const stored = async () => (await parley.repositories.messages.before('demo', 'general', undefined, 100)).map((message) => message.text);

/** An admin, a member who sends and a member who listens, all in `general`. */
async function room() {
  const admin = await clients.admin('filterer');
  const sender = await clients.member('sender');
  const listener = await clients.member('listener');
  const heard: Message[] = [];
  listener.room.on('message', (message) => void heard.push(message));
  const updates: Message[] = [];
  listener.room.on('update', (message) => void updates.push(message));
  return { admin, sender, heard, updates };
}

describe('a site word filter that refuses', () => {
  it('refuses a message with a listed word, however disguised, stores and announces nothing, and lets the rest through', async () => {
    const { admin, sender, heard } = await room();
    await admin.chat.setWordFilter({ entries: ['darn', 'heck*'], action: 'refuse' });

    for (const text of ['d4rn it', 'oh H E C K I N G no', 'what the heeeck']) {
      const refused = await sender.room.send(text).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect({ text, refused }).toEqual({ text, refused: expect.any(ChatError) });
      expect(refused).toMatchObject({ code: 'invalid_input', field: 'text', message: 'the message contains a word or phrase this site does not allow' });
    }
    const clean = await sender.room.send('darning socks, checking in');
    await waitUntil(() => heard.some((message) => message.seq === clean.seq));
    expect(heard.map((message) => message.text)).toEqual(['darning socks, checking in']);
    expect(await stored()).not.toEqual(expect.arrayContaining([expect.stringMatching(/d4rn|H E C K|heeeck/)]));
  });

  it('refuses an edit that brings a listed word in, and leaves the message as it was', async () => {
    const { admin, sender } = await room();
    const message = await sender.room.send('a fine message');
    await admin.chat.setWordFilter({ entries: ['darn'], action: 'refuse' });
    await expect(sender.room.edit(message.seq, 'a d.a.r.n message')).rejects.toMatchObject({ code: 'invalid_input', field: 'text' });
    expect((await parley.repositories.messages.findBySeq('demo', 'general', message.seq))?.text).toBe('a fine message');
  });
});

describe('a site word filter that masks', () => {
  it('stores and shows a message with the listed words masked, to the sender and to the room', async () => {
    const { admin, sender, heard } = await room();
    await admin.chat.setWordFilter({ entries: ['darn', 'go away'], action: 'mask' });

    const sent = await sender.room.send('d4rn it, just GO   AWAY. Darning is fine.');
    expect(sent.text).toBe('**** it, just **   ****. Darning is fine.');
    await waitUntil(() => heard.some((message) => message.seq === sent.seq));
    expect(heard.find((message) => message.seq === sent.seq)?.text).toBe(sent.text);
    expect(await stored()).toContain(sent.text);
  });

  it('masks an edit the same way', async () => {
    const { admin, sender, updates } = await room();
    const message = await sender.room.send('all good');
    await admin.chat.setWordFilter({ entries: ['heck*'], action: 'mask' });
    const edited = await sender.room.edit(message.seq, 'all good, heckin good');
    expect(edited.text).toBe('all good, ****** good');
    await waitUntil(() => updates.some((update) => update.seq === message.seq));
    expect(updates.find((update) => update.seq === message.seq)?.text).toBe('all good, ****** good');
  });
});

describe('a site word filter that holds', () => {
  it('stores a message with a listed word hidden, puts it in the reports queue, and shows it once dismissed', async () => {
    const { admin, sender, heard, updates } = await room();
    await admin.chat.setWordFilter({ entries: ['darn'], action: 'hold' });
    try {
      const held = await sender.room.send('d4rn it all');
      expect(held).toMatchObject({ text: '', hiddenAt: expect.any(String) });
      await waitUntil(() => heard.some((message) => message.seq === held.seq));
      expect(heard.find((message) => message.seq === held.seq)).toMatchObject({ text: '', hiddenAt: expect.any(String) });

      const queued = (await admin.chat.reports()).find((entry) => entry.message.seq === held.seq && entry.message.roomId === 'general');
      expect(queued).toEqual({
        message: expect.objectContaining({ text: 'd4rn it all', hiddenAt: expect.any(String) }),
        reports: [{ reporter: { id: 'word-filter', displayName: 'Word filter' }, reason: 'other', details: 'held by the word filter: darn', createdAt: expect.any(String) }],
      });
      const clean = await sender.room.send('all fine here');
      expect(clean.hiddenAt).toBeUndefined();

      await admin.chat.resolveReport({ roomId: 'general', seq: held.seq, action: 'dismiss' });
      await waitUntil(() => updates.some((message) => message.seq === held.seq && message.text === 'd4rn it all' && message.hiddenAt === undefined));
    } finally {
      await admin.chat.setWordFilter({ entries: [], action: 'refuse' });
    }
  });

  it('holds an edit that brings a listed word in', async () => {
    const { admin, sender, updates } = await room();
    const message = await sender.room.send('a fine message');
    await admin.chat.setWordFilter({ entries: ['darn'], action: 'hold' });
    try {
      expect(await sender.room.edit(message.seq, 'a d.a.r.n message')).toMatchObject({ text: '', hiddenAt: expect.any(String) });
      await waitUntil(() => updates.some((update) => update.seq === message.seq && update.hiddenAt !== undefined));
      expect((await admin.chat.reports()).some((entry) => entry.message.seq === message.seq && entry.message.text === 'a d.a.r.n message')).toBe(true);
    } finally {
      await admin.chat.setWordFilter({ entries: [], action: 'refuse' });
    }
  });
});

describe('GET and PUT /api/sites/:siteId/word-filter', () => {
  const api = (token: string, method: string, body?: unknown) =>
    fetch(`${parley.url}/api/sites/demo/word-filter`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    }).then(async (response) => ({ status: response.status, body: (await response.json()) as unknown }));
  const tokenOf = async (account: { username: string; password: string }) => {
    const response = await fetch(`${parley.url}/api/sites/demo/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: account.username, password: account.password }),
    });
    return ((await response.json()) as { token: string }).token;
  };

  it('answers admins: the list as stored (trimmed, NFC, each entry once), and the change in the moderation log', async () => {
    const admin = await clients.admin('listkeeper');
    const token = await tokenOf(admin.account);
    const put = await api(token, 'PUT', { entries: ['  darn ', 'Cafe\u0301', 'darn', 'go away'], action: 'mask' });
    expect(put).toEqual({ status: 200, body: { wordFilter: { entries: ['darn', 'Café', 'go away'], action: 'mask' } } });
    expect(await api(token, 'GET')).toEqual(put);
    expect(await admin.chat.wordFilter()).toEqual({ entries: ['darn', 'Café', 'go away'], action: 'mask' });

    const [entry] = await admin.chat.moderationLog({ limit: 1 });
    expect(entry).toMatchObject({ action: 'site.word-filter', actor: { id: admin.user.id }, reason: '3 entries, mask' });

    // an empty list turns it off
    await admin.chat.setWordFilter({ entries: [], action: 'refuse' });
    const { room } = await clients.member('free');
    expect((await room.send('darn')).text).toBe('darn');
  });

  it('refuses members, and bad lists with invalid_input naming the field, changing nothing', async () => {
    const admin = await clients.admin('strict');
    const token = await tokenOf(admin.account);
    await admin.chat.setWordFilter({ entries: ['darn'], action: 'refuse' });
    const member = await clients.member('nosy');
    const memberToken = await tokenOf(member.account);
    expect((await api(memberToken, 'GET')).status).toBe(403);
    expect((await api(memberToken, 'PUT', { entries: [], action: 'refuse' })).status).toBe(403);

    const invalid = (field: string) => ({ status: 400, body: { error: { code: 'invalid_input', message: expect.any(String), field } } });
    expect(await api(token, 'PUT', { entries: ['darn'], action: 'hide' })).toEqual(invalid('action'));
    expect(await api(token, 'PUT', { entries: 'darn', action: 'mask' })).toEqual(invalid('entries'));
    expect(await api(token, 'PUT', { entries: ['ok', ''], action: 'mask' })).toEqual(invalid('entries.1'));
    expect(await api(token, 'PUT', { entries: ['x'.repeat(101)], action: 'mask' })).toEqual(invalid('entries.0'));
    expect(await api(token, 'PUT', { entries: ['a\nb'], action: 'mask' })).toEqual(invalid('entries.0'));
    expect(await api(token, 'PUT', { entries: Array.from({ length: 1_001 }, (_, i) => `w${i}`), action: 'mask' })).toEqual(invalid('entries'));
    expect(await api(token, 'PUT', { entries: [], action: 'mask', extra: true })).toEqual(invalid('extra'));
    expect(await api(token, 'GET')).toEqual({ status: 200, body: { wordFilter: { entries: ['darn'], action: 'refuse' } } });
  });
});
