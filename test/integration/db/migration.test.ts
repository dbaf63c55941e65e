import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { MongoClient, ObjectId } from 'mongodb';
import type { Socket } from 'socket.io-client';
import type { HistoryResult, JoinResult, Message, SendResult } from '../../../sdk/protocol';
import pino from 'pino';
import { migrate } from '../../../server/db/migrate';
import { uniqueKey } from '../../../server/db/users';
import type { Parley } from '../../../server/main';
import { hashPassword } from '../../../server/passwords';
import { ask, connectAs } from '../../helpers/chat';
import { startTestServer } from '../../helpers/server';

// A database written before rooms and messages were keyed by their place (ObjectId `_id`s, the old unique
// indexes) opens on today's server: every message keeps its seq and text, a retry of a message sent before the
// upgrade is still answered with it, new messages go on from the room's counter, and the second start does nothing.
const dbName = `test-${randomBytes(6).toString('hex')}`;
const MESSAGES = 130;
let mongo: MongoClient;
const servers: Parley[] = [];
const sockets: Socket[] = [];
const account = { username: 'olduser', displayName: 'Old User', password: 'correct horse battery' };
const userId = new ObjectId();
const silent = pino({ level: 'silent' });

beforeAll(async () => {
  mongo = await MongoClient.connect(process.env.PARLEY_TEST_MONGODB_URI ?? '');
  const db = mongo.db(dbName);
  // the old shape, as the previous version wrote it
  await db.collection('rooms').createIndex({ siteId: 1, roomId: 1 }, { name: 'site_room', unique: true });
  await db.collection('messages').createIndex({ siteId: 1, roomId: 1, seq: 1 }, { name: 'site_room_seq', unique: true });
  await db.collection('messages').createIndex({ siteId: 1, roomId: 1, 'author.id': 1, clientMsgId: 1 }, { name: 'site_room_author_client_msg', unique: true });
  await db.collection('sites').insertOne({ _id: 'demo' as unknown as ObjectId, name: 'Demo', allowedOrigins: [], identitySecret: 'a'.repeat(64), createdAt: new Date() });
  await db.collection('users').insertOne({
    _id: userId,
    siteId: 'demo',
    username: account.username,
    usernameKey: uniqueKey(account.username),
    displayName: account.displayName,
    displayNameKey: uniqueKey(account.displayName),
    passwordHash: await hashPassword(account.password),
    role: 'member',
    createdAt: new Date(),
  });
  const createdAt = new Date('2026-01-01T00:00:00Z');
  await db.collection('rooms').insertMany([
    { _id: new ObjectId(), siteId: 'demo', roomId: 'general', name: 'General', lastSeq: MESSAGES, createdAt },
    { _id: new ObjectId(), siteId: 'demo', roomId: 'archive', name: 'Old Archive', lastSeq: 0, createdAt, archivedAt: createdAt },
  ]);
  await db.collection('messages').insertMany(
    Array.from({ length: MESSAGES }, (_, index) => ({
      _id: new ObjectId(),
      siteId: 'demo',
      roomId: 'general',
      seq: index + 1,
      author: { id: userId.toHexString(), displayName: account.displayName },
      text: index + 1 === 7 ? '' : `old message ${index + 1}`,
      clientMsgId: `old-client-${String(index + 1).padStart(4, '0')}`,
      createdAt: new Date(createdAt.getTime() + index * 1000),
      ...(index + 1 === 7 ? { deletedAt: createdAt, deletedBy: userId.toHexString() } : {}),
      ...(index + 1 === 9 ? { editedAt: createdAt } : {}),
    })),
  );
}, 30_000);

afterAll(async () => {
  for (const socket of sockets.splice(0)) socket.disconnect();
  for (const server of servers.splice(0)) await server.close();
  await mongo?.close();
});

it('lets nodes that start together on a new database both start', async () => {
  for (let round = 0; round < 5; round++) {
    const db = mongo.db(`test-${randomBytes(6).toString('hex')}`);
    await Promise.all([migrate(db, silent), migrate(db, silent), migrate(db, silent)]);
    expect(await db.collection('migrations').countDocuments()).toBe(1);
  }
});

async function start(): Promise<{ parley: Parley; lines: string[] }> {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  const parley = await startTestServer({ MONGODB_DB: dbName, LOG_LEVEL: 'info' }, { logDestination: destination });
  servers.push(parley);
  return { parley, lines };
}

it('opens an old-format database once: every message and seq kept, old retries answered, the counter goes on', async () => {
  const { parley, lines } = await start();
  const messages = lines.map((line) => (JSON.parse(line) as { msg: string }).msg);
  expect(messages).toContain(`migrating ${MESSAGES} messages to keyed documents (once)…`);
  expect(messages).toContain(`migrated ${MESSAGES} of ${MESSAGES} messages (100 %)`);

  const socket = await connectAs(parley.url, account);
  sockets.push(socket);
  const joined = await ask<JoinResult>(socket, 'room:join', { roomId: 'general' });
  expect(joined.messages.map((m) => m.seq)).toEqual(Array.from({ length: 50 }, (_, k) => MESSAGES - 49 + k));

  // every message, paged back to the start (a history page is newest first)
  const all: Message[] = [...joined.messages];
  for (let more = true; more; ) {
    const page = await ask<HistoryResult>(socket, 'room:history', { roomId: 'general', before: all[0]!.seq, limit: 50 });
    all.unshift(...page.messages.reverse());
    more = page.more;
  }
  expect(all.map((m) => m.seq)).toEqual(Array.from({ length: MESSAGES }, (_, k) => k + 1));
  expect(all[6]).toMatchObject({ seq: 7, text: '', deletedAt: expect.any(String) });
  expect(all[8]).toMatchObject({ seq: 9, text: 'old message 9', editedAt: expect.any(String) });
  expect(all[99]).toMatchObject({ seq: 100, text: 'old message 100', clientMsgId: 'old-client-0100', author: { id: userId.toHexString() } });

  // a retry of a message sent before the upgrade: the stored one, no new seq
  const retried = await ask<SendResult>(socket, 'message:send', { roomId: 'general', text: 'old message 100', clientMsgId: 'old-client-0100', retry: true });
  expect(retried.message).toEqual(all[99]);
  const fresh = await ask<SendResult>(socket, 'message:send', { roomId: 'general', text: 'after the upgrade', clientMsgId: 'new-client-0001' });
  expect(fresh.message.seq).toBe(MESSAGES + 1);
  expect(await parley.repositories.rooms.find('demo', 'archive')).toMatchObject({ name: 'Old Archive', archivedAt: expect.any(Date) });

  // nothing of the old shape is left, and the indexes it needed are gone
  const db = mongo.db(dbName);
  for (const collection of ['rooms', 'messages']) expect(await db.collection(collection).countDocuments({ _id: { $type: 'objectId' } })).toBe(0);
  expect(await db.collection('messages').countDocuments()).toBe(MESSAGES + 1);
  const indexNames = async (collection: string) => (await db.collection(collection).indexes()).map((index) => index.name);
  expect(await indexNames('messages')).toEqual(['_id_', 'site_room_author_client_msg']);
  expect(await indexNames('rooms')).toEqual(['_id_']);

  // the next start finds it done and migrates nothing
  const again = await start();
  expect(again.lines.some((line) => line.includes('migrat'))).toBe(false);
  const page = await parley.repositories.messages.before('demo', 'general', undefined, 3);
  expect(page.map((m) => m.seq)).toEqual([MESSAGES + 1, MESSAGES, MESSAGES - 1]);
}, 60_000);
