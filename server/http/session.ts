import { randomBytes } from 'node:crypto';
import type Koa from 'koa';
import session from 'koa-session';
import type { SessionData, SessionStore } from '../db/sessions';

export const SESSION_COOKIE = 'parley.sid';

/** The bearer token of a request, if it sent one. */
export function bearerToken(authorization: string | undefined): string | undefined {
  const match = /^Bearer ([A-Za-z0-9_-]{20,200})$/.exec(authorization ?? '');
  return match?.[1];
}

declare module 'koa' {
  interface DefaultState {
    /** The session id, set when a session was saved during this request. */
    sessionToken?: string;
  }
}

/**
 * koa-session over the MongoDB store, with two carriers for one session id (DESIGN decision 2):
 * a signed httpOnly SameSite=Lax cookie for first-party pages, and `Authorization: Bearer` for everyone else.
 */
export function sessionMiddleware(app: Koa, store: SessionStore, maxAgeMs: number): Koa.Middleware {
  return session(
    {
      key: SESSION_COOKIE,
      maxAge: maxAgeMs,
      httpOnly: true,
      signed: true,
      sameSite: 'lax',
      renew: true,
      genid: () => randomBytes(32).toString('base64url'),
      store: {
        get: (token: string) => store.get(token),
        set: (token: string, data: SessionData, maxAge: number) => store.set(token, data, maxAge),
        destroy: (token: string) => store.destroy(token),
      },
      externalKey: {
        get: (ctx: Koa.Context) =>
          bearerToken(ctx.get('authorization')) ?? ctx.cookies.get(SESSION_COOKIE, { signed: true }) ?? '',
        set: (ctx: Koa.Context, token: string) => {
          ctx.state.sessionToken = token;
          // bearer clients keep the token themselves; only cookie users get a cookie
          if (!bearerToken(ctx.get('authorization'))) {
            ctx.cookies.set(SESSION_COOKIE, token, { signed: true, httpOnly: true, sameSite: 'lax', maxAge: maxAgeMs });
          }
        },
      },
    },
    app,
  );
}
