import { createHmac, randomBytes } from 'node:crypto';
import { io, type Socket } from 'socket.io-client';
import type { Ack, SessionResponse, UpdateResult } from '../../../sdk/protocol';
import type { Parley } from '../../../server/main';
import { waitUntil } from '../../helpers/chat';
import { newAccount, startTestServer } from '../../helpers/server';

// Everything the server logs, at debug level, for this file's requests: pino writes each line synchronously here.
const output: string[] = [];
const destination = { write: (chunk: string) => void output.push(...chunk.split('\n').filter(Boolean)) };

let parley: Parley;
const sockets: Socket[] = [];
beforeAll(async () => {
  parley = await startTestServer({ LOG_LEVEL: 'debug' }, { logDestination: destination });
});
afterAll(async () => {
  for (const socket of sockets.splice(0)) socket.disconnect();
  await parley?.close();
});

type LogLine = Record<string, unknown> & { level: number; msg: string };
const lines = (): LogLine[] => output.map((line) => JSON.parse(line) as LogLine);
const requestLines = () => lines().filter((line) => line.msg === 'request');
/** The request line of the response that carried this request id. */
const lineOf = (response: Response) => {
  const reqId = response.headers.get('x-request-id');
  const found = requestLines().filter((line) => line.reqId === reqId);
  expect(found).toHaveLength(1);
  return found[0]!;
};

const api = (path: string, init: { body?: object; headers?: Record<string, string>; method?: string } = {}) =>
  fetch(`${parley.url}/api/sites/demo/${path}`, {
    method: init.method ?? (init.body ? 'POST' : 'GET'),
    headers: { ...(init.body ? { 'content-type': 'application/json' } : {}), ...init.headers },
    ...(init.body ? { body: JSON.stringify(init.body) } : {}),
  });

