import { createHmac, timingSafeEqual } from 'node:crypto';
import '@koa/bodyparser';
import type Router from '@koa/router';
import { errors as joseErrors, jwtVerify } from 'jose';
import type Koa from 'koa';
import type { ObjectId } from 'mongodb';
import { z } from 'zod';
import type { ChallengeResponse, IdentifyRequest, LoginRequest, MeResponse, RegisterRequest, SessionCheckResponse, SessionResponse } from '../../../sdk/protocol';
import type { Repositories } from '../../db';
import { presentUser, type UserDocument } from '../../db/users';
import { conflict, forbidden, invalidInput, isDuplicateKey, unauthorized } from '../../errors';
import { hashPassword, verifyPassword } from '../../passwords';
import { cleanText, parseInput } from '../../validation';
import { type ProofOfWork, proofSchema } from '../proof-of-work';
import type { AuthRateLimiter } from '../rate-limits';
import { type ApiState, requireUser } from '../require-user';
import { createRouter } from '../router';
import { sessionInCookiesOnly, widgetCookie } from '../session';
import { assertAddressNotBanned } from './guests';

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
  proof: proofSchema,
}) satisfies z.ZodType<RegisterRequest, unknown>;

export const loginSchema = z.strictObject({
  username: z.string({ error: 'username must be a string' }).trim().min(1, 'username is empty').max(64, 'username is too long'),
  password: z.string({ error: 'password must be a string' }).min(1, 'password is empty').max(256, 'password is too long'),
}) satisfies z.ZodType<LoginRequest, unknown>;

const externalIdSchema = z
  .string({ error: 'userId must be a string' })
  .regex(/^[A-Za-z0-9_.@:+-]{1,128}$/, 'userId must be 1–128 of A-Z, a-z, 0-9 and _ . @ : + -');

/** The recommended form: a JWT the site's server signed, which covers the name and expires. */
export const identifyTokenSchema = z.strictObject({
  // compact JWS: header.payload.signature (an empty signature reaches the verifier, which names what is wrong)
  token: z
    .string({ error: 'token must be a string' })
    .max(4096, 'token is too long')
    .regex(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/, 'token must be a JWT (header.payload.signature)')
    .meta({ description: "A JWT signed with HS256 under the site's identity secret: `sub`, `name`, optional `email`, `exp` ≤ 24 h after `iat`." }),
});

/** The legacy form: an HMAC of the id alone, so it neither expires nor covers the name. */
export const identifyHashSchema = z.strictObject({
  userId: externalIdSchema,
  displayName: cleanText('display name', 40, { multiline: false }),
  hash: z.string({ error: 'hash must be a string' }).regex(/^[0-9a-fA-F]{64}$/, 'hash must be 64 hex characters (HMAC-SHA256)'),
}).meta({ description: 'Legacy: never expires and does not cover the name, so it never renames an existing user.' });

export const identifySchema = z.union([identifyTokenSchema, identifyHashSchema]) satisfies z.ZodType<IdentifyRequest, unknown>;

/** The claims of an identity token, checked once its signature and times are. Other claims (iss, aud, jti) pass. */
const identityClaimsSchema = z.object({
  sub: externalIdSchema,
  name: cleanText('name', 40, { multiline: false }),
  email: z.email({ error: 'email must be an email address' }).max(254, 'email is too long').optional(),
});

/** How long an identity token may live (exp − iat, or exp − now without iat). */
const IDENTITY_TOKEN_MAX_LIFETIME_S = 24 * 60 * 60;
// the site's clock and ours may disagree a little
const CLOCK_TOLERANCE_S = 60;

export interface AuthRoutesOptions {
  repositories: Repositories;
  rateLimiter: AuthRateLimiter;
  /** Called with the token of a session that ended, so its sockets can be closed too. */
  onSessionEnded: (token: string) => void;
  /** The key of banned guests' address hashes (routes/guests.ts): a banned guest may not sign up as a member either. */
  addressKey: string;
  /** Sign-up's bot protection; also answers GET /challenge. */
  proofOfWork: ProofOfWork;
}

