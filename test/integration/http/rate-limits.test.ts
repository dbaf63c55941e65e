import type { ErrorResponse } from '../../../sdk/protocol';
import type { Parley } from '../../../server/main';
import { newAccount, startTestServer } from '../../helpers/server';

// Attacks tried: guessing one account's password, spraying many accounts from one IP, mass registration.
let parley: Parley;
beforeAll(async () => {
  parley = await startTestServer({
    RATE_LIMIT_LOGIN_FAILURES_PER_USER: '3/900',
    RATE_LIMIT_LOGIN_FAILURES_PER_IP: '6/3600',
    RATE_LIMIT_REGISTRATIONS_PER_IP: '4/3600',
  });
});
afterAll(() => parley.close());

const post = (path: string, body: object, ip = '203.0.113.7') =>
  fetch(`${parley.url}/api/sites/demo/${path}`, {
    method: 'POST',
    // TRUST_PROXY is off: the forwarded address must not reset anyone's count
    headers: { 'content-type': 'application/json', 'x-forwarded-for': ip },
    body: JSON.stringify(body),
  });

describe('rate limits', () => {
  it('blocks password guessing on one account with 429 rate_limited and Retry-After, even for the right password', async () => {
    const account = newAccount('victim');
    expect((await post('register', account)).status).toBe(201);
    for (let i = 0; i < 3; i++) expect((await post('login', { username: account.username, password: `guess ${i}!` })).status).toBe(401);

    const blocked = await post('login', { username: account.username, password: account.password });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(800);
    const { error } = (await blocked.json()) as ErrorResponse;
    expect(error).toMatchObject({ code: 'rate_limited', message: expect.stringMatching(/^too many failed logins; try again in \d+ s$/) });
    expect(error.retryAfterMs).toBeGreaterThan(800_000);
  });

  it('blocks spraying many usernames from one IP', async () => {
    // 3 failures above, 3 more here reach the per-IP limit of 6
    for (let i = 0; i < 3; i++) expect((await post('login', { username: `nobody${i}`, password: 'whatever1' })).status).toBe(401);
    expect((await post('login', { username: 'nobody-else', password: 'whatever1' })).status).toBe(429);
  });

  it('limits registrations per IP', async () => {
    // one registration above; three more are allowed, the fifth is refused and creates nothing
    for (let i = 0; i < 3; i++) expect((await post('register', newAccount('mass'))).status).toBe(201);
    const refused = newAccount('mass');
    const response = await post('register', refused);
    expect(response.status).toBe(429);
    expect(await parley.repositories.users.findByUsername('demo', refused.username)).toBeNull();
  });
});

describe('concurrent login attempts', () => {
  // servers of their own: the counts start at zero, and every request comes from 127.0.0.1
  const servers: Parley[] = [];
  afterAll(() => Promise.all(servers.splice(0).map((server) => server.close())));
  const serverWith = async (env: Record<string, string>) => {
    const server = await startTestServer(env);
    servers.push(server);
    return server;
  };
  const login = async (server: Parley, username: string, password: string) => {
    const response = await fetch(`${server.url}/api/sites/demo/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password }),
    });
    return { status: response.status, body: (await response.json()) as ErrorResponse };
  };
  /** How many answers had each status, e.g. { 401: 5, 429: 25 }. */
  const countStatuses = (answers: { status: number }[]) =>
    answers.reduce<Record<number, number>>((counts, { status }) => ({ ...counts, [status]: (counts[status] ?? 0) + 1 }), {});

  it('lets at most 5 of 30 concurrent wrong passwords for one account reach the password check', async () => {
    const server = await serverWith({ RATE_LIMIT_LOGIN_FAILURES_PER_USER: '5/900', RATE_LIMIT_LOGIN_FAILURES_PER_IP: '1000/3600' });
    const account = newAccount('guessed');
    await fetch(`${server.url}/api/sites/demo/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(account) });

    const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => login(server, account.username, `guess ${i}!`)));
    // a 401 is an answer from the password check: only 5 guesses were tried
    expect(countStatuses(answers)).toEqual({ 401: 5, 429: 25 });
    for (const { status, body } of answers) {
      if (status === 401) expect(body.error).toEqual({ code: 'unauthorized', message: 'wrong username or password' });
      else expect(body.error).toMatchObject({ code: 'rate_limited', retryAfterMs: expect.any(Number) });
    }
    // the right password is refused too, until the window ends
    expect((await login(server, account.username, account.password)).status).toBe(429);
  }, 30_000);

  it('lets at most 20 of 40 concurrent failures over different usernames from one IP reach the password check', async () => {
    const server = await serverWith({ RATE_LIMIT_LOGIN_FAILURES_PER_USER: '5/900', RATE_LIMIT_LOGIN_FAILURES_PER_IP: '20/3600' });
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => login(server, `sprayed${i}`, 'password1')));
    expect(countStatuses(answers)).toEqual({ 401: 20, 429: 20 });
  }, 30_000);

  it('gives the attempt back on success: signing in does not use up the per-IP allowance', async () => {
    const server = await serverWith({ RATE_LIMIT_LOGIN_FAILURES_PER_USER: '5/900', RATE_LIMIT_LOGIN_FAILURES_PER_IP: '3/3600' });
    const account = newAccount('regular');
    await fetch(`${server.url}/api/sites/demo/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(account) });
    for (let i = 0; i < 5; i++) expect((await login(server, account.username, account.password)).status).toBe(200);
    // all three failures the IP may have are still there
    for (let i = 0; i < 3; i++) expect((await login(server, `nobody${i}`, 'password1')).status).toBe(401);
    expect((await login(server, 'one-too-many', 'password1')).status).toBe(429);
  }, 30_000);
});
