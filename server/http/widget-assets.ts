import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type Router from '@koa/router';
import { createRouter } from './router';
import type { SitesRepository } from '../db/sites';
import { AppError } from '../errors';
import { isId } from '../validation';

interface Asset {
  file: string;
  type: string;
}

// the app page runs on our origin and holds the session: nothing but our own files may run or load there
const APP_PAGE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "object-src 'none'",
].join('; ');

/** Only the site's allowed origins may frame its chat; an unknown site's, nobody but us. */
async function frameAncestors(sites: SitesRepository, siteId: string | undefined): Promise<string> {
  const site = isId(siteId) ? await sites.findById(siteId) : null;
  return `frame-ancestors ${["'self'", ...(site?.allowedOrigins ?? [])].join(' ')}`;
}

const assets: Record<string, Asset> = {
  '/widget.js': { file: 'widget.js', type: 'text/javascript; charset=utf-8' },
  '/widget/app': { file: 'widget/app.html', type: 'text/html; charset=utf-8' },
  '/widget/app.js': { file: 'widget/app.js', type: 'text/javascript; charset=utf-8' },
  '/widget/app.css': { file: 'widget/app.css', type: 'text/css; charset=utf-8' },
};

const digest = (...parts: (string | Buffer)[]) =>
  parts.reduce((hash, part) => hash.update(part), createHash('sha256')).digest('base64url').slice(0, 27);

/** Serves the built widget from `dist/`: the loader for host pages and the app for its iframe. */
export function widgetAssetRoutes(distDir: string, sites: SitesRepository): Router {
  const router = createRouter();
  const cache = new Map<string, { body: Buffer; etag: string }>();

  for (const [route, asset] of Object.entries(assets)) {
    router.get(route, async (ctx) => {
      let file = cache.get(asset.file);
      if (!file) {
        const body = await readFile(path.join(distDir, asset.file)).catch(() => undefined);
        if (!body) throw new AppError('unavailable', 'the widget is not built; run `npm run build`');
        file = { body, etag: digest(body) };
        cache.set(asset.file, file);
      }
      ctx.type = asset.type;
      // the loader is loaded cross-origin by host pages; everything else is same-origin only
      ctx.set('Cross-Origin-Resource-Policy', route === '/widget.js' ? 'cross-origin' : 'same-origin');
      if (route === '/widget/app') {
        const site = typeof ctx.query.site === 'string' ? ctx.query.site : undefined;
        const policy = `${APP_PAGE_CSP}; ${await frameAncestors(sites, site)}`;
        ctx.set('Content-Security-Policy', policy);
        // framing is governed by frame-ancestors here; X-Frame-Options would forbid it outright
        ctx.remove('X-Frame-Options');
        // who may frame the page is part of it: revalidated on every load, and a 304 only while the rule is unchanged,
        // so a removed origin loses the chat at its next page load
        ctx.set('Cache-Control', 'no-cache');
        ctx.etag = digest(file.etag, policy);
      } else {
        // one stable URL for site owners: browsers reuse it for 5 minutes, then revalidate cheaply by ETag
        ctx.set('Cache-Control', 'public, max-age=300, stale-while-revalidate=86400');
        ctx.etag = file.etag;
      }
      ctx.status = 200; // ctx.fresh compares ETags only on a 2xx
      if (ctx.fresh) {
        ctx.status = 304;
        return;
      }
      ctx.body = file.body;
    });
  }
  return router;
}
