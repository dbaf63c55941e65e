import { io, type Socket } from 'socket.io-client';
import { createChatClient, type ChatClient, type ChatClientOptions } from '../../sdk';
import type { Ack } from '../../sdk/protocol';
import type { Parley } from '../../server/start-up';
import { newAccount } from './server';

/**
 * An SDK client on the server at `baseUrl`, signed up as a new account and in `general`; pushed onto `clients`, which
 * the test file closes in afterAll. For servers in processes of their own or behind a relay; see chatClients().
 * `options` are the client's own (e.g. longer timeouts for a client that must not give up on a server under load).
 */
export async function memberAt(baseUrl: string, prefix: string, clients: ChatClient[], site = 'demo', options: Partial<ChatClientOptions> = {}) {
  const chat = createChatClient({ baseUrl, site, ...options });
  clients.push(chat);
  const account = newAccount(prefix);
  const user = await chat.register(account);
  return { chat, user, account, room: await chat.join('general') };
}

/**
 * SDK clients for one test file, all closed by `closeAll()` (call it in afterAll/afterEach).
 * `member()` registers a new account and joins `general`.
 */
export function chatClients(parley: () => Parley) {
  const clients: ChatClient[] = [];
  const track = (chat: ChatClient) => (clients.push(chat), chat);

  const member = (prefix: string, site = 'demo', options: Partial<ChatClientOptions> = {}) => memberAt(parley().url, prefix, clients, site, options);

  return {
    track,
    client: (site = 'demo') => track(createChatClient({ baseUrl: parley().url, site })),
    member,
    /** Like member(), and the account is an admin of the site (granted as `npm run site -- admin` does). */
    async admin(prefix: string, site = 'demo') {
      const signedIn = await member(prefix, site);
      await parley().repositories.users.setRole(site, signedIn.account.username, 'admin');
      return signedIn;
    },
    /** A signed-in raw Socket.IO client, for sending what the SDK never would. */
    async rawSocket(site = 'demo'): Promise<Socket> {
      let token: string | null = null;
      const chat = track(createChatClient({ baseUrl: parley().url, site, storage: { get: () => token, set: (t) => void (token = t) } }));
      await chat.register(newAccount('raw'));
      const socket = io(parley().url, { auth: { site, token }, transports: ['websocket'] });
      await new Promise((resolve) => socket.on('connect', () => resolve(undefined)));
      return socket;
    },
    closeAll(): void {
      for (const chat of clients.splice(0)) chat.close();
    },
  };
}

/**
 * Logs `account` in over HTTP and opens a raw, WebSocket-only Socket.IO connection with that session: another
 * session of a user an SDK client may already hold, for sending what the SDK never would.
 */
export async function connectAs(
  url: string,
  account: { username: string; password: string },
  options: { site?: string; reconnection?: boolean } = {},
): Promise<Socket> {
  const site = options.site ?? 'demo';
  const response = await fetch(`${url}/api/sites/${site}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: account.username, password: account.password }),
  });
  if (!response.ok) throw new Error(`login as ${account.username} failed: ${response.status}`);
  const { token } = (await response.json()) as { token: string };
  const socket = io(url, { auth: { site, token }, transports: ['websocket'], reconnection: options.reconnection ?? true });
  await new Promise((resolve) => socket.once('connect', () => resolve(undefined)));
  return socket;
}

/** Polls until `test()` holds; throws after `timeoutMs`. */
export async function waitUntil(test: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Cuts a user off as a network failure would, and keeps new connections out until `reopen()`:
 * the client keeps retrying by itself, as it would in a tunnel.
 */
export function cutOff(parley: Parley, userId: string): { reopen(): void } {
  const engine = parley.hub.io.engine as unknown as { opts: { allowRequest?: unknown } };
  engine.opts.allowRequest = (_req: unknown, callback: (error: string | null, ok: boolean) => void) => callback('network down', false);
  dropConnections(parley, userId);
  return { reopen: () => void delete engine.opts.allowRequest };
}

/** Closes the transport of every socket of a user, as a network drop does; the client reconnects by itself. */
export function dropConnections(parley: Parley, userId: string): void {
  for (const socket of parley.hub.io.of('/').sockets.values()) {
    if (socket.data.user?.id === userId) socket.conn.close();
  }
}

/** A raw socket's request and its answer; an error answer throws, naming the event and the code. */
export async function ask<T extends object>(socket: Socket, event: string, payload: unknown): Promise<T> {
  const ack = (await socket.timeout(10_000).emitWithAck(event, payload)) as Ack<T>;
  if (!('ok' in ack)) throw new Error(`${event}: ${ack.error.code} ${ack.error.message}`);
  return ack as T;
}
