import { randomBytes } from 'node:crypto';
import type { ModerationLogResponse, SessionResponse } from '../../../sdk/protocol';
import { createSite } from '../../../server/db';
import { settingsOf } from '../../../server/db/sites';
import type { Parley } from '../../../server/main';
import { signInToConsole } from '../../helpers/console';
import { newAccount, startTestServer } from '../../helpers/server';

// A console account works on its site through the site's own API (/api/sites/:siteId/…) with the chat rank named
// like its console role: real HTTP, the real database, the console's cookie from a real invite.
let parley: Parley;
beforeAll(async () => {
  parley = await startTestServer();
});
afterAll(() => parley.close());

async function newSite() {
  const id = `s-${randomBytes(4).toString('hex')}`;
  await createSite(parley.repositories, { id, name: `Shop ${id}`, allowedOrigins: ['https://shop.example'] });
  return id;
}

async function register(siteId: string) {
  const account = newAccount('staff');
  const response = await fetch(`${parley.url}/api/sites/${siteId}/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(account),
  });
  const body = (await response.json()) as Required<SessionResponse>;
  return { ...account, id: body.user.id, token: body.token };
}

const logOf = async (siteId: string) => (await parley.repositories.moderation.list(siteId, undefined, 10)).map((entry) => ({ action: entry.action, actor: entry.actor.id }));

describe("a console account on its site's API", () => {
  it('acts with its role: an owner changes the settings, logged as the console account', async () => {
    const siteId = await newSite();
    const owner = await signInToConsole(parley, siteId, 'owner');
    const answer = await owner.call('PATCH', `/api/sites/${siteId}/settings`, { access: 'guests' });
    expect(answer.status).toBe(200);
    expect(settingsOf((await parley.repositories.sites.findById(siteId))!).access).toBe('guests');
    expect(await logOf(siteId)).toContainEqual({ action: 'site.settings', actor: `console:${owner.accountId}` });
  });

  it("gives a moderator 403 on every admin route, and the moderator's own routes", async () => {
    const siteId = await newSite();
    const target = await register(siteId);
    const moderator = await signInToConsole(parley, siteId, 'moderator');
    const admin = await signInToConsole(parley, siteId, 'admin');
    const adminRoutes: Array<[string, string, unknown?]> = [
      ['GET', 'settings'],
      ['PATCH', 'settings', { access: 'read-only' }],
      ['GET', 'staff'],
      ['POST', 'rooms', { id: 'lobby', name: 'Lobby' }],
      ['GET', 'word-filter'],
      ['PUT', 'word-filter', { entries: ['spam'], action: 'mask' }],
      ['GET', 'pre-publish'],
      ['DELETE', 'pre-publish'],
      ['GET', 'report-settings'],
      ['PUT', 'report-settings', { hideAfter: 2 }],
      ['PUT', `users/${target.id}/role`, { role: 'moderator' }],
    ];
    const before = await logOf(siteId);
    for (const [method, path, body] of adminRoutes) {
      const { status, body: answer } = await moderator.call(method, `/api/sites/${siteId}/${path}`, body);
      expect({ method, path, status, answer }).toEqual({ method, path, status: 403, answer: { error: expect.objectContaining({ code: 'forbidden' }) } });
    }
    expect(await logOf(siteId)).toEqual(before);
    for (const [method, path, body] of adminRoutes) {
      const { status } = await admin.call(method, `/api/sites/${siteId}/${path}`, body);
      // served (DELETE pre-publish with no hook set answers 400: served all the same)
      expect({ method, path, refused: status === 401 || status === 403 }).toEqual({ method, path, refused: false });
    }
    expect((await moderator.call('GET', `/api/sites/${siteId}/moderation`)).status).toBe(200);
    expect((await moderator.call('GET', `/api/sites/${siteId}/reports`)).status).toBe(200);
    // the admin made `target` a moderator above: a member is the moderator's to ban
    const member = await register(siteId);
    expect((await moderator.call('POST', `/api/sites/${siteId}/users/${member.id}/ban`, { reason: 'spam' })).status).toBe(204);
    expect(await logOf(siteId)).toContainEqual({ action: 'user.ban', actor: `console:${moderator.accountId}` });
  });

  it('is nobody on a site where the account has no role, and from another origin', async () => {
    const siteId = await newSite();
    const other = await newSite();
    const owner = await signInToConsole(parley, other, 'owner');
    expect((await owner.call('GET', `/api/sites/${siteId}/moderation`)).status).toBe(401);

    const mine = await signInToConsole(parley, siteId, 'owner');
    const from = (origin: string, method = 'GET', body?: unknown) =>
      fetch(`${parley.url}/api/sites/${siteId}/${method === 'GET' ? 'moderation' : 'settings'}`, {
        method,
        headers: { origin, cookie: mine.cookie, 'x-parley-console': '1', ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
    // a page of an allowed origin reads with CORS, but never with the console's session; a change is refused outright
    expect((await from('https://shop.example')).status).toBe(401);
    expect((await from('https://evil.example', 'PATCH', { access: 'guests' })).status).toBe(403);
    expect((await from('https://shop.example', 'PATCH', { access: 'guests' })).status).toBe(403);
    expect(settingsOf((await parley.repositories.sites.findById(siteId))!).access).toBe('members');
  });

  it("yields to a chat session unless the console's pages ask for the console account", async () => {
    const siteId = await newSite();
    const member = await register(siteId);
    const owner = await signInToConsole(parley, siteId, 'owner');
    const login = await fetch(`${parley.url}/api/sites/${siteId}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: parley.url, 'sec-fetch-site': 'same-origin' },
      body: JSON.stringify({ username: member.username, password: member.password }),
    });
    // the last value of each cookie, as a browser keeps it
    const jar = new Map(login.headers.getSetCookie().map((line) => (line.split(';')[0] ?? '').split('=') as [string, string]));
    const chatCookies = [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
    const get = (headers: Record<string, string>) =>
      fetch(`${parley.url}/api/sites/${siteId}/moderation`, { headers: { cookie: `${chatCookies}; ${owner.cookie}`, 'sec-fetch-site': 'same-origin', ...headers } });
    expect((await get({})).status).toBe(403);
    expect((await get({ 'x-parley-console': '1' })).status).toBe(200);
    // a bearer token is a chat session by itself: the console's cookie beside it means nothing
    expect((await get({ authorization: `Bearer ${member.token}`, 'x-parley-console': '1' })).status).toBe(403);
  });

  it('acts as its linked chat user, so the log names one person for the widget and the console', async () => {
    const siteId = await newSite();
    const chatModerator = await register(siteId);
    await parley.repositories.users.setRole(siteId, chatModerator.username, 'moderator');
    const target = await register(siteId);
    const owner = await signInToConsole(parley, siteId, 'owner');

    const wrong = await owner.call('PUT', `/api/console/sites/${siteId}/chat-user`, { username: chatModerator.username, password: 'not the password' });
    expect(wrong).toMatchObject({ status: 401, body: { error: { code: 'unauthorized' } } });
    const linked = await owner.call('PUT', `/api/console/sites/${siteId}/chat-user`, { username: chatModerator.username, password: chatModerator.password });
    expect(linked).toMatchObject({ status: 200, body: { site: { chatUser: { id: chatModerator.id, displayName: chatModerator.displayName } } } });
    expect((await owner.call('GET', `/api/console/sites/${siteId}`)).body).toMatchObject({ site: { chatUser: { id: chatModerator.id } } });

    // the console owner's rank (owner) is the higher: the admin route works, in the chat user's name
    expect((await owner.call('PATCH', `/api/sites/${siteId}/settings`, { access: 'guests' })).status).toBe(200);
    expect((await owner.call('POST', `/api/sites/${siteId}/users/${target.id}/ban`, {})).status).toBe(204);
    const { body } = await owner.call<ModerationLogResponse>('GET', `/api/sites/${siteId}/moderation`);
    expect(body.actions.filter((entry) => entry.action === 'site.settings' || entry.action === 'user.ban').map((entry) => entry.actor)).toEqual([
      { id: chatModerator.id, displayName: chatModerator.displayName },
      { id: chatModerator.id, displayName: chatModerator.displayName },
    ]);

    expect((await owner.call('DELETE', `/api/console/sites/${siteId}/chat-user`)).status).toBe(204);
    expect((await owner.call('GET', `/api/console/sites/${siteId}`)).body).toMatchObject({ site: { chatUser: null } });
    expect((await owner.call('POST', `/api/sites/${siteId}/users/${chatModerator.id}/ban`, {})).status).toBe(204);
    expect(await logOf(siteId)).toContainEqual({ action: 'user.ban', actor: `console:${owner.accountId}` });
  });
});
