import type { Message } from '../protocol';
import { type Connection, requestPatiently, roomLeft } from './requests';

export interface SearchOptions {
  /** Go on from a previous page: its `next`. */
  before?: number;
  /** 1–50, default 20. */
  limit?: number;
}

export interface SearchPage {
  /** Newest first; less those of users you blocked. May be short, even empty, while `next` is not null. */
  messages: Message[];
  /** Pass as `before` to search older messages; null once the room's start was reached. */
  next: number | null;
}

/**
 * Search in a room: messages holding every word of a query (whole words, whatever the case and accents), newest
 * first. Each answer looks at a bounded part of the room, so ask again with `next` for more.
 *
 * @example
 * let page = await room.search('release notes');
 * while (page.messages.length < 10 && page.next) page = await room.search('release notes', { before: page.next });
 */
export interface Search {
  search(query: string, options?: SearchOptions): Promise<SearchPage>;
}

// a busy server answers `rate_limited` for half a second: waited out, but a search is not worth a minute
const SEARCH_PATIENCE_MS = 5_000;

/** One page of a room's search. */
export async function searchRoom(connection: Connection, roomId: string, query: string, options: SearchOptions, cancelled: () => boolean): Promise<SearchPage> {
  if (cancelled()) throw roomLeft('search');
  const { socket, requestTimeoutMs } = connection;
  const { messages, next } = await requestPatiently('search', () => socket.timeout(requestTimeoutMs).emitWithAck('room:search', { roomId, query, ...options }), cancelled, SEARCH_PATIENCE_MS);
  return { messages, next };
}
