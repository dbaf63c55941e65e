import { type Collection, type Db, type Document, type Filter, MongoBulkWriteError, MongoServerError } from 'mongodb';
import type { Logger } from 'pino';
import { isDuplicateKey } from '../errors';
import { type MessageDocument, messageKey, type SendDocument, sendKey } from './messages';
import { type RoomDocument, roomKey } from './rooms';
import { type UserDocument, type UsernameDocument, usernameKey } from './users';

/**
 * Data written before messages and rooms were keyed by their place (docs/decisions.md, "Messages keyed by their
 * place") is moved to the keyed shape once, at start, before the server takes requests: rooms and messages get their
 * keys as `_id`, every stored send its record, and the indexes the keys replace are dropped. Safe to repeat (a start
 * that died half-way goes on where it was) and cheap once done: one read by `_id` of the `migrations` collection.
 */
export async function migrate(db: Db, log: Logger): Promise<void> {
  const done = db.collection<{ _id: string; doneAt: Date }>('migrations');
  if (await done.findOne({ _id: KEYED_DOCUMENTS })) return;

  // the unique indexes of the old shape would refuse the keyed copy of a document beside the original (and the copy
  // would be skipped as made already, then the original deleted: check insertIgnoringDuplicates before changing this)
  for (const [collection, index] of OLD_INDEXES) await dropIndex(db, collection, index);
  await rekey(db.collection('rooms'), 'rooms', log, (room: Omit<RoomDocument, '_id'>) => ({ ...room, _id: roomKey(room.siteId, room.roomId) }));
  const sends = db.collection<SendDocument>('sends');
  await rekey(
    db.collection('messages'),
    'messages',
    log,
    (message: Omit<MessageDocument, '_id'>) => ({ ...message, _id: messageKey(message.siteId, message.roomId, message.seq) }),
    // each stored send's record, so a retry of a message sent before the upgrade is still answered with it
    (batch) =>
      insertIgnoringDuplicates(
        sends,
        batch.map(({ siteId, roomId, seq, author, clientMsgId }) => ({ _id: sendKey(siteId, roomId, author.id, clientMsgId), siteId, roomId, seq })),
      ),
  );
  await claimUsernames(db, log);
  // nodes starting together may both get here: the second upsert finds the first's insert, and that is fine
  await done.updateOne({ _id: KEYED_DOCUMENTS }, { $set: { doneAt: new Date() } }, { upsert: true }).catch((error: unknown) => {
    if (!isDuplicateKey(error)) throw error;
  });
}

const KEYED_DOCUMENTS = 'keyed-documents';
const OLD_INDEXES = [
  ['rooms', 'site_room'],
  ['messages', 'site_room_seq'],
  // made again by ensureIndexes once the copies are in and the originals gone
  ['messages', 'site_room_author_client_msg'],
] as const;
const BATCH = 1_000;
// a line of progress at least this often (documents)
const REPORT_EVERY = 20_000;

/**
 * Copies every document of `collection` whose `_id` is an ObjectId (the old shape) under its key, then deletes the
 * originals: copies first, so a start that dies half-way loses nothing, and the next one skips the copies made.
 */
async function rekey<Old extends Document, New extends { _id: string }>(
  collection: Collection,
  name: string,
  log: Logger,
  keyed: (old: Old) => New,
  alongside?: (batch: New[]) => Promise<void>,
): Promise<void> {
  const old = { _id: { $type: 'objectId' as const } };
  const total = await collection.countDocuments(old);
  if (total === 0) return;
  log.info({ collection: name, documents: total }, `migrating ${total} ${name} to keyed documents (once)…`);
  let moved = 0;
  let reported = 0;
  let batch: New[] = [];
  const flush = async () => {
    const copies = collection as unknown as Collection<New>;
    await insertIgnoringDuplicates(copies, batch);
    // every copy must be there before any original goes: a duplicate on another unique index would skip one
    const there = await copies.countDocuments({ _id: { $in: batch.map((document) => document._id) } } as Filter<New>);
    if (there !== batch.length) throw new Error(`migrating ${name}: ${batch.length - there} of ${batch.length} copies were not written; nothing was deleted`);
    await alongside?.(batch);
    moved += batch.length;
    batch = [];
    if (moved - reported >= REPORT_EVERY || moved === total) {
      reported = moved;
      log.info({ collection: name, moved, total }, `migrated ${moved} of ${total} ${name} (${Math.floor((moved / total) * 100)} %)`);
    }
  };
  for await (const document of collection.find(old).batchSize(BATCH)) {
    batch.push(keyed(document as unknown as Old));
    if (batch.length === BATCH) await flush();
  }
  if (batch.length > 0) await flush();
  await collection.deleteMany(old);
}

/** Every user's username claim (server/db/users.ts, UsernameDocument), so logins find them by `_id`. */
async function claimUsernames(db: Db, log: Logger): Promise<void> {
  const usernames = db.collection<UsernameDocument>('usernames');
  let batch: UsernameDocument[] = [];
  let claimed = 0;
  for await (const user of db.collection<UserDocument>('users').find({}, { projection: { siteId: 1, usernameKey: 1 } }).batchSize(BATCH)) {
    batch.push({ _id: usernameKey(user.siteId, user.usernameKey), userId: user._id });
    if (batch.length === BATCH) {
      await insertIgnoringDuplicates(usernames, batch.splice(0));
      claimed += BATCH;
    }
  }
  await insertIgnoringDuplicates(usernames, batch);
  claimed += batch.length;
  if (claimed > 0) log.info({ collection: 'usernames', documents: claimed }, `claimed the usernames of ${claimed} users`);
}

/** insertMany, unordered; a document whose `_id` is there already (a copy made by an earlier, interrupted start) is skipped. */
async function insertIgnoringDuplicates<T extends { _id: string }>(collection: Collection<T>, documents: T[]): Promise<void> {
  if (documents.length === 0) return;
  try {
    await collection.insertMany(documents as unknown as Parameters<Collection<T>['insertMany']>[0], { ordered: false });
  } catch (error) {
    if (!(error instanceof MongoBulkWriteError) || error.result.getWriteErrors().some((writeError) => !isDuplicateKey({ code: writeError.code }))) throw error;
  }
}

async function dropIndex(db: Db, collection: string, index: string): Promise<void> {
  try {
    await db.collection(collection).dropIndex(index);
  } catch (error) {
    // already gone, or no such collection (a new database)
    if (!(error instanceof MongoServerError) || !INDEX_GONE.has(error.code ?? 0)) throw error;
  }
}

const INDEX_GONE = new Set<number | string>([26, 27]); // NamespaceNotFound, IndexNotFound
