import type Koa from 'koa';
import helmet from 'koa-helmet';

/**
 * Helmet's headers on every response (nosniff, no-referrer, same-origin resource and opener policies,
 * X-Frame-Options), with a CSP that lets API responses do nothing at all; pages that need more
 * (the widget app) set their own. HSTS only when the request arrived over TLS.
 */
export function securityHeaders(): Koa.Middleware {
  const headers = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"], baseUri: ["'none'"] },
    },
    referrerPolicy: { policy: 'no-referrer' },
    strictTransportSecurity: false,
  });
  return async (ctx, next) => {
    if (ctx.secure) ctx.set('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
    await headers(ctx, next);
  };
}
