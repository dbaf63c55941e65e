import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import zlib from 'node:zlib';
import Koa from 'koa';
import compress from 'koa-compress';
import type { Logger } from 'pino';
import type { Database } from '../db/connection';
import type { Repositories } from '../db';
import { unavailable } from '../errors';
import { errorMiddleware } from './errors';

const READY_TIMEOUT_MS = 2_000;
import { openApiRoutes } from './openapi';
import { authRoutes } from './routes/auth';
import { moderationRoutes } from './routes/moderation';
import { roomRoutes } from './routes/rooms';
import type { RoomInfo } from '../../sdk/protocol';
import type { AuthRateLimiter } from './rate-limits';
import { securityHeaders } from './security-headers';
import { sessionMiddleware } from './session';
import { siteScope } from './site-scope';
import { widgetAssetRoutes } from './widget-assets';

export interface HttpAppOptions {
  database: Database;
  repositories: Repositories;
  log: Logger;
  sessionKeys: string[];
  sessionIdleMs: number;
  distDir: string;
  onSessionEnded: (token: string) => void;
  onUserBanned: (siteId: string, userId: string) => void;
  onRoomUpdated: (siteId: string, room: RoomInfo) => void;
  /** PUBLIC_URL: the backend's origin as browsers see it, when it differs from the Host header. */
  publicUrl: string | undefined;
  trustProxy: boolean;
  rateLimiter: AuthRateLimiter;
}

/** The Koa app: error shape first, then health, widget assets and the JSON API. */
export function createHttpApp(options: HttpAppOptions): Koa {
  const app = new Koa({ keys: options.sessionKeys, proxy: options.trustProxy });
  app.silent = true; // errorMiddleware logs what matters

  const health = new Router();
  health.get('/healthz', (ctx) => {
    ctx.body = { ok: true };
  });
  health.get('/readyz', async (ctx) => {
    // a hung database must not hang the probe: answer 503 after 2 s whatever the driver does
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(unavailable('the database did not answer in time')), READY_TIMEOUT_MS);
    });
    try {
      await Promise.race([options.database.db.command({ ping: 1 }), timeout]);
    } finally {
      clearTimeout(timer);
    }
    ctx.body = { ok: true };
  });

  const auth = authRoutes({
    repositories: options.repositories,
    rateLimiter: options.rateLimiter,
    onSessionEnded: options.onSessionEnded,
  });
  const session = sessionMiddleware(app, options.repositories.sessions, options.sessionIdleMs);
  const json = bodyParser({ enableTypes: ['json'], jsonLimit: '16kb', encoding: 'utf-8' });

  app
    .use(errorMiddleware(options.log))
    .use(securityHeaders())
    // brotli at quality 5: good ratio for a few ms; the default 11 costs tens of ms per response
    .use(compress({ threshold: 1024, br: { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 5 } } }))
    .use(health.routes())
    .use(widgetAssetRoutes(options.distDir, options.repositories.sites).routes())
    .use(openApiRoutes().routes())
    .use(async (ctx, next) => {
      if (!ctx.path.startsWith('/api/')) return next();
      ctx.set('Cache-Control', 'no-store');
      await json(ctx, () => session(ctx, next));
    })
    .use(siteScope(options.repositories.sites, options.publicUrl))
    // no allowedMethods(): its plain-text 405/501 would break the one error shape; other methods are a JSON 404
    .use(auth.routes())
    .use(roomRoutes({ repositories: options.repositories, onRoomUpdated: options.onRoomUpdated }).routes())
    .use(moderationRoutes({ repositories: options.repositories, onUserBanned: options.onUserBanned }).routes());
  return app;
}
