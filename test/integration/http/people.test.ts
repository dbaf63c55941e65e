import { randomBytes } from 'node:crypto';
import { Ajv2020 } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { type ChatClient, createChatClient, type Room } from '../../../sdk';
import type { SessionResponse, SiteUserResponse, SiteUsersResponse } from '../../../sdk/protocol';
import { createSite } from '../../../server/db';
import type { Parley } from '../../../server/main';
import { buildOpenApiDocument } from '../../../server/http/openapi';
import { type ConsoleSignIn, signInToConsole } from '../../helpers/console';
import { waitUntil } from '../../helpers/chat';
import { newAccount, startTestServer } from '../../helpers/server';

// The console's People section over real HTTP: search by name (case and accents aside), one user's mutes and
// recent messages across rooms, and who may ask.
let parley: Parley;
const clients: ChatClient[] = [];
beforeAll(async () => {
  parley = await startTestServer();
});
afterAll(async () => {
  for (const chat of clients) chat.close();
  await parley.close();
});

/** A new site with a console moderator (who reads People) and owner (who changes settings and rooms). */
async function newSite() {
  const siteId = `p-${randomBytes(4).toString('hex')}`;
  await createSite(parley.repositories, { id: siteId, name: `People ${siteId}`, allowedOrigins: [] });
  const [moderator, owner] = await Promise.all([signInToConsole(parley, siteId, 'moderator'), signInToConsole(parley, siteId, 'owner')]);
  return { siteId, moderator, owner };
}

