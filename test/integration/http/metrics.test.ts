import os from 'node:os';
import type { Socket } from 'socket.io-client';
import type { Ack, ErrorResponse, SendResult } from '../../../sdk/protocol';
import { ConfigError, loadConfig } from '../../../server/config';
import type { Parley } from '../../../server/main';
import { connectAs, waitUntil } from '../../helpers/chat';
import { newAccount, startTestServer } from '../../helpers/server';

const TOKEN = 'metrics-token-for-tests-0123456789';

// no METRICS_TOKEN: loopback clients only; small limits, so a test can run into them
let open: Parley;
// METRICS_TOKEN set
let guarded: Parley;
const sockets: Socket[] = [];
beforeAll(async () => {
  [open, guarded] = await Promise.all([
    startTestServer({
      RATE_LIMIT_LOGIN_FAILURES_PER_USER: '3/900',
      // four messages (three plus a burst of one), then rate_limited
      RATE_LIMIT_MESSAGES_PER_USER: '3/600',
      RATE_LIMIT_MESSAGE_BURST_PER_USER: '1/600',
    }),
    startTestServer({ METRICS_TOKEN: TOKEN }),
  ]);
});
afterAll(async () => {
  for (const socket of sockets.splice(0)) socket.disconnect();
  await Promise.all([open?.close(), guarded?.close()]);
});

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of Prometheus' text exposition format (comments skipped). */
function parseExposition(text: string): Sample[] {
  return text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const match = /^([A-Za-z_:][A-Za-z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!match) throw new Error(`not a sample line: ${line}`);
      const labels = Object.fromEntries([...(match[2] ?? '').matchAll(/([A-Za-z_]\w*)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
      return { name: match[1]!, labels, value: Number(match[3] === '+Inf' ? Infinity : match[3]) };
    });
}

async function scrape(parley: Parley = open): Promise<Sample[]> {
  const response = await fetch(`${parley.url}/metrics`);
  expect(response.status).toBe(200);
  return parseExposition(await response.text());
}

/** The value of the sample with exactly these labels; 0 when there is none yet. */
function valueOf(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels);
  const sample = samples.find(
    (s) => s.name === name && Object.keys(s.labels).length === wanted.length && wanted.every(([key, value]) => s.labels[key] === value),
  );
  return sample?.value ?? 0;
}

const post = (parley: Parley, path: string, body: object) =>
  fetch(`${parley.url}/api/sites/demo/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('GET /metrics', () => {
  it('counts failed logins, the rate-limit refusals, the stored messages, the send latency and the connected sockets', async () => {
    const before = await scrape();
    const login = (status: number) => ({ method: 'POST', route: '/api/sites/:siteId/login', status: String(status) });

    const account = newAccount('metrics');
    expect((await post(open, 'register', account)).status).toBe(201);
    for (let i = 0; i < 3; i++) expect((await post(open, 'login', { username: account.username, password: `wrong ${i}!` })).status).toBe(401);
    expect((await post(open, 'login', { username: account.username, password: account.password })).status).toBe(429);
    expect((await post(open, 'login', { username: account.username, password: account.password })).status).toBe(429);

    const sender = newAccount('sender');
    expect((await post(open, 'register', sender)).status).toBe(201);
    const socket = await connectAs(open.url, sender);
    sockets.push(socket);
    await socket.timeout(5_000).emitWithAck('room:join', { roomId: 'general' });
    const clientMsgIds = Array.from({ length: 5 }, (_, i) => `metered-${i}-${Date.now()}`);
    const send = (i: number, retry = false): Promise<Ack<SendResult>> =>
      socket.timeout(5_000).emitWithAck('message:send', { roomId: 'general', text: `metered ${i}`, clientMsgId: clientMsgIds[i]!, ...(retry ? { retry } : {}) });
    const codes: string[] = [];
    for (let i = 0; i < 5; i++) {
      const ack = await send(i);
      codes.push('error' in ack ? ack.error.code : 'ok');
    }
    expect(codes).toEqual(['ok', 'ok', 'ok', 'ok', 'rate_limited']);
    // a retry of a stored message is acked (and timed) but stores nothing
    expect(await send(0, true)).toMatchObject({ ok: true, message: { text: 'metered 0' } });

    const after = await scrape();
    const delta = (name: string, labels: Record<string, string> = {}) => valueOf(after, name, labels) - valueOf(before, name, labels);

    expect(delta('parley_http_requests_total', { method: 'POST', route: '/api/sites/:siteId/register', status: '201' })).toBe(2);
    expect(delta('parley_http_requests_total', login(401))).toBe(3);
    expect(delta('parley_http_requests_total', login(429))).toBe(2);
    // connectAs signed in once more, with the right password
    expect(delta('parley_http_requests_total', login(200))).toBe(1);
    expect(delta('parley_rate_limited_total', { limit: 'login' })).toBe(2);
    expect(delta('parley_rate_limited_total', { limit: 'messages' })).toBe(1);
    expect(delta('parley_rate_limited_total', { limit: 'registration' })).toBe(0);
    expect(delta('parley_messages_stored_total')).toBe(4);
    // four stored sends and the retry; the refused one is not timed
    expect(delta('parley_send_duration_seconds_count')).toBe(5);
    expect(delta('parley_send_duration_seconds_bucket', { le: '+Inf' })).toBe(5);
    expect(delta('parley_send_duration_seconds_sum')).toBeGreaterThan(0);
    expect(delta('parley_send_duration_seconds_sum')).toBeLessThan(5 * 2.5);
    expect(valueOf(after, 'parley_sockets_connected')).toBe(1);

    socket.disconnect();
    await waitUntil(() => open.hub.io.of('/').sockets.size === 0);
    expect(valueOf(await scrape(), 'parley_sockets_connected')).toBe(0);
  });

  it('labels requests by route pattern, never by raw path, and serves the process metrics too', async () => {
    expect((await fetch(`${open.url}/no/such/path/${'x'.repeat(50)}`)).status).toBe(404);
    expect((await fetch(`${open.url}/api/sites/no-such-site/me`)).status).toBe(404);
    expect((await fetch(`${open.url}/healthz?probe=1`)).status).toBe(200);
    const samples = await scrape();

    const routes = new Set(samples.filter((s) => s.name === 'parley_http_requests_total').map((s) => s.labels.route));
    expect(routes).toContain('unmatched');
    expect(routes).toContain('/healthz');
    for (const route of routes) expect(route).toMatch(/^(unmatched|\/[a-z/.:A-Za-z]*)$/);
    expect([...routes].join(' ')).not.toMatch(/demo|no-such|xxxx/);
    expect(valueOf(samples, 'parley_http_requests_total', { method: 'GET', route: 'unmatched', status: '404' })).toBe(2);

    const names = new Set(samples.map((s) => s.name));
    for (const name of ['process_cpu_user_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_heap_size_used_bytes']) {
      expect(names).toContain(name);
    }
  });

  it('answers clients on this machine without a token, and refuses a request that came through a proxy', async () => {
    const proxied = await fetch(`${open.url}/metrics`, { headers: { 'x-forwarded-for': '127.0.0.1' } });
    expect(proxied.status).toBe(403);
    expect(((await proxied.json()) as ErrorResponse).error).toMatchObject({ code: 'forbidden', message: expect.stringMatching(/METRICS_TOKEN/) });
  });

  const external = Object.values(os.networkInterfaces())
    .flat()
    .find((address) => address?.family === 'IPv4' && !address.internal);
  (external ? it : it.skip)('refuses clients on other machines without a token (403)', async () => {
    const everywhere = await startTestServer({ HOST: '0.0.0.0' });
    try {
      const response = await fetch(`http://${external!.address}:${everywhere.port}/metrics`);
      expect(response.status).toBe(403);
      expect(((await response.json()) as ErrorResponse).error.code).toBe('forbidden');
      expect((await fetch(`${everywhere.url}/metrics`)).status).toBe(200);
    } finally {
      await everywhere.close();
    }
  });

  it('with METRICS_TOKEN, answers 401 without the token or with a wrong one, and 200 with it', async () => {
    const url = `${guarded.url}/metrics`;
    const missing = await fetch(url);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer realm="metrics"');
    expect(((await missing.json()) as ErrorResponse).error.code).toBe('unauthorized');

    for (const authorization of [`Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(0, -1)}`, 'Bearer x', `Basic ${TOKEN}`, TOKEN]) {
      const wrong = await fetch(url, { headers: { authorization } });
      expect([authorization, wrong.status]).toEqual([authorization, 401]);
    }

    const allowed = await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(allowed.headers.get('cache-control')).toBe('no-store');
    const names = new Set(parseExposition(await allowed.text()).map((s) => s.name));
    for (const name of ['parley_sockets_connected', 'parley_messages_stored_total', 'parley_send_duration_seconds_bucket', 'parley_http_requests_total', 'parley_rate_limited_total']) {
      expect(names).toContain(name);
    }
  });

  it('refuses a METRICS_TOKEN shorter than 16 characters or with spaces', () => {
    expect(() => loadConfig({ METRICS_TOKEN: 'short-token' })).toThrow(ConfigError);
    expect(() => loadConfig({ METRICS_TOKEN: 'sixteen chars ok?' })).toThrow(/METRICS_TOKEN: printable ASCII without spaces/);
    expect(loadConfig({ METRICS_TOKEN: TOKEN }).metricsToken).toBe(TOKEN);
    expect(loadConfig({}).metricsToken).toBeUndefined();
  });

  it('keeps each server\'s counts apart (a registry per instance)', async () => {
    const counts = async (parley: Parley) => valueOf(await scrape(parley), 'parley_messages_stored_total');
    const openStored = await counts(open);
    expect(openStored).toBeGreaterThanOrEqual(4);
    const guardedResponse = await fetch(`${guarded.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(valueOf(parseExposition(await guardedResponse.text()), 'parley_messages_stored_total')).toBe(0);
  });
});
