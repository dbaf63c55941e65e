import '@koa/bodyparser';
import type Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import type { EraseRequest, Message } from '../../../sdk/protocol';
import { outranks } from '../../../sdk/roles';
import type { Repositories } from '../../db';
import type { UserDocument } from '../../db/users';
import { forbidden, notFound, unauthorized } from '../../errors';
import { verifyPassword } from '../../passwords';
import { eraseUser, exportUser } from '../../privacy/data-rights';
import { OBJECT_ID_PATTERN, parseInput } from '../../validation';
import { ownOriginOf } from '../origins';
import type { AuthRateLimiter } from '../rate-limits';
import { createRouter } from '../router';
import { type ApiState, requireAdmin, requireUser } from '../require-user';
import { widgetCookie } from '../session';
import { actorOf } from './rooms';

export const eraseSchema = z.strictObject({
  password: z.string({ error: 'password must be a string' }).max(1_000, { error: 'password must be at most 1000 characters' }).optional(),
}) satisfies z.ZodType<EraseRequest, unknown>;

export interface DataRightsRoutesOptions {
  repositories: Repositories;
  rateLimiter: Pick<AuthRateLimiter, 'dataRequest'>;
  publicUrl: string | undefined;
  /** A message changed (an erased user's): told to its room and to webhooks. */
  onMessageUpdated: (siteId: string, message: Message) => Promise<void>;
  /** An account was erased: its sockets end, on every node. */
  onUserErased: (siteId: string, userId: string) => void;
}

/** Data rights: a user's export and erasure of their own account, and an admin's of any user of their site. */
export function dataRightsRoutes({ repositories, rateLimiter, publicUrl, onMessageUpdated, onUserErased }: DataRightsRoutesOptions): Router<ApiState> {
  const { users } = repositories;
  const router = createRouter<ApiState>('/api/sites/:siteId');
  const signedIn = requireUser(users);
  const admin = requireAdmin(users);
  const effects = { announce: onMessageUpdated, endUser: onUserErased };

  // a download: the whole of what is held, as a file named after the site and the user
  const sendExport = async (ctx: Context & { state: ApiState }, target: UserDocument) => {
    await rateLimiter.dataRequest(ctx.state.user._id.toHexString());
    const { site } = ctx.state;
    const root = `${ownOriginOf(publicUrl, ctx.req.headers, ctx.secure)}/api/sites/${encodeURIComponent(site._id)}/uploads/`;
    const data = await exportUser(repositories, site, target, (id) => root + id);
    ctx.set('Content-Disposition', `attachment; filename="parley-${site._id}-${target._id.toHexString()}.json"`);
    ctx.body = data;
  };
  const targetOf = async (ctx: Context & { state: ApiState; params: Record<string, string | undefined> }) => {
    const userId = ctx.params.userId ?? '';
    const target = OBJECT_ID_PATTERN.test(userId) ? await users.findById(ctx.state.site._id, userId) : null;
    if (!target) throw notFound('user');
    return target;
  };

  router.get('/me/export', signedIn, (ctx) => sendExport(ctx, ctx.state.user));

  router.post('/me/erase', signedIn, async (ctx) => {
    const { password } = parseInput(eraseSchema, ctx.request.body);
    const { user } = ctx.state;
    // a member proves it is them (a stolen session alone cannot delete the account); guests and identified users have no password
    if (user.passwordHash && !(await verifyPassword(password ?? '', user.passwordHash))) throw unauthorized('the password is not right');
    if (user.role === 'owner') throw forbidden("the site's owner cannot delete their account here; hand the site over first");
    await rateLimiter.dataRequest(user._id.toHexString());
    await eraseUser(repositories, user, { id: user._id.toHexString(), displayName: '' }, effects);
    ctx.session = null;
    ctx.append('Set-Cookie', widgetCookie('', 0));
    ctx.status = 204;
  });

  router.get('/users/:userId/export', admin, async (ctx) => sendExport(ctx, await targetOf(ctx)));

  router.post('/users/:userId/erase', admin, async (ctx) => {
    parseInput(eraseSchema, ctx.request.body ?? {});
    const target = await targetOf(ctx);
    const { user } = ctx.state;
    if (target._id.equals(user._id)) throw forbidden('delete your own account from the chat (POST /me/erase)');
    if (!outranks(user.role, target.role)) throw forbidden('you can only delete the accounts of users below your rank');
    await rateLimiter.dataRequest(user._id.toHexString());
    await eraseUser(repositories, target, actorOf(user), effects);
    ctx.status = 204;
  });

  return router;
}
