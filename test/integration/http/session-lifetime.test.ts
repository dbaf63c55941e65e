import { io } from 'socket.io-client';
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
  /** Opens a socket with the session and closes it: 'connected', or the handshake's refusal code. */
  const connect = () =>
    new Promise<string>((resolve) => {
      const socket = io(parley.url, { auth: { site: 'demo', token }, transports: ['websocket'], reconnection: false, forceNew: true });
      socket.once('connect', () => (socket.disconnect(), resolve('connected')));
      socket.once('connect_error', (error) => (socket.disconnect(), resolve((error as Error & { data?: { code?: string } }).data?.code ?? error.message)));
    });
  return { me, connect };
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

  it('keeps a session alive while its sockets connect, however often they do', async () => {
    const { me, connect } = await signedIn({ SESSION_IDLE_DAYS: '0.00003' });
    // 4 s of sockets and no HTTP call, past the 2.6 s idle time: the handshakes push the deadline back, for HTTP too
    for (let i = 0; i < 8; i++) {
      await sleep(500);
      expect(await connect()).toBe('connected');
    }
    expect(await me()).toBe(200);
    await sleep(3_000);
    expect(await connect()).toBe('unauthorized');
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
