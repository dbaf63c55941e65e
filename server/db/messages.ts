import { type Collection, type Db, type FindCursor, MongoBulkWriteError, ObjectId } from 'mongodb';
import type { Author, Message } from '../../sdk/protocol';
import { isDuplicateKey } from '../errors';

export interface MessageDocument {
  _id: ObjectId;
  siteId: string;
  roomId: string;
  seq: number;
  author: Author;
  text: string;
  clientMsgId: string;
  createdAt: Date;
  editedAt?: Date;
  /** A tombstone: the text is gone, the seq stays so history and catch-up remain gap-free. */
  deletedAt?: Date;
  deletedBy?: string;
}

export const presentMessage = (message: MessageDocument): Message => ({
  id: message._id.toHexString(),
  seq: message.seq,
  roomId: message.roomId,
  author: { id: message.author.id, displayName: message.author.displayName },
  text: message.text,
  clientMsgId: message.clientMsgId,
  createdAt: message.createdAt.toISOString(),
  ...(message.editedAt ? { editedAt: message.editedAt.toISOString() } : {}),
  ...(message.deletedAt ? { deletedAt: message.deletedAt.toISOString() } : {}),
});

/** The seq a message was to be stored under belongs to another message: take a new one. */
export class SeqTakenError extends Error {
  override readonly name = 'SeqTakenError';

  constructor(
    readonly seq: number,
    options: { cause: unknown },
  ) {
    super(`seq ${seq} is taken`, options);
  }
}

export class MessagesRepository {
  private readonly messages: Collection<MessageDocument>;

  constructor(db: Db) {
    this.messages = db.collection<MessageDocument>('messages');
  }

  /**
   * Stores a message under a seq taken by the caller. A retry with the same clientMsgId
   * hits the unique index and gets the stored message back instead of a second copy;
   * a seq that another message holds already throws SeqTakenError.
   */
  async insert(message: Omit<MessageDocument, '_id'>): Promise<MessageDocument> {
    const document: MessageDocument = { _id: new ObjectId(), ...message };
    try {
      await this.messages.insertOne(document);
      return document;
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      const stored = await this.findSent(message.siteId, message.roomId, message.author.id, message.clientMsgId);
      if (!stored) throw new SeqTakenError(message.seq, { cause: error });
      return stored;
    }
  }

  /**
   * Stores a batch of messages under seqs taken by the caller, in one round trip (unordered: one message that
   * fails does not keep the others out). Answers per message, in order, as `insert` does: the stored message (for
   * a retry whose first attempt is stored, that one), a SeqTakenError, or the error that kept it out.
   */
  async insertMany(messages: ReadonlyArray<Omit<MessageDocument, '_id'>>): Promise<Array<MessageDocument | Error>> {
    const documents: MessageDocument[] = messages.map((message) => ({ _id: new ObjectId(), ...message }));
    try {
      await this.messages.insertMany(documents, { ordered: false });
      return documents;
    } catch (error) {
      // anything but per-document errors (a lost connection, an unconfirmed write concern): none counts as stored
      if (!(error instanceof MongoBulkWriteError) || error.result.getWriteConcernError()) return documents.map(() => asError(error));
      const results: Array<MessageDocument | Error> = [...documents];
      const duplicates: number[] = [];
      for (const { index, code } of error.result.getWriteErrors()) {
        results[index] = code === DUPLICATE_KEY ? new SeqTakenError(documents[index]!.seq, { cause: error }) : error;
        if (code === DUPLICATE_KEY) duplicates.push(index);
      }
      if (duplicates.length === 0) return results;
      // a duplicate is a retry of a stored message, or else its seq was taken: one read tells them apart
      const stored = await this.messages.find({ $or: duplicates.map((index) => sentKey(documents[index]!)) }).toArray();
      for (const index of duplicates) results[index] = stored.find((message) => sameSend(message, documents[index]!)) ?? results[index]!;
      return results;
    }
  }

  /** The message a client sent under `clientMsgId`, if it was stored: how a retry finds its first attempt. */
  findSent(siteId: string, roomId: string, authorId: string, clientMsgId: string): Promise<MessageDocument | null> {
    return this.messages.findOne({ siteId, roomId, 'author.id': authorId, clientMsgId });
  }

