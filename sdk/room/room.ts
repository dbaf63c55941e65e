import { Emitter } from '../emitter';
import { type ChatError, toChatError } from '../errors';
import type { HttpClient } from '../http';
import type { Access, JoinResult, Message, MuteResponse, PinnedMessage, PresenceUser, ReportReason, RoomInfo } from '../protocol';
import { type HistoryOptions, readHistory } from './history';
import { muteUser, unmuteUser } from './moderation';
import { createOutbox, type Outbox, type PendingMessage, type SendOptions } from './outbox';
import { createPresence, type Presence, type PresenceChangeEvent } from './presence';
import { createReactions, type ReactionSummary, type Reactions } from './reactions';
import { createMentions, type MentionTracker, type Mentions } from './mentions';
// pinned messages and search in a room
import { type Pins, setPinned } from './pins';
import { type Search, type SearchOptions, type SearchPage, searchRoom } from './search';
import { type Connection, request, requestPatiently, roomLeft } from './requests';
import { createTimeline, type Timeline } from './timeline';
import { createTyping, type Typing } from './typing';

export interface RoomEvents {
  /** A new message: once per message, in seq order, across reconnects. Deleted ones arrive as tombstones. */
  message: (message: Message) => void;
  /** A message was edited (`editedAt`) or deleted (`deletedAt`, empty text). */
  update: (message: Message) => void;
  /** The room's whole online list, one entry per user, whenever it changes. */
  presence: (online: PresenceUser[], change: PresenceChangeEvent) => void;
  /** Who else is typing now, whenever that changes. */
  typing: (users: PresenceUser[]) => void;
  /** The room was renamed, archived or unarchived, slowed or paused. */
  change: (room: RoomInfo) => void;
  /** Your messages not stored yet changed: queued, sending, stored (gone from the list) or failed. */
  pending: (pending: PendingMessage[]) => void;
  /** A new message mentions you (by id, or `@here`); it also arrives as `message`. */
  mention: (message: Message) => void;
}

/**
 * A joined room.
 *
 * @example
 * const room = await chat.join('general');
 * const off = room.on('message', (m) => console.log(m.author.displayName, m.text));
 * await room.send('hello');
 */
export interface Room extends Reactions, Pins, Search, Mentions {
  readonly id: string;
  readonly name: string;
  /** An archived room can be read but takes no new messages. */
  readonly archived: boolean;
  /** Slow mode: seconds between two of your messages (0: off; moderators are exempt). A send too soon is `rate_limited`. */
  readonly slowModeSeconds: number;
  /** Only moderators post in a paused room; the others' sends are `forbidden`. */
  readonly paused: boolean;
  /** Who may read and post here (see Access): in a `read-only` room a guest or reader only reads. */
  readonly access: Access;
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
  /** Deletes one of your messages (moderators: anyone's); it stays as a tombstone with its seq. */
  delete(seq: number): Promise<Message>;
  /**
   * Older messages, newest first: `limit` of them unless the room's start comes first (the SDK asks the server as
   * often as its 256 KB answers need), less those of users you blocked (so a page may be shorter: go on from the
   * seq before its last). A `rate_limited` answer is waited out.
   */
  history(options?: HistoryOptions): Promise<Message[]>;
  /** Tells the others that you are typing; call it on every keystroke, it sends at most once per 2 s. */
  typing(): void;
  /** Moderators: the user cannot send in this room for `durationMs`. */
  /**
   * Reports someone else's message to the site's moderators, with a reason (and up to 500 characters of details).
   * Reporting it again replaces your reason. Enough reports by different people hide it pending review
   * (`hiddenAt` on a `room.on('update')`).
   */
  report(seq: number, report: { reason: ReportReason; details?: string }): Promise<void>;
  mute(userId: string, options: { durationMs: number }): Promise<MuteResponse['mute']>;
  /** Moderators: lifts a mute. */
  unmute(userId: string): Promise<void>;
  /** Leaves the room and drops its listeners. */
  leave(): Promise<void>;
}

export interface RoomContext extends Connection {
  http: HttpClient;
  sendTimeoutMs: number;
  onLeave: (room: DefaultRoom) => void;
  onError: (error: ChatError) => void;
  /** The users the signed-in one blocked (kept up to date by the client): their messages are not delivered. */
  blocked: ReadonlySet<string>;
  /** The signed-in user's id (reactions: which are mine). */
  me?: () => string | undefined;
}

