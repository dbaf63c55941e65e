import cors from '@koa/cors';
import type Koa from 'koa';
import type { SiteDocument, SitesRepository } from '../db/sites';
import { forbidden, notFound } from '../errors';
import { isId } from '../validation';
import { isOwnOrigin, ownOriginOf } from './origins';
import { bearerToken, CONSOLE_COOKIE, SESSION_COOKIE, WIDGET_COOKIE } from './session';

const carriesSessionCookie = (ctx: Koa.Context) =>
  !bearerToken(ctx.get('authorization')) && Boolean(ctx.cookies.get(SESSION_COOKIE) ?? ctx.cookies.get(WIDGET_COOKIE) ?? ctx.cookies.get(CONSOLE_COOKIE));

declare module 'koa' {
  interface DefaultState {
    site?: SiteDocument;
    corsOrigin?: string;
  }
}

/**
 * For every `/api/sites/:siteId/…` request: loads the site (404 when unknown) and enforces its allowedOrigins.
 * Requests without an Origin (Node, curl) and from our own pages pass; browsers on an allowed origin get CORS
 * headers (no credentials: the session travels as a bearer token); any other origin gets 403.
 */
export function siteScope(sites: SitesRepository, publicUrl: string | undefined): Koa.Middleware {
  const allowCors = cors({
    origin: (ctx) => ctx.state.corsOrigin ?? '',
    allowMethods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowHeaders: ['authorization', 'content-type'],
    maxAge: 600,
  });

  return async (ctx, next) => {
    const match = /^\/api\/sites\/([^/]+)\//.exec(ctx.path);
    if (!match) return next();
    const siteId = match[1] ?? '';
    const site = isId(siteId) ? await sites.findById(siteId) : null;
    if (!site) throw notFound('site');
    ctx.state.site = site;

    const origin = ctx.get('Origin');
    const own = isOwnOrigin(ctx.headers, ownOriginOf(publicUrl, ctx.headers, ctx.secure));
    // CSRF: a cookie rides along on any request the browser sends, so a state change it carries must come from our own pages
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD' && !own && carriesSessionCookie(ctx)) {
      throw forbidden('cross-site request refused; send the session as a bearer token');
    }
    if (!origin || own) return next();
    if (!site.allowedOrigins.includes(origin)) throw forbidden(`${origin} may not use the chat of site ${site._id}`);
    ctx.state.corsOrigin = origin;
    return allowCors(ctx, next);
  };
}
