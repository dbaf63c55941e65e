import type Router from '@koa/router';
import { z } from 'zod';
import type { SiteUser, SiteUserResponse, SiteUsersResponse } from '../../../sdk/protocol';
import type { Repositories } from '../../db';
import { type MessageDocument, type MessagesRepository, presentToModerators } from '../../db/messages';
import type { RoomDocument } from '../../db/rooms';
import type { UserSummary } from '../../db/users';
import { notFound } from '../../errors';
import { OBJECT_ID_PATTERN, parseInput } from '../../validation';
import { createRouter } from '../router';
import { type ApiState, requireModerator } from '../require-user';

/** How many of each room's latest messages "recent" looks through for a user's own. */
export const RECENT_WINDOW = 1_000;
/** How many recent messages of a user the detail shows. */
export const RECENT_MESSAGES = 50;
// keys per read: the embedded database re-checks an `$in` in quadratic time, so page sizes (docs/decisions.md)
const KEYS_PER_READ = 100;
// rooms read at once for one user's detail
const ROOMS_AT_ONCE = 4;

/** The longest search text, in characters. */
export const PEOPLE_QUERY_LENGTH = 100;

const controlCharacters = /[\u0000-\u001F\u007F-\u009F\u2028\u2029]/;

export const peopleQuerySchema = z.strictObject({
  q: z
    .string({ error: 'q must be a string' })
    .refine((value) => [...value].length <= PEOPLE_QUERY_LENGTH, `q must be at most ${PEOPLE_QUERY_LENGTH} characters`)
    .refine((value) => !controlCharacters.test(value), 'q contains control characters')
    .transform((value) => value.normalize('NFC').trim())
    .default(''),
  limit: z.coerce.number({ error: 'limit must be a number' }).int('limit must be a whole number').min(1, 'limit must be 1–50').max(50, 'limit must be 1–50').default(20),
});

/** Text as the search compares it: compatibility forms and accents gone, lower case ("Zoé" and "ZOE" alike). */
export const searchKey = (text: string) => text.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();

/** How well a user matches the folded query: 0 a name starts with it, 1 a name holds it, undefined neither. */
export function rankOf(user: Pick<UserSummary, 'displayName' | 'username' | 'role'>, key: string): number | undefined {
  // a guest's username is an internal key nobody chose: their display name only
  const names = user.role === 'guest' ? [user.displayName] : [user.displayName, user.username];
  const folded = names.map(searchKey);
  if (folded.some((name) => name.startsWith(key))) return 0;
  if (folded.some((name) => name.includes(key))) return 1;
  return undefined;
}

export const presentSiteUser = (user: UserSummary): SiteUser => ({
  id: user._id.toHexString(),
  displayName: user.displayName,
  username: user.username,
  role: user.role,
  guest: user.role === 'guest',
  banned: user.bannedAt !== undefined,
  createdAt: user.createdAt.toISOString(),
});

export interface PeopleRoutesOptions {
  repositories: Repositories;
}

/** Moderators and up: find the site's users by name, and see one with their mutes and recent messages. */
export function peopleRoutes({ repositories }: PeopleRoutesOptions): Router<ApiState> {
  const { users, rooms, messages } = repositories;
  const router = createRouter<ApiState>('/api/sites/:siteId');
  const moderator = requireModerator(users);

  router.get('/users', moderator, async (ctx) => {
    const { q, limit } = parseInput(peopleQuerySchema, ctx.query);
    const key = searchKey(q);
    const found = await users.search(ctx.state.site._id, limit, key ? (user) => rankOf(user, key) : undefined);
    ctx.body = { users: found.map(presentSiteUser) } satisfies SiteUsersResponse;
  });

  router.get('/users/:userId', moderator, async (ctx) => {
    const { site } = ctx.state;
    const userId = ctx.params.userId;
    const user = userId && OBJECT_ID_PATTERN.test(userId) ? await users.findById(site._id, userId) : null;
    if (!user) throw notFound('user');
    const id = user._id.toHexString();
    // the rooms are read anyway for the messages: the mutes kept on them come free
    const siteRooms = await rooms.list(site._id);
    const now = Date.now();
    const mutes = siteRooms.flatMap((room) => {
      const until = room.mutedUntil?.[id];
      return until && until.getTime() > now ? [{ roomId: room.roomId, until: until.toISOString() }] : [];
    });
    const recent = await recentMessagesOf(messages, site._id, siteRooms, id);
    ctx.body = { user: presentSiteUser(user), mutes, recentMessages: recent.map(presentToModerators) } satisfies SiteUserResponse;
  });

  return router;
}

/**
 * The user's newest messages across the rooms, newest first, up to RECENT_MESSAGES: each room's latest RECENT_WINDOW
 * seqs are read by `_id`, newest first, the author checked beside the keys, so no read scans the messages.
 */
export async function recentMessagesOf(messages: MessagesRepository, siteId: string, siteRooms: readonly RoomDocument[], authorId: string): Promise<MessageDocument[]> {
  const found: MessageDocument[] = [];
  for (let start = 0; start < siteRooms.length; start += ROOMS_AT_ONCE) {
    const batch = siteRooms.slice(start, start + ROOMS_AT_ONCE);
    for (const ofRoom of await Promise.all(batch.map((room) => recentInRoom(messages, siteId, room, authorId)))) found.push(...ofRoom);
  }
  return found.sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || b.seq - a.seq).slice(0, RECENT_MESSAGES);
}

async function recentInRoom(messages: MessagesRepository, siteId: string, room: RoomDocument, authorId: string): Promise<MessageDocument[]> {
  const found: MessageDocument[] = [];
  const lowest = Math.max(1, room.lastSeq - RECENT_WINDOW + 1);
  for (let top = room.lastSeq; top >= lowest && found.length < RECENT_MESSAGES; top -= KEYS_PER_READ) {
    const seqs = Array.from({ length: Math.min(KEYS_PER_READ, top - lowest + 1) }, (_, k) => top - k);
    found.push(...(await messages.findBySeqsOf(siteId, room.roomId, seqs, authorId)));
  }
  return found;
}