describe('the server log', () => {
  // what must never reach the log, collected as the test goes
  const secrets: Array<[string, string]> = [];

  it('logs each HTTP request once, as JSON with its request id, site and signed-in user', async () => {
    const password = `pw-${randomBytes(12).toString('hex')}`;
    const account = { ...newAccount('logged'), password };
    secrets.push(['the password', password]);

    // a browser-like registration: the session comes back as a cookie (and in the body)
    const registered = await api('register', { body: account });
    expect(registered.status).toBe(201);
    const { user, token: registeredToken } = (await registered.json()) as Required<SessionResponse>;
    secrets.push(['the registration session token', registeredToken]);
    // the last Set-Cookie of each name wins (the session is regenerated: cleared, then set)
    const jar = new Map(registered.headers.getSetCookie().map((header) => header.split(';')[0]!.split('=') as [string, string]));
    const cookies = [...jar].filter(([, value]) => value !== '').map(([name, value]) => `${name}=${value}`);
    expect(cookies).toEqual([expect.stringMatching(/^parley\.sid=/), expect.stringMatching(/^parley\.sid\.sig=/)]);
    for (const [name, value] of jar) secrets.push([`the ${name} cookie`, value]);
    expect(lineOf(registered)).toMatchObject({
      level: 30,
      method: 'POST',
      path: '/api/sites/demo/register',
      route: '/api/sites/:siteId/register',
      status: 201,
      siteId: 'demo',
      userId: user.id,
      durationMs: expect.any(Number),
    });

    const byCookie = await api('me', { headers: { cookie: cookies.join('; ') } });
    expect(byCookie.status).toBe(200);
    expect(lineOf(byCookie)).toMatchObject({ status: 200, siteId: 'demo', userId: user.id });

    const loggedIn = await api('login', { body: { username: account.username, password } });
    expect(loggedIn.status).toBe(200);
    const { token } = (await loggedIn.json()) as Required<SessionResponse>;
    secrets.push(['the login session token', token]);
    expect(lineOf(loggedIn)).toMatchObject({ route: '/api/sites/:siteId/login', status: 200, userId: user.id });

    // a well-formed incoming request id is kept and echoed; the query string is not logged
    const traced = await fetch(`${parley.url}/api/sites/demo/me?access_token=${token}`, { headers: { authorization: `Bearer ${token}`, 'x-request-id': 'trace-42.a:b' } });
    expect(traced.headers.get('x-request-id')).toBe('trace-42.a:b');
    expect(lineOf(traced)).toMatchObject({ reqId: 'trace-42.a:b', path: '/api/sites/demo/me', userId: user.id });

    // an ill-formed one is replaced
    const replaced = await fetch(`${parley.url}/healthz`, { headers: { 'x-request-id': `bad id ${'x'.repeat(200)}` } });
    expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(lineOf(replaced)).not.toHaveProperty('siteId');
    expect(lineOf(replaced)).not.toHaveProperty('userId');
    // a successful probe is debug, so a server at the default level (info) does not log one every few seconds
    expect(lineOf(replaced)).toMatchObject({ level: 20, route: '/healthz', status: 200 });

    const wrong = await api('login', { body: { username: account.username, password: `${password}!` } });
    expect(wrong.status).toBe(401);
    expect(lineOf(wrong)).toMatchObject({ status: 401, siteId: 'demo' });
    expect(lineOf(wrong)).not.toHaveProperty('userId');

    const loggedOut = await api('logout', { method: 'POST', headers: { authorization: `Bearer ${registeredToken}` } });
    expect(loggedOut.status).toBe(204);
    expect(lineOf(loggedOut)).toMatchObject({ status: 204, userId: user.id });
  });

  it('signs a site user in by identity hash without logging the hash or the site secret', async () => {
    const site = await parley.repositories.sites.findById('demo');
    const secret = site!.identitySecret;
    const hash = createHmac('sha256', secret).update('external-7').digest('hex');
    secrets.push(['the identity secret', secret], ['the identity hash', hash]);
    const identified = await api('identify', { body: { userId: 'external-7', displayName: 'Seven', hash } });
    expect(identified.status).toBe(200);
    const { user, token } = (await identified.json()) as Required<SessionResponse>;
    secrets.push(['the identify session token', token]);
    expect(lineOf(identified)).toMatchObject({ route: '/api/sites/:siteId/identify', status: 200, siteId: 'demo', userId: user.id });
  });

  it('logs a failed request at error with the request id, and a failed socket event with the socket, site, user and event', async () => {
    const account = newAccount('sock');
    const registered = await api('register', { body: account });
    const { user, token } = (await registered.json()) as Required<SessionResponse>;
    secrets.push(['the socket session token', token]);

    const { users, messages } = parley.repositories;
    const findById = users.findById;
    users.findById = () => Promise.reject(new Error('the database fell over'));
    let failed: Response;
    try {
      failed = await api('me', { headers: { authorization: `Bearer ${token}` } });
    } finally {
      users.findById = findById;
    }
    expect(failed.status).toBe(500);
    const reqId = failed.headers.get('x-request-id');
    expect(lines().find((line) => line.msg === 'request failed')).toMatchObject({ level: 50, reqId, siteId: 'demo', err: expect.objectContaining({ message: 'the database fell over' }) });
    expect(lineOf(failed)).toMatchObject({ status: 500, userId: user.id });

    const socket = io(parley.url, { auth: { site: 'demo', token }, transports: ['websocket'], reconnection: false });
    sockets.push(socket);
    await new Promise((resolve) => socket.once('connect', () => resolve(undefined)));
    const socketFields = { socketId: socket.id, siteId: 'demo', userId: user.id };
    await waitUntil(() => lines().some((line) => line.msg === 'socket connected'));
    expect(lines().find((line) => line.msg === 'socket connected')).toMatchObject({ level: 20, ...socketFields });

    await socket.timeout(5_000).emitWithAck('room:join', { roomId: 'general' });
    const findBySeq = messages.findBySeq;
    messages.findBySeq = () => Promise.reject(new Error('the disk is on fire'));
    let ack: Ack<UpdateResult>;
    try {
      ack = await socket.timeout(5_000).emitWithAck('message:delete', { roomId: 'general', seq: 1 });
    } finally {
      messages.findBySeq = findBySeq;
    }
    expect(ack).toEqual({ error: { code: 'internal', message: expect.any(String) } });
    expect(lines().find((line) => line.msg === 'socket event failed')).toMatchObject({
      level: 50,
      ...socketFields,
      event: 'message:delete',
      err: expect.objectContaining({ message: 'the disk is on fire' }),
    });

    socket.disconnect();
    await waitUntil(() => lines().some((line) => line.msg === 'socket disconnected'));
    expect(lines().find((line) => line.msg === 'socket disconnected')).toMatchObject(socketFields);
  });

  it('writes only JSON lines, and none holds a password, token, cookie, identity hash or secret', () => {
    expect(secrets.length).toBeGreaterThanOrEqual(8);
    expect(output.length).toBeGreaterThan(10);
    for (const line of output) expect(() => JSON.parse(line)).not.toThrow();
    const everything = output.join('\n');
    for (const [what, secret] of secrets) {
      expect([what, everything.includes(secret)]).toEqual([what, false]);
      // nor percent- or JSON-escaped
      expect([what, everything.includes(encodeURIComponent(secret))]).toEqual([what, false]);
    }
  });
});
