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
