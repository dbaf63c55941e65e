import '@koa/bodyparser';
import type Router from '@koa/router';
import type Koa from 'koa';
import { z } from 'zod';
import type {
  AcceptInviteRequest,
  ConsoleAccount,
  ConsoleAccountResponse,
  ConsoleInviteResponse,
  ConsoleLoginRequest,
  CreateSiteRequest,
  ConsoleInviteLinkResponse,
  ConsoleInviteRequest,
  ConsoleSiteResponse,
  ConsoleTeamResponse,
  DeleteSiteRequest,
  ChallengeResponse,
  ConsoleAboutResponse,
  ConsoleResetRequest,
  ConsoleResetResponse,
  ConsoleSignupRequest,
  LinkChatUserRequest,
  ConsoleRole,
  UpdateConsoleSiteRequest,
} from '../../../sdk/protocol';
import { createSite, removeSite, type Repositories } from '../../db';
import { type ConsoleAccountDocument, type ConsoleAccountsRepository, roleOn } from '../../db/console-accounts';
import { normalizeOrigin, type SiteDocument, type SitesRepository } from '../../db/sites';
import { loginSchema } from './auth';
import { AppError, conflict, forbidden, invalidInput, notFound, unauthorized } from '../../errors';
import { hashPassword, verifyPassword } from '../../passwords';
import { cleanText, ID_PATTERN, parseInput } from '../../validation';
import { type ProofOfWork, proofSchema } from '../proof-of-work';
import type { AuthRateLimiter } from '../rate-limits';
import { createRouter } from '../router';
import type { ConsoleSessions } from '../session';

const email = z
  .string({ error: 'email must be a string' })
  .trim()
  .max(254, { error: 'email must be at most 254 characters' })
  .pipe(z.email({ error: 'email must be an email address' }));
const password = z
  .string({ error: 'password must be a string' })
  .min(8, { error: 'password must be at least 8 characters' })
  .max(256, { error: 'password must be at most 256 characters' });

export const consoleLoginSchema = z.strictObject({ email, password: z.string({ error: 'password must be a string' }).min(1).max(256) }) satisfies z.ZodType<ConsoleLoginRequest, unknown>;
export const acceptInviteSchema = z.strictObject({ password }) satisfies z.ZodType<AcceptInviteRequest, unknown>;
export const createSiteSchema = z.strictObject({
  id: z.string({ error: 'id must be a string' }).regex(ID_PATTERN, { error: 'id must be 1–40 of a-z, 0-9 and -' }),
  name: cleanText('name', 80, { multiline: false }),
  origin: z
    .string({ error: 'origin must be a string' })
    .max(300)
    .refine((value) => normalizeOrigin(value) !== null, { error: 'origin must be scheme://host[:port], e.g. https://shop.example' }),
}) satisfies z.ZodType<CreateSiteRequest, unknown>;
/** At most this many origins per site: each one is a place the chat may run. */
const MAX_ORIGINS = 50;

export const updateConsoleSiteSchema = z
  .strictObject({
    name: cleanText('name', 80, { multiline: false }).optional(),
    allowedOrigins: z
      .array(
        z
          .string({ error: 'each origin must be a string' })
          .max(300)
          .refine((value) => normalizeOrigin(value) !== null, { error: 'each origin must be scheme://host[:port], e.g. https://shop.example' }),
        { error: 'allowedOrigins must be a list' },
      )
      .max(MAX_ORIGINS, { error: `at most ${MAX_ORIGINS} origins` })
      .refine((list) => new Set(list.map((value) => normalizeOrigin(value))).size === list.length, { error: 'an origin is listed twice' })
      .optional(),
  })
  .refine((change) => change.name !== undefined || change.allowedOrigins !== undefined, { error: 'nothing to change: send name or allowedOrigins' }) satisfies z.ZodType<
  UpdateConsoleSiteRequest,
  unknown
>;

export const consoleInviteSchema = z.strictObject({
  email,
  role: z.enum(['owner', 'admin', 'moderator'], { error: 'role must be "owner", "admin" or "moderator"' }),
}) satisfies z.ZodType<ConsoleInviteRequest, unknown>;

