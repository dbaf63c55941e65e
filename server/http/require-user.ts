import type { RouterMiddleware } from '@koa/router';
import type { SiteDocument } from '../db/sites';
import type { UsersRepository, UserDocument } from '../db/users';
import type { Role } from '../../sdk/protocol';
import { hasRank } from '../../sdk/roles';
import { forbidden, unauthorized } from '../errors';

/** What the site scope and the session put on ctx.state for the API routes. */
export interface ApiState {
  site: SiteDocument;
  user: UserDocument;
  /** Set by optionalUser: the signed-in user, if any. */
  viewer?: UserDocument | undefined;
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

/**
 * Loads the session's user, if there is one (not banned), into ctx.state.viewer; signed out is fine. A bearer token
 * that names no session is not: it is `unauthorized`, as everywhere (a stale cookie is just a visitor's).
 */
export function optionalUser(users: UsersRepository): RouterMiddleware<ApiState> {
  return async (ctx, next) => {
    const { siteId, userId } = ctx.session ?? {};
    const user = siteId === ctx.state.site._id && typeof userId === 'string' ? await users.findById(siteId, userId) : null;
    ctx.state.viewer = user && !user.bannedAt ? user : undefined;
    if (!ctx.state.viewer && ctx.get('authorization')) throw unauthorized();
    await next();
  };
}

/** Like requireUser, and the user must hold `least` or a higher rank in the site, or 403. */
export function requireRank(users: UsersRepository, least: Role): RouterMiddleware<ApiState> {
  const signedIn = requireUser(users);
  const refusal = `only ${least === 'moderator' ? 'moderators' : `${least}s`} of the site may do this`;
  return (ctx, next) =>
    signedIn(ctx, async () => {
      if (!hasRank(ctx.state.user.role, least)) throw forbidden(refusal);
      await next();
    });
}

/** Admins and the owner: rooms, roles and the site's settings. */
export const requireAdmin = (users: UsersRepository) => requireRank(users, 'admin');

/** Moderators and above: delete, mute, ban, slow, pause and resolve reports. */
export const requireModerator = (users: UsersRepository) => requireRank(users, 'moderator');
