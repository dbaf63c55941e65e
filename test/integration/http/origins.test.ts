import { io } from 'socket.io-client';
import type { SessionResponse } from '../../../sdk/protocol';
import type { Parley } from '../../../server/main';
import { newAccount, startTestServer } from '../../helpers/server';

// A site's allowedOrigins decide which other websites may use its chat from a browser.
let parley: Parley;
let token: string;
const allowed = 'https://shop.example';
const stranger = 'https://evil.example';

beforeAll(async () => {
  parley = await startTestServer();
  await parley.repositories.sites.create({ id: 'shop', name: 'Shop', allowedOrigins: [allowed] });
  await parley.repositories.rooms.ensure('shop', 'general', 'General');
  const response = await fetch(`${parley.url}/api/sites/shop/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(newAccount('origin')),
  });
  token = ((await response.json()) as Required<SessionResponse>).token;
});
afterAll(() => parley.close());

const me = (headers: Record<string, string>) =>
  fetch(`${parley.url}/api/sites/shop/me`, { headers: { authorization: `Bearer ${token}`, ...headers } });

describe('CORS on /api/sites/:siteId', () => {
  it('answers an allowed origin with its own CORS header and no credentials', async () => {
    const response = await me({ origin: allowed });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe(allowed);
    expect(response.headers.get('access-control-allow-credentials')).toBeNull();
    expect(response.headers.get('vary')).toMatch(/origin/i);
  });

  it('answers a preflight from an allowed origin with the methods and headers the API uses', async () => {
    const response = await fetch(`${parley.url}/api/sites/shop/login`, {
      method: 'OPTIONS',
      headers: { origin: allowed, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(allowed);
    expect(response.headers.get('access-control-allow-methods')).toBe('GET,POST,PUT,PATCH,DELETE');
    expect(response.headers.get('access-control-allow-headers')).toBe('authorization,content-type');
  });

  it('refuses another website with 403 forbidden and no CORS header, even with a valid token', async () => {
    const response = await me({ origin: stranger });
    expect(response.status).toBe(403);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    expect(await response.json()).toEqual({ error: { code: 'forbidden', message: `${stranger} may not use the chat of site shop` } });
  });

  it('refuses a look-alike origin (prefix, other scheme, other port)', async () => {
    for (const origin of ['https://shop.example.evil.example', 'http://shop.example', 'https://shop.example:8443', 'null']) {
      expect((await me({ origin })).status).toBe(403);
    }
  });

  it('lets Node clients (no Origin) and our own pages through', async () => {
    expect((await me({})).status).toBe(200);
    expect((await me({ origin: parley.url })).status).toBe(200);
  });
});

describe('a site that allows no other origin', () => {
  // created with an empty list, which the embedded database stores as no list at all
  let closedToken: string;
  beforeAll(async () => {
    await parley.repositories.sites.create({ id: 'closed', name: 'Closed', allowedOrigins: [] });
    const response = await fetch(`${parley.url}/api/sites/closed/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(newAccount('closed')),
    });
    closedToken = ((await response.json()) as Required<SessionResponse>).token;
  });

  it('refuses every other website with 403 forbidden, over HTTP and in the handshake', async () => {
    const response = await fetch(`${parley.url}/api/sites/closed/me`, { headers: { authorization: `Bearer ${closedToken}`, origin: stranger } });
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({ error: { code: 'forbidden', message: `${stranger} may not use the chat of site closed` } });
    const refused = await new Promise((resolve) => {
      const socket = io(parley.url, { auth: { site: 'closed', token: closedToken }, transports: ['websocket'], reconnection: false, extraHeaders: { origin: stranger } });
      socket.on('connect', () => (socket.disconnect(), resolve('connected')));
      socket.on('connect_error', (err) => (socket.disconnect(), resolve((err as Error & { data?: unknown }).data)));
    });
    expect(refused).toEqual({ code: 'forbidden', message: `${stranger} may not use the chat of site closed` });
  });
});

describe('cookie-carried requests (CSRF)', () => {
  const post = (path: string, headers: Record<string, string>) =>
    fetch(`${parley.url}/api/sites/shop/${path}`, { method: 'POST', headers: { cookie: 'parley.sid=planted', ...headers } });

  it('refuses a state change carried by a cookie from an allowed origin, a foreign referer, or no origin at all', async () => {
    const attempts: Array<Record<string, string>> = [{ origin: allowed }, { referer: `${stranger}/page` }, {}];
    for (const headers of attempts) {
      const response = await post('logout', headers);
      expect(response.status).toBe(403);
      expect(await response.json()).toEqual({ error: { code: 'forbidden', message: 'cross-site request refused; send the session as a bearer token' } });
    }
  });

  it('accepts it from our own pages, and exempts bearer-token requests', async () => {
    expect((await post('logout', { origin: parley.url })).status).toBe(204);
    expect((await post('logout', { 'sec-fetch-site': 'same-origin' })).status).toBe(204);
    expect((await post('logout', { origin: allowed, authorization: `Bearer ${'x'.repeat(43)}` })).status).toBe(204);
  });
});

describe('frame-ancestors on the widget app page', () => {
  it('names the site allowed origins', async () => {
    const response = await fetch(`${parley.url}/widget/app?site=shop`);
    expect(response.headers.get('content-security-policy')).toMatch(new RegExp(`frame-ancestors 'self' ${allowed}$`));
  });

  it("lets nobody else frame an unknown site's app", async () => {
    const response = await fetch(`${parley.url}/widget/app?site=nope`);
    expect(response.headers.get('content-security-policy')).toMatch(/frame-ancestors 'self'$/);
  });
});

describe('the Socket.IO handshake', () => {
  const connect = (origin?: string) =>
    new Promise((resolve) => {
      const socket = io(parley.url, {
        auth: { site: 'shop', token },
        transports: ['websocket'],
        reconnection: false,
        extraHeaders: origin ? { origin } : {},
      });
      socket.on('connect', () => (socket.disconnect(), resolve('connected')));
      socket.on('connect_error', (err) => (socket.disconnect(), resolve((err as Error & { data?: unknown }).data)));
    });

  it('accepts an allowed origin and Node clients', async () => {
    expect(await connect(allowed)).toBe('connected');
    expect(await connect()).toBe('connected');
  });

  it('refuses another website as forbidden', async () => {
    expect(await connect(stranger)).toEqual({ code: 'forbidden', message: `${stranger} may not use the chat of site shop` });
  });

  it('answers long-polling from an allowed origin with CORS, and from another website without', async () => {
    const poll = (origin: string) => fetch(`${parley.url}/socket.io/?EIO=4&transport=polling`, { headers: { origin } });
    expect((await poll(allowed)).headers.get('access-control-allow-origin')).toBe(allowed);
    expect((await poll(stranger)).headers.get('access-control-allow-origin')).toBeNull();
  });
});
