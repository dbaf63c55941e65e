import { createHmac } from 'node:crypto';
import { io } from 'socket.io-client';
import type { ErrorResponse, MeResponse, SessionResponse } from '../../../sdk/protocol';
import type { Parley } from '../../../server/main';
import { newAccount, startTestServer } from '../../helpers/server';

let parley: Parley;
beforeAll(async () => {
  parley = await startTestServer();
});
afterAll(() => parley.close());

async function call<T = unknown>(method: string, path: string, options: { body?: unknown; token?: string; raw?: string; site?: string } = {}) {
  const headers: Record<string, string> = {};
  if (options.body !== undefined || options.raw !== undefined) headers['content-type'] = 'application/json';
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const response = await fetch(`${parley.url}/api/sites/${options.site ?? 'demo'}/${path}`, {
    method,
    headers,
    body: options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T, headers: response.headers };
}

const register = (account: object) => call<SessionResponse>('POST', 'register', { body: account });

/** Resolves with the connect_error data, or 'connected'. */
function trySocket(auth: Record<string, unknown>): Promise<unknown> {
  return new Promise((resolve) => {
    const socket = io(parley.url, { auth, transports: ['websocket'], reconnection: false });
    socket.on('connect', () => {
      socket.disconnect();
      resolve('connected');
    });
    socket.on('connect_error', (err) => {
      socket.disconnect();
      resolve((err as Error & { data?: unknown }).data);
    });
  });
}

describe('POST /api/sites/:siteId/register', () => {
  it('creates the account, signs in and returns a bearer token', async () => {
    const account = newAccount();
    const { status, body } = await register(account);
    expect(status).toBe(201);
    expect(body.user).toEqual({ id: expect.any(String), username: account.username, displayName: account.displayName, role: 'member' });
    expect(body.token).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    const me = await call<MeResponse>('GET', 'me', { token: body.token });
    expect(me.status).toBe(200);
    expect(me.body.user).toEqual(body.user);
  });

  it('answers 409 naming the username when it is taken, compared case-insensitively', async () => {
    const account = newAccount();
    await register(account);
    const { status, body } = await register({ ...newAccount(), username: account.username.toUpperCase() });
    expect(status).toBe(409);
    expect((body as unknown as ErrorResponse).error).toEqual({ code: 'conflict', message: 'username is taken', field: 'username' });
  });

  it('answers 409 naming the display name when it is taken, after NFC normalisation', async () => {
    const first = { ...newAccount(), displayName: `Zoe\u0301 ${Date.now()}` }; // decomposed é
    await register(first);
    const clash = { ...newAccount(), displayName: first.displayName.normalize('NFC').toUpperCase() };
    const { status, body } = await register(clash);
    expect(status).toBe(409);
    expect((body as unknown as ErrorResponse).error).toMatchObject({ code: 'conflict', field: 'displayName', message: 'display name is taken' });
  });

  it('answers 409 to one of two registrations racing for the same username', async () => {
    const account = newAccount();
    const results = await Promise.all([register(account), register({ ...account, displayName: `${account.displayName} 2` })]);
    expect(results.map((r) => r.status).sort()).toEqual([201, 409]);
  });

  it.each([
    [{}, 'username'],
    [{ username: 'ok-name', displayName: 'Fine', password: 'short' }, 'password'],
    [{ username: 'a b', displayName: 'Fine', password: 'long enough pw' }, 'username'],
    [{ username: 'ab', displayName: 'Fine', password: 'long enough pw' }, 'username'],
    [{ username: 'ädä', displayName: 'Fine', password: 'long enough pw' }, 'username'],
    [{ username: 'okname4', displayName: 'Fine', password: 'x'.repeat(257) }, 'password'],
    [{ username: 'okname5', displayName: 'evil\u202Egnp.exe', password: 'long enough pw' }, 'displayName'],
    [{ username: 'okname6', displayName: 'Fine', password: 'long enough pw', role: 'admin' }, 'role'],
    [{ username: 'okname2', displayName: '   ', password: 'long enough pw' }, 'displayName'],
    [{ username: 'okname3', displayName: 'bell\u0007', password: 'long enough pw' }, 'displayName'],
    [{ username: { $gt: '' }, displayName: 'Fine', password: 'long enough pw' }, 'username'],
  ])('refuses %j with invalid_input on %s and stores nothing', async (input, field) => {
    const { status, body } = await register(input);
    expect(status).toBe(400);
    expect((body as unknown as ErrorResponse).error).toMatchObject({ code: 'invalid_input', field });
  });

  it('answers malformed JSON with invalid_input', async () => {
    const { status, body } = await call<ErrorResponse>('POST', 'register', { raw: '{"username":' });
    expect(status).toBe(400);
    expect(body.error.code).toBe('invalid_input');
  });

  it('answers a body with a false Content-Encoding with invalid_input, not a server error', async () => {
    const response = await fetch(`${parley.url}/api/sites/demo/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: 'not gzip at all',
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: { code: 'invalid_input', message: 'request body could not be decompressed' } });
  });

  it.each(['PUT', 'DELETE', 'PATCH', 'OPTIONS'])('answers %s with the JSON error shape', async (method) => {
    const response = await fetch(`${parley.url}/api/sites/demo/register`, { method });
    expect(response.status).toBe(404);
    expect(((await response.json()) as ErrorResponse).error.code).toBe('not_found');
  });

  it('answers an unknown site with 404 not_found', async () => {
    const { status, body } = await call<ErrorResponse>('POST', 'register', { body: newAccount(), site: 'no-such-site' });
    expect(status).toBe(404);
    expect(body.error).toEqual({ code: 'not_found', message: 'site not found' });
  });
});

describe('POST /api/sites/:siteId/login', () => {
  it('signs in with the right password, whatever the username case, with a new token', async () => {
    const account = newAccount();
    const registered = await register(account);
    const { status, body } = await call<SessionResponse>('POST', 'login', {
      body: { username: account.username.toUpperCase(), password: account.password },
    });
    expect(status).toBe(200);
    expect(body.user.id).toBe(registered.body.user.id);
    expect(body.token).not.toBe(registered.body.token);
  });

  it('answers a wrong password and an unknown user alike with 401', async () => {
    const account = newAccount();
    await register(account);
    const wrong = await call<ErrorResponse>('POST', 'login', { body: { username: account.username, password: 'not the password' } });
    const unknown = await call<ErrorResponse>('POST', 'login', { body: { username: 'nobody-here', password: 'whatever1' } });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body).toEqual(unknown.body);
    expect(wrong.body.error).toEqual({ code: 'unauthorized', message: 'wrong username or password' });
  });

  it('sets a signed, httpOnly, SameSite=Lax cookie for first-party pages', async () => {
    const account = newAccount();
    await register(account);
    const { headers } = await call('POST', 'login', { body: { username: account.username, password: account.password } });
    const cookies = headers.getSetCookie().join('\n');
    expect(cookies).toMatch(/parley\.sid=[^;]+;.*httponly/i);
    expect(cookies).toMatch(/parley\.sid=[^;]+;.*samesite=lax/i);
    expect(cookies).toMatch(/parley\.sid\.sig=/);
  });
});

describe('the widget session cookie', () => {
  const sameOrigin = { 'sec-fetch-site': 'same-origin' };

  async function widgetLogin() {
    const account = newAccount('widget');
    await register(account);
    const response = await fetch(`${parley.url}/api/sites/demo/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...sameOrigin },
      body: JSON.stringify({ username: account.username, password: account.password }),
    });
    const cookie = response.headers.getSetCookie().find((c) => c.startsWith('parley.wsid='));
    return { cookie, value: cookie?.split(';')[0] ?? '' };
  }

  it('is set for the same-origin widget app: httpOnly, Secure, SameSite=None, Partitioned', async () => {
    const { cookie } = await widgetLogin();
    expect(cookie).toBeDefined();
    expect(cookie).toMatch(/; HttpOnly/i);
    expect(cookie).toMatch(/; Secure/i);
    expect(cookie).toMatch(/; SameSite=None/i);
    expect(cookie).toMatch(/; Partitioned/i);
  });

  it('signs in same-origin requests and sockets, and nothing a host page could send cross-site', async () => {
    const { value } = await widgetLogin();
    const me = (headers: Record<string, string>) => fetch(`${parley.url}/api/sites/demo/me`, { headers: { cookie: value, ...headers } });
    expect((await me(sameOrigin)).status).toBe(200);
    expect((await me({ 'sec-fetch-site': 'cross-site' })).status).toBe(401);
    expect((await me({})).status).toBe(401);

    const socketWith = (headers: Record<string, string>) =>
      new Promise((resolve) => {
        const socket = io(parley.url, { auth: { site: 'demo' }, transports: ['websocket'], reconnection: false, extraHeaders: { cookie: value, ...headers } });
        socket.on('connect', () => (socket.disconnect(), resolve('connected')));
        socket.on('connect_error', (err) => (socket.disconnect(), resolve((err as Error & { data?: { code: string } }).data?.code)));
      });
    expect(await socketWith(sameOrigin)).toBe('connected');
    expect(await socketWith({ 'sec-fetch-site': 'cross-site' })).toBe('unauthorized');
  });

  it('is deleted on logout', async () => {
    const { value } = await widgetLogin();
    const response = await fetch(`${parley.url}/api/sites/demo/logout`, { method: 'POST', headers: { cookie: value, ...sameOrigin } });
    expect(response.status).toBe(204);
    expect(response.headers.getSetCookie().find((c) => c.startsWith('parley.wsid='))).toMatch(/Max-Age=0.*Partitioned|Partitioned.*Max-Age=0/i);
    const me = await fetch(`${parley.url}/api/sites/demo/me`, { headers: { cookie: value, ...sameOrigin } });
    expect(me.status).toBe(401);
  });
});

