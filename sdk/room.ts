import type { Socket } from 'socket.io-client';
import { Emitter } from './emitter';
import { ChatError, toChatError } from './errors';
import type { HttpClient } from './http';
import { createClientMsgId } from './ids';
import { TYPING_THROTTLE_MS, TypingTracker } from './typing';
import type {
  Ack,
  ClientToServerEvents,
  JoinResult,
  Message,
  MuteResponse,
  PresenceUser,
  RoomInfo,
  ServerToClientEvents,
} from './protocol';

export type ChatSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** Who came or went, with a `presence` event. */
export interface PresenceChangeEvent {
  joined?: PresenceUser;
  left?: PresenceUser;
}

export interface RoomEvents {
  /** A new message: once per message, in seq order, across reconnects. Deleted ones arrive as tombstones. */
  message: (message: Message) => void;
  /** A message was edited (`editedAt`) or deleted (`deletedAt`, empty text). */
  update: (message: Message) => void;
  /** The room's whole online list, one entry per user, whenever it changes. */
  presence: (online: PresenceUser[], change: PresenceChangeEvent) => void;
  /** Who else is typing now, whenever that changes. */
  typing: (users: PresenceUser[]) => void;
  /** The room was renamed, archived or unarchived. */
  change: (room: RoomInfo) => void;
  /** Your messages not stored yet changed: queued, sending, stored (gone from the list) or failed. */
  pending: (pending: PendingMessage[]) => void;
}

/**
 * One of your messages on its way: `queued` while offline, `sending` while waiting for the server, `failed` when
 * it gave up (see `error`; `room.retry(clientMsgId)` sends it again under the same id, so it is never stored twice).
 * Stored messages leave the list and arrive as `message` events.
 */
export interface PendingMessage {
  clientMsgId: string;
  text: string;
  status: 'queued' | 'sending' | 'failed';
  error?: ChatError;
}

export interface SendOptions {
  /** Your own idempotency key (a UUID); by default the SDK makes one. Reuse it to retry a send safely. */
  clientMsgId?: string;
}

export interface HistoryOptions {
  /** Only messages with a smaller seq; omit for the newest. */
  before?: number;
  /** 1–100, default 50. */
  limit?: number;
}

/**
 * A joined room.
 *
 * @example
 * const room = await chat.join('general');
 * const off = room.on('message', (m) => console.log(m.author.displayName, m.text));
 * await room.send('hello');
 */
export interface Room {
  readonly id: string;
  readonly name: string;
  /** An archived room can be read but takes no new messages. */
  readonly archived: boolean;
  /** The most recent messages at join time, oldest first. */
  readonly recent: readonly Message[];
  /** The current online list. */
  readonly online: readonly PresenceUser[];
  /** Your messages not stored yet, oldest first: show them as "sending…" or "failed, retry?". */
  readonly pending: readonly PendingMessage[];
  on<K extends keyof RoomEvents>(event: K, listener: RoomEvents[K]): () => void;
  /**
   * Resolves with the stored message. Offline, the message waits in `pending` and goes out on reconnect; without
   * an answer it is sent again under the same `clientMsgId`, so it is stored once. After `sendTimeoutMs` (30 s)
   * it rejects with `unavailable` and stays in `pending` as `failed`. Your messages are stored in the order you
   * sent them: each goes out once the one before it is stored or has failed.
   */
  send(text: string, options?: SendOptions): Promise<Message>;
  /** Sends a failed pending message again, under the same `clientMsgId`. */
  retry(clientMsgId: string): Promise<Message>;
  /** Drops a failed pending message. */
  discard(clientMsgId: string): void;
  /** Replaces the text of one of your messages. */
  edit(seq: number, text: string): Promise<Message>;
  /** Deletes one of your messages (admins: anyone's); it stays as a tombstone with its seq. */
  delete(seq: number): Promise<Message>;
  /**
   * Older messages, newest first: `limit` of them unless the room's start comes first (the SDK asks the server as
   * often as its 256 KB answers need). A `rate_limited` answer is waited out.
   */
  history(options?: HistoryOptions): Promise<Message[]>;
  /** Tells the others that you are typing; call it on every keystroke, it sends at most once per 2 s. */
  typing(): void;
  /** Admins: the user cannot send in this room for `durationMs`. */
  mute(userId: string, options: { durationMs: number }): Promise<MuteResponse['mute']>;
  /** Admins: lifts a mute. */
  unmute(userId: string): Promise<void>;
  /** Leaves the room and drops its listeners. */
  leave(): Promise<void>;
}

