import '@koa/bodyparser';
import type Router from '@koa/router';
import { z } from 'zod';
import type { PrePublishHookRequest, PrePublishHookResponse } from '../../../sdk/protocol';
import type { Repositories } from '../../db';
import { invalidInput, notFound } from '../../errors';
import type { PrePublishHooks } from '../../moderation/pre-publish';
import { parseInput } from '../../validation';
import { type ApiState, requireAdmin } from '../require-user';
import { createRouter } from '../router';
import { actorOf } from './rooms';

export interface PrePublishRoutesOptions {
  repositories: Repositories;
  /** The hooks on this node: a change through the API applies here at once. */
  prePublish: PrePublishHooks;
  /** HOOKS_ALLOW_PRIVATE: plain http allowed too (the addresses are checked when the hook is called). */
  allowHttp: boolean;
}

/** An endpoint of the site's own that Parley calls (the pre-publish hook, webhooks): https unless `allowHttp`. */
export const outboundUrlSchema = (allowHttp: boolean) =>
  z
    .string({ error: 'url must be a string' })
    .max(2_000, { error: 'url must be at most 2000 characters' })
    .refine((value) => URL.canParse(value), { error: 'url must be an absolute URL' })
    .refine((value) => !URL.canParse(value) || ['https:', ...(allowHttp ? ['http:'] : [])].includes(new URL(value).protocol), {
      error: allowHttp ? 'url must be http or https' : 'url must be https',
    })
    .refine((value) => !URL.canParse(value) || (!new URL(value).username && !new URL(value).password), { error: 'url must not hold a user name or password' });

export function hookRequestSchema(allowHttp: boolean) {
  return z.strictObject({
    url: outboundUrlSchema(allowHttp),
    timeoutMs: z
      .number({ error: 'timeoutMs must be a number' })
      .int({ error: 'timeoutMs must be a whole number' })
      .min(100, { error: 'timeoutMs must be at least 100' })
      .max(10_000, { error: 'timeoutMs must be at most 10000' })
      .optional(),
    failOpen: z.boolean({ error: 'failOpen must be true or false' }).optional(),
    rotateSecret: z.boolean({ error: 'rotateSecret must be true or false' }).optional(),
  }) satisfies z.ZodType<PrePublishHookRequest, unknown>;
}

/** A site's pre-publish hook (admins): read it (never its secret again), set it, rotate its secret, remove it. */
export function prePublishRoutes({ repositories, prePublish, allowHttp }: PrePublishRoutesOptions): Router<ApiState> {
  const { users, sites, moderation } = repositories;
  const router = createRouter<ApiState>('/api/sites/:siteId');
  const admin = requireAdmin(users);
  const schema = hookRequestSchema(allowHttp);

  router.get('/pre-publish', admin, (ctx) => {
    const hook = ctx.state.site.prePublish;
    ctx.body = { hook: hook ? { url: hook.url, timeoutMs: hook.timeoutMs, failOpen: hook.failOpen } : null } satisfies PrePublishHookResponse;
  });

  router.put('/pre-publish', admin, async (ctx) => {
    const input = parseInput(schema, ctx.request.body);
    const { site, user } = ctx.state;
    const before = site.prePublish;
    const hook = { url: input.url, timeoutMs: input.timeoutMs ?? before?.timeoutMs ?? 2_000, failOpen: input.failOpen ?? before?.failOpen ?? true };
    const stored = await sites.setPrePublish(site._id, hook, input.rotateSecret === true);
    if (!stored) throw notFound('site');
    prePublish.forget(site._id);
    const secretIsNew = stored.secret !== before?.secret;
    const reason = `${hook.url}, ${hook.timeoutMs} ms, fail ${hook.failOpen ? 'open' : 'closed'}${secretIsNew ? ', new secret' : ''}`;
    await moderation.record({ siteId: site._id, action: 'site.pre-publish', actor: actorOf(user), reason });
    ctx.body = { hook, ...(secretIsNew ? { secret: stored.secret } : {}) } satisfies PrePublishHookResponse;
  });

  router.delete('/pre-publish', admin, async (ctx) => {
    const { site, user } = ctx.state;
    if (!site.prePublish) throw invalidInput(undefined, 'the site has no pre-publish hook');
    if (!(await sites.clearPrePublish(site._id))) throw notFound('site');
    prePublish.forget(site._id);
    await moderation.record({ siteId: site._id, action: 'site.pre-publish', actor: actorOf(user), reason: 'removed' });
    ctx.status = 204;
  });

  return router;
}
