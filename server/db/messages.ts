import { type Collection, type Db, ObjectId } from 'mongodb';
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

  /** Oldest first after a seq, served by the {siteId, roomId, seq} index. */
  after(siteId: string, roomId: string, afterSeq: number, limit: number): Promise<MessageDocument[]> {
    return this.messages.find({ siteId, roomId, seq: { $gt: afterSeq } }).sort({ seq: 1 }).limit(limit).toArray();
  }

  /** Newest first, served by the {siteId, roomId, seq} index. */
  before(siteId: string, roomId: string, before: number | undefined, limit: number): Promise<MessageDocument[]> {
    return this.messages
      .find({ siteId, roomId, ...(before === undefined ? {} : { seq: { $lt: before } }) })
      .sort({ seq: -1 })
      .limit(limit)
      .toArray();
  }
}