/** Turns an ack into its data or a ChatError; a missing answer becomes `unavailable`. */
export async function request<T extends object>(operation: string, call: () => Promise<Ack<T>>): Promise<T> {
  let response: Ack<T>;
  try {
    response = await call();
  } catch (cause) {
    throw new ChatError('unavailable', `unable to ${operation}; the server did not answer in time`, { cause });
  }
  if ('error' in response) throw ChatError.fromBody(response.error);
  return response;
}

// how long a room request waits out `rate_limited` answers in all before it gives up with the last one
const RATE_LIMIT_PATIENCE_MS = 60_000;

/**
 * Like `request`, for requests that are safe to ask again (joins, leaves, history): a `rate_limited` answer is
 * waited out (its `retryAfterMs`, a little more so that many clients do not come back at once) and asked again,
 * until `patienceMs` is spent or `cancelled()` says the caller is gone.
 */
export async function requestPatiently<T extends object>(
  operation: string,
  call: () => Promise<Ack<T>>,
  cancelled: () => boolean,
  patienceMs = RATE_LIMIT_PATIENCE_MS,
): Promise<T> {
  const giveUpAt = Date.now() + patienceMs;
  for (;;) {
    try {
      return await request(operation, call);
    } catch (error) {
      const wait = error instanceof ChatError && error.code === 'rate_limited' ? (error.retryAfterMs ?? 1_000) * (1 + Math.random() / 4) : Infinity;
      if (cancelled() || Date.now() + wait > giveUpAt) throw error;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, wait);
        // a Node process may exit while a room waits (close() ends the room; nothing should hold the process)
        (timer as { unref?: () => void }).unref?.();
      });
      if (cancelled()) throw error;
    }
  }
}

export interface RoomContext {
  socket: ChatSocket;
  http: HttpClient;
  requestTimeoutMs: number;
  sendTimeoutMs: number;
  onLeave: (room: DefaultRoom) => void;
  onError: (error: ChatError) => void;
}

// a later seq arriving first waits this long for the ones before it, then the room reads them from the server
const GAP_WAIT_MS = 1_000;
// seqs remembered below the newest, to drop a message that arrives twice
const SEEN_WINDOW = 1_000;
const RETRY_BACKOFF_MS = [250, 500, 1_000, 2_000];
const DEFAULT_HISTORY_LIMIT = 50;

export class DefaultRoom implements Room {
  readonly id: string;
  name: string;
  archived: boolean;
  recent: Message[];
  private readonly events = new Emitter<RoomEvents>();
  private readonly present = new Map<string, PresenceUser>();
  // seqs already delivered: a message reaches `message` listeners once, whether by broadcast, ack or catch-up
  private readonly seen = new Set<number>();
  /** The highest seq delivered: where catch-up resumes, and what the next live message must follow. */
  private lastSeq = 0;
  // messages that came before an earlier seq did, by seq
  private readonly held = new Map<number, Message>();
  private gapTimer: ReturnType<typeof setTimeout> | undefined;
  private catchingUp: Promise<void> | null = null;
  private readonly typists = new TypingTracker((users) => this.events.emit('typing', users));
  private lastTypingSent = -Infinity;
  // whether the socket is in the room on the server now; sends wait for it after a reconnect
  private joined = true;
  private readonly joinWaiters = new Set<{ resolve: () => void; reject: (error: ChatError) => void }>();
  // your messages until stored, in send order; `attempts` survives a retry(), so a retry is marked as one
  private readonly outbox = new Map<string, PendingMessage & { attempts: number }>();
  // settles when the latest send() or retry() has: each send goes out after the one before it is stored or failed
  private lastInLine: Promise<unknown> = Promise.resolve();
  private inLineCount = 0;
  private disposed = false;

  constructor(
    private readonly context: RoomContext,
    joined: JoinResult,
  ) {
    this.id = joined.room.id;
    this.name = joined.room.name;
    this.archived = joined.room.archived;
    this.recent = joined.messages;
    for (const user of joined.online) this.present.set(user.id, user);
    for (const message of joined.messages) this.markSeen(message.seq);
  }

