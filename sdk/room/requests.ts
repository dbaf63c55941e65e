import type { Socket } from 'socket.io-client';
import { ChatError } from '../errors';
import type { Ack, ClientToServerEvents, ServerToClientEvents } from '../protocol';

export type ChatSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** What a part of a room needs to ask the server. */
export interface Connection {
  socket: ChatSocket;
  requestTimeoutMs: number;
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

/** The error of an operation on a room that was left, or whose client closed. */
export const roomLeft = (operation: string) => new ChatError('unavailable', `unable to ${operation}; the room was left or the client closed`);
