import type { RouterMiddleware } from '@koa/router';
import type { SiteDocument } from '../db/sites';
import type { UsersRepository, UserDocument } from '../db/users';
import { forbidden, unauthorized } from '../errors';

/** What the site scope and the session put on ctx.state for the API routes. */
export interface ApiState {
  site: SiteDocument;
  user: UserDocument;
  sessionToken?: string;
}

/** Loads the session's user into ctx.state.user, or 401. The role is read here, so a revoked one takes effect at once. */
export function requireUser(users: UsersRepository): RouterMiddleware<ApiState> {
  return async (ctx, next) => {
    const { siteId, userId } = ctx.session ?? {};
    // a session of another site is no session here
    const user = siteId === ctx.state.site._id && typeof userId === 'string' ? await users.findById(siteId, userId) : null;
    if (!user || user.bannedAt) throw unauthorized();
    ctx.state.user = user;
    await next();
  };
}

/** Like requireUser, and the user must be an admin of the site, or 403. */
export function requireAdmin(users: UsersRepository): RouterMiddleware<ApiState> {
  const signedIn = requireUser(users);
  return (ctx, next) =>
    signedIn(ctx, async () => {
      if (ctx.state.user.role !== 'admin') throw forbidden('only admins of the site may do this');
      await next();
    });
}
