import type Koa from 'koa';
import type { Role } from '../../sdk/protocol';
import { hasRank } from '../../sdk/roles';
import type { ConsoleAccountsRepository, ConsoleRole } from '../db/console-accounts';
import { roleOn } from '../db/console-accounts';
import { uniqueKey, type UsersRepository } from '../db/users';
import { isOwnOrigin, ownOriginOf } from './origins';
import { bearerToken, CONSOLE_COOKIE, type ConsoleSessions } from './session';

/** Sent by the console's pages with each call to a site's API: the console account acts, even beside a chat session. */
export const CONSOLE_HEADER = 'x-parley-console';

export interface ConsoleStaffOptions {
  sessions: ConsoleSessions;
  accounts: ConsoleAccountsRepository;
  users: UsersRepository;
  publicUrl: string | undefined;
}

/**
 * A console account working on a site through the site's own API (`/api/sites/:siteId/…`): a request from our own
 * pages with the console cookie and no bearer token puts the account on `ctx.state.staff`, with the chat rank named
 * like its role on the site, so the site's moderator and admin routes serve it as they serve chat staff. An account
 * linked to its chat user on the site acts as that user (their higher rank of the two), so the moderation log names
 * one person for the widget and the console; otherwise the log names the console account (`console:<id>`).
 */
export function consoleStaff({ sessions, accounts, users, publicUrl }: ConsoleStaffOptions): Koa.Middleware {
  return async (ctx, next) => {
    const site = ctx.state.site;
    const fromOwnPage = !ctx.headers.origin || isOwnOrigin(ctx.headers, ownOriginOf(publicUrl, ctx.headers, ctx.secure));
    if (site && fromOwnPage && ctx.cookies.get(CONSOLE_COOKIE) && !bearerToken(ctx.get('authorization'))) {
      const id = await sessions.accountId(ctx);
      const account = id ? await accounts.findById(id) : null;
      const entry = account?.sites.find((each) => each.siteId === site._id);
      const role = account && roleOn(account, site._id);
      if (account && entry && role) {
        const linked = entry.chatUserId ? await users.findById(site._id, entry.chatUserId) : null;
        ctx.state.staff =
          linked && !linked.bannedAt
            ? { ...linked, role: higherOf(linked.role, role) }
            : {
                _id: account._id,
                siteId: site._id,
                username: account.email,
                usernameKey: uniqueKey(account.email),
                displayName: account.email,
                displayNameKey: uniqueKey(account.email),
                passwordHash: '',
                role,
                createdAt: account.createdAt,
                console: true,
              };
        ctx.state.staffFirst = Boolean(ctx.get(CONSOLE_HEADER));
      }
    }
    await next();
  };
}

const higherOf = (chat: Role, console: ConsoleRole): Role => (hasRank(chat, console) ? chat : console);