/** A member signed up over HTTP under this display name. */
async function register(siteId: string, displayName?: string, username?: string) {
  const account = { ...newAccount('p'), ...(displayName ? { displayName } : {}), ...(username ? { username } : {}) };
  const response = await fetch(`${parley.url}/api/sites/${siteId}/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(account) });
  expect(response.status).toBe(201);
  const body = (await response.json()) as Required<SessionResponse>;
  return { ...account, id: body.user.id, token: body.token };
}

/** A member in a chat client, to send messages as them. */
async function chatter(siteId: string, displayName: string) {
  const chat = createChatClient({ baseUrl: parley.url, site: siteId });
  clients.push(chat);
  const user = await chat.register({ ...newAccount('chat'), displayName });
  return { chat, user };
}

/** Sends, then waits for the clock to pass the message's time, so messages of different rooms never tie. */
async function sendIn(room: Room, text: string) {
  const message = await room.send(text);
  await waitUntil(() => Date.now() > Date.parse(message.createdAt));
  return message;
}

const search = (staff: ConsoleSignIn, siteId: string, query: string) => staff.call<SiteUsersResponse>('GET', `/api/sites/${siteId}/users${query}`);
const namesOf = (answer: { body: SiteUsersResponse }) => answer.body.users.map((user) => user.displayName);

describe('GET /api/sites/:siteId/users?q=', () => {
  it('finds users by part of their display name or username, whatever the case and accents', async () => {
    const { siteId, moderator } = await newSite();
    await register(siteId, 'Zoé Ångström');
    await register(siteId, 'Bob Builder', 'zoe-fan');
    await register(siteId, 'Carla');
    expect(namesOf(await search(moderator, siteId, '?q=ANGSTROM'))).toEqual(['Zoé Ångström']);
    expect(namesOf(await search(moderator, siteId, `?q=${encodeURIComponent('ströM')}`))).toEqual(['Zoé Ångström']);
    expect(namesOf(await search(moderator, siteId, '?q=uild'))).toEqual(['Bob Builder']);
    // "zoe" starts Zoé's display name and Bob's username: both, the newest first among equals
    expect(namesOf(await search(moderator, siteId, '?q=zoe'))).toEqual(['Bob Builder', 'Zoé Ångström']);
    expect(namesOf(await search(moderator, siteId, `?q=${encodeURIComponent('  ZOÉ ')}`))).toEqual(['Bob Builder', 'Zoé Ångström']);
    expect(namesOf(await search(moderator, siteId, '?q=nobody'))).toEqual([]);
  });

  it('puts names that start with the text before names that only hold it', async () => {
    const { siteId, moderator } = await newSite();
    await register(siteId, 'Anna Lee');
    await register(siteId, 'Maria Anna');
    expect(namesOf(await search(moderator, siteId, '?q=anna'))).toEqual(['Anna Lee', 'Maria Anna']);
  });

  it('answers each user with their rank, and flags guests and banned users', async () => {
    const { siteId, moderator, owner } = await newSite();
    expect((await owner.call('PATCH', `/api/sites/${siteId}/settings`, { access: 'guests' })).status).toBe(200);
    const guest = await fetch(`${parley.url}/api/sites/${siteId}/guest`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ displayName: 'Visiting Vera' }) });
    expect(guest.status).toBe(201);
    const banned = await register(siteId, 'Banned Ben');
    expect((await moderator.call('POST', `/api/sites/${siteId}/users/${banned.id}/ban`, { reason: 'spam' })).status).toBe(204);

    const { body } = await search(moderator, siteId, '');
    expect(body.users).toEqual([
      { id: banned.id, displayName: 'Banned Ben', username: banned.username, role: 'member', guest: false, banned: true, createdAt: expect.any(String) },
      { id: expect.any(String), displayName: 'Visiting Vera', username: expect.stringMatching(/^guest:/), role: 'guest', guest: true, banned: false, createdAt: expect.any(String) },
    ]);
    expect(Date.parse(body.users[0]!.createdAt)).toBeGreaterThan(Date.now() - 60_000);
    // a guest's internal username is not searched
    expect(namesOf(await search(moderator, siteId, '?q=guest'))).toEqual([]);
    expect(namesOf(await search(moderator, siteId, '?q=vera'))).toEqual(['Visiting Vera']);
  });

  it('lists the newest users without q, up to limit', async () => {
    const { siteId, moderator } = await newSite();
    for (const name of ['First One', 'Second One', 'Third One', 'Fourth One']) await register(siteId, name);
    expect(namesOf(await search(moderator, siteId, ''))).toEqual(['Fourth One', 'Third One', 'Second One', 'First One']);
    expect(namesOf(await search(moderator, siteId, '?limit=2'))).toEqual(['Fourth One', 'Third One']);
    expect(namesOf(await search(moderator, siteId, '?q=one&limit=3'))).toEqual(['Fourth One', 'Third One', 'Second One']);
    expect(namesOf(await search(moderator, siteId, '?q=&limit=1'))).toEqual(['Fourth One']);
  });

  it('finds only users of this site', async () => {
    const { siteId, moderator } = await newSite();
    const other = await newSite();
    await register(other.siteId, 'Elsewhere Eve');
    expect(namesOf(await search(moderator, siteId, '?q=eve'))).toEqual([]);
  });

  it.each([
    ['?limit=0', 'limit'],
    ['?limit=51', 'limit'],
    ['?limit=2.5', 'limit'],
    ['?limit=many', 'limit'],
    [`?q=${'x'.repeat(101)}`, 'q'],
    ['?q=a%00b', 'q'],
    ['?q=a&q=b', 'q'],
    ['?sort=name', 'sort'],
  ])('refuses %s naming the field', async (query, field) => {
    const { siteId, moderator } = await newSite();
    const answer = await search(moderator, siteId, query);
    expect({ status: answer.status, body: answer.body }).toEqual({ status: 400, body: { error: { code: 'invalid_input', message: expect.any(String), field } } });
  });

  it('takes 100 characters of q, counting characters rather than UTF-16 units', async () => {
    const { siteId, moderator } = await newSite();
    expect((await search(moderator, siteId, `?q=${encodeURIComponent('😀'.repeat(100))}`)).status).toBe(200);
  });
});

describe('GET /api/sites/:siteId/users/:userId', () => {
  it("shows the user's recent messages across rooms, newest first and only theirs, and where they are muted", async () => {
    const { siteId, moderator, owner } = await newSite();
    expect((await owner.call('POST', `/api/sites/${siteId}/rooms`, { id: 'side', name: 'Side' })).status).toBe(201);
    const ada = await chatter(siteId, 'Ada Lovelace');
    const bob = await chatter(siteId, 'Bob Builder');
    const [adaGeneral, adaSide, bobGeneral] = await Promise.all([ada.chat.join('general'), ada.chat.join('side'), bob.chat.join('general')]);
    await sendIn(adaGeneral, 'ada one');
    await sendIn(bobGeneral, 'bob one');
    await sendIn(adaSide, 'ada two');
    await sendIn(adaGeneral, 'ada three');
    const deleted = await sendIn(adaGeneral, 'ada gone');
    await adaGeneral.delete(deleted.seq);
    expect((await moderator.call('POST', `/api/sites/${siteId}/rooms/side/mutes`, { userId: ada.user.id, durationMs: 60_000 })).status).toBe(201);

    const { status, body } = await moderator.call<SiteUserResponse>('GET', `/api/sites/${siteId}/users/${ada.user.id}`);
    expect(status).toBe(200);
    expect(body.user).toMatchObject({ id: ada.user.id, displayName: 'Ada Lovelace', role: 'member', guest: false, banned: false });
    expect(body.recentMessages.map((message) => [message.roomId, message.text])).toEqual([
      ['general', 'ada three'],
      ['side', 'ada two'],
      ['general', 'ada one'],
    ]);
    expect(body.recentMessages.every((message) => message.author.id === ada.user.id)).toBe(true);
    expect(body.mutes).toEqual([{ roomId: 'side', until: expect.any(String) }]);
    expect(Date.parse(body.mutes[0]!.until)).toBeGreaterThan(Date.now() + 30_000);

    const answer = await moderator.call<SiteUserResponse>('GET', `/api/sites/${siteId}/users/${bob.user.id}`);
    expect(answer.body.recentMessages.map((message) => message.text)).toEqual(['bob one']);
    expect(answer.body.mutes).toEqual([]);
  });

  it("reads only the latest 1,000 messages of each room, and at most 50 of the user's", async () => {
    const { siteId, moderator } = await newSite();
    const ada = await chatter(siteId, 'Ada Lovelace');
    const room = await ada.chat.join('general');
    await room.send('long ago');
    for (let k = 1; k <= 55; k += 1) await room.send(`message ${k}`);
    const recent = async () => (await moderator.call<SiteUserResponse>('GET', `/api/sites/${siteId}/users/${ada.user.id}`)).body.recentMessages.map((message) => message.text);
    const newest = await recent();
    expect(newest).toHaveLength(50);
    expect(newest[0]).toBe('message 55');
    expect(newest[49]).toBe('message 6');
    // 1,000 seqs later (the room's counter moved on, as by others' messages), the first ones are out of the window
    await parley.repositories.rooms.repairSeq(siteId, 'general', 56 + 1_000 - 10);
    expect(await recent()).toEqual(Array.from({ length: 10 }, (_, k) => `message ${55 - k}`));
  });

  it('is 404 for an unknown id, a malformed one, or a user of another site', async () => {
    const { siteId, moderator } = await newSite();
    const other = await newSite();
    const elsewhere = await register(other.siteId, 'Elsewhere Eve');
    for (const userId of ['0123456789abcdef01234567', 'not-an-id', 'ABCDEF0123456789ABCDEF01', elsewhere.id]) {
      const answer = await moderator.call('GET', `/api/sites/${siteId}/users/${userId}`);
      expect({ userId, status: answer.status, body: answer.body }).toEqual({ userId, status: 404, body: { error: { code: 'not_found', message: 'user not found' } } });
    }
  });
});

describe('the answers', () => {
  it('match the schemas the OpenAPI document gives them', async () => {
    const { siteId, moderator } = await newSite();
    const ada = await chatter(siteId, 'Ada Lovelace');
    await sendIn(await ada.chat.join('general'), 'hello');
    await moderator.call('POST', `/api/sites/${siteId}/rooms/general/mutes`, { userId: ada.user.id, durationMs: 60_000 });
    const ajv = new Ajv2020({ strict: true, allErrors: true });
    addFormats(ajv);
    ajv.addVocabulary(['openapi', 'info', 'jsonSchemaDialect', 'paths', 'components']);
    ajv.addSchema({ ...buildOpenApiDocument(), $id: 'https://parley.invalid/api/openapi.json' });
    const valid = (name: string, body: unknown) => {
      const validate = ajv.getSchema(`https://parley.invalid/api/openapi.json#/components/schemas/${name}`)!;
      return validate(body) ? [] : validate.errors;
    };
    expect(valid('SiteUsersResponse', (await search(moderator, siteId, '?q=ada')).body)).toEqual([]);
    const detail = await moderator.call<SiteUserResponse>('GET', `/api/sites/${siteId}/users/${ada.user.id}`);
    expect(detail.body.recentMessages).toHaveLength(1);
    expect(valid('SiteUserResponse', detail.body)).toEqual([]);
    expect(valid('SiteUserResponse', { ...detail.body, extra: true })).not.toEqual([]);
  });
});

