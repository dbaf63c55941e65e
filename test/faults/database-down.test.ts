import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import { type ChatClient, type Message } from '../../sdk';
import type { Ack, SendResult } from '../../sdk/protocol';
import type { ParleyProcess } from '../../scripts/parley-process';
import { loadConfig } from '../../server/config';
import { type EmbeddedDatabase, startEmbeddedDatabase } from '../../server/processes/embedded-database';
import { connectAs, memberAt, waitUntil } from '../helpers/chat';
import { startTestProcess } from '../helpers/server';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy';

// A database of this file's own, stopped for 10 s under a running server and started again over the same folder, so on the same socket.
const OUTAGE_MS = 10_000;
let dataDir: string;
let database: EmbeddedDatabase;
let server: ParleyProcess;
const clients: ChatClient[] = [];
const startDatabase = async () => {
  const started = await startEmbeddedDatabase({ dataDir, cacheDir: loadConfig().cacheDir, log: () => undefined });
  // the server keeps the URI it was started with
  if (database && started.uri !== database.uri) {
    await started.stop();
    throw new Error(`the database came back at ${started.uri}, not ${database.uri}`);
  }
  return started;
};

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'parley-fault-db-'));
  database = await startDatabase();
  server = await startTestProcess({ MONGODB_URI: database.uri, MONGODB_DB: 'faults' });
}, 150_000);
afterAll(async () => {
  for (const client of clients.splice(0)) client.close();
  await server?.stop();
  await database?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
}, 30_000);

const ready = () => fetch(`${server.url}/readyz`).then((response) => response.status);

it('fails sends fast while the database is down, reports not ready, and recovers by itself', async () => {
  const { account, room } = await memberAt(server.url, 'ada', clients);
  const raw = await connectAs(server.url, account, { reconnection: false });
  await raw.timeout(5_000).emitWithAck('room:join', { roomId: 'general' });
  await room.send('before the outage');

  await database.stop();
  const downAt = Date.now();

  // a send answered with a typed error within the driver's 5 s server selection timeout, not a hang
  const started = Date.now();
  const answer = (await raw.timeout(15_000).emitWithAck('message:send', { roomId: 'general', text: 'into the void', clientMsgId: 'fault-raw-1' })) as Ack<SendResult>;
  const answeredMs = Date.now() - started;
  console.log(`a send with the database down was answered in ${answeredMs} ms: ${JSON.stringify(answer)}`);
  expect(answer).toEqual({ error: expect.objectContaining({ code: 'unavailable' }) });
  expect(answeredMs).toBeLessThan(7_000);
  expect(await ready()).toBe(503);

  // the SDK keeps these (same clientMsgId) and resends until its 30 s deadline
  const queued: Array<Promise<Message>> = Array.from({ length: 5 }, (_, i) => room.send(`during the outage ${i}`));
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, OUTAGE_MS - (Date.now() - downAt))));
  const restarting = Date.now();
  database = await startDatabase();
  const stored = await Promise.all(queued);
  console.log(`the queued sends were stored ${Date.now() - restarting} ms after the database started again (${Date.now() - downAt} ms after it stopped)`);
  expect(await ready()).toBe(200);
  expect(server.output()).not.toMatch(/unhandled|uncaught/i);

  const mongo = await MongoClient.connect(database.uri);
  try {
    const messages = await mongo.db('faults').collection('messages').find({ siteId: 'demo' }).sort({ seq: 1 }).toArray();
    // stored once each, in the order they were sent, however their resends went
    expect(messages.map((m) => m.text)).toEqual(['before the outage', ...Array.from({ length: 5 }, (_, i) => `during the outage ${i}`)]);
    expect(stored.map((m) => m.seq)).toEqual([2, 3, 4, 5, 6]);
    expect(messages.map((m) => m.seq)).toEqual(messages.map((_, i) => i + 1));
  } finally {
    await mongo.close();
  }
}, 90_000);

it('brings back by itself a client whose connection dropped while the database was down', async () => {
  // the client reaches the server through a relay that the test cuts, as a network blip would
  const relay: TcpProxy = await startTcpProxy(server.url);
  try {
    const { chat, room } = await memberAt(relay.url, 'cy', clients);
    const refusals: string[] = [];
    chat.on('error', (error) => refusals.push(error.code));
    const statuses: string[] = [];
    chat.on('status', (status, reason) => statuses.push(`${status}/${reason ?? ''}`));
    await room.send('before the blip');

    await database.stop();
    const downAt = Date.now();
    relay.cut();
    // the reconnect's handshake needs the database to check the session: it is answered `unavailable`, again and again
    await waitUntil(() => refusals.filter((code) => code === 'unavailable').length >= 2, 15_000);
    expect(chat.status).toBe('connecting');
    const queued = Array.from({ length: 3 }, (_, i) => room.send(`after the blip ${i}`));
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, 8_000 - (Date.now() - downAt))));

    const restarting = Date.now();
    database = await startDatabase();
    await waitUntil(() => chat.status === 'online', 20_000);
    const stored = await Promise.all(queued);
    console.log(
      `${refusals.length} handshakes answered ${[...new Set(refusals)].join('/')} during the outage; back online and the queued sends stored ${Date.now() - restarting} ms after the database started again`,
    );
    expect(statuses).not.toContain('offline/refused');
    expect(stored.map((m) => m.text)).toEqual(['after the blip 0', 'after the blip 1', 'after the blip 2']);

    const mongo = await MongoClient.connect(database.uri);
    try {
      const texts = (await mongo.db('faults').collection('messages').find({ siteId: 'demo', text: /blip/ }).sort({ seq: 1 }).toArray()).map((m) => m.text);
      expect(texts).toEqual(['before the blip', 'after the blip 0', 'after the blip 1', 'after the blip 2']);
    } finally {
      await mongo.close();
    }
  } finally {
    await relay.close();
  }
}, 90_000);
