import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import { io, type Socket } from 'socket.io-client';
import type { ChatClient } from '../../sdk';
import { serveHostPage } from '../../examples/host-page/serve';
import { type ParleyProcess, startParleyProcess } from '../../scripts/parley-process';
import { createRepositories } from '../../server/db';
import { findFreePort } from '../../server/processes/watchdog';
import { launchChromium, registerIn } from '../helpers/browser';
import { memberAt } from '../helpers/chat';
import { newAccount, startTestProcess } from '../helpers/server';

// Ctrl-C with clients connected: nothing in flight, so the process must be gone at once (it took 6–10 s when a
// browser held a connection), and a Parley started on the same data folder meanwhile waits for it instead of failing.
const EXIT_WITHIN_MS = 2_000;
const servers: ParleyProcess[] = [];
// starts a test may leave under way when it fails: each is stopped once it is up
const starts: Array<Promise<ParleyProcess>> = [];
const clients: ChatClient[] = [];
const sockets: net.Socket[] = [];
const socketIoClients: Socket[] = [];
const agent = new http.Agent({ keepAlive: true });
afterAll(async () => {
  for (const client of clients.splice(0)) client.close();
  for (const socket of sockets.splice(0)) socket.destroy();
  for (const socket of socketIoClients.splice(0)) socket.disconnect();
  agent.destroy();
  for (const server of servers.splice(0)) await server.stop('SIGKILL');
  for (const started of await Promise.allSettled(starts.splice(0))) if (started.status === 'fulfilled') await started.value.stop('SIGKILL');
}, 180_000);

/** A GET whose connection the agent then keeps, idle, for the next request. */
function keepAliveGet(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent }, (response) => {
        response.resume();
        response.once('end', () => resolve(response.statusCode ?? 0));
      })
      .once('error', reject);
  });
}

/** A connection that sends nothing, as browsers open spare ones ahead of need. */
function spareConnection(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => resolve(socket));
    socket.once('error', reject);
    sockets.push(socket);
  });
}

async function register(url: string, account: ReturnType<typeof newAccount>): Promise<string> {
  const response = await fetch(`${url}/api/sites/demo/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(account) });
  if (!response.ok) throw new Error(`register failed: ${response.status}`);
  return ((await response.json()) as { token: string }).token;
}

async function stopTimed(server: ParleyProcess): Promise<{ code: number | null; tookMs: number }> {
  const started = Date.now();
  const code = await server.stop('SIGTERM');
  return { code, tookMs: Date.now() - started };
}

describe('SIGTERM with clients connected', () => {
  it('exits 0 at once with a keep-alive HTTP client, a spare connection and long-polling and WebSocket clients', async () => {
    const server = await startTestProcess();
    servers.push(server);
    expect(await keepAliveGet(`${server.url}/healthz`)).toBe(200);
    await spareConnection(server.port);
    await memberAt(server.url, 'websocket', clients);
    const token = await register(server.url, newAccount('polling'));
    const polling = io(server.url, { auth: { site: 'demo', token }, transports: ['polling'], reconnection: false });
    socketIoClients.push(polling);
    await new Promise((resolve) => polling.once('connect', () => resolve(undefined)));

    const { code, tookMs } = await stopTimed(server);
    console.log(`exit code ${code} ${tookMs} ms after SIGTERM, with four kinds of client connected`);
    expect(code).toBe(0);
    expect(tookMs).toBeLessThan(EXIT_WITHIN_MS);
  }, 180_000);

  it('exits 0 at once with a browser signed in through the widget', async () => {
    const database = `test-${randomBytes(6).toString('hex')}`;
    const server = await startTestProcess({ MONGODB_DB: database });
    servers.push(server);
    // localhost and 127.0.0.1 are different sites: the widget is embedded as on a real shop's page
    const page = await serveHostPage({ port: 0, host: '127.0.0.1', backendUrl: `http://localhost:${server.port}` });
    const mongo = await MongoClient.connect(process.env.PARLEY_TEST_MONGODB_URI ?? '');
    const browser = await launchChromium();
    try {
      await createRepositories(mongo.db(database)).sites.updateOrigins('demo', { add: [new URL(page.url).origin] });
      const tab = await browser.newPage();
      await tab.goto(page.url);
      await tab.getByRole('button', { name: 'Open chat' }).click();
      const chat = tab.frameLocator('iframe[title="Parley chat"]');
      const account = newAccount('browser');
      await registerIn(chat, account);

      const { code, tookMs } = await stopTimed(server);
      console.log(`exit code ${code} ${tookMs} ms after SIGTERM, with a browser signed in`);
      expect(code).toBe(0);
      expect(tookMs).toBeLessThan(EXIT_WITHIN_MS);
    } finally {
      await browser.close();
      await page.close();
      await mongo.close();
    }
  }, 180_000);
});

