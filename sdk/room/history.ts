import type { Message } from '../protocol';
import { type Connection, requestPatiently, roomLeft } from './requests';

export interface HistoryOptions {
  /** Only messages with a smaller seq; omit for the newest. */
  before?: number;
  /** 1–100, default 50. */
  limit?: number;
}

const DEFAULT_HISTORY_LIMIT = 50;

/** Older messages of a room, newest first, until `cancelled()` says the room is gone. */
export async function readHistory(connection: Connection, roomId: string, options: HistoryOptions, cancelled: () => boolean): Promise<Message[]> {
  if (cancelled()) throw roomLeft('load history');
  const { socket, requestTimeoutMs } = connection;
  const limit = options.limit ?? DEFAULT_HISTORY_LIMIT;
  const messages: Message[] = [];
  // the server answers at most 256 KB at a time: ask on until the page is full or the room's start is reached,
  // so fewer than `limit` still means there is nothing older
  for (let before = options.before, more = true; more && messages.length < limit; before = messages.at(-1)?.seq) {
    const page = await requestPatiently(
      'load history',
      () => socket.timeout(requestTimeoutMs).emitWithAck('room:history', { roomId, limit: limit - messages.length, ...(before === undefined ? {} : { before }) }),
      cancelled,
    );
    messages.push(...page.messages);
    more = page.more && page.messages.length > 0;
  }
  return messages;
}
