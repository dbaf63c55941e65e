import type { Socket } from 'socket.io-client';
import { Emitter } from './emitter';
import { ChatError } from './errors';
import { createClientMsgId } from './ids';
import { TYPING_THROTTLE_MS, TypingTracker } from './typing';
import type {
  Ack,
  ClientToServerEvents,
  JoinResult,
  Message,
  PresenceUser,
  RoomInfo,
  ServerToClientEvents,
} from './protocol';

export type ChatSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface RoomEvents {
  /** A new message, once per message. */
  message: (message: Message) => void;
  /** The room's whole online list, one entry per user, whenever it changes. */
  presence: (online: PresenceUser[]) => void;
  /** Who else is typing now, whenever that changes. */
  typing: (users: PresenceUser[]) => void;
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
  /** The most recent messages at join time, oldest first. */
  readonly recent: readonly Message[];
  /** The current online list. */
  readonly online: readonly PresenceUser[];
  on<K extends keyof RoomEvents>(event: K, listener: RoomEvents[K]): () => void;
  /** Resolves with the stored message; a retry inside the SDK never stores it twice. */
  send(text: string): Promise<Message>;
  /** Older messages, newest first. */
  history(options?: HistoryOptions): Promise<Message[]>;
  /** Tells the others that you are typing; call it on every keystroke, it sends at most once per 2 s. */
  typing(): void;
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

export class DefaultRoom implements Room {
  readonly id: string;
  name: string;
  recent: Message[];
  online: PresenceUser[];
  private readonly events = new Emitter<RoomEvents>();
  // seqs already delivered: a message reaches `message` listeners once, whether by broadcast, ack or rejoin
  private readonly seen = new Set<number>();
  /** The highest seq delivered: where catch-up resumes after a disconnect. */
  private lastSeq = 0;
  // live messages that arrive while catching up wait here, so listeners see one order: by seq
  private buffered: Message[] | null = null;
  private readonly typists = new TypingTracker((users) => this.events.emit('typing', users));
  private lastTypingSent = -Infinity;

  constructor(
    private readonly socket: ChatSocket,
    private readonly timeoutMs: number,
    joined: JoinResult,
    private readonly onLeave: (room: DefaultRoom) => void,
  ) {
    this.id = joined.room.id;
    this.name = joined.room.name;
    this.recent = joined.messages;
    this.online = joined.online;
    for (const message of joined.messages) this.markSeen(message.seq);
  }

  on<K extends keyof RoomEvents>(event: K, listener: RoomEvents[K]): () => void {
    return this.events.on(event, listener);
  }

  async send(text: string): Promise<Message> {
    const clientMsgId = createClientMsgId();
    const { message } = await request('send message', () =>
      this.socket.timeout(this.timeoutMs).emitWithAck('message:send', { roomId: this.id, text, clientMsgId }),
    );
    this.receive(message);
    return message;
  }

  async history(options: HistoryOptions = {}): Promise<Message[]> {
    const { messages } = await request('load history', () =>
      this.socket.timeout(this.timeoutMs).emitWithAck('room:history', { roomId: this.id, ...options }),
    );
    return messages;
  }

  typing(): void {
    const now = Date.now();
    if (now - this.lastTypingSent < TYPING_THROTTLE_MS || !this.socket.connected) return;
    this.lastTypingSent = now;
    // a hint, not a promise: a lost one only hides "is typing" for a moment
    this.socket
      .timeout(this.timeoutMs)
      .emitWithAck('typing:start', { roomId: this.id })
      .catch(() => undefined);
  }

  /** Someone else started typing (from the server). */
  typingStarted(user: PresenceUser): void {
    this.typists.started(user);
  }

  /** Releases timers and listeners; the room is unusable afterwards. */
  dispose(): void {
    this.typists.dispose();
    this.events.clear();
  }

  async leave(): Promise<void> {
    this.onLeave(this);
    this.dispose();
    if (this.socket.connected) {
      await request('leave room', () => this.socket.timeout(this.timeoutMs).emitWithAck('room:leave', { roomId: this.id }));
    }
  }

  /** A message from any path (broadcast, ack, catch-up): delivered exactly once. */
  receive(message: Message): void {
    if (this.buffered) this.buffered.push(message);
    else this.deliver(message);
  }

  /**
   * After a reconnect: every message after the last seq seen, page by page, in seq order; then what arrived
   * live meanwhile. Listeners see each message once, in seq order.
   */
  async catchUp(join: (afterSeq: number) => Promise<JoinResult>): Promise<void> {
    this.buffered ??= [];
    try {
      for (let more = true; more; ) {
        const joined = await join(this.lastSeq);
        this.name = joined.room.name;
        for (const message of joined.messages) this.deliver(message);
        this.updatePresence(joined.online);
        more = joined.more;
      }
    } finally {
      const live = (this.buffered ?? []).sort((a, b) => a.seq - b.seq);
      this.buffered = null;
      for (const message of live) this.deliver(message);
    }
  }

  private deliver(message: Message): void {
    if (this.seen.has(message.seq)) return;
    this.markSeen(message.seq);
    // their message is what they were typing
    this.typists.stopped(message.author.id);
    this.events.emit('message', message);
  }

  private markSeen(seq: number): void {
    this.seen.add(seq);
    if (seq > this.lastSeq) this.lastSeq = seq;
  }

  updatePresence(online: PresenceUser[]): void {
    this.online = online;
    this.events.emit('presence', online);
  }
}
