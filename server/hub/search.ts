import type { Logger } from 'pino';
import { RateLimiterRes } from 'rate-limiter-flexible';
import { z } from 'zod';
import type { SearchRequest, SearchResult } from '../../sdk/protocol';
import type { Repositories } from '../db';
import { searchWords } from '../db/search';
import { invalidInput, notFound, rateLimited, unavailable } from '../errors';
import type { RedisClient } from '../redis';
import { parseInput, roomIdSchema } from '../validation';
import { withAck } from './ack';
import { assertJoined, fitPage } from './rooms';
import { sharedLimiter } from './send-limit';
import type { HubSocket } from './types';

const searchSchema = z.strictObject({
  roomId: roomIdSchema,
  query: z.string({ error: 'query must be a string' }).min(1, 'query must not be empty').max(100, 'query must be at most 100 characters'),
  before: z.number({ error: 'before must be a number' }).int().min(1).optional(),
  limit: z.number({ error: 'limit must be a number' }).int().min(1).max(50).default(20),
}) satisfies z.ZodType<SearchRequest, unknown>;

/** Searches per user (a reader: per socket) and window, across nodes with Redis: each may read ~2,000 messages. */
export const SEARCHES = { points: 30, durationS: 60 };
/** Searches running at once on a node; more wait for none and are refused with `rate_limited` (2 cores). */
const CONCURRENT_SEARCHES = 2;
const BUSY_RETRY_MS = 500;

export interface SearchLimits {
  consume(key: string): Promise<void>;
  /** Runs a search unless this node runs CONCURRENT_SEARCHES already. */
  run<T>(search: () => Promise<T>): Promise<T>;
}

/** The per-user limit (shared like the send limit) and this node's cap on searches at once. */
export function createSearchLimits(redis: RedisClient | undefined, onRefused: () => void = () => undefined): SearchLimits {
  const perUser = sharedLimiter('search', SEARCHES, redis);
  let running = 0;
  return {
    async consume(key) {
      try {
        await perUser.consume(key);
      } catch (error) {
        // Redis unreachable: refuse for now rather than let searches through unlimited
        if (!(error instanceof RateLimiterRes)) throw unavailable('unable to check the limit on searches; try again');
        onRefused();
        throw rateLimited('searches', error.msBeforeNext);
      }
    },
    async run(search) {
      if (running >= CONCURRENT_SEARCHES) throw rateLimited('searches on the server', BUSY_RETRY_MS);
      running += 1;
      try {
        return await search();
      } finally {
        running -= 1;
      }
    },
  };
}

/**
 * room:search — anyone who joined the room (a reader of a public room too) searches what they may read: deleted
 * and hidden messages never match. One answer reads a bounded number of messages (server/db/search.ts) and says
 * where to go on.
 */
export function registerSearchHandlers(socket: HubSocket, { repositories, limits }: { repositories: Repositories; limits: SearchLimits }, log: Logger): void {
  const { siteId, user } = socket.data;
  socket.on(
    'room:search',
    withAck(log, 'room:search', async (payload): Promise<SearchResult> => {
      const { roomId, query, before, limit } = parseInput(searchSchema, payload);
      const words = searchWords(query);
      if (words.length === 0) throw invalidInput('query', 'query must hold a letter or a digit');
      assertJoined(socket, roomId);
      await limits.consume(`${siteId}/${user?.id ?? `reader:${socket.id}`}`);
      return limits.run(async () => {
        const room = await repositories.rooms.find(siteId, roomId);
        if (!room) throw notFound('room');
        const top = Math.min(before ?? Infinity, room.lastSeq + 1);
        const found = await repositories.search.find(siteId, roomId, words, top, limit);
        // at most 256 KB of answer, like a history page: cut, it goes on before the last one sent
        const page = fitPage(await repositories.replies.refresh(siteId, roomId, found.messages));
        const last = page.messages.at(-1);
        return { messages: page.messages, next: page.cut && last ? last.seq : found.next };
      });
    }),
  );
}
