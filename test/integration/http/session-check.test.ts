import { createChatClient, type TokenStorage } from '../../../sdk';
import type { SessionCheckResponse, SessionResponse } from '../../../sdk/protocol';
import type { Parley } from '../../../server/main';
import { newAccount, startTestServer } from '../../helpers/server';

// The check restore() makes on every page view: a signed-out visitor must get an answer, not an error the browser logs.
let parley: Parley;
beforeAll(async () => {
  parley = await startTestServer();
  await parley.repositories.sites.create({ id: 'other', name: 'Other', allowedOrigins: [] });
});
afterAll(() => parley.close());

const sameOrigin = { 'sec-fetch-site': 'same-origin' };

async function check(headers: Record<string, string> = {}, site = 'demo', server = parley) {
  const response = await fetch(`${server.url}/api/sites/${site}/session`, { headers });
  return { status: response.status, body: (await response.json()) as SessionCheckResponse, setCookie: response.headers.getSetCookie() };
}

async function register(server = parley, headers: Record<string, string> = {}) {
  const response = await fetch(`${server.url}/api/sites/demo/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(newAccount('check')),
  });
  const body = (await response.json()) as SessionResponse;
  const widgetCookie = response.headers.getSetCookie().find((cookie) => cookie.startsWith('parley.wsid='));
  return { user: body.user, token: body.token, cookie: widgetCookie?.split(';')[0] ?? '' };
}

const bearer = (token: string | undefined) => ({ authorization: `Bearer ${token}` });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('GET /api/sites/:siteId/session', () => {
  it('answers the signed-in user, by bearer token and by the widget cookie', async () => {
    const byToken = await register();
    expect(await check(bearer(byToken.token))).toMatchObject({ status: 200, body: { user: byToken.user } });

    const byCookie = await register(parley, sameOrigin);
    expect(byCookie.cookie).not.toBe('');
    expect(await check({ cookie: byCookie.cookie, ...sameOrigin })).toMatchObject({ status: 200, body: { user: byCookie.user } });
  });

  it('answers 200 with null and creates no session when there is none', async () => {
    const { status, body, setCookie } = await check();
    expect(status).toBe(200);
    expect(body).toEqual({ user: null });
    expect(setCookie).toEqual([]);
    // nor for the widget app, which cannot tell whether its httpOnly cookie exists
    expect(await check(sameOrigin)).toEqual({ status: 200, body: { user: null }, setCookie: [] });
  });

  it('answers 200 with null for a session that ended, and does not revive it', async () => {
    const { token, cookie } = await register(parley, sameOrigin);
    const signedOut = await register();
    await fetch(`${parley.url}/api/sites/demo/logout`, { method: 'POST', headers: { cookie, ...sameOrigin } });
    await fetch(`${parley.url}/api/sites/demo/logout`, { method: 'POST', headers: bearer(signedOut.token) });
    expect(token).toBeUndefined(); // the widget app's session is in its cookie only
    expect(await check({ cookie, ...sameOrigin })).toEqual({ status: 200, body: { user: null }, setCookie: [] });
    expect(await check(bearer(signedOut.token))).toEqual({ status: 200, body: { user: null }, setCookie: [] });
  });

  it('answers 200 with null for a session that expired', async () => {
    // 0.00003 days is 2.6 s of idleness
    const shortLived = await startTestServer({ SESSION_IDLE_DAYS: '0.00003' });
    try {
      const { token } = await register(shortLived);
      expect((await check(bearer(token), 'demo', shortLived)).body.user).not.toBeNull();
      await sleep(3_500);
      expect(await check(bearer(token), 'demo', shortLived)).toEqual({ status: 200, body: { user: null }, setCookie: [] });
    } finally {
      await shortLived.close();
    }
  });

  it("answers 200 with null for another site's session", async () => {
    const { token } = await register();
    const { status, body } = await check(bearer(token), 'other');
    expect(status).toBe(200);
    expect(body).toEqual({ user: null });
    // …which is still good on its own site
    expect((await check(bearer(token))).body.user).not.toBeNull();
  });

  it('answers 200 with null for a banned user', async () => {
    const { token, user } = await register();
    await parley.repositories.users.setBanned('demo', user.id, true);
    expect(await check(bearer(token))).toMatchObject({ status: 200, body: { user: null } });
  });

  it('answers 404 for a site that does not exist, like every route of a site', async () => {
    const response = await fetch(`${parley.url}/api/sites/no-such-site/session`);
    expect(response.status).toBe(404);
  });
});

describe('chat.restore() over the session check', () => {
  const stored = (token: string | null): TokenStorage & { token: string | null } => ({
    token,
    get() {
      return this.token;
    },
    set(value) {
      this.token = value;
    },
  });

  it('signs in again with a stored token that is still good', async () => {
    const { token, user } = await register();
    const chat = createChatClient({ baseUrl: parley.url, site: 'demo', storage: stored(token!) });
    try {
      expect(await chat.restore()).toEqual(user);
      expect(chat.user).toEqual(user);
    } finally {
      chat.close();
    }
  });

  it('resolves with null and forgets a stored token that ended', async () => {
    const { token } = await register();
    await fetch(`${parley.url}/api/sites/demo/logout`, { method: 'POST', headers: bearer(token) });
    const storage = stored(token!);
    const chat = createChatClient({ baseUrl: parley.url, site: 'demo', storage });
    try {
      expect(await chat.restore()).toBeNull();
      expect(storage.token).toBeNull();
      expect(chat.user).toBeNull();
    } finally {
      chat.close();
    }
  });
});
