import { get } from 'node:http';
import type { Parley } from '../../../server/main';
import { newAccount, startTestServer } from '../../helpers/server';

// What reaches a handler, and who the server thinks is asking: paths as written (no case folding past the
// guards), the client address behind trusted proxies, and no open demo site in production.
const servers: Parley[] = [];
afterAll(async () => {
  for (const server of servers.splice(0)) await server.close();
});

async function server(env: Record<string, string> = {}) {
  const parley = await startTestServer(env);
  servers.push(parley);
  return parley;
}

const json = { 'content-type': 'application/json' };

describe('paths', () => {
  let parley: Parley;
  let token: string;
  beforeAll(async () => {
    parley = await server();
    const registered = await fetch(`${parley.url}/api/sites/demo/register`, { method: 'POST', headers: json, body: JSON.stringify(newAccount('paths')) });
    ({ token } = (await registered.json()) as { token: string });
  });

  it.each(['/API/sites/demo/me', '/api/SITES/demo/me', '/api/sites/demo/ME', '/Api/sites/demo/rooms', '/api/sites/demo/Rooms', '/HEALTHZ', '/OPENAPI.JSON', '/Widget.js'])(
    'answers GET %s with a JSON 404, signed in or not',
    async (path) => {
      for (const headers of [{}, { authorization: `Bearer ${token}` }] as Array<Record<string, string>>) {
        const response = await fetch(`${parley.url}${path}`, { headers });
        expect(response.status).toBe(404);
        expect(await response.json()).toEqual({ error: { code: 'not_found', message: expect.any(String) } });
      }
    },
  );

  it('refuses a cross-origin POST to a case-changed path, and ends no session', async () => {
    const cookie = `parley.wsid=${token}`;
    for (const path of ['/API/sites/demo/logout', '/api/sites/demo/LOGOUT']) {
      const response = await fetch(`${parley.url}${path}`, { method: 'POST', headers: { ...json, origin: 'https://evil.example', cookie } });
      // 404 where no route matches; 403 where the site scope's origin check answers first
      expect([403, 404]).toContain(response.status);
    }
    expect((await fetch(`${parley.url}/api/sites/demo/me`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
  });
});

describe('the client address behind proxies', () => {
  const register = (parley: Parley, forwardedFor: string) =>
    fetch(`${parley.url}/api/sites/demo/register`, { method: 'POST', headers: { ...json, 'x-forwarded-for': forwardedFor }, body: JSON.stringify(newAccount('proxied')) });

  it('TRUST_PROXY=true: the entry the proxy appended counts, not one the client wrote', async () => {
    const parley = await server({ TRUST_PROXY: 'true', RATE_LIMIT_REGISTRATIONS_PER_IP: '2/3600' });
    // the client writes any leftmost entry it likes; the one proxy appends the address it saw
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await register(parley, `10.0.0.${i}, 198.51.100.7`)).status);
    expect(statuses).toEqual([201, 201, 429, 429]);
    // another client behind the same proxy has its own count
    expect((await register(parley, '10.0.0.9, 198.51.100.8')).status).toBe(201);
  });

  it('TRUST_PROXY_HOPS=2: the entry two from the right counts', async () => {
    const parley = await server({ TRUST_PROXY_HOPS: '2', RATE_LIMIT_REGISTRATIONS_PER_IP: '2/3600' });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await register(parley, `10.0.0.${i}, 198.51.100.7, 192.0.2.1`)).status);
    expect(statuses).toEqual([201, 201, 429]);
    expect((await register(parley, '10.0.0.1, 198.51.100.8, 192.0.2.1')).status).toBe(201);
  });
});

describe('the demo site', () => {
  const sessionKeys = 'k'.repeat(40);

  it('is not created in production', async () => {
    const parley = await server({ NODE_ENV: 'production', SESSION_KEYS: sessionKeys });
    expect(await parley.repositories.sites.findById('demo')).toBeNull();
    const response = await fetch(`${parley.url}/api/sites/demo/register`, { method: 'POST', headers: json, body: JSON.stringify(newAccount('prod')) });
    expect(response.status).toBe(404);
  });

  it('is created in production with DEMO_SITE=true', async () => {
    const parley = await server({ NODE_ENV: 'production', SESSION_KEYS: sessionKeys, DEMO_SITE: 'true' });
    const response = await fetch(`${parley.url}/api/sites/demo/register`, { method: 'POST', headers: json, body: JSON.stringify(newAccount('prod')) });
    expect(response.status).toBe(201);
  });
});

describe('connections', () => {
  it('keeps an idle keep-alive connection open for 65 s: longer than load balancers (60 s) and clients reuse one', async () => {
    const parley = await server();
    const keepAlive = await new Promise<string | undefined>((resolve, reject) => {
      get(`${parley.url}/healthz`, { headers: { connection: 'keep-alive' } }, (response) => {
        response.resume();
        resolve(String(response.headers['keep-alive']));
      }).on('error', reject);
    });
    expect(keepAlive).toBe('timeout=65');
  });
});
