import { io, type Socket } from 'socket.io-client';
import type { Ack, JoinResult, SessionEnded, SessionResponse } from '../../../sdk/protocol';
import type { Parley } from '../../../server/main';
import { waitUntil } from '../../helpers/chat';
import { newAccount, startTestServer } from '../../helpers/server';

// Real time, short lifetimes: 0.00003 days is 2.6 s, 0.00006 days 5.2 s. A socket must not outlive its session:
// HTTP refuses an ended session, and so must the socket opened with it, within a few seconds.
const servers: Parley[] = [];
const sockets: Socket[] = [];
afterAll(async () => {
  for (const socket of sockets.splice(0)) socket.disconnect();
  for (const server of servers.splice(0)) await server.close();
});

async function server(env: Record<string, string>) {
  const parley = await startTestServer(env);
  servers.push(parley);
  return parley;
}

/** Registers, opens a socket with the session and joins `general`; records how and when the socket ended. */
async function signedInSocket(parley: Parley) {
  const response = await fetch(`${parley.url}/api/sites/demo/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(newAccount('expiry')) });
  const { token } = (await response.json()) as SessionResponse;
  const socket = io(parley.url, { auth: { site: 'demo', token }, transports: ['websocket'], reconnection: false, forceNew: true });
  sockets.push(socket);
  const ended: { reason?: SessionEnded['reason']; disconnectedAt?: number } = {};
  socket.on('session:ended', ({ reason }) => (ended.reason = reason));
  socket.on('disconnect', () => (ended.disconnectedAt = Date.now()));
  await new Promise((resolve) => socket.once('connect', () => resolve(undefined)));
  const joined = (await socket.timeout(5_000).emitWithAck('room:join', { roomId: 'general' })) as Ack<JoinResult>;
  if (!('ok' in joined)) throw new Error(joined.error.message);
  const me = async () => (await fetch(`${parley.url}/api/sites/demo/me`, { headers: { authorization: `Bearer ${token}` } })).status;
  return { socket, ended, me, connectedAt: Date.now() };
}

describe('a socket and its session', () => {
  it('ends with session:ended { reason: "expired" } once the session has been idle too long', async () => {
    const parley = await server({ SESSION_IDLE_DAYS: '0.00003' });
    const idle = await signedInSocket(parley);
    await waitUntil(() => idle.ended.disconnectedAt !== undefined, 15_000);
    expect(idle.ended.reason).toBe('expired');
    // the idle time is 2.6 s: a few seconds past it at most
    expect(idle.ended.disconnectedAt! - idle.connectedAt).toBeLessThan(2_600 + 5_000);
    expect(await idle.me()).toBe(401);
  }, 30_000);

  it('stays open while in use, which keeps the session alive for HTTP too', async () => {
    const parley = await server({ SESSION_IDLE_DAYS: '0.00003' });
    const busy = await signedInSocket(parley);
    // events on the socket, no HTTP call, for twice the idle time
    const until = Date.now() + 5_200;
    while (Date.now() < until) {
      await busy.socket.timeout(5_000).emitWithAck('typing:start', { roomId: 'general' });
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    expect(busy.ended.disconnectedAt).toBeUndefined();
    expect(await busy.me()).toBe(200);
  }, 30_000);

  it('ends at the absolute lifetime, however busy', async () => {
    const parley = await server({ SESSION_ABSOLUTE_DAYS: '0.00003' });
    const busy = await signedInSocket(parley);
    while (busy.ended.disconnectedAt === undefined && Date.now() - busy.connectedAt < 15_000) {
      await busy.socket.timeout(1_000).emitWithAck('typing:start', { roomId: 'general' }).catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    expect(busy.ended.reason).toBe('expired');
    expect(busy.ended.disconnectedAt! - busy.connectedAt).toBeLessThan(2_600 + 5_000);
    expect(await busy.me()).toBe(401);
  }, 30_000);
});
