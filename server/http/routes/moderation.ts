import '@koa/bodyparser';
import type Router from '@koa/router';
import { createRouter } from '../router';
import { z } from 'zod';
import type { Author, BanRequest, ModerationLogResponse, MuteRequest, MuteResponse, WordFilterResponse, WordFilterSettings } from '../../../sdk/protocol';
import type { Repositories } from '../../db';
import { presentModeration } from '../../db/moderation';
import { moderationActionSchema } from '../api-schemas';
import type { UserDocument } from '../../db/users';
import { settingsOf } from '../../db/sites';
import { forbidden, notFound } from '../../errors';
import type { SiteWordFilters } from '../../moderation/site-word-filters';
import { WORD_FILTER_ACTIONS, WORD_FILTER_LIMITS } from '../../moderation/word-filter';
import { cleanText, OBJECT_ID_PATTERN, parseInput } from '../../validation';
import { type ApiState, requireAdmin, requireModerator } from '../require-user';
import { outranks } from '../../../sdk/roles';
import { actorOf, parseRoomId } from './rooms';

const DAY_MS = 24 * 60 * 60 * 1000;
const userIdSchema = z.string({ error: 'userId must be a string' }).regex(OBJECT_ID_PATTERN, 'userId must be a user id');

export const muteSchema = z.strictObject({
  userId: userIdSchema,
  durationMs: z
    .number({ error: 'durationMs must be a number' })
    .int('durationMs must be a whole number')
    .min(1_000, 'durationMs must be at least 1000 (1 s)')
    .max(365 * DAY_MS, 'durationMs must be at most 365 days'),
}) satisfies z.ZodType<MuteRequest, unknown>;

export const banSchema = z.strictObject({
  reason: cleanText('reason', 500, { multiline: true }).optional(),
}) satisfies z.ZodType<BanRequest, unknown>;

export const wordFilterSchema = z.strictObject({
  entries: z
    .array(cleanText('entry', WORD_FILTER_LIMITS.entryLength, { multiline: false }), { error: 'entries must be an array of strings' })
    .max(WORD_FILTER_LIMITS.entries, `entries may hold at most ${WORD_FILTER_LIMITS.entries} words or phrases`)
    // the same entry twice means nothing more: stored once, in the order first given
    .transform((entries) => [...new Set(entries)]),
  action: z.enum(WORD_FILTER_ACTIONS, { error: 'action must be "refuse", "mask" or "hold"' }),
}) satisfies z.ZodType<WordFilterSettings, unknown>;

/** Who the log names as having acted: a chat user's id, or a console account's as `console:<id>`. */
export const ACTOR_ID_PATTERN = /^(console:)?[0-9a-f]{24}$/;

export const moderationQuerySchema = z.strictObject({
  before: z.string().regex(OBJECT_ID_PATTERN, 'before must be the id of a log entry').optional(),
  limit: z.coerce.number({ error: 'limit must be a number' }).int().min(1).max(100).default(50),
  action: z.enum(moderationActionSchema.shape.action.options, { error: 'action must be the name of a logged action, e.g. "message.delete"' }).optional(),
  actor: z.string({ error: 'actor must be a string' }).regex(ACTOR_ID_PATTERN, 'actor must be a user id or console:<account id>').optional(),
  target: z.string({ error: 'target must be a string' }).regex(OBJECT_ID_PATTERN, 'target must be a user id').optional(),
});

export interface ModerationRoutesOptions {
  repositories: Repositories;
  /** Ends every socket of a banned user, on every node. */
  onUserBanned: (siteId: string, userId: string) => void;
  /** The sites' word filters on this node, told when one changes. */
  wordFilters: SiteWordFilters;
}

