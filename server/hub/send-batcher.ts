import type { Logger } from 'pino';
import type { Attachment, Author } from '../../sdk/protocol';
import { type MessageDocument, type MessagesRepository, SeqTakenError, type Stored, sendKey as sendKeyOf } from '../db/messages';
import type { ReplyDocument } from '../db/replies';
import type { RoomsRepository } from '../db/rooms';
import { AppError } from '../errors';

/** A message to store: what the handler has validated and authorised. */
export interface Send {
  siteId: string;
  roomId: string;
  author: Author;
  text: string;
  clientMsgId: string;
  /** Whether the author posts in a paused room (admins); asked only there. Without it, they do not. */
  moderator?: () => Promise<boolean>;
  /** Stored hidden pending review (held by the word filter). */
  hidden?: boolean;
  /** Replies: the message this one answers. */
  replyTo?: ReplyDocument;
  /** Mentions: user ids, and 'here'. */
  mentions?: string[];
  attachments?: Attachment[];
}

/** The batcher was closed (the server is stopping): the client should send again, to this node or another. */
export class SendBatcherClosedError extends AppError {
  override readonly name = 'SendBatcherClosedError';

  constructor() {
    super('unavailable', 'the server is shutting down; try again');
  }
}

const notModerator = () => Promise.resolve(false);

// a batch is one findOneAndUpdate and one insertMany: big enough for a busy room, small enough to stay one quick write
const MAX_BATCH = 100;
// a seq found taken (a database without atomic updates, across nodes) is repaired and taken again, this many times
const MAX_SEQ_ATTEMPTS = 5;

/** One message on its way to the database, and the sends waiting for it: its first attempt and any retry of it. */
interface Pending {
  send: Send;
  /** Author and clientMsgId: what makes two sends one message. */
  key: string;
  /** The same, as the database keys the send's record (sendKey). */
  recordKey: string;
  /** Broadcasts the stored message; the first send's, once. */
  onStored(message: MessageDocument): void;
  answers: Array<{ resolve(message: MessageDocument): void; reject(error: Error): void }>;
  settled: boolean;
}

/** A room with a batch in flight: the messages waiting for it, and every message not answered yet, by send key. */
interface RoomLine {
  siteId: string;
  roomId: string;
  waiting: Pending[];
  unanswered: Map<string, Pending>;
}

/**
 * Group commit for message sends. Each send takes a seq from the room document and is then inserted, so one
 * room's write rate was bound by database latency: two round trips per message, one after another (the room
 * document takes one write at a time, see `RoomsRepository.queued`). Here the sends that arrive while the room's
 * previous batch is being written wait for it and go together: one read of the sends' records by `_id` (repeats of
 * a stored send are answered from it, taking no seq), one `$inc` of n seqs (carrying the archive and mute checks),
 * one insert of the messages and one of their records. A lone send in an idle room starts at once.
 *
 * Within a batch seqs follow arrival order; a room's batches run one after another on this node, and each
 * message is announced (`onStored`) after its insert, in seq order, before its sender's promise resolves.
 *
 * @example
 * const stored = await sends.commit({ siteId, roomId, author, text, clientMsgId }, (message) => broadcast(message));
 */
export class SendBatcher {
  // the rooms with a batch in flight on this node
  private readonly lines = new Map<string, RoomLine>();
  private readonly draining = new Set<Promise<void>>();
  private closed = false;

  constructor(
    private readonly rooms: RoomsRepository,
    private readonly messages: MessagesRepository,
    private readonly log: Logger,
    /** Told of each message this node wrote (the site's activity counts). */
    private readonly onWritten: (message: MessageDocument) => void = () => undefined,
  ) {}

  /**
   * Stores a message under the room's next seq and resolves with it once it is in the database. A send of a
   * message already stored or on its way (same author and clientMsgId: a retry) resolves with that message.
   * `onStored` runs first, once per message this node wrote, in seq order per room: never for a repeat of a stored send.
   * Rejects with the room's refusal (`forbidden`, `not_found`), a database error, or SendBatcherClosedError.
   */
  commit(send: Send, onStored: (message: MessageDocument) => void): Promise<MessageDocument> {
    if (this.closed) return Promise.reject(new SendBatcherClosedError());
    return new Promise((resolve, reject) => {
      const roomKey = JSON.stringify([send.siteId, send.roomId]);
      let line = this.lines.get(roomKey);
      const idle = !line;
      line ??= { siteId: send.siteId, roomId: send.roomId, waiting: [], unanswered: new Map() };
      this.lines.set(roomKey, line);

      const sendKey = JSON.stringify([send.author.id, send.clientMsgId]);
      const same = line.unanswered.get(sendKey);
      if (same) {
        // a retry racing its first attempt: one message, one seq, both answered with it
        same.answers.push({ resolve, reject });
      } else {
        const recordKey = sendKeyOf(send.siteId, send.roomId, send.author.id, send.clientMsgId);
        const pending: Pending = { send, key: sendKey, recordKey, onStored, answers: [{ resolve, reject }], settled: false };
        line.unanswered.set(sendKey, pending);
        line.waiting.push(pending);
      }
      if (idle) {
        // an idle room: this send is a batch of one, written now
        const drained = this.drain(roomKey, line).finally(() => this.draining.delete(drained));
        this.draining.add(drained);
      }
    });
  }