  get online(): PresenceUser[] {
    return [...this.present.values()].sort((a, b) => a.displayName.localeCompare(b.displayName));
  }

  get pending(): PendingMessage[] {
    return [...this.outbox.values()].map(({ clientMsgId, text, status, error }) => ({
      clientMsgId,
      text,
      status,
      ...(error === undefined ? {} : { error }),
    }));
  }

  on<K extends keyof RoomEvents>(event: K, listener: RoomEvents[K]): () => void {
    return this.events.on(event, listener);
  }

  send(text: string, options: SendOptions = {}): Promise<Message> {
    const clientMsgId = options.clientMsgId ?? createClientMsgId();
    const known = this.outbox.get(clientMsgId);
    if (known && known.status !== 'failed') return Promise.reject(new ChatError('conflict', 'unable to send message; it is being sent already'));
    const entry = known ?? { clientMsgId, text, status: 'queued' as const, attempts: 0 };
    this.outbox.set(clientMsgId, entry);
    return this.inLine(entry);
  }

  retry(clientMsgId: string): Promise<Message> {
    const entry = this.outbox.get(clientMsgId);
    if (entry?.status !== 'failed') return Promise.reject(new ChatError('not_found', 'unable to retry message; no failed message has this id'));
    return this.inLine(entry);
  }

  /**
   * Your messages are stored in the order you sent them: one goes out once the one before it is stored or has
   * failed, so a resend after a fault can never land behind a later message. The deadline counts from now.
   */
  private inLine(entry: PendingMessage & { attempts: number }): Promise<Message> {
    const deadline = Date.now() + this.context.sendTimeoutMs;
    delete entry.error;
    // waiting its turn is part of sending; `queued` keeps meaning "until the connection is back"
    this.setPending(entry, this.joined ? 'sending' : 'queued');
    // nothing ahead of it: it goes out now (and shows as `sending` at once)
    const sent = this.inLineCount === 0 ? this.transmit(entry, deadline) : this.lastInLine.then(() => this.transmit(entry, deadline));
    this.inLineCount += 1;
    this.lastInLine = sent.then(
      () => (this.inLineCount -= 1),
      () => (this.inLineCount -= 1),
    );
    return sent;
  }

  discard(clientMsgId: string): void {
    if (this.outbox.get(clientMsgId)?.status !== 'failed') return;
    this.outbox.delete(clientMsgId);
    this.emitPending();
  }

  /** Sends until stored, the deadline, or an answer that another attempt would not change. */
  private async transmit(entry: PendingMessage & { attempts: number }, deadline: number): Promise<Message> {
    for (let round = 0; ; round += 1) {
      this.setPending(entry, this.joined ? 'sending' : 'queued');
      try {
        await this.whenJoined(deadline);
        // left or closed meanwhile: an emit now would only wait in the socket's buffer
        if (this.disposed) throw left('send message');
        // its time ran out while earlier messages were going out
        if (Date.now() >= deadline) throw new ChatError('unavailable', 'unable to send message; it timed out before it could be sent');
        this.setPending(entry, 'sending');
        const timeout = Math.max(1, Math.min(this.context.requestTimeoutMs, deadline - Date.now()));
        const retry = entry.attempts > 0;
        entry.attempts += 1;
        const { message } = await request('send message', () =>
          this.context.socket
            .timeout(timeout)
            .emitWithAck('message:send', { roomId: this.id, text: entry.text, clientMsgId: entry.clientMsgId, ...(retry ? { retry } : {}) }),
        );
        this.outbox.delete(entry.clientMsgId);
        this.emitPending();
        this.receive(message);
        return message;
      } catch (error) {
        const failure = toChatError(error);
        // no answer, or no database for a moment: the same clientMsgId makes another attempt safe
        const wait = RETRY_BACKOFF_MS[Math.min(round, RETRY_BACKOFF_MS.length - 1)] ?? 0;
        if (failure.code === 'unavailable' && !this.disposed && Date.now() + wait < deadline) {
          await new Promise((resolve) => setTimeout(resolve, wait));
          continue;
        }
        // worth another try later (by retry()); anything else would fail the same way again
        if (['unavailable', 'rate_limited', 'network', 'forbidden'].includes(failure.code) && !this.disposed) {
          entry.status = 'failed';
          entry.error = failure;
        } else {
          this.outbox.delete(entry.clientMsgId);
        }
        this.emitPending();
        throw failure;
      }
    }
  }

