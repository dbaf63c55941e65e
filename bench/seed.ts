// Seeds a benchmark database directly with the driver, in the repositories' own document shapes: thousands of
// sign-ins through the API would cost ~120 ms of scrypt each and run into the login limits.
import { randomBytes } from 'node:crypto';
import { type Db, type Document, ObjectId, type OptionalUnlessRequiredId } from 'mongodb';
import { type MessageDocument, messageKey } from '../server/db/messages';
import { DEFAULT_ROOM, RoomsRepository } from '../server/db/rooms';
import { type SessionData, SessionStore } from '../server/db/sessions';
import { uniqueKey, type UserDocument } from '../server/db/users';
import { hashPassword } from '../server/passwords';

/** The site every benchmark client belongs to; the server creates it at start. */
export const BENCH_SITE = 'demo';
/** The room the load scenarios use: the one every site has. */
export const BENCH_ROOM = DEFAULT_ROOM;

const CHUNK = 1_000;
const SESSION_IDLE_MS = 24 * 60 * 60 * 1000;

export interface SeededUser {
  id: string;
  displayName: string;
  /** The session's bearer token, for Socket.IO `auth.token`. */
  token: string;
}

let passwordHash: Promise<string> | undefined;

/** server/db/sessions.ts's document, which it keeps private; SessionStore.get checks this copy below. */
interface SessionDocument {
  _id: string;
  data: SessionData;
  expiresAt: Date;
}

async function insertInChunks<T extends Document>(db: Db, collection: string, documents: ReadonlyArray<OptionalUnlessRequiredId<T>>): Promise<void> {
  for (let start = 0; start < documents.length; start += CHUNK) await db.collection<T>(collection).insertMany(documents.slice(start, start + CHUNK));
}

/**
 * Creates `count` members of the bench site, each signed in with a session of their own. Users are shaped like
 * UsersRepository's; all share one real scrypt hash, as nobody logs in with it.
 */
export async function seedUsers(db: Db, count: number, prefix = 'bench'): Promise<SeededUser[]> {
  passwordHash ??= hashPassword(randomBytes(16).toString('base64url'));
  const hash = await passwordHash;
  const now = new Date();
  const users: UserDocument[] = Array.from({ length: count }, (_, index) => {
    const username = `${prefix}${String(index).padStart(6, '0')}`;
    const displayName = `${prefix} ${index}`;
    return {
      _id: new ObjectId(),
      siteId: BENCH_SITE,
      username,
      usernameKey: uniqueKey(username),
      displayName,
      displayNameKey: uniqueKey(displayName),
      passwordHash: hash,
      role: 'member',
      createdAt: now,
    };
  });
  await insertInChunks<UserDocument>(db, 'users', users);
  const seeded = users.map((user) => ({ id: user._id.toHexString(), displayName: user.displayName, token: randomBytes(32).toString('base64url') }));
  await seedSessions(db, seeded);
  return seeded;
}

/**
 * One session per user, inserted in bulk: SessionStore.set is one upsert per session, which the embedded database
 * makes too slow for thousands. The document id comes from SessionStore's own token → id scheme (the id inside its
 * group name), and the store reads a session back before we go on, so a change to either cannot go unnoticed.
 */
async function seedSessions(db: Db, users: readonly SeededUser[]): Promise<void> {
  const expiresAt = new Date(Date.now() + SESSION_IDLE_MS);
  const signedInAt = Date.now();
  const groupPrefix = 'session:';
  const documents = users.map((user): SessionDocument => {
    const group = SessionStore.groupOf(user.token);
    if (!group.startsWith(groupPrefix)) throw new Error(`SessionStore.groupOf no longer gives "${groupPrefix}<id>"; update bench/seed.ts`);
    const data: SessionData = { siteId: BENCH_SITE, userId: user.id, signedInAt };
    return { _id: group.slice(groupPrefix.length), data, expiresAt };
  });
  await insertInChunks<SessionDocument>(db, 'sessions', documents);
  const store = new SessionStore(db);
  for (const user of [users[0], users.at(-1)]) {
    if (user && (await store.get(user.token))?.userId !== user.id) throw new Error('SessionStore does not find the sessions bench/seed.ts wrote; update it to the store\'s document shape');
  }
}

/** Empty rooms of the bench site. */
export async function seedRooms(db: Db, roomIds: readonly string[]): Promise<void> {
  const rooms = new RoomsRepository(db);
  for (const roomId of roomIds) await rooms.create(BENCH_SITE, roomId, roomId);
}

/** Where a room's seeded messages are dated from: message seq is `seq` seconds after it, whatever the room's size. */
const HISTORY_STARTS_AT = Date.UTC(2020, 0, 1);

/**
 * Adds messages `from`…`to` (seqs) to a room of the bench site, by `authors` in turn, `chunk` to an insertMany
 * (documents are built a chunk at a time, so a million never sit in memory at once), then moves the room's counter
 * past them. The room must exist (RoomsRepository.create); call again with the next seqs to grow it.
 */
export async function seedMessages(
  db: Db,
  roomId: string,
  seqs: { from: number; to: number },
  authors: readonly SeededUser[],
  chunk = CHUNK,
): Promise<void> {
  const messages = db.collection<MessageDocument>('messages');
  const messageOf = (seq: number): MessageDocument => {
    const author = authors[seq % authors.length]!;
    // no sends' claims beside them: nobody retries a seeded message
    return {
      _id: messageKey(BENCH_SITE, roomId, seq),
      siteId: BENCH_SITE,
      roomId,
      seq,
      author: { id: author.id, displayName: author.displayName },
      text: `message ${seq}: a line of history about the length of a chat message, give or take`,
      clientMsgId: `seed-${String(seq).padStart(8, '0')}`,
      createdAt: new Date(HISTORY_STARTS_AT + seq * 1000),
    };
  };
  for (let first = seqs.from; first <= seqs.to; first += chunk) {
    const last = Math.min(seqs.to, first + chunk - 1);
    await messages.insertMany(Array.from({ length: last - first + 1 }, (_, index) => messageOf(first + index)));
  }
  // the counter the next send would take its seq from
  await new RoomsRepository(db).repairSeq(BENCH_SITE, roomId, seqs.to);
}

/** A room of the bench site holding `count` messages (seq 1…count) by `authors` in turn, and its counter set past them. */
export async function seedRoomWithMessages(db: Db, roomId: string, count: number, authors: readonly SeededUser[], chunk = CHUNK): Promise<void> {
  await new RoomsRepository(db).create(BENCH_SITE, roomId, roomId);
  if (count > 0) await seedMessages(db, roomId, { from: 1, to: count }, authors, chunk);
}
