import { ChatError, toChatError } from '../errors';
import { createClientMsgId } from '../ids';
import type { Attachment, Message, SendRequest } from '../protocol';
import { type Connection, request, roomLeft } from './requests';

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
  /** The images it carries, as uploaded. */
  attachments?: Attachment[];
}

export interface SendOptions {
  /** Your own idempotency key (a UUID); by default the SDK makes one. Reuse it to retry a send safely. */
  clientMsgId?: string;
  /** Replies: the seq of the message this one answers. */
  replyTo?: number;
  /** Mentions: the ids of the users mentioned (see `room.mentionCandidates()`); `@here` is read from the text. */
  mentions?: string[];
  /** Images: uploads (`chat.upload()`) not sent yet, at most 4; with them the text may be empty. */
  attachments?: Attachment[];
}

/**
 * Your messages until stored. They go out one at a time in the order you sent them, are resent under the same
 * `clientMsgId` without an answer, and wait for the room to be joined again after a reconnect. A send resolves with
 * the stored message; delivering it to listeners is the room's business.
 */
export interface Outbox {
  readonly pending: PendingMessage[];
  send(text: string, options?: SendOptions): Promise<Message>;
  retry(clientMsgId: string): Promise<Message>;
  discard(clientMsgId: string): void;
  /** The connection dropped: the server no longer has this socket in the room, so sends wait. */
  suspend(): void;
  /** The room was joined again: waiting sends go out. */
  resume(): void;
  dispose(): void;
}

const RETRY_BACKOFF_MS = [250, 500, 1_000, 2_000];

// `attempts` survives a retry(), so a retry is marked as one
type Entry = PendingMessage & { attempts: number; extra: Pick<SendRequest, 'replyTo' | 'mentions' | 'attachments'> };

