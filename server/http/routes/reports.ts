import '@koa/bodyparser';
import type Router from '@koa/router';
import { createRouter } from '../router';
import { z } from 'zod';
import type { ReportSettings, ReportSettingsResponse, ReportsResponse, ResolveReportRequest, ResolveReportResponse } from '../../../sdk/protocol';
import type { Repositories } from '../../db';
import { notFound } from '../../errors';
import { DEFAULT_HIDE_AFTER, type ReportDesk } from '../../moderation/reports';
import { parseInput, roomIdSchema, seqSchema } from '../../validation';
import { type ApiState, requireAdmin, requireModerator } from '../require-user';
import { muteSchema } from './moderation';
import { actorOf } from './rooms';

export const resolveReportSchema = z
  .strictObject({
    roomId: roomIdSchema,
    seq: seqSchema,
    action: z.enum(['dismiss', 'delete', 'mute', 'ban'], { error: 'action must be "dismiss", "delete", "mute" or "ban"' }),
    durationMs: muteSchema.shape.durationMs.optional(),
  })
  .refine((request) => request.action !== 'mute' || request.durationMs !== undefined, { error: 'durationMs is required to mute', path: ['durationMs'] })
  .refine((request) => request.action === 'mute' || request.durationMs === undefined, { error: 'durationMs goes with mute only', path: ['durationMs'] }) satisfies z.ZodType<
  ResolveReportRequest,
  unknown
>;

export const reportSettingsSchema = z.strictObject({
  hideAfter: z
    .number({ error: 'hideAfter must be a number' })
    .int('hideAfter must be a whole number')
    .min(0, 'hideAfter must be 0 (never hide) or more')
    .max(100, 'hideAfter must be at most 100'),
}) satisfies z.ZodType<ReportSettings, unknown>;

export interface ReportRoutesOptions {
  repositories: Repositories;
  reports: ReportDesk;
}

/** Moderators: the queue of reported messages and resolving their reports; admins: how many reports hide a message. */
export function reportRoutes({ repositories, reports }: ReportRoutesOptions): Router<ApiState> {
  const { sites, users, moderation } = repositories;
  const router = createRouter<ApiState>('/api/sites/:siteId');
  const admin = requireAdmin(users);
  const moderator = requireModerator(users);

  router.get('/reports', moderator, async (ctx) => {
    ctx.body = { reported: await reports.queue(ctx.state.site._id) } satisfies ReportsResponse;
  });

  router.post('/reports/resolve', moderator, async (ctx) => {
    const request = parseInput(resolveReportSchema, ctx.request.body);
    const { site, user } = ctx.state;
    ctx.body = (await reports.resolve(site._id, { ...actorOf(user), role: user.role }, request)) satisfies ResolveReportResponse;
  });

  router.get('/report-settings', admin, async (ctx) => {
    const hideAfter = (await sites.findById(ctx.state.site._id))?.reportHideAfter ?? DEFAULT_HIDE_AFTER;
    ctx.body = { reportSettings: { hideAfter } } satisfies ReportSettingsResponse;
  });

  router.put('/report-settings', admin, async (ctx) => {
    const { hideAfter } = parseInput(reportSettingsSchema, ctx.request.body);
    const { site, user } = ctx.state;
    if (!(await sites.setReportHideAfter(site._id, hideAfter))) throw notFound('site');
    const reason = hideAfter === 0 ? 'reports never hide a message' : `hidden after ${hideAfter} reports`;
    await moderation.record({ siteId: site._id, action: 'site.report-settings', actor: actorOf(user), reason });
    ctx.body = { reportSettings: { hideAfter } } satisfies ReportSettingsResponse;
  });

  return router;
}
