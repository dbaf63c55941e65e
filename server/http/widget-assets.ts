import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type Router from '@koa/router';
import type { Context } from 'koa';
import { createRouter } from './router';
import type { SitesRepository } from '../db/sites';
import { AppError, notFound } from '../errors';
import { isId } from '../validation';

interface Asset {
  file: string;
  type: string;
}

// the app page runs on our origin and holds the session: nothing but our own files may run or load there (the
// console's page too, which adds that nobody may frame it)
export const APP_PAGE_CSP = [
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

// the app's lazy chunks, as rollup names them (chunks/<name>-<hash>.js): one path segment, no dots but the extension
const CHUNK_FILE = /^[\w-]{1,100}\.js$/;

const digest = (...parts: (string | Buffer)[]) =>
  parts.reduce((hash, part) => hash.update(part), createHash('sha256')).digest('base64url').slice(0, 27);

/**
 * Files of `dist/`, read once and kept with their ETag (only files that exist get in, so it holds at most what
 * dist/ holds), and sent with it: the widget's and the console's assets.
 */
export function builtFiles(distDir: string) {
  const cache = new Map<string, { body: Buffer; etag: string }>();
  return {
    async read(file: string): Promise<{ body: Buffer; etag: string } | undefined> {
      let built = cache.get(file);
      if (!built) {
        const body = await readFile(path.join(distDir, file)).catch(() => undefined);
        if (!body) return undefined;
        built = { body, etag: digest(body) };
        cache.set(file, built);
      }
      return built;
    },
    /** The body with its ETag, or a 304 when the client's copy has that ETag. */
    send(ctx: Context, body: Buffer, etag: string): void {
      ctx.etag = etag;
      ctx.status = 200; // ctx.fresh compares ETags only on a 2xx
      if (ctx.fresh) {
        ctx.status = 304;
        return;
      }
      ctx.body = body;
    },
  };
}

/** Serves the built widget from `dist/`: the loader for host pages, the app for its iframe and the app's lazy chunks. */
export function widgetAssetRoutes(distDir: string, sites: SitesRepository): Router {
  const router = createRouter();
  const { read: readBuilt, send } = builtFiles(distDir);

  for (const [route, asset] of Object.entries(assets)) {
    router.get(route, async (ctx) => {
      const file = await readBuilt(asset.file);
      if (!file) throw new AppError('unavailable', 'the widget is not built; run `npm run build`');
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
        send(ctx, file.body, digest(file.etag, policy));
      } else {
        // one stable URL for site owners: browsers reuse it for 5 minutes, then revalidate cheaply by ETag
        ctx.set('Cache-Control', 'public, max-age=300, stale-while-revalidate=86400');
        send(ctx, file.body, file.etag);
      }
    });
  }

  // imported by app.js from the same origin (the app page's CSP allows 'self' scripts)
  router.get('/widget/chunks/:file', async (ctx) => {
    const name = ctx.params.file ?? '';
    const file = CHUNK_FILE.test(name) ? await readBuilt(`widget/chunks/${name}`) : undefined;
    if (!file) throw notFound('widget chunk');
    ctx.type = 'text/javascript; charset=utf-8';
    ctx.set('Cross-Origin-Resource-Policy', 'same-origin');
    // the name carries the content's hash: a new build means a new URL
    ctx.set('Cache-Control', 'public, max-age=31536000, immutable');
    send(ctx, file.body, file.etag);
  });
  return router;
}
