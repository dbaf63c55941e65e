import type { RouterMiddleware } from '@koa/router';
import type { SiteDocument } from '../db/sites';
import type { UsersRepository, UserDocument } from '../db/users';
import type { Role } from '../../sdk/protocol';
import { hasRank } from '../../sdk/roles';
import { forbidden, unauthorized } from '../errors';

/**
 * Who acts on a staff route: a chat user, or a console account working on the site (`console: true`, its `_id` the
 * account's), which the moderation log names apart from chat users.
 */
export type Principal = UserDocument & { console?: true };

/** What the site scope and the session put on ctx.state for the API routes. */
export interface ApiState {
  site: SiteDocument;
  user: Principal;
  /** Set by optionalUser: the signed-in user, if any. */
  viewer?: Principal | undefined;
  sessionToken?: string;
  /** Set by consoleStaff: a console account with a role on this site, from the console's own pages. */
  staff?: Principal;
  /** The console's pages said the console account acts, even where the browser also holds a chat session. */
  staffFirst?: boolean;
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
    ctx.state.viewer = staffFirst(ctx.state) ?? (user && !user.bannedAt ? user : ctx.state.staff);
    if (!ctx.state.viewer && ctx.get('authorization')) throw unauthorized();
    await next();
  };
}

const staffFirst = (state: ApiState) => (state.staffFirst ? state.staff : undefined);

/**
 * Like requireUser, and the user must hold `least` or a higher rank in the site, or 403. A console account working
 * on the site (consoleStaff) is served too: first when the console's pages say so, else when no chat user is signed in.
 */
export function requireRank(users: UsersRepository, least: Role): RouterMiddleware<ApiState> {
  const signedIn = requireUser(users);
  const refusal = `only ${least === 'moderator' ? 'moderators' : `${least}s`} of the site may do this`;
  const ranked: RouterMiddleware<ApiState> = async (ctx, next) => {
    if (!hasRank(ctx.state.user.role, least)) throw forbidden(refusal);
    await next();
  };
  return (ctx, next) => {
    const chatSession = ctx.session?.siteId === ctx.state.site._id && typeof ctx.session.userId === 'string';
    const staff = staffFirst(ctx.state) ?? (chatSession ? undefined : ctx.state.staff);
    if (!staff) return signedIn(ctx, () => ranked(ctx, next));
    ctx.state.user = staff;
    return ranked(ctx, next);
  };
}

/** Admins and the owner: rooms, roles and the site's settings. */
export const requireAdmin = (users: UsersRepository) => requireRank(users, 'admin');

/** Moderators and above: delete, mute, ban, slow, pause and resolve reports. */
export const requireModerator = (users: UsersRepository) => requireRank(users, 'moderator');
