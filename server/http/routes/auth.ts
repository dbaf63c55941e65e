import '@koa/bodyparser';
import Router from '@koa/router';
import type Koa from 'koa';
import { z } from 'zod';
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IdentifyRequest, LoginRequest, MeResponse, RegisterRequest, SessionResponse } from '../../../sdk/protocol';
import type { Repositories } from '../../db';
import { presentUser, type UserDocument } from '../../db/users';
import { conflict, forbidden, isDuplicateKey, unauthorized } from '../../errors';
import { type ApiState, requireUser } from '../require-user';
import { hashPassword, verifyAgainstDummy, verifyPassword } from '../../passwords';
import { cleanText, parseInput } from '../../validation';
import type { AuthRateLimiter } from '../rate-limits';
import { widgetCookie } from '../session';

export const registerSchema = z.strictObject({
  username: z
    .string({ error: 'username must be a string' })
    .transform((value) => value.normalize('NFC').trim())
    .pipe(z.string().regex(/^[A-Za-z0-9_.-]{3,32}$/, 'username must be 3–32 of a-z, 0-9, _ . and -')),
  displayName: cleanText('display name', 40, { multiline: false }),
  password: z
    .string({ error: 'password must be a string' })
    .min(8, 'password must be at least 8 characters')
    .max(256, 'password must be at most 256 characters'),
}) satisfies z.ZodType<RegisterRequest, unknown>;

export const loginSchema = z.strictObject({
  username: z.string({ error: 'username must be a string' }).trim().min(1, 'username is empty').max(64, 'username is too long'),
  password: z.string({ error: 'password must be a string' }).min(1, 'password is empty').max(256, 'password is too long'),
}) satisfies z.ZodType<LoginRequest, unknown>;

export const identifySchema = z.strictObject({
  userId: z.string({ error: 'userId must be a string' }).regex(/^[A-Za-z0-9_.@:+-]{1,128}$/, 'userId must be 1–128 of A-Z, a-z, 0-9 and _ . @ : + -'),
  displayName: cleanText('display name', 40, { multiline: false }),
  hash: z.string({ error: 'hash must be a string' }).regex(/^[0-9a-fA-F]{64}$/, 'hash must be 64 hex characters (HMAC-SHA256)'),
}) satisfies z.ZodType<IdentifyRequest, unknown>;


export interface AuthRoutesOptions {
  repositories: Repositories;
  rateLimiter: AuthRateLimiter;
  /** Called with the token of a session that ended, so its sockets can be closed too. */
  onSessionEnded: (token: string) => void;
}

/** Register, log in, log out and "who am I", all scoped by the site in the path. */
export function authRoutes({ repositories, rateLimiter, onSessionEnded }: AuthRoutesOptions): Router<ApiState> {
  const { users } = repositories;
  const router = new Router<ApiState>({ prefix: '/api/sites/:siteId' });

  // siteScope (app.ts) has loaded ctx.state.site and enforced its allowed origins


  router.post('/register', async (ctx) => {
    const input = parseInput(registerSchema, ctx.request.body);
    await rateLimiter.register(ctx.ip);
    const siteId = ctx.state.site._id;
    await assertAvailable(siteId, input.username, input.displayName);
    let user: UserDocument;
    try {
      user = await users.insert({ siteId, ...input, passwordHash: await hashPassword(input.password) });
    } catch (error) {
      // two registrations raced past the check: the unique index decided, say which field lost
      if (isDuplicateKey(error)) await assertAvailable(siteId, input.username, input.displayName);
      throw error;
    }
    await startSession(ctx, user);
    ctx.status = 201;
  });

  router.post('/login', async (ctx) => {
    const input = parseInput(loginSchema, ctx.request.body);
    const limitKey = `${ctx.state.site._id}/${input.username}`;
    await rateLimiter.beforeLogin(ctx.ip, limitKey);
    const user = await users.findByUsername(ctx.state.site._id, input.username);
    const valid = user ? await verifyPassword(input.password, user.passwordHash) : await verifyAgainstDummy(input.password);
    if (!user || !valid) {
      await rateLimiter.loginFailed(ctx.ip, limitKey);
      throw unauthorized('wrong username or password');
    }
    await rateLimiter.loginSucceeded(ctx.ip, limitKey);
    // told only to someone who knows the password
    assertNotBanned(user);
    await startSession(ctx, user);
  });

  router.post('/identify', async (ctx) => {
    const input = parseInput(identifySchema, ctx.request.body);
    const site = ctx.state.site;
    if (!verifyIdentity(site.identitySecret, input.userId, input.hash)) throw unauthorized('identity verification failed');
    const user = await users.upsertExternal(site._id, input.userId, input.displayName);
    assertNotBanned(user);
    await startSession(ctx, user);
  });

  router.post('/logout', async (ctx) => {
    const token = ctx.session?.externalKey;
    ctx.session = null;
    ctx.append('Set-Cookie', widgetCookie('', 0));
    if (token) onSessionEnded(token);
    ctx.status = 204;
  });

  router.get('/me', requireUser(users), (ctx) => {
    ctx.body = { user: presentUser(ctx.state.user) } satisfies MeResponse;
  });

  async function assertAvailable(siteId: string, username: string, displayName: string): Promise<void> {
    const taken = await users.findClash(siteId, username, displayName);
    if (taken === 'username') throw conflict('username', 'username is taken');
    if (taken === 'displayName') throw conflict('displayName', 'display name is taken');
  }

  return router;
}

function assertNotBanned(user: UserDocument): void {
  if (user.bannedAt) throw forbidden('this account is banned from the site');
}

/** Intercom-style identity verification: the site's server signs its user id; compared in constant time. */
function verifyIdentity(secret: string, userId: string, hash: string): boolean {
  const expected = createHmac('sha256', secret).update(userId).digest();
  const given = Buffer.from(hash, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** A new session id on every sign-in, so a planted id can never be promoted (session fixation). */
async function startSession(ctx: Koa.ParameterizedContext<ApiState>, user: UserDocument): Promise<void> {
  const session = ctx.session;
  if (!session) throw new Error('session middleware missing');
  session.siteId = user.siteId;
  session.userId = user._id.toHexString();
  session.signedInAt = Date.now();
  await session.regenerate();
  const token = ctx.state.sessionToken;
  if (!token) throw new Error('session was not saved');
  ctx.body = { user: presentUser(user), token } satisfies SessionResponse;
}