export const linkChatUserSchema = loginSchema satisfies z.ZodType<LinkChatUserRequest, unknown>;

export const consoleSignupSchema = z.strictObject({ email, password, proof: proofSchema }) satisfies z.ZodType<ConsoleSignupRequest, unknown>;
export const consoleResetSchema = z.strictObject({ password }) satisfies z.ZodType<ConsoleResetRequest, unknown>;

export const deleteSiteSchema = z.strictObject({ confirm: z.string({ error: 'confirm must be the site’s id' }).max(40) }) satisfies z.ZodType<DeleteSiteRequest, unknown>;

/** How a console account appears in a site's moderation log: apart from chat users' ids. */
export const actorOf = (account: ConsoleAccountDocument) => ({ id: `console:${account._id.toHexString()}`, displayName: account.email });

/** What an invite link's token looks like (32 random bytes, base64url); anything else is not looked up. */
const INVITE_TOKEN = /^[A-Za-z0-9_-]{43}$/;

export interface ConsoleState {
  account: ConsoleAccountDocument;
}

/** Every console route but login and invites: the signed-in account, read afresh, on `ctx.state.account`; else 401. */
export function consoleSignedIn(sessions: ConsoleSessions, accounts: ConsoleAccountsRepository): Koa.Middleware {
  return async (ctx, next) => {
    const id = await sessions.accountId(ctx);
    const account = id ? await accounts.findById(id) : null;
    if (!account) throw unauthorized('sign in to the console');
    (ctx.state as ConsoleState).account = account;
    await next();
  };
}

/** A site of the account's, with its role there; `not_found` for any other (it is not theirs to know about). */
export async function consoleSiteOf(sites: SitesRepository, account: ConsoleAccountDocument, siteId: string | undefined) {
  const role = roleOn(account, siteId);
  const site = role && siteId ? await sites.findById(siteId) : null;
  if (!role || !site) throw notFound('site');
  return { site, role };
}

export interface ConsoleRoutesOptions {
  repositories: Repositories;
  rateLimiter: AuthRateLimiter;
  /** How many sites one account may own. */
  siteQuota: number;
  /** `open`: anyone may create an account (hosted mode); `invite`: invite links only. */
  signup: 'invite' | 'open';
  /** Bot protection for open sign-up. */
  proofOfWork: ProofOfWork;
  sessions: ConsoleSessions;
}

/**
 * The console's API: console accounts (email and password; invited by the operator or a site's owner), their
 * sessions (cookie `parley.console`, same-origin only) and their sites.
 */
