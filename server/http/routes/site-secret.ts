import '@koa/bodyparser';
import type Router from '@koa/router';
import type Koa from 'koa';
import { z } from 'zod';
import type { ConsoleSecretResponse, RotateSecretRequest } from '../../../sdk/protocol';
import type { Repositories } from '../../db';
import { forbidden, invalidInput, notFound } from '../../errors';
import { parseInput } from '../../validation';
import { createRouter } from '../router';
import type { ConsoleSessions } from '../session';
import { actorOf, consoleSignedIn, consoleSiteOf, type ConsoleState } from './console';

export const rotateSecretSchema = z.strictObject({
  confirm: z.string({ error: 'confirm must be the site’s id' }).max(40, { error: 'confirm must be the site’s id' }),
}) satisfies z.ZodType<RotateSecretRequest, unknown>;

export interface SiteSecretRoutesOptions {
  repositories: Repositories;
  sessions: ConsoleSessions;
}

/**
 * A site's identity secret in the console (owners only): shown on demand and rotated. Every identify reads the site
 * from the database (siteScope keeps no copy), so a rotation applies at once on every node: tokens and hashes signed
 * with the old secret are refused from the next request, while sessions already started do not depend on it.
 */
export function siteSecretRoutes({ repositories, sessions }: SiteSecretRoutesOptions): Router {
  const router = createRouter('/api/console');
  const signedIn = consoleSignedIn(sessions, repositories.consoleAccounts);

  /** The site, when the signed-in account owns it; admins and moderators may not see the secret. */
  const ownedSite = async (ctx: Koa.Context) => {
    const { account } = ctx.state as ConsoleState;
    const { site, role } = await consoleSiteOf(repositories.sites, account, ctx.params.siteId);
    if (role !== 'owner') throw forbidden('only the site’s owners see and rotate its identity secret');
    return { account, site };
  };

  router.get('/sites/:siteId/secret', signedIn, async (ctx) => {
    const { account, site } = await ownedSite(ctx);
    // who saw the key that signs the site's users in, and when
    await repositories.moderation.record({ siteId: site._id, action: 'site.secret.view', actor: actorOf(account) });
    ctx.body = { secret: site.identitySecret } satisfies ConsoleSecretResponse;
  });

  router.post('/sites/:siteId/secret', signedIn, async (ctx) => {
    const { account, site } = await ownedSite(ctx);
    const input = parseInput(rotateSecretSchema, ctx.request.body);
    if (input.confirm !== site._id) throw invalidInput('confirm', 'type the site’s id to confirm');
    const secret = await repositories.sites.rotateSecret(site._id);
    if (!secret) throw notFound('site');
    await repositories.moderation.record({ siteId: site._id, action: 'site.secret.rotate', actor: actorOf(account) });
    ctx.body = { secret } satisfies ConsoleSecretResponse;
  });

  return router;
}