  private setPending(entry: PendingMessage, status: PendingMessage['status']): void {
    if (entry.status === status) return;
    entry.status = status;
    this.emitPending();
  }

  private emitPending(): void {
    this.events.emit('pending', this.pending);
  }

  async edit(seq: number, text: string): Promise<Message> {
    if (this.disposed) throw left('edit message');
    const { message } = await request('edit message', () =>
      this.context.socket.timeout(this.context.requestTimeoutMs).emitWithAck('message:edit', { roomId: this.id, seq, text }),
    );
    this.update(message);
    return message;
  }

  async delete(seq: number): Promise<Message> {
    if (this.disposed) throw left('delete message');
    const { message } = await request('delete message', () =>
      this.context.socket.timeout(this.context.requestTimeoutMs).emitWithAck('message:delete', { roomId: this.id, seq }),
    );
    this.update(message);
    return message;
  }

  async history(options: HistoryOptions = {}): Promise<Message[]> {
    if (this.disposed) throw left('load history');
    const limit = options.limit ?? DEFAULT_HISTORY_LIMIT;
    const messages: Message[] = [];
    // the server answers at most 256 KB at a time: ask on until the page is full or the room's start is reached,
    // so fewer than `limit` still means there is nothing older
    for (let before = options.before, more = true; more && messages.length < limit; before = messages.at(-1)?.seq) {
      const page = await requestPatiently(
        'load history',
        () =>
          this.context.socket
            .timeout(this.context.requestTimeoutMs)
            .emitWithAck('room:history', { roomId: this.id, limit: limit - messages.length, ...(before === undefined ? {} : { before }) }),
        () => this.disposed,
      );
      messages.push(...page.messages);
      more = page.more && page.messages.length > 0;
    }
    return messages;
  }

  typing(): void {
    const now = Date.now();
    if (now - this.lastTypingSent < TYPING_THROTTLE_MS || !this.context.socket.connected || this.disposed) return;
    this.lastTypingSent = now;
    // a hint, not a promise: a lost one only hides "is typing" for a moment
    this.context.socket
      .timeout(this.context.requestTimeoutMs)
      .emitWithAck('typing:start', { roomId: this.id })
      .catch(() => undefined);
  }

  async mute(userId: string, { durationMs }: { durationMs: number }): Promise<MuteResponse['mute']> {
    const { mute } = await this.context.http.request<MuteResponse>('POST', `rooms/${encodeURIComponent(this.id)}/mutes`, { userId, durationMs });
    return mute;
  }

  async unmute(userId: string): Promise<void> {
    await this.context.http.request<void>('DELETE', `rooms/${encodeURIComponent(this.id)}/mutes/${encodeURIComponent(userId)}`);
  }

  async leave(): Promise<void> {
    this.context.onLeave(this);
    this.dispose();
    if (this.context.socket.connected) {
      const { socket, requestTimeoutMs } = this.context;
      await requestPatiently('leave room', () => socket.timeout(requestTimeoutMs).emitWithAck('room:leave', { roomId: this.id }), () => !socket.connected);
    }
  }

  /** Releases timers, waiting sends and listeners; the room is unusable afterwards. */
  dispose(): void {
    this.disposed = true;
    clearTimeout(this.gapTimer);
    this.typists.dispose();
    for (const waiter of this.joinWaiters) waiter.reject(left('send message'));
    this.joinWaiters.clear();
    this.outbox.clear();
    this.events.clear();
  }

  // ---- called by the client ------------------------------------------------------------------

  /** A new message from any path (broadcast, ack): delivered once, after every earlier seq. */
  receive(message: Message): void {
    if (this.seen.has(message.seq)) return;
    this.held.set(message.seq, message);
    this.flush();
  }

  /** An edited or deleted message. One not delivered yet is delivered in its latest form instead. */
  update(message: Message): void {
    if (this.held.has(message.seq) || (message.seq > this.lastSeq && !this.seen.has(message.seq))) {
      this.held.set(message.seq, message);
      this.flush();
      return;
    }
    this.events.emit('update', message);
  }

  presenceJoined(user: PresenceUser): void {
    if (this.present.has(user.id)) return;
    this.present.set(user.id, user);
    this.events.emit('presence', this.online, { joined: user });
  }

