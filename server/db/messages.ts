import { type Collection, type Db, type Filter, MongoBulkWriteError } from 'mongodb';
import type { Attachment, Author, Message } from '../../sdk/protocol';
import { isDuplicateKey } from '../errors';
import { type RoomDocument, roomKey } from './rooms';
import { presentReactions, type ReactionFields } from './reactions';
import { presentMentions, presentReplyTo, type ReplyDocument } from './replies';

/**
 * A stored message. Its `_id` is its place: `<site>:<room>:<seq, 12 digits>` (messageKey), so every read of the hot
 * paths — a history page, a catch-up, an edit — names the documents it wants by `_id`: index seeks on MongoDB, and
 * the only lookups the embedded database serves from an index (docs/decisions.md, "Messages keyed by their place").
 */
export interface MessageDocument {
  _id: string;
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
  /** Hidden pending review (reports): the text is kept for moderators and shown to nobody else. */
  hiddenAt?: Date;
  /** Replies: the message this one answers (server/db/replies.ts). */
  replyTo?: ReplyDocument;
  /** Mentions: user ids, and 'here'. */
  mentions?: string[];
  /** Erased (its author's account deleted, or the site's retention): a tombstone with no author name left. */
  erasedAt?: Date;
  /** Images (server/db/uploads.ts): what the upload records said when the message was stored. */
  attachments?: Attachment[];
}

/**
 * Where a send was stored: `_id` is `<site>:<room>:<author>:<clientMsgId>` (sendKey). Written right after its
 * message, so a repeat of the send (a retry, or a client that sends again after a timeout) finds the stored message
 * by `_id` before taking a seq. A message stored without its record (the node died in between) is still stored
 * once: the unique index on the send's fields refuses the copy, and the record is mended then.
 */
export interface SendDocument {
  _id: string;
  siteId: string;
  roomId: string;
  seq: number;
}

// ids are 1–40 of a-z, 0-9 and - (server/validation.ts), user ids hex and clientMsgIds [A-Za-z0-9_-]: no ':' inside
// a part, so a key names one message; 12 digits keep keys of one room in seq order as strings too
const SEQ_DIGITS = 12;
export const messageKey = (siteId: string, roomId: string, seq: number) => `${siteId}:${roomId}:${String(seq).padStart(SEQ_DIGITS, '0')}`;
export const sendKey = (siteId: string, roomId: string, authorId: string, clientMsgId: string) => `${siteId}:${roomId}:${authorId}:${clientMsgId}`;

/** A message as the room sees it: a hidden one without its text. */
export function presentMessage(message: MessageDocument): Message {
  const presented = presentToModerators(message);
  if (!message.hiddenAt || message.deletedAt) return presented;
  const { attachments: _hidden, ...shown } = presented;
  return { ...shown, text: '', hiddenAt: message.hiddenAt.toISOString() };
}