/** Register, log in, log out and "who am I", all scoped by the site in the path. */
export function authRoutes({ repositories, rateLimiter, onSessionEnded, addressKey, proofOfWork }: AuthRoutesOptions): Router<ApiState> {
  const { users } = repositories;
  const router = createRouter<ApiState>('/api/sites/:siteId');

  // siteScope (app.ts) has loaded ctx.state.site and enforced its allowed origins


  // a proof-of-work challenge for sign-up (members and guests), or null when the server asks for none
  router.get('/challenge', async (ctx) => {
    // a null answer costs nothing: only handed-out challenges count
    if (proofOfWork.enabled) await rateLimiter.challenge(ctx.ip);
    ctx.body = { challenge: await proofOfWork.challenge() } satisfies ChallengeResponse;
  });

  router.post('/register', async (ctx) => {
    const input = parseInput(registerSchema, ctx.request.body);
    await rateLimiter.register(ctx.ip);
    await proofOfWork.verify(input.proof);
    await assertAddressNotBanned(ctx, repositories, addressKey);
    const siteId = ctx.state.site._id;
    // a guest who signs up keeps their account, so their messages stay theirs: the same user, now a member
    const { siteId: sessionSiteId, userId } = ctx.session ?? {};
    const current = sessionSiteId === siteId && typeof userId === 'string' ? await users.findById(siteId, userId) : null;
    const guest = current?.role === 'guest' && !current.bannedAt ? current : null;
    await assertAvailable(siteId, input.username, input.displayName, guest?._id);
    let user: UserDocument;
    try {
      const { username, displayName, password } = input;
      const passwordHash = await hashPassword(password);
      const upgraded = guest && (await users.upgradeGuest(guest, { username, displayName, passwordHash }));
      user = upgraded ?? (await users.insert({ siteId, username, displayName, passwordHash }));
    } catch (error) {
      // two registrations raced past the check: the unique index decided, say which field lost
      if (isDuplicateKey(error)) await assertAvailable(siteId, input.username, input.displayName, guest?._id);
      throw error;
    }
    await startSession(ctx, user);
    ctx.status = 201;
  });

  router.post('/login', async (ctx) => {
    const input = parseInput(loginSchema, ctx.request.body);
    const limitKey = `${ctx.state.site._id}/${input.username}`;
    // taken before the ~120 ms check, so concurrent guesses cannot all get through
    await rateLimiter.takeLoginAttempt(ctx.ip, limitKey);
    const user = await users.findPasswordUser(ctx.state.site._id, input.username);
    // no user, or one without a password (identified): a dummy hash is checked, so all wrong logins take as long
    const valid = await verifyPassword(input.password, user?.passwordHash);
    if (!user || !valid) throw unauthorized('wrong username or password');
    await rateLimiter.loginSucceeded(ctx.ip, limitKey);
    // told only to someone who knows the password
    assertNotBanned(user);
    await startSession(ctx, user);
  });

  router.post('/identify', async (ctx) => {
    const body: unknown = ctx.request.body;
    const site = ctx.state.site;
    let user: UserDocument;
    if (typeof body === 'object' && body !== null && 'token' in body) {
      const { token } = parseInput(identifyTokenSchema, body);
      const claims = await verifyIdentityToken(site.identitySecret, token);
      // the token covers the name: the site renames its user by signing a new one
      user = await users.upsertExternal(site._id, claims.sub, claims.name, { rename: true, email: claims.email });
    } else {
      const input = parseInput(identifyHashSchema, body);
      if (!verifyIdentity(site.identitySecret, input.userId, input.hash)) throw unauthorized('identity verification failed');
      // the hash signs the id alone, and anyone can copy it from the page: it must not rename anyone
      user = await users.upsertExternal(site._id, input.userId, input.displayName, { rename: false });
    }
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

  // requireUser's rule, answered with null instead of a 401 that the browser would log as an error
  router.get('/session', async (ctx) => {
    const { siteId, userId } = ctx.session ?? {};
    const user = siteId === ctx.state.site._id && typeof userId === 'string' ? await users.findById(siteId, userId) : null;
    ctx.body = { user: user && !user.bannedAt ? presentUser(user) : null } satisfies SessionCheckResponse;
  });

  async function assertAvailable(siteId: string, username: string, displayName: string, except?: ObjectId): Promise<void> {
    const taken = await users.findClash(siteId, username, displayName, except);
    if (taken === 'username') throw conflict('username', 'username is taken');
    if (taken === 'displayName') throw conflict('displayName', 'display name is taken');
  }

  return router;
}

function assertNotBanned(user: UserDocument): void {
  if (user.bannedAt) throw forbidden('this account is banned from the site');
}

/**
 * Verifies an identity token: HS256 under the site's identity secret (no other algorithm, `none` least of all),
 * `exp` required and at most 24 h away, then its claims. Says why a token is refused.
 */
async function verifyIdentityToken(secret: string, token: string): Promise<z.output<typeof identityClaimsSchema>> {
  const refused = (reason: string) => unauthorized(`identity token refused; ${reason}`);
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token, new TextEncoder().encode(secret), {
      algorithms: ['HS256'],
      requiredClaims: ['exp'],
      clockTolerance: CLOCK_TOLERANCE_S,
    }));
  } catch (error) {
    throw refused(tokenErrorReason(error));
  }
  const { exp, iat } = payload as { exp: number; iat?: number };
  const now = Date.now() / 1000;
  const longest = IDENTITY_TOKEN_MAX_LIFETIME_S + CLOCK_TOLERANCE_S;
  // a far `exp` would make a copied token a lasting key; a future `iat` must not stretch the window either
  if (exp - now > longest || (iat !== undefined && exp - iat > longest)) throw refused('it lives longer than 24 h (exp − iat)');
  const claims = identityClaimsSchema.safeParse(payload);
  if (!claims.success) throw invalidInput('token', `identity token: ${claims.error.issues[0]?.message ?? 'invalid claims'}`);
  return claims.data;
}

function tokenErrorReason(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return 'it has expired';
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return "the signature does not match the site's identity secret";
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return 'it must be signed with HS256';
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    return `the ${error.claim} claim ${error.reason === 'missing' ? 'is missing' : error.reason === 'check_failed' ? 'is not valid yet' : 'is not valid'}`;
  }
  // anything else is a token the verifier could not read: the input's fault, never a server error
  return 'it is not a well-formed JWT';
}

/** Intercom-style identity verification: the site's server signs its user id; compared in constant time. */
function verifyIdentity(secret: string, userId: string, hash: string): boolean {
  const expected = createHmac('sha256', secret).update(userId).digest();
  const given = Buffer.from(hash, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * A new session id on every sign-in, so a planted id can never be promoted (session fixation). The id goes in the
 * body unless it went out as httpOnly cookies only, to a page of our own origin that must not read it.
 */
export async function startSession(ctx: Koa.ParameterizedContext<ApiState>, user: UserDocument): Promise<void> {
  const session = ctx.session;
  if (!session) throw new Error('session middleware missing');
  session.siteId = user.siteId;
  session.userId = user._id.toHexString();
  session.signedInAt = Date.now();
  await session.regenerate();
  const token = ctx.state.sessionToken;
  if (!token) throw new Error('session was not saved');
  ctx.body = { user: presentUser(user), ...(sessionInCookiesOnly(ctx) ? {} : { token }) } satisfies SessionResponse;
}
