import '@koa/bodyparser';
import type Router from '@koa/router';
import { createRouter } from '../router';
import { z } from 'zod';
import type { Access, CreateRoomRequest, RoomInfo, RoomResponse, RoomsResponse, UpdateRoomRequest } from '../../../sdk/protocol';
import type { Repositories } from '../../db';
import { presentRoom } from '../../db/rooms';
import { settingsOf } from '../../db/sites';
import { forbidden, invalidInput, notFound } from '../../errors';
import { mayRead } from '../../moderation/site-settings';
import { hasRank } from '../../../sdk/roles';
import { cleanText, parseInput, roomIdSchema } from '../../validation';
import { type ApiState, optionalUser, requireAdmin, requireModerator } from '../require-user';

const roomName = cleanText('room name', 80, { multiline: false });

export const createRoomSchema = z.strictObject({
  id: z.string({ error: 'room id must be a string' }).pipe(roomIdSchema),
  name: roomName,
}) satisfies z.ZodType<CreateRoomRequest, unknown>;

export const ACCESS = ['members', 'guests', 'read-only'] as const satisfies readonly Access[];

/** The longest slow mode: six hours between two messages. */
export const MAX_SLOW_MODE_SECONDS = 21_600;

export const updateRoomSchema = z.strictObject({
  name: roomName.optional(),
  archived: z.boolean({ error: 'archived must be a boolean' }).optional(),
  slowModeSeconds: z
    .number({ error: 'slowModeSeconds must be a number' })
    .int({ error: 'slowModeSeconds must be a whole number of seconds' })
    .min(0, { error: 'slowModeSeconds must be 0 (off) or more' })
    .max(MAX_SLOW_MODE_SECONDS, { error: `slowModeSeconds must be at most ${MAX_SLOW_MODE_SECONDS} (6 hours)` })
    .optional(),
  paused: z.boolean({ error: 'paused must be a boolean' }).optional(),
  access: z.enum(ACCESS, { error: 'access must be "members", "guests", "read-only" or null (the site\'s)' }).nullable().optional(),
}) satisfies z.ZodType<UpdateRoomRequest, unknown>;

export interface RoomRoutesOptions {
  repositories: Repositories;
  /** Tells the room's sockets (and every node) about a change. */
  onRoomUpdated: (siteId: string, room: RoomInfo) => void;
}

/**
 * The site's rooms: members list them (guests and visitors without an account: those they may read); moderators
 * slow, pause and resume them; admins also create, rename, archive, unarchive and open them.
 */
export function roomRoutes({ repositories, onRoomUpdated }: RoomRoutesOptions): Router<ApiState> {
  const { rooms, users, moderation } = repositories;
  const router = createRouter<ApiState>('/api/sites/:siteId/rooms');

  router.get('/', optionalUser(users), async (ctx) => {
    const { site, viewer } = ctx.state;
    const { access } = settingsOf(site);
    const listed = (await rooms.list(site._id)).map((room) => presentRoom(room, access));
    ctx.body = { rooms: listed.filter((room) => mayRead(room.access, viewer?.role)) } satisfies RoomsResponse;
  });

  router.post('/', requireAdmin(users), async (ctx) => {
    const { id, name } = parseInput(createRoomSchema, ctx.request.body);
    const { site, user } = ctx.state;
    const room = await rooms.create(site._id, id, name);
    await moderation.record({ siteId: site._id, action: 'room.create', actor: actorOf(user), roomId: id });
    ctx.status = 201;
    ctx.body = { room: presentRoom(room, settingsOf(site).access) } satisfies RoomResponse;
  });

  router.patch('/:roomId', requireModerator(users), async (ctx) => {
    const roomId = parseRoomId(ctx.params.roomId);
    const change = parseInput(updateRoomSchema, ctx.request.body);
    if (Object.values(change).every((value) => value === undefined)) {
      throw invalidInput(undefined, 'nothing to change: send name, archived, slowModeSeconds, paused or access');
    }
    const { site, user } = ctx.state;
    if ((change.name !== undefined || change.archived !== undefined || change.access !== undefined) && !hasRank(user.role, 'admin')) {
      throw forbidden('only admins of the site may rename, archive or open rooms; moderators slow, pause and resume them');
    }
    const before = await rooms.find(site._id, roomId);
    if (!before) throw notFound('room');
    const room = await rooms.update(site._id, roomId, change);
    if (!room) throw notFound('room');
    const actor = actorOf(user);
    if (change.name !== undefined && change.name !== before.name) {
      await moderation.record({ siteId: site._id, action: 'room.rename', actor, roomId, reason: `${before.name} → ${change.name}` });
    }
    if (change.archived !== undefined && change.archived !== (before.archivedAt !== undefined)) {
      await moderation.record({ siteId: site._id, action: change.archived ? 'room.archive' : 'room.unarchive', actor, roomId });
    }
    if (change.slowModeSeconds !== undefined && change.slowModeSeconds !== (before.slowModeSeconds ?? 0)) {
      const reason = change.slowModeSeconds === 0 ? 'off' : `one message every ${change.slowModeSeconds} s`;
      await moderation.record({ siteId: site._id, action: 'room.slow-mode', actor, roomId, reason });
    }
    if (change.paused !== undefined && change.paused !== (before.pausedAt !== undefined)) {
      await moderation.record({ siteId: site._id, action: change.paused ? 'room.pause' : 'room.resume', actor, roomId });
    }
    if (change.access !== undefined && change.access !== (before.access ?? null)) {
      await moderation.record({ siteId: site._id, action: 'room.access', actor, roomId, reason: change.access ?? "the site's" });
    }
    const presented = presentRoom(room, settingsOf(site).access);
    onRoomUpdated(site._id, presented);
    ctx.body = { room: presented } satisfies RoomResponse;
  });

  return router;
}

/** A room id from the path: a malformed one names no room. */
export function parseRoomId(value: string | undefined): string {
  const parsed = roomIdSchema.safeParse(value);
  if (!parsed.success) throw notFound('room');
  return parsed.data;
}

/** Who did it, for the moderation log: a chat user by id, a console account as `console:<id>`. */
export const actorOf = (user: { _id: { toHexString(): string }; displayName: string; console?: true }) => ({
  id: user.console ? `console:${user._id.toHexString()}` : user._id.toHexString(),
  displayName: user.displayName,
});