describe('a start while the last Parley on the same data folder is stopping', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'parley-fault-restart-'));
  });
  afterAll(async () => {
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('waits for it, saying so, then serves the same data', async () => {
    // the embedded database in DATA_DIR, as `npm start` runs it
    // a shutdown deadline far past anything the test waits for: on a busy machine the second start may take longer
    // to reach the lock than the default 10 s, and the first must still be stopping (not forced out) when it does
    // the embedded database of its own (MONGODB_URI empty); sign-up needs no proof of work here
    const env = { NODE_ENV: 'test', MONGODB_URI: '', DATA_DIR: dataDir, PORT: String(await findFreePort()), LOG_LEVEL: 'info', SHUTDOWN_TIMEOUT_MS: '180000', PROOF_OF_WORK: 'off' };
    const first = await startParleyProcess(env);
    servers.push(first);
    const account = newAccount('before');
    await register(first.url, account);
    expect(await keepAliveGet(`${first.url}/healthz`)).toBe(200);

    // a login in flight: its body half sent, so the first process has a request to finish before it may exit
    const login = JSON.stringify({ username: account.username, password: account.password });
    const inFlight = net.connect(first.port, '127.0.0.1');
    sockets.push(inFlight);
    let answer = '';
    inFlight.on('data', (chunk) => (answer += chunk.toString()));
    const answered = new Promise((resolve) => inFlight.once('end', resolve));
    await new Promise((resolve) => inFlight.once('connect', resolve));
    // Expect: 100-continue: the server answers "100 Continue" once it has parsed the headers, so the request is in
    // flight on the server before the signal (under load, a signal could otherwise beat the server to the bytes)
    inFlight.write(`POST /api/sites/demo/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(login)}\r\nExpect: 100-continue\r\n\r\n`);
    await waitFor(() => answer.startsWith('HTTP/1.1 100 Continue'));
    inFlight.write(login.slice(0, 10));

    const firstStopped = first.stop('SIGTERM');
    await waitFor(() => /shutting down/.test(first.output()), 60_000);
    let reportWaiting: () => void = () => {};
    const secondWaits = new Promise<string>((resolve) => (reportWaiting = () => resolve('waits')));
    const starting = startParleyProcess(env, {
      onOutput: (output) => {
        if (/waiting for the Parley process that is stopping \(pid \d+\)/.test(output)) reportWaiting();
      },
    });
    starts.push(starting);
    // a second start that fails (the folder "in use") shows its output here
    const failed = starting.then(
      () => 'started without waiting',
      (error: Error) => error.message,
    );
    expect(await Promise.race([secondWaits, failed])).toBe('waits');

    // the request in flight completes, then the first process exits and the second takes over
    inFlight.write(login.slice(10));
    await answered;
    expect(answer).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 /);
    expect(await firstStopped).toBe(0);
    const second = await starting;
    const relogin = await fetch(`${second.url}/api/sites/demo/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: login });
    expect(relogin.status).toBe(200);
  }, 240_000);
});

/** Polls until `test()` holds; throws after `timeoutMs`. */
async function waitFor(test: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
