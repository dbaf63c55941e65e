import '@koa/bodyparser';
import type Router from '@koa/router';
import { z } from 'zod';
import type { RoleRequest, RoleResponse, SiteInfoResponse, SiteSettings, SiteSettingsResponse, StaffResponse, UpdateSiteSettingsRequest } from '../../../sdk/protocol';
import { outranks, ROLES } from '../../../sdk/roles';
import type { Repositories } from '../../db';
import { settingsOf } from '../../db/sites';
import { forbidden, invalidInput, notFound } from '../../errors';
import { type SiteSettingsCache, visitorAccess } from '../../moderation/site-settings';
import { definedOf, OBJECT_ID_PATTERN, parseInput } from '../../validation';
import { createRouter } from '../router';
import { type ApiState, requireAdmin } from '../require-user';
import { ACCESS, actorOf } from './rooms';

/** The longest a banned guest's address stays banned: a year. */
const MAX_GUEST_BAN_HOURS = 24 * 365;
/** The longest a site may keep messages under a retention setting: ten years. */
const MAX_RETENTION_DAYS = 3_650;
/** The largest per-file upload limit a site may set, in MB. */
export const MAX_UPLOAD_MB = 20;

const rankSchema = (field: string) => z.enum(ROLES, { error: `${field} must be one of ${ROLES.join(', ')}` });

export const updateSiteSettingsSchema = z.strictObject({
  access: z.enum(ACCESS, { error: 'access must be "members", "guests" or "read-only"' }).optional(),
  postingRights: z
    .strictObject({ links: rankSchema('postingRights.links').optional(), mentionEveryone: rankSchema('postingRights.mentionEveryone').optional() })
    .optional(),
  guestBanHours: z
    .number({ error: 'guestBanHours must be a number' })
    .int({ error: 'guestBanHours must be a whole number of hours' })
    .min(0, { error: 'guestBanHours must be 0 (off) or more' })
    .max(MAX_GUEST_BAN_HOURS, { error: `guestBanHours must be at most ${MAX_GUEST_BAN_HOURS} (a year)` })
    .optional(),
  uploadMaxMB: z
    .number({ error: 'uploadMaxMB must be a number' })
    .int({ error: 'uploadMaxMB must be a whole number of megabytes' })
    .min(0, { error: 'uploadMaxMB must be 0 (no uploads) or more' })
    .max(MAX_UPLOAD_MB, { error: `uploadMaxMB must be at most ${MAX_UPLOAD_MB}` })
    .optional(),
  emailDigests: z.boolean({ error: 'emailDigests must be true or false' }).optional(),
  retentionDays: z
    .number({ error: 'retentionDays must be a number' })
    .int({ error: 'retentionDays must be a whole number of days' })
    .min(0, { error: 'retentionDays must be 0 (keep messages) or more' })
    .max(MAX_RETENTION_DAYS, { error: `retentionDays must be at most ${MAX_RETENTION_DAYS} (ten years)` })
    .optional(),
}) satisfies z.ZodType<UpdateSiteSettingsRequest, unknown>;

export const roleSchema = z.strictObject({
  role: z.enum(['member', 'moderator', 'admin'], { error: 'role must be "member", "moderator" or "admin"' }),
}) satisfies z.ZodType<RoleRequest, unknown>;

export interface SiteSettingsRoutesOptions {
  repositories: Repositories;
  /** The sites' settings on this node: a change through the API applies here at once. */
  siteSettings: SiteSettingsCache;
}

/**
 * What a visitor may do before signing in (anyone); a site's access, posting rights and guest bans, its staff, and
 * who holds which rank (admins).
 */
export function siteSettingsRoutes({ repositories, siteSettings }: SiteSettingsRoutesOptions): Router<ApiState> {
  const { users, rooms, sites, moderation } = repositories;
  const router = createRouter<ApiState>('/api/sites/:siteId');
  const admin = requireAdmin(users);

  router.get('/info', async (ctx) => {
    const { site } = ctx.state;
    const { access } = settingsOf(site);
    const { read, guests } = visitorAccess(await rooms.list(site._id), access);
    ctx.body = { site: { id: site._id, name: site.name, access, read, guests } } satisfies SiteInfoResponse;
  });

  router.get('/settings', admin, (ctx) => {
    ctx.body = { settings: settingsOf(ctx.state.site) } satisfies SiteSettingsResponse;
  });

  router.patch('/settings', admin, async (ctx) => {
    const change = parseInput(updateSiteSettingsSchema, ctx.request.body);
    if (Object.values(change).every((value) => value === undefined)) throw invalidInput(undefined, 'nothing to change: send access, postingRights, guestBanHours, uploadMaxMB, emailDigests or retentionDays');
    const { site, user } = ctx.state;
    const before = settingsOf(site);
    const settings: SiteSettings = {
      access: change.access ?? before.access,
      postingRights: { ...before.postingRights, ...definedOf(change.postingRights ?? {}) },
      guestBanHours: change.guestBanHours ?? before.guestBanHours,
      uploadMaxMB: change.uploadMaxMB ?? before.uploadMaxMB,
      emailDigests: change.emailDigests ?? before.emailDigests,
      retentionDays: change.retentionDays ?? before.retentionDays,
    };
    if (!(await sites.setSettings(site._id, settings))) throw notFound('site');
    // this node applies them from the next message; the others within a few seconds (their cache)
    siteSettings.forget(site._id);
    const reason = `access ${settings.access}; links from ${settings.postingRights.links}; @everyone from ${settings.postingRights.mentionEveryone}; guest bans ${settings.guestBanHours} h; images up to ${settings.uploadMaxMB} MB; email digests ${settings.emailDigests ? 'on' : 'off'}; messages kept ${settings.retentionDays ? `${settings.retentionDays} days` : 'until deleted'}`;
    await moderation.record({ siteId: site._id, action: 'site.settings', actor: actorOf(user), reason });
    ctx.body = { settings } satisfies SiteSettingsResponse;
  });

  router.get('/staff', admin, async (ctx) => {
    const staff = await users.staff(ctx.state.site._id);
    ctx.body = {
      staff: staff.map((member) => ({ id: member._id.toHexString(), displayName: member.displayName, username: member.username, role: member.role })),
    } satisfies StaffResponse;
  });

  router.put('/users/:userId/role', admin, async (ctx) => {
    const { role } = parseInput(roleSchema, ctx.request.body);
    const { site, user } = ctx.state;
    const userId = ctx.params.userId;
    const target = userId && OBJECT_ID_PATTERN.test(userId) ? await users.findById(site._id, userId) : null;
    if (!target) throw notFound('user');
    if (target._id.equals(user._id)) throw forbidden('you cannot change your own rank');
    // below one's own rank only, both the rank held and the rank given: an admin makes moderators, the owner admins
    if (!outranks(user.role, target.role) || !outranks(user.role, role)) throw forbidden('you can only give ranks below your own, to users below it');
    if (target.role === 'guest') throw forbidden('a guest becomes a member by signing up');
    if (role !== target.role) {
      if (!(await users.setRoleById(site._id, target._id.toHexString(), role))) throw notFound('user');
      await moderation.record({ siteId: site._id, action: 'user.role', actor: actorOf(user), targetUserId: target._id.toHexString(), reason: `${target.role} → ${role}` });
    }
    ctx.body = { user: { id: target._id.toHexString(), displayName: target.displayName, role } } satisfies RoleResponse;
  });

  return router;
}
