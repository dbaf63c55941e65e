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
}

export const presentMessage = (message: MessageDocument): Message => ({
  id: message._id.toHexString(),
  seq: message.seq,
  roomId: message.roomId,
  author: { id: message.author.id, displayName: message.author.displayName },
  text: message.text,
  clientMsgId: message.clientMsgId,
  createdAt: message.createdAt.toISOString(),
});

export class MessagesRepository {
  private readonly messages: Collection<MessageDocument>;

  constructor(db: Db) {
    this.messages = db.collection<MessageDocument>('messages');
  }

  /**
   * Stores a message under a seq taken by the caller. A retry with the same clientMsgId
   * hits the unique index and gets the stored message back instead of a second copy.
   */
  async insert(message: Omit<MessageDocument, '_id'>): Promise<MessageDocument> {
    const document: MessageDocument = { _id: new ObjectId(), ...message };
    try {
      await this.messages.insertOne(document);
      return document;
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      const stored = await this.messages.findOne({
        siteId: message.siteId,
        roomId: message.roomId,
        'author.id': message.author.id,
        clientMsgId: message.clientMsgId,
      });
      if (!stored) throw error;
      return stored;
    }
  }

  async deleteBySite(siteId: string): Promise<number> {
    return (await this.messages.deleteMany({ siteId })).deletedCount;
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