  /** Refuses new sends and those still waiting; resolves once the batches in flight are stored. */
  async close(): Promise<void> {
    this.closed = true;
    for (const line of this.lines.values()) for (const pending of line.waiting.splice(0)) this.settle(line, pending, new SendBatcherClosedError());
    await Promise.all(this.draining);
  }

  /** Writes a room's waiting messages, a batch at a time, until none is left. */
  private async drain(roomKey: string, line: RoomLine): Promise<void> {
    while (line.waiting.length > 0) {
      const batch = line.waiting.splice(0, MAX_BATCH);
      // a failed read or write fails the messages of the batch not answered yet
      await this.store(line, batch).catch((error: unknown) => {
        for (const pending of batch) this.settle(line, pending, error instanceof Error ? error : new Error(String(error)));
      });
    }
    this.lines.delete(roomKey);
  }

  /**
   * Stores a batch: sends stored before (repeats, found by their records) are answered with their message and take no
   * seq; the others take consecutive seqs and are inserted, then recorded. A message is announced by the call that
   * wrote it, so a repeat is never announced again.
   */
  private async store(line: RoomLine, batch: Pending[]): Promise<void> {
    const { siteId, roomId } = line;
    const sent = await this.messages.findSentMany(siteId, roomId, batch.map((pending) => pending.recordKey));
    let open: Pending[] = [];
    for (const pending of batch) {
      const message = sent.get(pending.recordKey);
      if (message) this.settle(line, pending, { message, fresh: false });
      else open.push(pending);
    }

    for (let attempt = 1; open.length > 0; attempt += 1) {
      // refuses archived or paused rooms and muted authors in the same write; the others' seqs are consecutive
      const seqs = await this.rooms.takeSeqs(siteId, roomId, open.map(({ send }) => ({ id: send.author.id, moderator: send.moderator ?? notModerator })));
      const taken: Array<{ pending: Pending; seq: number }> = [];
      open.forEach((pending, index) => {
        const seq = seqs[index]!;
        if (typeof seq === 'number') taken.push({ pending, seq });
        else this.settle(line, pending, seq);
      });
      if (taken.length === 0) return;

      const createdAt = new Date();
      const results = await this.messages.insertMany(
        taken.map(({ pending: { send }, seq }) => ({
          siteId,
          roomId,
          seq,
          author: send.author,
          text: send.text,
          clientMsgId: send.clientMsgId,
          createdAt,
          ...(send.hidden ? { hiddenAt: createdAt } : {}),
          ...(send.replyTo ? { replyTo: send.replyTo } : {}),
          ...(send.mentions?.length ? { mentions: send.mentions } : {}),
          ...(send.attachments?.length ? { attachments: send.attachments } : {}),
        })),
      );
      // recorded before they are acked, so a retry after the ack finds them by `_id`; without its record a message is
      // still stored once (the send's unique index), so a failed record fails no send
      const fresh = results.flatMap((result) => (result instanceof Error || !result.fresh ? [] : [result.message]));
      await this.messages.recordSends(fresh).catch((error: unknown) => this.log.warn({ err: error, siteId, roomId }, 'recording sends failed; repeats will be found the slow way'));
      // in seq order, so this node announces the room's messages in order
      open = [];
      results.forEach((result, index) => {
        const { pending } = taken[index]!;
        if (result instanceof SeqTakenError && attempt < MAX_SEQ_ATTEMPTS) open.push(pending);
        else this.settle(line, pending, result);
      });
      // only where the counter fell behind the messages (a database without atomic $inc, across nodes)
      if (open.length > 0) {
        this.log.warn({ siteId, roomId, messages: open.length }, 'seqs taken twice; moving the room counter past the stored messages');
        const counter = Math.min(...open.map((pending) => taken.find((entry) => entry.pending === pending)!.seq));
        await this.rooms.repairSeq(siteId, roomId, await this.messages.highestSeqFrom(siteId, roomId, counter));
      }
    }
  }

  /** Answers every send of a message, once: a message this node wrote is announced first, then each is resolved. */
  private settle(line: RoomLine, pending: Pending, result: Stored | Error): void {
    if (pending.settled) return;
    pending.settled = true;
    line.unanswered.delete(pending.key);
    if (result instanceof Error) {
      for (const { reject } of pending.answers) reject(result);
      return;
    }
    if (result.fresh) {
      this.onWritten(result.message);
      try {
        pending.onStored(result.message);
      } catch (error) {
        this.log.warn({ err: error }, 'announcing a stored message failed');
      }
    }
    for (const { resolve } of pending.answers) resolve(result.message);
  }
}