describe('who may look people up', () => {
  it('is moderators and up: a member is refused, signed out is unauthorized, chat staff and console accounts are served', async () => {
    const { siteId, owner } = await newSite();
    const member = await register(siteId, 'Plain Member');
    const chatModerator = await register(siteId, 'Chat Moderator');
    await parley.repositories.users.setRoleById(siteId, chatModerator.id, 'moderator');
    const get = (path: string, headers: Record<string, string> = {}) => fetch(`${parley.url}/api/sites/${siteId}/${path}`, { headers });
    for (const path of ['users', `users/${member.id}`]) {
      expect({ path, status: (await get(path)).status }).toEqual({ path, status: 401 });
      expect({ path, status: (await get(path, { authorization: `Bearer ${member.token}` })).status }).toEqual({ path, status: 403 });
      expect({ path, status: (await get(path, { authorization: `Bearer ${chatModerator.token}` })).status }).toEqual({ path, status: 200 });
      expect({ path, status: (await owner.call('GET', `/api/sites/${siteId}/${path}`)).status }).toEqual({ path, status: 200 });
    }
    const refused = await get('users?q=member', { authorization: `Bearer ${member.token}` });
    expect(await refused.json()).toEqual({ error: { code: 'forbidden', message: expect.any(String) } });
  });

  it('logs what the console does to a user through the moderation routes', async () => {
    const { siteId, moderator, owner } = await newSite();
    const target = await register(siteId, 'Target Tom');
    expect((await owner.call('PUT', `/api/sites/${siteId}/users/${target.id}/role`, { role: 'admin' })).status).toBe(200);
    expect((await owner.call('PUT', `/api/sites/${siteId}/users/${target.id}/role`, { role: 'member' })).status).toBe(200);
    expect((await moderator.call('POST', `/api/sites/${siteId}/rooms/general/mutes`, { userId: target.id, durationMs: 3_600_000 })).status).toBe(201);
    expect((await moderator.call('POST', `/api/sites/${siteId}/users/${target.id}/ban`, { reason: 'spam links' })).status).toBe(204);
    expect((await moderator.call('DELETE', `/api/sites/${siteId}/users/${target.id}/ban`)).status).toBe(204);
    const log = await parley.repositories.moderation.list(siteId, undefined, 10);
    expect(log.map((entry) => [entry.action, entry.actor.id, entry.reason ?? null]).reverse()).toEqual([
      ['user.role', `console:${owner.accountId}`, 'member → admin'],
      ['user.role', `console:${owner.accountId}`, 'admin → member'],
      ['user.mute', `console:${moderator.accountId}`, null],
      ['user.ban', `console:${moderator.accountId}`, 'spam links'],
      ['user.unban', `console:${moderator.accountId}`, null],
    ]);
  });
});