export function consoleRoutes({ repositories, rateLimiter, siteQuota, signup, proofOfWork, sessions }: ConsoleRoutesOptions): Router {
  const { consoleAccounts, sites } = repositories;
  const router = createRouter('/api/console');

  const present = async (account: ConsoleAccountDocument): Promise<ConsoleAccount> => {
    const named = await Promise.all(account.sites.map(async ({ siteId, role }) => ({ id: siteId, name: (await sites.findById(siteId))?.name, role })));
    return {
      id: account._id.toHexString(),
      email: account.email,
      sites: named.flatMap(({ id, name, role }) => (name === undefined ? [] : [{ id, name, role }])).sort((a, b) => a.id.localeCompare(b.id)),
    };
  };

  const signIn = async (ctx: Koa.Context, account: ConsoleAccountDocument) => {
    await sessions.start(ctx, account._id.toHexString());
    ctx.body = { account: await present(account) } satisfies ConsoleAccountResponse;
  };

  // every route below but login and invites: the signed-in account, read afresh
  const signedIn = consoleSignedIn(sessions, consoleAccounts);

  router.post('/login', async (ctx) => {
    const input = parseInput(consoleLoginSchema, ctx.request.body);
    const limitKey = `console/${input.email.toLowerCase()}`;
    await rateLimiter.takeLoginAttempt(ctx.ip, limitKey);
    const account = await consoleAccounts.findByEmail(input.email);
    // no account: a dummy hash is checked, so a wrong email takes as long as a wrong password
    if (!(await verifyPassword(input.password, account?.passwordHash)) || !account) throw unauthorized('wrong email or password');
    await rateLimiter.loginSucceeded(ctx.ip, limitKey);
    await signIn(ctx, account);
  });

  router.get('/about', (ctx) => {
    ctx.body = { signup } satisfies ConsoleAboutResponse;
  });

  // open sign-up (hosted mode): a proof of work as for chat sign-up, and the sign-up rate limit per address
  router.get('/challenge', async (ctx) => {
    if (signup !== 'open') throw notFound('challenge');
    if (proofOfWork.enabled) await rateLimiter.challenge(ctx.ip);
    ctx.body = { challenge: await proofOfWork.challenge() } satisfies ChallengeResponse;
  });

  router.post('/signup', async (ctx) => {
    if (signup !== 'open') throw forbidden('console accounts come from invite links on this server');
    const input = parseInput(consoleSignupSchema, ctx.request.body);
    await rateLimiter.register(ctx.ip);
    await proofOfWork.verify(input.proof);
    const account = await consoleAccounts.create(input.email, await hashPassword(input.password));
    if (!account) throw conflict('email', 'an account for this email exists: sign in');
    ctx.status = 201;
    await signIn(ctx, account);
  });

  // a password-reset link (the operator's CLI prints one): a new password, every other session of the account ended
  router.get('/resets/:token', async (ctx) => {
    const { account, expiresAt } = await openReset(ctx.params.token);
    ctx.body = { reset: { email: account.email, expiresAt: expiresAt.toISOString() } } satisfies ConsoleResetResponse;
  });

  router.post('/resets/:token', async (ctx) => {
    const input = parseInput(consoleResetSchema, ctx.request.body);
    const token = ctx.params.token ?? '';
    const { account } = await openReset(token);
    if (!(await consoleAccounts.spendReset(token))) throw notFound('reset link');
    await consoleAccounts.setPassword(account._id, await hashPassword(input.password));
    await repositories.sessions.deleteByConsoleAccount(account._id.toHexString());
    await signIn(ctx, account);
  });

  router.post('/logout', async (ctx) => {
    await sessions.end(ctx);
    ctx.status = 204;
  });

  router.get('/me', signedIn, async (ctx) => {
    ctx.body = { account: await present((ctx.state as ConsoleState).account) } satisfies ConsoleAccountResponse;
  });

  router.get('/invites/:token', async (ctx) => {
    const { invite, site } = await openInvite(ctx.params.token);
    ctx.body = {
      invite: {
        site: { id: site._id, name: site.name },
        role: invite.role,
        email: invite.email,
        expiresAt: invite.expiresAt.toISOString(),
        accountExists: (await consoleAccounts.findByEmail(invite.email)) !== null,
      },
    } satisfies ConsoleInviteResponse;
  });

  router.post('/invites/:token/accept', async (ctx) => {
    const input = parseInput(acceptInviteSchema, ctx.request.body);
    const token = ctx.params.token ?? '';
    const { invite, site } = await openInvite(token);
    await rateLimiter.takeLoginAttempt(ctx.ip, `console/${invite.email.toLowerCase()}`);
    let account = await consoleAccounts.findByEmail(invite.email);
    if (account) {
      // joining another team with an existing account: its own password, as at sign-in
      if (!(await verifyPassword(input.password, account.passwordHash))) throw unauthorized('wrong password for this email');
    } else {
      account = await consoleAccounts.create(invite.email, await hashPassword(input.password));
      if (!account) throw conflict('password', 'an account for this email was just made: open the link again');
    }
    if (!(await consoleAccounts.spendInvite(token))) throw notFound('invite');
    await consoleAccounts.grant(account._id, site._id, invite.role);
    await signIn(ctx, { ...account, sites: [...account.sites.filter((each) => each.siteId !== site._id), { siteId: site._id, role: invite.role }] });
    ctx.status = 201;
  });

  router.post('/sites', signedIn, async (ctx) => {
    const input = parseInput(createSiteSchema, ctx.request.body);
    const { account } = ctx.state as ConsoleState;
    if (account.sites.filter((each) => each.role === 'owner').length >= siteQuota) throw forbidden(`an account owns at most ${siteQuota} sites`);
    const origin = normalizeOrigin(input.origin) ?? '';
    if (!(await createSite(repositories, { id: input.id, name: input.name, allowedOrigins: [origin] }))) throw conflict('id', 'a site with this id exists');
    await consoleAccounts.grant(account._id, input.id, 'owner');
    await repositories.moderation.record({ siteId: input.id, action: 'site.create', actor: actorOf(account), reason: `${input.name}; ${origin}` });
    ctx.status = 201;
    ctx.body = { account: await present({ ...account, sites: [...account.sites, { siteId: input.id, role: 'owner' }] }) } satisfies ConsoleAccountResponse;
  });

  router.get('/sites/:siteId', signedIn, async (ctx) => {
    const { account } = ctx.state as ConsoleState;
    const { site, role } = await siteOf(account, ctx.params.siteId);
    ctx.body = { site: await presentSite(site, role, account) } satisfies ConsoleSiteResponse;
  });

  // the account's chat user on the site, proven by its password: from then on the console acts as them there
  router.put('/sites/:siteId/chat-user', signedIn, async (ctx) => {
    const { account } = ctx.state as ConsoleState;
    const { site, role } = await siteOf(account, ctx.params.siteId);
    const input = parseInput(linkChatUserSchema, ctx.request.body);
    const limitKey = `${site._id}/${input.username}`;
    await rateLimiter.takeLoginAttempt(ctx.ip, limitKey);
    const user = await repositories.users.findPasswordUser(site._id, input.username);
    if (!(await verifyPassword(input.password, user?.passwordHash)) || !user) throw unauthorized('wrong username or password');
    await rateLimiter.loginSucceeded(ctx.ip, limitKey);
    if (user.bannedAt) throw forbidden('this chat user is banned');
    if (user.expiresAt) throw forbidden('a guest cannot be linked: register first');
    const chatUserId = user._id.toHexString();
    await consoleAccounts.link(account._id, site._id, chatUserId);
    await repositories.moderation.record({ siteId: site._id, action: 'team.link', actor: actorOf(account), targetUserId: chatUserId });
    const linked = { ...account, sites: account.sites.map((each) => (each.siteId === site._id ? { ...each, chatUserId } : each)) };
    ctx.body = { site: await presentSite(site, role, linked) } satisfies ConsoleSiteResponse;
  });

  router.delete('/sites/:siteId/chat-user', signedIn, async (ctx) => {
    const { account } = ctx.state as ConsoleState;
    const { site } = await siteOf(account, ctx.params.siteId);
    await consoleAccounts.link(account._id, site._id, null);
    ctx.status = 204;
  });

  router.patch('/sites/:siteId', signedIn, async (ctx) => {
    const { account } = ctx.state as ConsoleState;
    const { site, role } = await siteOf(account, ctx.params.siteId);
    if (role === 'moderator') throw forbidden('only owners and admins change a site’s settings');
    const change = parseInput(updateConsoleSiteSchema, ctx.request.body);
    const allowedOrigins = change.allowedOrigins?.map((value) => normalizeOrigin(value) ?? '').sort();
    if (!(await sites.update(site._id, { name: change.name, allowedOrigins }))) throw notFound('site');
    const reason = [change.name !== undefined && `name ${change.name}`, allowedOrigins && `origins ${allowedOrigins.join(' ') || '(none)'}`].filter(Boolean).join('; ');
    await repositories.moderation.record({ siteId: site._id, action: 'site.update', actor: actorOf(account), reason });
    const updated = (await sites.findById(site._id)) ?? site;
    ctx.body = { site: await presentSite(updated, role, account) } satisfies ConsoleSiteResponse;
  });

  router.get('/sites/:siteId/team', signedIn, async (ctx) => {
    const { site } = await siteOf((ctx.state as ConsoleState).account, ctx.params.siteId);
    const team = await consoleAccounts.team(site._id);
    ctx.body = {
      team: team.flatMap((member) => {
        const role = roleOn(member, site._id);
        return role ? [{ id: member._id.toHexString(), email: member.email, role }] : [];
      }),
    } satisfies ConsoleTeamResponse;
  });

  router.post('/sites/:siteId/invites', signedIn, async (ctx) => {
    const { account } = ctx.state as ConsoleState;
    const { site, role } = await siteOf(account, ctx.params.siteId);
    const input = parseInput(consoleInviteSchema, ctx.request.body);
    // owners invite anyone; admins the team but owners; moderators nobody
    if (role === 'moderator' || (role === 'admin' && input.role === 'owner')) throw forbidden(role === 'moderator' ? 'only owners and admins invite' : 'only owners invite owners');
    const { token, expiresAt } = await consoleAccounts.invite({ siteId: site._id, role: input.role, email: input.email, invitedBy: account._id.toHexString() });
    await repositories.moderation.record({ siteId: site._id, action: 'team.invite', actor: actorOf(account), reason: `${input.email} as ${input.role}` });
    ctx.status = 201;
    ctx.body = { link: `/console/#/invite/${token}`, expiresAt: expiresAt.toISOString() } satisfies ConsoleInviteLinkResponse;
  });

  router.delete('/sites/:siteId/team/:accountId', signedIn, async (ctx) => {
    const { account } = ctx.state as ConsoleState;
    const { site, role } = await siteOf(account, ctx.params.siteId);
    const team = await consoleAccounts.team(site._id);
    const target = team.find((member) => member._id.toHexString() === ctx.params.accountId);
    const targetRole = target && roleOn(target, site._id);
    if (!target || !targetRole) throw notFound('team member');
    if (role === 'moderator' || (role === 'admin' && targetRole === 'owner')) throw forbidden('only owners remove owners; moderators remove nobody');
    const owners = team.filter((member) => roleOn(member, site._id) === 'owner');
    if (targetRole === 'owner' && owners.length === 1) throw forbidden('a site keeps at least one owner: invite another first');
    await consoleAccounts.revoke(target._id.toHexString(), site._id);
    await repositories.moderation.record({ siteId: site._id, action: 'team.remove', actor: actorOf(account), reason: `${target.email} (${targetRole})` });
    ctx.status = 204;
  });

  router.delete('/sites/:siteId', signedIn, async (ctx) => {
    const { site, role } = await siteOf((ctx.state as ConsoleState).account, ctx.params.siteId);
    if (role !== 'owner') throw forbidden('only the site’s owners may delete it');
    const input = parseInput(deleteSiteSchema, { confirm: ctx.query.confirm });
    if (input.confirm !== site._id) throw invalidInput('confirm', 'type the site’s id to confirm');
    await removeSite(repositories, site._id);
    ctx.status = 204;
  });

  async function presentSite(site: SiteDocument, role: ConsoleRole, account: ConsoleAccountDocument): Promise<ConsoleSiteResponse['site']> {
    const chatUserId = account.sites.find((each) => each.siteId === site._id)?.chatUserId;
    const chatUser = chatUserId ? await repositories.users.findById(site._id, chatUserId) : null;
    return { id: site._id, name: site.name, role, allowedOrigins: site.allowedOrigins, chatUser: chatUser ? { id: chatUserId ?? '', displayName: chatUser.displayName } : null };
  }

  function siteOf(account: ConsoleAccountDocument, siteId: string | undefined) {
    return consoleSiteOf(sites, account, siteId);
  }

  /** The account of a reset link, or `not_found` for an unknown, used or expired one. */
  async function openReset(token: string | undefined) {
    const found = token && INVITE_TOKEN.test(token) ? await consoleAccounts.findReset(token) : null;
    if (!found) throw new AppError('not_found', 'this reset link is unknown, used or expired: ask the operator for a new one');
    return found;
  }

  /** The invite and its site, or `not_found` for an unknown, used or expired link (they look the same). */
  async function openInvite(token: string | undefined) {
    const invite = token && INVITE_TOKEN.test(token) ? await consoleAccounts.findInvite(token) : null;
    const site = invite ? await sites.findById(invite.siteId) : null;
    if (!invite || !site) throw new AppError('not_found', 'this invite link is unknown, used or expired: ask for a new one');
    return { invite, site };
  }

  return router;
}