  findBySeq(siteId: string, roomId: string, seq: number): Promise<MessageDocument | null> {
    return this.messages.findOne({ siteId, roomId, seq });
  }

  /** Replaces the text of the author's own message, unless it was deleted; null when there is no such message. */
  edit(siteId: string, roomId: string, seq: number, authorId: string, text: string): Promise<MessageDocument | null> {
    return this.messages.findOneAndUpdate(
      { siteId, roomId, seq, 'author.id': authorId, deletedAt: { $exists: false } },
      { $set: { text, editedAt: new Date() } },
      { returnDocument: 'after' },
    );
  }

  /**
   * Turns a message into a tombstone: the text is erased, the seq and author stay. `authorId` limits it to that
   * author's messages (members); without it any message goes (admins). Null when there is no such message.
   */
  delete(siteId: string, roomId: string, seq: number, deletedBy: string, authorId?: string): Promise<MessageDocument | null> {
    return this.messages.findOneAndUpdate(
      { siteId, roomId, seq, deletedAt: { $exists: false }, ...(authorId === undefined ? {} : { 'author.id': authorId }) },
      { $set: { text: '', deletedAt: new Date(), deletedBy } },
      { returnDocument: 'after' },
    );
  }

  async deleteBySite(siteId: string): Promise<number> {
    return (await this.messages.deleteMany({ siteId })).deletedCount;
  }

  /** The room's highest stored seq (0 when empty), served by the {siteId, roomId, seq} index. */
  async highestSeq(siteId: string, roomId: string): Promise<number> {
    const [newest] = await this.before(siteId, roomId, undefined, 1);
    return newest?.seq ?? 0;
  }

  /**
   * Oldest first after a seq, served by the {siteId, roomId, seq} index. Stops reading once the texts read weigh
   * more than `maxBytes` (the last one read crosses it), so a page of big messages is never read whole.
   */
  after(siteId: string, roomId: string, afterSeq: number, limit: number, maxBytes = Infinity): Promise<MessageDocument[]> {
    return readUpTo(this.messages.find({ siteId, roomId, seq: { $gt: afterSeq } }).sort({ seq: 1 }).limit(limit), limit, maxBytes);
  }

  /** Newest first, served by the {siteId, roomId, seq} index; `maxBytes` as for after(). */
  before(siteId: string, roomId: string, before: number | undefined, limit: number, maxBytes = Infinity): Promise<MessageDocument[]> {
    const cursor = this.messages
      .find({ siteId, roomId, ...(before === undefined ? {} : { seq: { $lt: before } }) })
      .sort({ seq: -1 })
      .limit(limit);
    return readUpTo(cursor, limit, maxBytes);
  }
}

// how many messages one round trip reads when a page may stop early (at most ~400 KB of 4,000-character texts)
const PAGE_BATCH = 25;

/** The cursor's documents until their texts weigh more than `maxBytes` (UTF-8): the one that crosses it included. */
async function readUpTo(cursor: FindCursor<MessageDocument>, limit: number, maxBytes: number): Promise<MessageDocument[]> {
  if (maxBytes === Infinity) return cursor.toArray();
  const found: MessageDocument[] = [];
  let bytes = 0;
  try {
    for await (const message of cursor.batchSize(Math.min(limit, PAGE_BATCH))) {
      found.push(message);
      bytes += Buffer.byteLength(message.text);
      if (bytes > maxBytes) break;
    }
  } finally {
    await cursor.close();
  }
  return found;
}

const DUPLICATE_KEY = 11000;
const asError = (error: unknown): Error => (error instanceof Error ? error : new Error(String(error)));
/** The unique key of a send: the same clientMsgId from the same author in the same room. */
const sentKey = (message: MessageDocument) => ({ siteId: message.siteId, roomId: message.roomId, 'author.id': message.author.id, clientMsgId: message.clientMsgId });
const sameSend = (a: MessageDocument, b: MessageDocument) =>
  a.siteId === b.siteId && a.roomId === b.roomId && a.author.id === b.author.id && a.clientMsgId === b.clientMsgId;
