import type Router from '@koa/router';
import { AppError, notFound } from '../errors';
import { createRouter } from './router';
import { APP_PAGE_CSP, builtFiles } from './widget-assets';

// the console holds an owner's session: nothing but our own files may run or load there, and nobody may frame it
const CONSOLE_CSP = `${APP_PAGE_CSP}; frame-ancestors 'none'`;

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