describe('sessions', () => {
  it('ends on logout: the token no longer works over HTTP nor for a new socket, and open sockets close', async () => {
    const { body } = await register(newAccount());
    expect(await trySocket({ site: 'demo', token: body.token })).toBe('connected');

    const open = io(parley.url, { auth: { site: 'demo', token: body.token }, transports: ['websocket'], reconnection: false });
    await new Promise((resolve) => open.on('connect', () => resolve(undefined)));
    const ended = new Promise((resolve) => open.on('session:ended', () => resolve('told')));
    const closed = new Promise((resolve) => open.on('disconnect', resolve));

    expect((await call('POST', 'logout', { token: body.token })).status).toBe(204);
    expect(await ended).toBe('told');
    expect(await closed).toBe('io server disconnect');
    expect((await call('GET', 'me', { token: body.token })).status).toBe(401);
    expect(await trySocket({ site: 'demo', token: body.token })).toEqual({ code: 'unauthorized', message: expect.any(String) });
  });

  it('refuses a socket without a session, or with a forged one, as unauthorized', async () => {
    expect(await trySocket({ site: 'demo' })).toEqual({ code: 'unauthorized', message: 'sign in first' });
    expect(await trySocket({ site: 'demo', token: 'x'.repeat(43) })).toMatchObject({ code: 'unauthorized' });
  });

  it('does not carry a session to another site', async () => {
    await parley.repositories.sites.create({ id: 'other', name: 'Other', allowedOrigins: [] });
    const { body } = await register(newAccount());
    expect((await call('GET', 'me', { token: body.token, site: 'other' })).status).toBe(401);
    expect(await trySocket({ site: 'other', token: body.token })).toMatchObject({ code: 'unauthorized' });
  });
});