/** A message with its text, hidden or not (the reports queue). */
export const presentToModerators = (message: MessageDocument): Message => ({
  id: message._id,
  seq: message.seq,
  roomId: message.roomId,
  author: { id: message.author.id, displayName: message.author.displayName },
  text: message.text,
  clientMsgId: message.clientMsgId,
  createdAt: message.createdAt.toISOString(),
  ...(message.editedAt ? { editedAt: message.editedAt.toISOString() } : {}),
  ...(message.deletedAt ? { deletedAt: message.deletedAt.toISOString() } : {}),
  ...(message.hiddenAt && !message.deletedAt ? { hiddenAt: message.hiddenAt.toISOString() } : {}),
  ...presentReactions(message),
  ...(message.replyTo && !message.deletedAt ? { replyTo: presentReplyTo(message.replyTo) } : {}),
  ...presentMentions(message),
  ...(message.attachments?.length && !message.deletedAt ? { attachments: message.attachments.map((attachment) => ({ ...attachment })) } : {}),
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

/** What storing a message came to: this call wrote it (`fresh`, to be announced), or it was there already. */
export interface Stored {
  message: MessageDocument;
  fresh: boolean;
}

export type NewMessage = Omit<MessageDocument, '_id'>;

export class MessagesRepository {
  private readonly messages: Collection<MessageDocument>;
  private readonly sends: Collection<SendDocument>;
  private readonly rooms: Collection<Pick<RoomDocument, '_id' | 'lastSeq'>>;

  constructor(db: Db) {
    this.rooms = db.collection('rooms');
    this.messages = db.collection<MessageDocument>('messages');
    this.sends = db.collection<SendDocument>('sends');
  }

  /** The seqs these sends were stored under (sendKey → seq), of those recorded: one lookup by `_id`. */
  async sentSeqs(keys: readonly string[]): Promise<Map<string, number>> {
    if (keys.length === 0) return new Map();
    const found = await this.sends.find({ _id: { $in: [...keys] } }).toArray();
    return new Map(found.map((send) => [send._id, send.seq]));
  }

  /** Records where these messages' sends were stored, in one round trip (a record there already is left as it is). */
  async recordSends(messages: readonly MessageDocument[]): Promise<void> {
    const documents: SendDocument[] = messages.map(({ siteId, roomId, seq, author, clientMsgId }) => ({ _id: sendKey(siteId, roomId, author.id, clientMsgId), siteId, roomId, seq }));
    const results: Array<true | Error> = documents.map(() => true);
    await this.insertUnordered(this.sends, documents, results);
    const failed = results.find((result, index) => result instanceof Error && !duplicateAt(result, index));
    if (failed instanceof Error) throw failed;
  }

  /**
   * Stores a batch of messages under seqs taken by the caller, in one round trip (unordered: one message that fails
   * does not keep the others out). Answers per message, in order: stored (`fresh`: this call wrote it), the same
   * send's message stored before (a repeat whose record was missing: not fresh, its record mended), a SeqTakenError
   * when another message holds the seq, or the error that kept it out.
   */
  async insertMany(messages: readonly NewMessage[]): Promise<Array<Stored | Error>> {
    const documents: MessageDocument[] = messages.map((message) => ({ _id: messageKey(message.siteId, message.roomId, message.seq), ...message }));
    const results: Array<Stored | Error> = documents.map((message) => ({ message, fresh: true }));
    const duplicates = await this.insertUnordered(this.messages, documents, results);
    if (duplicates.length === 0) return results;
    // another message under that seq (`_id`), or this send stored before under another seq (the send's unique index)
    const atKey = new Set((await this.messages.find({ _id: { $in: duplicates.map((index) => documents[index]!._id) } }, { projection: { _id: 1 } }).toArray()).map((m) => m._id));
    const repeats: MessageDocument[] = [];
    for (const index of duplicates) {
      const wanted = documents[index]!;
      if (atKey.has(wanted._id)) {
        results[index] = new SeqTakenError(wanted.seq, { cause: results[index] });
        continue;
      }
      // rare (a node died between a message and its record, or one send raced itself on two nodes): a read by the
      // send's fields, which the embedded database answers by scanning
      const stored = await this.messages.findOne({ siteId: wanted.siteId, roomId: wanted.roomId, 'author.id': wanted.author.id, clientMsgId: wanted.clientMsgId });
      if (!stored) continue; // the duplicate-key error stands
      results[index] = { message: stored, fresh: false };
      repeats.push(stored);
    }
    if (repeats.length > 0) await this.recordSends(repeats);
    return results;
  }

  /** The message a client sent under `clientMsgId`, if it was stored: how a retry finds its first attempt. */
  async findSent(siteId: string, roomId: string, authorId: string, clientMsgId: string): Promise<MessageDocument | null> {
    const send = await this.sends.findOne({ _id: sendKey(siteId, roomId, authorId, clientMsgId) });
    return send ? this.findBySeq(siteId, roomId, send.seq) : null;
  }

  /** Every message of these sends stored and recorded, by sendKey: how a batch answers repeats. */
  async findSentMany(siteId: string, roomId: string, keys: readonly string[]): Promise<Map<string, MessageDocument>> {
    const seqs = await this.sentSeqs(keys);
    if (seqs.size === 0) return new Map();
    const stored = await this.findBySeqs(siteId, roomId, [...seqs.values()]);
    return new Map(stored.map((message) => [sendKey(siteId, roomId, message.author.id, message.clientMsgId), message]));
  }

  findBySeq(siteId: string, roomId: string, seq: number): Promise<MessageDocument | null> {
    return this.messages.findOne({ _id: messageKey(siteId, roomId, seq) });
  }

  /** The messages with these keys (messageKey), of any rooms, in no particular order. */
  findByKeys(keys: readonly string[]): Promise<MessageDocument[]> {
    if (keys.length === 0) return Promise.resolve([]);
    return this.messages.find({ _id: { $in: [...keys] } }).toArray();
  }

  /** The room's messages with these seqs (those stored), in no particular order. */
  findBySeqs(siteId: string, roomId: string, seqs: readonly number[]): Promise<MessageDocument[]> {
    if (seqs.length === 0) return Promise.resolve([]);
    return this.messages.find({ _id: { $in: seqs.map((seq) => messageKey(siteId, roomId, seq)) } }).toArray();
  }

  /** The author's messages (not deleted) among the room's seqs, in no particular order: the keys read by `_id`, the author checked beside them. */
  findBySeqsOf(siteId: string, roomId: string, seqs: readonly number[], authorId: string): Promise<MessageDocument[]> {
    if (seqs.length === 0) return Promise.resolve([]);
    return this.messages.find({ _id: { $in: seqs.map((seq) => messageKey(siteId, roomId, seq)) }, 'author.id': authorId, deletedAt: { $exists: false } }).toArray();
  }

  /**
   * Replaces the text of the author's own message, unless it was deleted, and hides it when `hide` (held for
   * review); null when there is no such message.
   */
  edit(siteId: string, roomId: string, seq: number, authorId: string, text: string, hide = false): Promise<MessageDocument | null> {
    const editedAt = new Date();
    return this.messages.findOneAndUpdate(
      { _id: messageKey(siteId, roomId, seq), 'author.id': authorId, deletedAt: { $exists: false } },
      { $set: { text, editedAt, ...(hide ? { hiddenAt: editedAt } : {}) } },
      { returnDocument: 'after' },
    );
  }

  /**
   * Turns a message into a tombstone: the text is erased, the seq and author stay. `authorId` limits it to that
   * author's messages (members); without it any message goes (admins). Null when there is no such message.
   */
  delete(siteId: string, roomId: string, seq: number, deletedBy: string, authorId?: string): Promise<MessageDocument | null> {
    return this.messages.findOneAndUpdate(
      { _id: messageKey(siteId, roomId, seq), deletedAt: { $exists: false }, ...(authorId === undefined ? {} : { 'author.id': authorId }) },
      { $set: { text: '', deletedAt: new Date(), deletedBy } },
      { returnDocument: 'after' },
    );
  }

  /** Hides a message pending review; null when it is gone, deleted or hidden already (so it is announced once). */
  hide(siteId: string, roomId: string, seq: number): Promise<MessageDocument | null> {
    return this.messages.findOneAndUpdate(
      { _id: messageKey(siteId, roomId, seq), deletedAt: { $exists: false }, hiddenAt: { $exists: false } },
      { $set: { hiddenAt: new Date() } },
      { returnDocument: 'after' },
    );
  }

  /** Shows a hidden message again; null when it was not hidden. */
  unhide(siteId: string, roomId: string, seq: number): Promise<MessageDocument | null> {
    return this.messages.findOneAndUpdate({ _id: messageKey(siteId, roomId, seq), hiddenAt: { $exists: true } }, { $unset: { hiddenAt: '' } }, { returnDocument: 'after' });
  }

  /**
   * Visits the site's messages (those `filter` also matches), one at a time: data exports, erasure and retention, all
   * rare. A read of every message of the site (the embedded database scans for it).
   */
  async forEachOfSite(siteId: string, visit: (message: MessageDocument & ReactionFields) => Promise<void> | void, filter: Filter<MessageDocument> = {}): Promise<void> {
    for await (const message of this.messages.find<MessageDocument & ReactionFields>({ siteId, ...filter })) await visit(message);
  }

  /**
   * Erases a message for good: a tombstone (same seq, so history stays gap-free) without text, images, reactions,
   * mentions, the excerpt it quoted or its author's name. Null when there is no such message.
   */
  erase(message: Pick<MessageDocument, '_id' | 'deletedAt'>, by: string): Promise<MessageDocument | null> {
    const now = new Date();
    return this.messages.findOneAndUpdate(
      { _id: message._id },
      {
        $set: { text: '', deletedAt: message.deletedAt ?? now, deletedBy: by, 'author.displayName': '', erasedAt: now },
        $unset: { attachments: '', reactions: '', reactionOrder: '', mentions: '', replyTo: '', hiddenAt: '' },
      },
      { returnDocument: 'after' },
    );
  }

  /** A reply to an erased user's message keeps the seq it answered, and no word or name of theirs. */
  async forgetQuotedAuthor(message: Pick<MessageDocument, '_id'>): Promise<void> {
    await this.messages.updateOne({ _id: message._id }, { $set: { 'replyTo.excerpt': '', 'replyTo.author.displayName': '', 'replyTo.deleted': true } });
  }

  /** Takes a user's reactions off a message (their account is erased): `reactions` as they are to be. */
  async setReactions(message: Pick<MessageDocument, '_id'>, reactions: Record<string, string[]>, order: string[]): Promise<void> {
    await this.messages.updateOne({ _id: message._id }, order.length > 0 ? { $set: { reactions, reactionOrder: order } } : { $unset: { reactions: '', reactionOrder: '' } });
  }

  async deleteBySite(siteId: string): Promise<number> {
    await this.sends.deleteMany({ siteId });
    return (await this.messages.deleteMany({ siteId })).deletedCount;
  }

  /**
   * The highest seq stored at or above `from` (`from` itself when none is): how a room counter that fell behind its
   * messages is moved past them. Reads upwards a batch of keys at a time while it finds some.
   */
  async highestSeqFrom(siteId: string, roomId: string, from: number): Promise<number> {
    let highest = from;
    for (;;) {
      const seqs = range(highest + 1, highest + PROBE_BATCH);
      const found = await this.findBySeqs(siteId, roomId, seqs);
      if (found.length === 0) return highest;
      highest = Math.max(...found.map((message) => message.seq));
    }
  }

  /**
   * Oldest first, after `afterSeq` up to `lastSeq` (the room's counter): up to `limit` messages, a batch of keys at a
   * time, skipping seqs never stored. Stops once the texts read weigh more than `maxBytes` (the last one read crosses
   * it), so a page of big messages is never read whole.
   */
  async after(siteId: string, roomId: string, afterSeq: number, lastSeq: number, limit: number, maxBytes = Infinity): Promise<MessageDocument[]> {
    // nothing after the counter (a range read forwards past it would turn round and read the newest again)
    if (afterSeq >= lastSeq) return [];
    return this.readSeqs(siteId, roomId, { from: afterSeq + 1, to: lastSeq }, limit, maxBytes);
  }

  /**
   * Newest first, before `before` (down to seq 1; without it, from the room's newest), as after() reads: a full page
   * unless the room's start is reached.
   */
  async before(siteId: string, roomId: string, before: number | undefined, limit: number, maxBytes = Infinity): Promise<MessageDocument[]> {
    const top = before ?? (await this.lastSeq(siteId, roomId)) + 1;
    // nothing before the first message (a range read backwards from 0 would turn round and read seq 1 again)
    if (top <= 1) return [];
    return this.readSeqs(siteId, roomId, { from: top - 1, to: 1 }, limit, maxBytes);
  }

  /** The room's counter: the highest seq taken (0 for no room). */
  private async lastSeq(siteId: string, roomId: string): Promise<number> {
    return (await this.rooms.findOne({ _id: roomKey(siteId, roomId) }, { projection: { lastSeq: 1 } }))?.lastSeq ?? 0;
  }

  /**
   * Reads the seqs from `from` towards `to` (either direction, both included) in batches of keys; see after(). The
   * first batch of a page that may stop on its bytes is small; later ones are sized by the bytes still allowed and
   * the messages read so far, so a catch-up of 500 short messages is a few round trips, not twenty.
   */
  private async readSeqs(siteId: string, roomId: string, { from, to }: { from: number; to: number }, limit: number, maxBytes: number): Promise<MessageDocument[]> {
    const step = from <= to ? 1 : -1;
    const found: MessageDocument[] = [];
    let bytes = 0;
    let next = from;
    while (found.length < limit && (to - next) * step >= 0) {
      const affordable = maxBytes === Infinity ? limit : found.length === 0 ? FIRST_BATCH : Math.floor((maxBytes - bytes) / Math.max(1, bytes / found.length)) + 1;
      const count = Math.min(limit - found.length, Math.max(1, Math.min(affordable, MAX_BATCH)), Math.abs(to - next) + 1);
      const seqs = Array.from({ length: count }, (_, k) => next + k * step);
      next += count * step;
      const batch = (await this.findBySeqs(siteId, roomId, seqs)).sort((a, b) => (a.seq - b.seq) * step);
      for (const message of batch) {
        found.push(message);
        bytes += Buffer.byteLength(message.text);
        if (bytes > maxBytes) return found;
      }
    }
    return found;
  }

  /**
   * insertMany, unordered, that fills `results` with the errors of the documents kept out; answers the indexes kept
   * out by a duplicate `_id`. Anything but per-document errors (a lost connection, an unconfirmed write concern)
   * fails them all: none counts as stored.
   */
  private async insertUnordered<T extends { _id: string }, R>(collection: Collection<T>, documents: T[], results: Array<R | Error>): Promise<number[]> {
    if (documents.length === 0) return [];
    try {
      // the driver's OptionalUnlessRequiredId<T> for a T whose _id is required: the documents themselves
      await collection.insertMany(documents as unknown as Parameters<Collection<T>['insertMany']>[0], { ordered: false });
      return [];
    } catch (error) {
      if (!(error instanceof MongoBulkWriteError) || error.result.getWriteConcernError()) {
        documents.forEach((_, index) => (results[index] = asError(error)));
        return [];
      }
      const duplicates: number[] = [];
      for (const writeError of error.result.getWriteErrors()) {
        if (isDuplicateKey({ code: writeError.code })) duplicates.push(writeError.index);
        results[writeError.index] = error;
      }
      return duplicates;
    }
  }
}

// the keys the first round trip of a page asks for when it may stop early on its bytes (at most ~400 KB of
// 4,000-character texts); later ones as many as the bytes left allow, judged by those read, up to MAX_BATCH (a
// history that turns from short texts to long ones still reads at most ~1.2 MB at a time)
const FIRST_BATCH = 25;
const MAX_BATCH = 100;
// how many keys past a room's counter one probe reads (highestSeqFrom)
const PROBE_BATCH = 100;

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, k) => from + k);
const duplicateAt = (error: Error, index: number) =>
  error instanceof MongoBulkWriteError && error.result.getWriteErrors().some((writeError) => writeError.index === index && isDuplicateKey({ code: writeError.code }));
const asError = (error: unknown): Error => (error instanceof Error ? error : new Error(String(error)));
