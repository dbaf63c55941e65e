import { readFileSync } from 'node:fs';
import type { Socket } from 'socket.io-client';
import type { ChatClient, Message } from '../../sdk';
import type { Ack, JoinResult, SendResult } from '../../sdk/protocol';
import type { ParleyProcess } from '../../scripts/parley-process';
import { connectAs, memberAt, waitUntil } from '../helpers/chat';
import { newAccount, startTestProcess } from '../helpers/server';

// Ten signed-up visitors ask for page after page (catch-up from the start, history) and never read the answers:
// a ~50-byte request for up to megabytes of messages. The server, a process of its own so its RSS is its alone,
// must keep its memory within +64 MB and keep serving everyone else.
let server: ParleyProcess;
const clients: ChatClient[] = [];
const sockets: Socket[] = [];
afterAll(async () => {
  for (const socket of sockets.splice(0)) socket.disconnect();
  for (const chat of clients.splice(0)) chat.close();
  await server?.stop();
});

const FLOODERS = 10;
const REQUESTS_EACH = 100; // of each kind
const rssBytes = () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${server.pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
const MB = 1024 * 1024;

async function connectedSockets(): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  return Number(/^parley_sockets_connected (\d+)/m.exec(text)?.[1] ?? -1);
}

async function signedUp(prefix: string): Promise<Socket> {
  const account = newAccount(prefix);
  const response = await fetch(`${server.url}/api/sites/demo/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(account) });
  if (!response.ok) throw new Error(`register: ${response.status}`);
  const socket = await connectAs(server.url, account, { reconnection: false });
  sockets.push(socket);
  const joined = (await socket.timeout(10_000).emitWithAck('room:join', { roomId: 'general' })) as Ack<JoinResult>;
  if (!('ok' in joined)) throw new Error(joined.error.message);
  return socket;
}

it('keeps its memory bounded and everyone else chatting while ten clients flood page requests they never read', async () => {
  // the default limits on room requests (tests otherwise raise them)
  server = await startTestProcess({ RATE_LIMIT_ROOM_REQUESTS_PER_SOCKET: '10/10', RATE_LIMIT_ROOM_REQUESTS_PER_USER: '30/10' });

  // 150 messages of ~12 KB on the wire: a catch-up from the start would be 1.8 MB
  const writer = await signedUp('writer');
  for (let i = 1; i <= 150; i++) {
    const ack = (await writer.timeout(10_000).emitWithAck('message:send', { roomId: 'general', text: `${'€'.repeat(3_990)} ${i}`, clientMsgId: `flood-seed-${i}` })) as Ack<SendResult>;
    if (!('ok' in ack)) throw new Error(ack.error.message);
  }
  const ada = await memberAt(server.url, 'ada', clients);
  const bob = await memberAt(server.url, 'bob', clients);
  const heard: string[] = [];
  bob.room.on('message', (message: Message) => heard.push(message.text));

  const flooders = await Promise.all(Array.from({ length: FLOODERS }, (_, i) => signedUp(`flood${i}`)));
  const honestSockets = await connectedSockets();
  const start = rssBytes();
  let peak = start;
  const sampler = setInterval(() => (peak = Math.max(peak, rssBytes())), 50);

  try {
    // each flooder's TCP socket stops reading, as a client that only asks does; then it asks
    for (const socket of flooders) {
      (socket.io.engine.transport as unknown as { ws: { _socket: { pause(): void } } }).ws._socket.pause();
      for (let i = 0; i < REQUESTS_EACH; i++) {
        socket.emit('room:join', { roomId: 'general', afterSeq: 0 }, () => undefined);
        socket.emit('room:history', { roomId: 'general', limit: 100 }, () => undefined);
      }
    }
    // meanwhile the others chat
    await ada.room.send('during the flood');
    await waitUntil(() => heard.includes('during the flood'), 20_000);

    // every flooder is dropped once a megabyte waits for it
    let dropped = true;
    try {
      const deadline = Date.now() + 30_000;
      while ((await connectedSockets()) > honestSockets - FLOODERS) {
        if (Date.now() > deadline) throw new Error('flooders still connected');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    } catch {
      dropped = false;
    }
    await ada.room.send('after the flood');
    await waitUntil(() => heard.includes('after the flood'), 20_000);
    peak = Math.max(peak, rssBytes());
    console.log(`server RSS ${Math.round(start / MB)} MB before, peak ${Math.round(peak / MB)} MB (+${Math.round((peak - start) / MB)} MB); flooders dropped: ${dropped}`);
    expect(dropped).toBe(true);
    expect(peak - start).toBeLessThanOrEqual(64 * MB);
  } finally {
    clearInterval(sampler);
  }
}, 120_000);
