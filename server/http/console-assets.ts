import { createHash } from 'node:crypto';
import type Router from '@koa/router';
import { z } from 'zod';
import { AppError, notFound } from '../errors';
import { ID_PATTERN, parseInput } from '../validation';
import { createRouter } from './router';
import { APP_PAGE_CSP, builtFiles } from './widget-assets';

// the console holds an owner's session: nothing but our own files may run or load there, and nobody may frame it;
// it frames one page of ours, the Install section's preview
const CONSOLE_CSP = `${APP_PAGE_CSP}; frame-src 'self'; frame-ancestors 'none'`;

/**
 * The Install section's options, as the loader reads them (widget/loader/embed-options.ts, widget/bridge.ts). Other
 * parameters are dropped: none of them reaches the page.
 */
const previewQuerySchema = z.object({
  site: z.string({ error: 'site must be a site id' }).regex(ID_PATTERN, { error: 'site must be 1–40 of a-z, 0-9 and -' }),
  position: z.enum(['right', 'left'], { error: 'position must be "right" or "left"' }).optional(),
  accent: z
    .string({ error: 'accent must be a colour' })
    .regex(/^#(?:[0-9a-f]{3}){1,2}$/i, { error: 'accent must be #rgb or #rrggbb' })
    .optional(),
  locale: z.enum(['en', 'es', 'zh'], { error: 'locale must be "en", "es" or "zh"' }).optional(),
  title: z.string({ error: 'title must be text' }).min(1).max(80, { error: 'title must be at most 80 characters' }).optional(),
  launcher: z.enum(['visible', 'hidden'], { error: 'launcher must be "visible" or "hidden"' }).optional(),
  open: z.enum(['true', 'false'], { error: 'open must be "true" or "false"' }).optional(),
});

// a stand-in host page: a few grey lines where the site's content would be, in the viewer's colour scheme
const PREVIEW_CSS =
  ':root{color-scheme:light dark}body{margin:0;padding:24px;background:Canvas}' +
  '.page{display:grid;gap:12px;max-width:520px}.page i{display:block;height:14px;border-radius:7px;background:color-mix(in srgb,CanvasText 14%,Canvas)}' +
  '.page i:first-child{height:28px;width:55%}.page i:nth-child(3n){width:75%}';
const PREVIEW_CSP = [
  "default-src 'none'",
  // the loader, and the chat's iframe: both ours
  "script-src 'self'",
  "frame-src 'self'",
  `style-src 'sha256-${createHash('sha256').update(PREVIEW_CSS).digest('base64')}'`,
  "base-uri 'none'",
  "form-action 'none'",
  // only the console shows it
  "frame-ancestors 'self'",
].join('; ');

const escapeAttribute = (value: string) => value.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);

/**
 * A host page with the loader tag the console's options make, for the Install section's live preview. Our own
 * origin, which every site's chat accepts; `/widget.js` resolves to the same loader as the tag's absolute URL.
 */
function previewPage(options: z.output<typeof previewQuerySchema>): string {
  const attributes: Array<[string, string | undefined]> = [
    ['src', '/widget.js'],
    ['data-site', options.site],
    ['data-position', options.position],
    ['data-accent', options.accent],
    ['data-locale', options.locale],
    ['data-title', options.title],
    ['data-launcher', options.launcher],
    ['data-open', options.open],
  ];
  const tag = attributes.flatMap(([name, value]) => (value === undefined ? [] : [`${name}="${escapeAttribute(value)}"`])).join(' ');
  return (
    `<!doctype html>\n<html lang="${options.locale ?? 'en'}">\n<head>\n<meta charset="utf-8">\n` +
    '<meta name="viewport" content="width=device-width, initial-scale=1">\n<title>Parley</title>\n' +
    `<style>${PREVIEW_CSS}</style>\n</head>\n<body>\n<div class="page" aria-hidden="true"><i></i><i></i><i></i><i></i><i></i><i></i></div>\n` +
    `<script ${tag} async></script>\n</body>\n</html>\n`
  );
}

const files: Record<string, { file: string; type: string }> = {
  '/console/': { file: 'console/index.html', type: 'text/html; charset=utf-8' },
  '/console/console.js': { file: 'console/console.js', type: 'text/javascript; charset=utf-8' },
  '/console/console.css': { file: 'console/console.css', type: 'text/css; charset=utf-8' },
  // the chart library's own stylesheet, linked by the Overview page
  '/console/uplot.css': { file: 'console/uplot.css', type: 'text/css; charset=utf-8' },
};

// the console's lazy chunks, as rollup names them (chunks/<name>-<hash>.js)
const CHUNK_FILE = /^[\w-]{1,100}\.js$/;

/** Serves the built console from `dist/console/` at `/console/`. */
export function consoleAssetRoutes(distDir: string): Router {
  const router = createRouter();
  const { read, send } = builtFiles(distDir);

  // the router ignores a trailing slash: only the bare path is sent on
  router.get('/console', (ctx, next) => {
    if (ctx.path !== '/console') return next();
    ctx.status = 308;
    ctx.redirect('/console/');
  });

  for (const [route, asset] of Object.entries(files)) {
    router.get(route, async (ctx) => {
      const built = await read(asset.file);
      if (!built) throw new AppError('unavailable', 'the console is not built; run `npm run build`');
      ctx.type = asset.type;
      ctx.set('Cross-Origin-Resource-Policy', 'same-origin');
      if (route === '/console/') {
        ctx.set('Content-Security-Policy', CONSOLE_CSP);
        ctx.set('X-Frame-Options', 'DENY');
        ctx.set('Cache-Control', 'no-cache');
      } else {
        ctx.set('Cache-Control', 'public, max-age=300, stale-while-revalidate=86400');
      }
      send(ctx, built.body, built.etag);
    });
  }

  router.get('/console/preview', (ctx) => {
    const options = parseInput(previewQuerySchema, ctx.query);
    ctx.type = 'text/html; charset=utf-8';
    ctx.set('Content-Security-Policy', PREVIEW_CSP);
    ctx.set('X-Frame-Options', 'SAMEORIGIN');
    ctx.set('Cross-Origin-Resource-Policy', 'same-origin');
    ctx.set('Cache-Control', 'no-store');
    ctx.body = previewPage(options);
  });

  router.get('/console/chunks/:file', async (ctx) => {
    const name = ctx.params.file ?? '';
    const built = CHUNK_FILE.test(name) ? await read(`console/chunks/${name}`) : undefined;
    if (!built) throw notFound('console chunk');
    ctx.type = 'text/javascript; charset=utf-8';
    ctx.set('Cross-Origin-Resource-Policy', 'same-origin');
    // the name carries the content's hash: a new build means a new URL
    ctx.set('Cache-Control', 'public, max-age=31536000, immutable');
    send(ctx, built.body, built.etag);
  });
  return router;
}
