import { randomUUID } from 'node:crypto';
import type Koa from 'koa';
import type { Logger } from 'pino';
import type { Metrics } from '../metrics';

declare module 'koa' {
  interface DefaultContext {
    /** This request's logger: every line it writes carries the request id. */
    log: Logger;
  }
  interface DefaultState {
    /** The signed-in user of this request's site, for its log line (set around the session, app.ts). */
    signedInUserId?: string;
  }
}

export const REQUEST_ID_HEADER = 'X-Request-Id';
// what a proxy or a client may hand us as a request id: a UUID or any short token, nothing to inject into logs
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
// a path is attacker-chosen: logged, but not at any length
const MAX_LOGGED_PATH = 256;
/** The route label of a request no route answered (unknown path, unknown site, refused origin, preflight). */
export const UNMATCHED_ROUTE = 'unmatched';
// asked every few seconds by load balancers, orchestrators and Prometheus: answered fine, they are debug noise
const PROBE_ROUTES = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * Outermost middleware: gives each request an id (a well-formed incoming `X-Request-Id`, else a new UUID) that is
 * echoed in the response and bound to `ctx.log`, then logs the request once when it is answered (at info; a probe
 * of /healthz, /readyz or /metrics that succeeded at debug) and counts it in `parley_http_requests_total` under its
 * route pattern. Only the path is logged: query strings, headers and bodies may carry secrets.
 */
export function requestLog(log: Logger, metrics: Metrics): Koa.Middleware {
  return async (ctx, next) => {
    const started = performance.now();
    const incoming = ctx.get(REQUEST_ID_HEADER);
    const reqId = REQUEST_ID.test(incoming) ? incoming : randomUUID();
    ctx.set(REQUEST_ID_HEADER, reqId);
    ctx.log = log.child({ reqId });
    try {
      await next();
    } finally {
      // errorMiddleware, inside this one, has already turned any error into a status
      const status = ctx.status;
      const route = typeof ctx._matchedRoute === 'string' ? ctx._matchedRoute : UNMATCHED_ROUTE;
      metrics.httpRequest(ctx.method, route, status);
      const level = PROBE_ROUTES.has(route) && status < 400 ? 'debug' : 'info';
      ctx.log[level](
        {
          method: ctx.method,
          path: ctx.path.length > MAX_LOGGED_PATH ? `${ctx.path.slice(0, MAX_LOGGED_PATH)}…` : ctx.path,
          route,
          status,
          durationMs: Math.round((performance.now() - started) * 10) / 10,
          siteId: ctx.state.site?._id,
          userId: ctx.state.signedInUserId,
        },
        'request',
      );
    }
  };
}