/** The room composes its parts: each feature lives in its own file and reports to the room through callbacks. */
export class DefaultRoom implements Room {
  readonly id: string;
  // the server's description of the room (describe())
  declare name: string;
  declare archived: boolean;
  declare slowModeSeconds: number;
  declare paused: boolean;
  declare access: Access;
  declare pinned: PinnedMessage[];
  recent: Message[];
  readonly #events = new Emitter<RoomEvents>();
  // the parts, made in the constructor (`declare`: no empty field definitions in the bundle); the client feeds
  // presence, typing and connection news straight to the part they concern
  declare readonly presence: Presence;
  declare readonly typists: Typing;
  readonly #timeline: Timeline;
  declare readonly outbox: Outbox;
  readonly #reactions: Reactions;
  readonly #mentions: MentionTracker;
  #disposed = false;
  readonly #context: RoomContext;

  /**
   * `early`: the room's broadcasts that came before the join's answer (the server joins the socket to the room before
   * it reads the page, so none is lost in between), heard before anyone could listen: what they add to the page
   * joins `recent`.
   */
  constructor(
    context: RoomContext,
    joined: JoinResult,
    early: ReadonlyArray<(room: DefaultRoom) => void> = [],
  ) {
    this.#context = context;
    this.id = joined.room.id;
    this.#describe(joined.room);
    const recent = (this.recent = joined.messages.filter((message) => !context.blocked.has(message.author.id)));
    let listened = false;
    this.#mentions = createMentions(() => context.me?.(), () => this.presence.online, recent);
    this.presence = createPresence(joined.online, (online, change) => this.#events.emit('presence', online, change));
    this.typists = createTyping(context, this.id, (users) => this.#events.emit('typing', users));
    this.#timeline = createTimeline(
      joined.messages,
      (message) => {
        // their message is what they were typing
        this.typists.stopped(message.author.id);
        if (context.blocked.has(message.author.id)) return;
        const mentioned = this.#mentions.delivered(message);
        if (!listened) return void recent.push(message);
        this.#events.emit('message', message);
        if (mentioned) this.#events.emit('mention', message);
      },
      (message) => {
        const index = recent.findIndex((m) => m.seq === message.seq);
        if (context.blocked.has(message.author.id)) return;
        if (listened) this.#events.emit('update', message);
        else if (index >= 0) recent[index] = message;
      },
      // offline: the reconnect catches up anyway
      () => context.socket.connected && this.catchUp().catch((error: unknown) => context.onError(toChatError(error))),
    );
    this.outbox = createOutbox(context, this.id, (pending) => this.#events.emit('pending', pending));
    this.#reactions = createReactions(context, this.id, (message) => this.#timeline.update(message), () => this.#disposed);
    for (const event of early) event(this);
    listened = true;
  }

  get online(): PresenceUser[] {
    return this.presence.online;
  }

  get pending(): PendingMessage[] {
    return this.outbox.pending;
  }

  on<K extends keyof RoomEvents>(event: K, listener: RoomEvents[K]): () => void {
    return this.#events.on(event, listener);
  }

  send(text: string, options?: SendOptions): Promise<Message> {
    return this.#stored(this.outbox.send(text, options));
  }

  retry(clientMsgId: string): Promise<Message> {
    return this.#stored(this.outbox.retry(clientMsgId));
  }

  discard(clientMsgId: string): void {
    this.outbox.discard(clientMsgId);
  }

  async edit(seq: number, text: string): Promise<Message> {
    if (this.#disposed) throw roomLeft('edit message');
    const { message } = await request('edit message', () =>
      this.#context.socket.timeout(this.#context.requestTimeoutMs).emitWithAck('message:edit', { roomId: this.id, seq, text }),
    );
    this.#timeline.update(message);
    return message;
  }

  async report(seq: number, { reason, details }: { reason: ReportReason; details?: string }): Promise<void> {
    if (this.#disposed) throw roomLeft('report message');
    await request('report message', () =>
      this.#context.socket.timeout(this.#context.requestTimeoutMs).emitWithAck('message:report', { roomId: this.id, seq, reason, ...(details ? { details } : {}) }),
    );
  }

  async delete(seq: number): Promise<Message> {
    if (this.#disposed) throw roomLeft('delete message');
    const { message } = await request('delete message', () =>
      this.#context.socket.timeout(this.#context.requestTimeoutMs).emitWithAck('message:delete', { roomId: this.id, seq }),
    );
    this.#timeline.update(message);
    return message;
  }

  react(seq: number, emoji: string): Promise<Message> {
    return this.#reactions.react(seq, emoji);
  }

  reactionsOf(message: Message): ReactionSummary[] {
    return this.#reactions.reactionsOf(message);
  }

  async pin(seq: number): Promise<PinnedMessage[]> {
    return (this.pinned = await setPinned(this.#context, this.id, seq, true, this.#disposed));
  }

  async unpin(seq: number): Promise<PinnedMessage[]> {
    return (this.pinned = await setPinned(this.#context, this.id, seq, false, this.#disposed));
  }

  async search(query: string, options: SearchOptions = {}): Promise<SearchPage> {
    const page = await searchRoom(this.#context, this.id, query, options, () => this.#disposed);
    return { messages: page.messages.filter((message) => !this.#context.blocked.has(message.author.id)), next: page.next };
  }

  mentionsMe(message: Message): boolean {
    return this.#mentions.mentionsMe(message);
  }

  mentionCandidates(prefix: string): PresenceUser[] {
    return this.#mentions.mentionCandidates(prefix);
  }

  hasReacted(message: Message, emoji: string): boolean {
    return this.#reactions.hasReacted(message, emoji);
  }

  history(options: HistoryOptions = {}): Promise<Message[]> {
    return readHistory(this.#context, this.id, options, () => this.#disposed).then((messages) => messages.filter((message) => !this.#context.blocked.has(message.author.id)));
  }

  typing(): void {
    this.typists.send();
  }

  mute(userId: string, { durationMs }: { durationMs: number }): Promise<MuteResponse['mute']> {
    return muteUser(this.#context.http, this.id, userId, durationMs);
  }

  unmute(userId: string): Promise<void> {
    return unmuteUser(this.#context.http, this.id, userId);
  }

  async leave(): Promise<void> {
    this.#context.onLeave(this);
    this.dispose();
    if (this.#context.socket.connected) {
      const { socket, requestTimeoutMs } = this.#context;
      await requestPatiently('leave room', () => socket.timeout(requestTimeoutMs).emitWithAck('room:leave', { roomId: this.id }), () => !socket.connected);
    }
  }

  /** Releases timers, waiting sends and listeners; the room is unusable afterwards. */
  dispose(): void {
    this.#disposed = true;
    this.#timeline.dispose();
    this.typists.dispose();
    this.outbox.dispose();
    this.#events.clear();
  }

  // ---- called by the client ------------------------------------------------------------------

  /** A new message from any path (broadcast, ack): delivered once, after every earlier seq. */
  receive(message: Message): void {
    this.#timeline.receive(message);
  }

  /** An edited or deleted message. One not delivered yet is delivered in its latest form instead. */
  update(message: Message): void {
    this.#timeline.update(message);
  }

  changed(room: RoomInfo): void {
    this.#describe(room);
    this.#events.emit('change', room);
  }

  #describe({ name, archived, slowModeSeconds, paused, access, pinned = [] }: RoomInfo): void {
    Object.assign(this, { name, archived, slowModeSeconds, paused, access, pinned });
  }

  /**
   * Joins again and reads every message after the last seq delivered, page by page, in seq order; messages that
   * arrive live meanwhile wait, so listeners see one order. After a reconnect, and when a seq went missing.
   */
  catchUp(): Promise<void> {
    return this.#timeline.catchUp(() => this.#readMissed());
  }

  async #readMissed(): Promise<void> {
    const { socket, requestTimeoutMs } = this.#context;
    for (let more = true; more && !this.#disposed; ) {
      const joined = await requestPatiently(
        'rejoin room',
        () => socket.timeout(requestTimeoutMs).emitWithAck('room:join', { roomId: this.id, afterSeq: this.#timeline.lastSeq }),
        () => this.#disposed,
      );
      this.outbox.resume();
      if (
        (['name', 'archived', 'slowModeSeconds', 'paused', 'access'] as const).some((key) => joined.room[key] !== this[key]) ||
        JSON.stringify(joined.room.pinned ?? []) !== JSON.stringify(this.pinned)
      )
        this.changed(joined.room);
      for (const message of joined.messages) this.#timeline.deliver(message);
      this.presence.reset(joined.online);
      more = joined.more;
    }
  }

  // the outbox hands back the stored message: it reaches `message` listeners like any other
  async #stored(sent: Promise<Message>): Promise<Message> {
    const message = await sent;
    this.#timeline.receive(message);
    return message;
  }
}