  presenceLeft(user: PresenceUser): void {
    if (!this.present.delete(user.id)) return;
    this.events.emit('presence', this.online, { left: user });
  }

  changed(room: RoomInfo): void {
    this.name = room.name;
    this.archived = room.archived;
    this.events.emit('change', room);
  }

  /** Someone else started typing (from the server). */
  typingStarted(user: PresenceUser): void {
    this.typists.started(user);
  }

  /** The connection dropped: the server no longer has this socket in the room. */
  suspend(): void {
    this.joined = false;
  }

  /**
   * Joins again and reads every message after the last seq delivered, page by page, in seq order; messages that
   * arrive live meanwhile wait, so listeners see one order. After a reconnect, and when a seq went missing.
   */
  catchUp(): Promise<void> {
    this.catchingUp ??= this.readMissed().finally(() => {
      this.catchingUp = null;
      this.flush();
    });
    return this.catchingUp;
  }

  private async readMissed(): Promise<void> {
    const { socket, requestTimeoutMs } = this.context;
    for (let more = true; more && !this.disposed; ) {
      const joined = await requestPatiently(
        'rejoin room',
        () => socket.timeout(requestTimeoutMs).emitWithAck('room:join', { roomId: this.id, afterSeq: this.lastSeq }),
        () => this.disposed,
      );
      this.resume();
      if (joined.room.name !== this.name || joined.room.archived !== this.archived) this.changed(joined.room);
      // the server's page is the truth: a seq it skips was never stored
      for (const message of joined.messages) this.deliver(message);
      this.setOnline(joined.online);
      more = joined.more;
    }
  }

  private flush(): void {
    if (this.catchingUp || this.disposed) return;
    for (let next = this.held.get(this.lastSeq + 1); next; next = this.held.get(this.lastSeq + 1)) this.deliver(next);
    // a seq below the last one that was given up as missing and came after all: late, but not lost
    for (const late of [...this.held.values()].filter((m) => m.seq <= this.lastSeq).sort((a, b) => a.seq - b.seq)) this.deliver(late);
    if (this.held.size === 0) {
      clearTimeout(this.gapTimer);
      this.gapTimer = undefined;
    } else {
      this.gapTimer ??= setTimeout(() => {
        this.gapTimer = undefined;
        // offline: the reconnect catches up anyway
        if (this.context.socket.connected) this.catchUp().catch((error: unknown) => this.context.onError(toChatError(error)));
      }, GAP_WAIT_MS);
    }
  }

  private deliver(message: Message): void {
    this.held.delete(message.seq);
    if (this.seen.has(message.seq)) return;
    this.markSeen(message.seq);
    // their message is what they were typing
    this.typists.stopped(message.author.id);
    this.events.emit('message', message);
  }

  private markSeen(seq: number): void {
    this.seen.add(seq);
    if (seq > this.lastSeq) this.lastSeq = seq;
    if (this.seen.size > 2 * SEEN_WINDOW) {
      for (const old of this.seen) if (old < this.lastSeq - SEEN_WINDOW) this.seen.delete(old);
    }
  }

  private setOnline(online: PresenceUser[]): void {
    const before = this.present;
    const same = online.length === before.size && online.every((user) => before.get(user.id)?.displayName === user.displayName);
    if (same) return;
    this.present.clear();
    for (const user of online) this.present.set(user.id, user);
    this.events.emit('presence', this.online, {});
  }

  private resume(): void {
    this.joined = true;
    for (const waiter of this.joinWaiters) waiter.resolve();
    this.joinWaiters.clear();
  }

  private whenJoined(deadline: number): Promise<void> {
    if (this.disposed) return Promise.reject(left('send message'));
    if (this.joined) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter = {
        resolve: () => (clearTimeout(timer), resolve()),
        reject: (error: ChatError) => (clearTimeout(timer), reject(error)),
      };
      const timer = setTimeout(() => {
        this.joinWaiters.delete(waiter);
        reject(new ChatError('unavailable', 'unable to send message; not connected to the server'));
      }, Math.max(0, deadline - Date.now()));
      this.joinWaiters.add(waiter);
    });
  }
}

const left = (operation: string) => new ChatError('unavailable', `unable to ${operation}; the room was left or the client closed`);