export function createOutbox(
  { socket, requestTimeoutMs, sendTimeoutMs }: Connection & { sendTimeoutMs: number },
  roomId: string,
  onChange: (pending: PendingMessage[]) => void,
): Outbox {
  // in send order
  const entries = new Map<string, Entry>();
  // settles when the latest send() or retry() has: each send goes out after the one before it is stored or failed
  let lastInLine: Promise<unknown> = Promise.resolve();
  let inLineCount = 0;
  // whether the socket is in the room on the server now; sends wait for it after a reconnect
  let joined = true;
  const joinWaiters = new Set<{ resolve: () => void; reject: (error: ChatError) => void }>();
  let disposed = false;

  const pending = () =>
    [...entries.values()].map(({ clientMsgId, text, status, error, attachments }): PendingMessage => ({
      clientMsgId,
      text,
      status,
      ...(error === undefined ? {} : { error }),
      ...(attachments ? { attachments } : {}),
    }));
  const changed = () => onChange(pending());

  const setStatus = (entry: Entry, status: PendingMessage['status']) => {
    if (entry.status === status) return;
    entry.status = status;
    changed();
  };

  const whenJoined = (deadline: number): Promise<void> => {
    if (disposed) return Promise.reject(roomLeft('send message'));
    if (joined) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter = {
        resolve: () => (clearTimeout(timer), resolve()),
        reject: (error: ChatError) => (clearTimeout(timer), reject(error)),
      };
      const timer = setTimeout(() => {
        joinWaiters.delete(waiter);
        reject(new ChatError('unavailable', 'unable to send message; not connected to the server'));
      }, Math.max(0, deadline - Date.now()));
      joinWaiters.add(waiter);
    });
  };

  /** Sends until stored, the deadline, or an answer that another attempt would not change. */
  const transmit = async (entry: Entry, deadline: number): Promise<Message> => {
    for (let round = 0; ; round += 1) {
      setStatus(entry, joined ? 'sending' : 'queued');
      try {
        await whenJoined(deadline);
        // left or closed meanwhile: an emit now would only wait in the socket's buffer
        if (disposed) throw roomLeft('send message');
        // its time ran out while earlier messages were going out
        if (Date.now() >= deadline) throw new ChatError('unavailable', 'unable to send message; it timed out before it could be sent');
        setStatus(entry, 'sending');
        const timeout = Math.max(1, Math.min(requestTimeoutMs, deadline - Date.now()));
        const retry = entry.attempts > 0;
        entry.attempts += 1;
        const { message } = await request('send message', () =>
          socket.timeout(timeout).emitWithAck('message:send', { roomId, text: entry.text, clientMsgId: entry.clientMsgId, ...entry.extra, ...(retry ? { retry } : {}) }),
        );
        entries.delete(entry.clientMsgId);
        changed();
        return message;
      } catch (error) {
        const failure = toChatError(error);
        // no answer, or no database for a moment: the same clientMsgId makes another attempt safe (an `unavailable`
        // with a reason is the server's answer, e.g. the site's own check is down: the user decides to retry)
        const wait = RETRY_BACKOFF_MS[Math.min(round, RETRY_BACKOFF_MS.length - 1)] ?? 0;
        if (failure.code === 'unavailable' && !failure.reason && !disposed && Date.now() + wait < deadline) {
          await new Promise((resolve) => setTimeout(resolve, wait));
          continue;
        }
        // worth another try later (by retry()); anything else would fail the same way again
        if (['unavailable', 'rate_limited', 'network', 'forbidden'].includes(failure.code) && !disposed) {
          entry.status = 'failed';
          entry.error = failure;
        } else {
          entries.delete(entry.clientMsgId);
        }
        changed();
        throw failure;
      }
    }
  };

  /**
   * Your messages are stored in the order you sent them: one goes out once the one before it is stored or has
   * failed, so a resend after a fault can never land behind a later message. The deadline counts from now.
   */
  const inLine = (entry: Entry): Promise<Message> => {
    const deadline = Date.now() + sendTimeoutMs;
    delete entry.error;
    // waiting its turn is part of sending; `queued` keeps meaning "until the connection is back"
    setStatus(entry, joined ? 'sending' : 'queued');
    // nothing ahead of it: it goes out now (and shows as `sending` at once)
    const sent = inLineCount === 0 ? transmit(entry, deadline) : lastInLine.then(() => transmit(entry, deadline));
    inLineCount += 1;
    lastInLine = sent.then(
      () => (inLineCount -= 1),
      () => (inLineCount -= 1),
    );
    return sent;
  };

  return {
    get pending() {
      return pending();
    },
    send(text, options = {}) {
      const clientMsgId = options.clientMsgId ?? createClientMsgId();
      const known = entries.get(clientMsgId);
      if (known && known.status !== 'failed') return Promise.reject(new ChatError('conflict', 'unable to send message; it is being sent already'));
      const { replyTo, mentions, attachments } = options;
      // undefined fields stay off the wire (JSON)
      const extra = { replyTo, mentions: mentions?.length ? mentions : undefined, attachments: attachments?.length ? attachments.map((attachment) => attachment.id) : undefined };
      const entry: Entry = known ?? { clientMsgId, text, status: 'queued' as const, attempts: 0, extra, ...(attachments?.length ? { attachments } : {}) };
      entries.set(clientMsgId, entry);
      return inLine(entry);
    },
    retry(clientMsgId) {
      const entry = entries.get(clientMsgId);
      if (entry?.status !== 'failed') return Promise.reject(new ChatError('not_found', 'unable to retry message; no failed message has this id'));
      return inLine(entry);
    },
    discard(clientMsgId) {
      if (entries.get(clientMsgId)?.status !== 'failed') return;
      entries.delete(clientMsgId);
      changed();
    },
    suspend() {
      joined = false;
    },
    resume() {
      joined = true;
      for (const waiter of joinWaiters) waiter.resolve();
      joinWaiters.clear();
    },
    dispose() {
      disposed = true;
      for (const waiter of joinWaiters) waiter.reject(roomLeft('send message'));
      joinWaiters.clear();
      entries.clear();
    },
  };
}
