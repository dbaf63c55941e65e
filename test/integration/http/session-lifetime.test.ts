import type { SessionResponse } from '../../../sdk/protocol';
import type { Parley } from '../../../server/main';
import { newAccount, startTestServer } from '../../helpers/server';

// Real time, short lifetimes: 0.00003 days is 2.6 s.
const servers: Parley[] = [];
afterAll(async () => {
  for (const server of servers) await server.close();
});

async function signedIn(env: Record<string, string>) {
  const parley = await startTestServer(env);
  servers.push(parley);
  const response = await fetch(`${parley.url}/api/sites/demo/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(newAccount('life')),
  });
  const { token } = (await response.json()) as SessionResponse;
  const me = async () => (await fetch(`${parley.url}/api/sites/demo/me`, { headers: { authorization: `Bearer ${token}` } })).status;
  return { me };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('session lifetime', () => {
  it('ends a session left idle past SESSION_IDLE_DAYS, and keeps one in use alive', async () => {
    const { me } = await signedIn({ SESSION_IDLE_DAYS: '0.00003' });
    for (let i = 0; i < 4; i++) {
      await sleep(1_000);
      expect(await me()).toBe(200); // each use pushes the deadline back
    }
    await sleep(3_000);
    expect(await me()).toBe(401);
  }, 20_000);

  it('ends a session SESSION_ABSOLUTE_DAYS after sign-in, however busy', async () => {
    const { me } = await signedIn({ SESSION_ABSOLUTE_DAYS: '0.00003' });
    expect(await me()).toBe(200);
    for (let i = 0; i < 3; i++) {
      await sleep(1_000);
      await me();
    }
    await sleep(500);
    expect(await me()).toBe(401);
  }, 20_000);
});
