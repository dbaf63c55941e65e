import { randomBytes } from 'node:crypto';
import { serialize } from 'cookie';
import type Koa from 'koa';
import session from 'koa-session';
import type { SessionData, SessionStore } from '../db/sessions';
import { isSameOrigin } from './origins';

/** First-party pages: signed, httpOnly, SameSite=Lax. */
export const SESSION_COOKIE = 'parley.sid';
/**
 * The widget app in its iframe on host sites: httpOnly, Secure, SameSite=None, Partitioned (CHIPS), so it lives
 * in a jar keyed by the host site. Browsers that block third-party cookies and storage (Chrome Incognito) still
 * keep it, and no script, the app's included, can read the session id.
 */
export const WIDGET_COOKIE = 'parley.wsid';

/** The console's session (`/console/`): signed, httpOnly, SameSite=Strict, never a bearer token. */
export const CONSOLE_COOKIE = 'parley.console';

/** What a session id looks like (genid makes 43 base64url characters); anything else is not looked up. */
export const TOKEN_PATTERN = /^[A-Za-z0-9_-]{20,200}$/;

/** The bearer token of a request, if it sent one. */
export function bearerToken(authorization: string | undefined): string | undefined {
  const token = /^Bearer (\S+)$/.exec(authorization ?? '')?.[1];
  return token && TOKEN_PATTERN.test(token) ? token : undefined;
}

/**
 * Whether a sign-in's session goes out as httpOnly cookies only: a page of our own origin asked (the browser, not a
 * script, says so) without a bearer token. Its id then stays out of the body, so no script can read it. Anyone else
 * (another origin with credentials omitted, Node, curl) cannot use our cookies and gets the id as a bearer token.
 */
export function sessionInCookiesOnly(ctx: Pick<Koa.Context, 'get' | 'headers'>): boolean {
  return !bearerToken(ctx.get('authorization')) && isSameOrigin(ctx.headers);
}

/** Set-Cookie for the widget cookie; maxAge 0 deletes it (the attributes must match, Partitioned included). */
export function widgetCookie(token: string, maxAgeMs: number): string {
  return serialize(WIDGET_COOKIE, token, {
    path: '/',
    httpOnly: true,
    secure: true, // browsers accept Secure from http://localhost; elsewhere Parley must be served over HTTPS
    sameSite: 'none',
    partitioned: true,
    maxAge: Math.floor(maxAgeMs / 1000),
  });
}

declare module 'koa' {
  interface DefaultState {
    /** The session id, set when a session was saved during this request. */
    sessionToken?: string;
  }
}

/**
 * koa-session over the MongoDB store, with three carriers for one session id (DESIGN decision 2):
 * `Authorization: Bearer` for SDK users and bots, a signed Lax cookie for first-party pages, and the
 * partitioned widget cookie for the iframe app.
 */
export function sessionMiddleware(app: Koa, store: SessionStore, maxAgeMs: number): Koa.Middleware {
  return session(
    {
      key: SESSION_COOKIE,
      maxAge: maxAgeMs,
      httpOnly: true,
      signed: true,
      sameSite: 'lax',
      rolling: true, // every use pushes the idle deadline back: API calls are few, so the write is cheap
      genid: () => randomBytes(32).toString('base64url'),
      store: {
        get: (token: string) => store.get(token),
        set: (token: string, data: SessionData, maxAge: number) => store.set(token, data, maxAge),
        destroy: (token: string) => store.destroy(token),
      },
      externalKey: {
        get: (ctx: Koa.Context) =>
          bearerToken(ctx.get('authorization')) ??
          ctx.cookies.get(SESSION_COOKIE, { signed: true }) ??
          (isSameOrigin(ctx.headers) ? ctx.cookies.get(WIDGET_COOKIE) : undefined) ??
          '',
        set: (ctx: Koa.Context, token: string) => {
          ctx.state.sessionToken = token;
          // bearer clients keep the token themselves
          if (bearerToken(ctx.get('authorization'))) return;
          ctx.cookies.set(SESSION_COOKIE, token, { signed: true, httpOnly: true, sameSite: 'lax', maxAge: maxAgeMs });
          if (sessionInCookiesOnly(ctx)) ctx.append('Set-Cookie', widgetCookie(token, maxAgeMs));
        },
      },
    },
    app,
  );
}

/** The signed-in console account of a request, and signing in and out (one instance per app). */
export interface ConsoleSessions {
  accountId(ctx: Koa.Context): Promise<string | undefined>;
  start(ctx: Koa.Context, accountId: string): Promise<void>;
  end(ctx: Koa.Context): Promise<void>;
}

/**
 * The console's session: the same store as chat sessions, its own signed cookie, sent only with requests from our
 * own pages (SameSite=Strict), never a bearer token. (A second koa-session on one Koa app would share `ctx.session`
 * with the chat's, so this one is kept by hand: a token, its record, the cookie.) It ends `maxAgeMs` after its last
 * use, and at the store's absolute lifetime after sign-in.
 */
export function consoleSessions(store: SessionStore, maxAgeMs: number): ConsoleSessions {
  const setCookie = (ctx: Koa.Context, token: string) =>
    ctx.cookies.set(CONSOLE_COOKIE, token, { signed: true, httpOnly: true, sameSite: 'strict', maxAge: maxAgeMs, overwrite: true });
  const tokenOf = (ctx: Koa.Context) => {
    const token = ctx.cookies.get(CONSOLE_COOKIE, { signed: true });
    return token && TOKEN_PATTERN.test(token) ? token : undefined;
  };
  return {
    async accountId(ctx) {
      const token = tokenOf(ctx);
      const found = token ? await store.find(token) : undefined;
      const id = found?.data.consoleAccountId;
      if (!token || !found || typeof id !== 'string') return undefined;
      // rolling: use keeps it alive (a write at most once a minute), up to the store's absolute lifetime
      if (await store.touch(token, maxAgeMs, found.expiresAt)) setCookie(ctx, token);
      return id;
    },
    async start(ctx, accountId) {
      // a new id at sign-in, the old one gone (session fixation)
      const old = tokenOf(ctx);
      if (old) await store.destroy(old);
      const token = randomBytes(32).toString('base64url');
      await store.set(token, { consoleAccountId: accountId, signedInAt: Date.now() }, maxAgeMs);
      setCookie(ctx, token);
    },
    async end(ctx) {
      const token = tokenOf(ctx);
      if (token) await store.destroy(token);
      ctx.cookies.set(CONSOLE_COOKIE, null, { signed: true, httpOnly: true, sameSite: 'strict', overwrite: true });
    },
  };
}