describe('POST /api/sites/:siteId/identify', () => {
  const sign = (secret: string, userId: string) => createHmac('sha256', secret).update(userId).digest('hex');
  const secretOf = async (siteId: string) => (await parley.repositories.sites.findById(siteId))!.identitySecret;

  it('signs in the site user named by a valid HMAC, creating them once and renaming them later', async () => {
    const hash = sign(await secretOf('demo'), 'crm-42');
    const first = await call<SessionResponse>('POST', 'identify', { body: { userId: 'crm-42', displayName: 'Grace H.', hash } });
    expect(first.status).toBe(200);
    expect(first.body.user).toMatchObject({ username: 'crm-42', displayName: 'Grace H.' });
    expect((await call('GET', 'me', { token: first.body.token })).status).toBe(200);

    const again = await call<SessionResponse>('POST', 'identify', { body: { userId: 'crm-42', displayName: 'Grace Hopper', hash } });
    expect(again.body.user).toEqual({ ...first.body.user, displayName: 'Grace Hopper' });
  });

  it('refuses a wrong hash, a hash for another user id, or an uppercase-tampered one, and creates nobody', async () => {
    const secret = await secretOf('demo');
    for (const hash of ['0'.repeat(64), sign(secret, 'crm-other'), sign('not the secret', 'crm-7')]) {
      const { status, body } = await call<ErrorResponse>('POST', 'identify', { body: { userId: 'crm-7', displayName: 'Mallory', hash } });
      expect(status).toBe(401);
      expect(body.error).toEqual({ code: 'unauthorized', message: 'identity verification failed' });
    }
    expect(await parley.repositories.users.findByUsername('demo', 'crm-7')).toBeNull();
  });

  it('stops accepting old hashes once the secret is rotated', async () => {
    await parley.repositories.sites.create({ id: 'rotating', name: 'Rotating', allowedOrigins: [] });
    const oldHash = sign(await secretOf('rotating'), 'u1');
    const body = { userId: 'u1', displayName: 'Rotator', hash: oldHash };
    expect((await call('POST', 'identify', { body, site: 'rotating' })).status).toBe(200);
    await parley.repositories.sites.rotateSecret('rotating');
    expect((await call('POST', 'identify', { body, site: 'rotating' })).status).toBe(401);
  });

  it('gives an identified user whose name is taken a distinct display name', async () => {
    const account = newAccount('named');
    await register(account);
    const hash = sign(await secretOf('demo'), 'crm-99');
    const { body } = await call<SessionResponse>('POST', 'identify', { body: { userId: 'crm-99', displayName: account.displayName, hash } });
    expect(body.user.displayName).toMatch(new RegExp(`^${account.displayName} #[0-9a-f]{4}$`));
  });

  it('cannot be reached with a password login', async () => {
    const hash = sign(await secretOf('demo'), 'crm-pw');
    await call('POST', 'identify', { body: { userId: 'crm-pw', displayName: 'No Password', hash } });
    const login = await call('POST', 'login', { body: { username: 'external:crm-pw', password: 'anything goes' } });
    expect(login.status).toBe(401);
  });
});