/** Moderators: mute in a room, ban from the site, the log of what moderators did; admins: the site's word filter. */
export function moderationRoutes({ repositories, onUserBanned, wordFilters }: ModerationRoutesOptions): Router<ApiState> {
  const { rooms, users, moderation } = repositories;
  const router = createRouter<ApiState>('/api/sites/:siteId');
  const admin = requireAdmin(users);
  const moderator = requireModerator(users);

  /** The user a path or body names, in this site; never the actor, nor anyone of their rank or above. */
  async function targetOf(siteId: string, userId: string | undefined, actor: UserDocument): Promise<UserDocument> {
    const target = userId && OBJECT_ID_PATTERN.test(userId) ? await users.findById(siteId, userId) : null;
    if (!target) throw notFound('user');
    if (target._id.equals(actor._id)) throw forbidden('you cannot do this to yourself');
    if (!outranks(actor.role, target.role)) throw forbidden('you cannot do this to a user of your rank or above');
    return target;
  }

  router.post('/rooms/:roomId/mutes', moderator, async (ctx) => {
    const roomId = parseRoomId(ctx.params.roomId);
    const { userId, durationMs } = parseInput(muteSchema, ctx.request.body);
    const { site, user } = ctx.state;
    await targetOf(site._id, userId, user);
    const until = new Date(Date.now() + durationMs);
    if (!(await rooms.mute(site._id, roomId, userId, until))) throw notFound('room');
    await moderation.record({ siteId: site._id, action: 'user.mute', actor: actorOf(user), roomId, targetUserId: userId, until });
    ctx.status = 201;
    ctx.body = { mute: { roomId, userId, until: until.toISOString() } } satisfies MuteResponse;
  });

  router.delete('/rooms/:roomId/mutes/:userId', moderator, async (ctx) => {
    const roomId = parseRoomId(ctx.params.roomId);
    const { site, user } = ctx.state;
    const target = await targetOf(site._id, ctx.params.userId, user);
    if (!(await rooms.unmute(site._id, roomId, target._id.toHexString()))) throw notFound('room');
    await moderation.record({ siteId: site._id, action: 'user.unmute', actor: actorOf(user), roomId, targetUserId: target._id.toHexString() });
    ctx.status = 204;
  });

  router.post('/users/:userId/ban', moderator, async (ctx) => {
    const { reason } = parseInput(banSchema, ctx.request.body ?? {});
    const { site, user } = ctx.state;
    const target = await targetOf(site._id, ctx.params.userId, user);
    await banUser(repositories, onUserBanned, site._id, actorOf(user), target._id.toHexString(), reason);
    ctx.status = 204;
  });

  router.delete('/users/:userId/ban', moderator, async (ctx) => {
    const { site, user } = ctx.state;
    const target = await targetOf(site._id, ctx.params.userId, user);
    await users.setBanned(site._id, target._id.toHexString(), false);
    if (target.ipHash) await repositories.ipBans.lift(site._id, target.ipHash);
    await moderation.record({ siteId: site._id, action: 'user.unban', actor: actorOf(user), targetUserId: target._id.toHexString() });
    ctx.status = 204;
  });

  router.get('/word-filter', admin, async (ctx) => {
    ctx.body = { wordFilter: await wordFilters.settings(ctx.state.site._id) } satisfies WordFilterResponse;
  });

  router.put('/word-filter', admin, async (ctx) => {
    const wordFilter = parseInput(wordFilterSchema, ctx.request.body);
    const { site, user } = ctx.state;
    if (!(await repositories.sites.setWordFilter(site._id, wordFilter))) throw notFound('site');
    // this node applies it from the next message; the others within a few seconds (their cache)
    wordFilters.forget(site._id);
    await moderation.record({ siteId: site._id, action: 'site.word-filter', actor: actorOf(user), reason: `${wordFilter.entries.length} entries, ${wordFilter.action}` });
    ctx.body = { wordFilter } satisfies WordFilterResponse;
  });

  router.get('/moderation', moderator, async (ctx) => {
    const query = parseInput(moderationQuerySchema, ctx.query);
    const only = { ...(query.action ? { action: query.action } : {}), ...(query.actor ? { actorId: query.actor } : {}), ...(query.target ? { targetUserId: query.target } : {}) };
    const entries = await moderation.list(ctx.state.site._id, query.before, query.limit, only);
    ctx.body = { actions: entries.map(presentModeration) } satisfies ModerationLogResponse;
  });

  return router;
}


/**
 * Bans a user from the site: their sessions end first (a socket reconnecting after the kick finds none), then every
 * socket of theirs on every node; logged. A guest's network address is banned too, for the site's `guestBanHours`,
 * so a new guest name does not get them back in.
 */
export async function banUser(
  { users, sessions, moderation, sites, ipBans }: Pick<Repositories, 'users' | 'sessions' | 'moderation' | 'sites' | 'ipBans'>,
  onUserBanned: (siteId: string, userId: string) => void,
  siteId: string,
  actor: Author,
  userId: string,
  reason?: string,
): Promise<void> {
  const target = await users.findById(siteId, userId);
  const hours = target?.ipHash ? (await sites.findById(siteId).then((site) => site && settingsOf(site).guestBanHours)) ?? 0 : 0;
  if (target?.ipHash && hours > 0) await ipBans.ban(siteId, target.ipHash, new Date(Date.now() + hours * 60 * 60 * 1000));
  await users.setBanned(siteId, userId, true);
  await sessions.deleteByUser(siteId, userId);
  onUserBanned(siteId, userId);
  await moderation.record({ siteId, action: 'user.ban', actor, targetUserId: userId, ...(reason ? { reason } : {}) });
}
