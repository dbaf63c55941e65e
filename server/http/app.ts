import { createHash } from 'node:crypto';
import { bodyParser } from '@koa/bodyparser';
import zlib from 'node:zlib';
import Koa from 'koa';
import compress from 'koa-compress';
import type { Logger } from 'pino';
import type { Database } from '../db/connection';
import type { Repositories } from '../db';
import type { Metrics } from '../metrics';
import type { RedisClient } from '../redis';
import { errorMiddleware } from './errors';
import { openApiRoutes } from './openapi';
import { operationsRoutes } from './operations';
import { requestLog } from './request-log';
import { authRoutes } from './routes/auth';
import { moderationRoutes } from './routes/moderation';
import { reportRoutes } from './routes/reports';
import { blockRoutes } from './routes/blocks';
import type { ReportDesk } from '../moderation/reports';
import type { SiteWordFilters } from '../moderation/site-word-filters';
import type { SiteSettingsCache } from '../moderation/site-settings';
import { siteSettingsRoutes } from './routes/site-settings';
import { guestRoutes } from './routes/guests';
import { prePublishRoutes } from './routes/pre-publish';
import { webhookRoutes } from './routes/webhooks';
import { consoleRoutes } from './routes/console';
import { siteSecretRoutes } from './routes/site-secret';
import { roomRecordsRoutes } from './routes/room-records';
import { peopleRoutes } from './routes/people';
import { uploadRoutes } from './routes/uploads';
import type { RateLimits } from '../config';
import type { PrePublishHooks } from '../moderation/pre-publish';
import type { Webhooks } from '../webhooks/webhooks';
import { roomRoutes } from './routes/rooms';
import type { Message, RoomInfo } from '../../sdk/protocol';
import type { AuthRateLimiter } from './rate-limits';
import { securityHeaders } from './security-headers';
import { consoleSessions, sessionMiddleware } from './session';
import { isOwnOrigin, ownOriginOf } from './origins';
import { forbidden } from '../errors';
import type { ProofOfWork } from './proof-of-work';
import { consoleStaff } from './console-staff';
import type { SiteActivity } from '../hub/activity';
import { siteActivityRoutes } from './routes/site-activity';
import { siteScope } from './site-scope';
import { widgetAssetRoutes } from './widget-assets';
import { consoleAssetRoutes } from './console-assets';
import { emailRoutes } from './routes/email';
import { dataRightsRoutes } from './routes/data-rights';
import type { EmailLinks } from '../email/links';
import type { Mailer } from '../email/mailer';

export interface HttpAppOptions {
  database: Database;
  repositories: Repositories;
  log: Logger;
  sessionKeys: string[];
  sessionIdleMs: number;
  distDir: string;
  onSessionEnded: (token: string) => void;
  onUserBanned: (siteId: string, userId: string) => void;
  /** An account was erased: its sockets end, on every node. */
  onUserErased: (siteId: string, userId: string) => void;
  onRoomUpdated: (siteId: string, room: RoomInfo) => void;
  /** Tells a room's sockets, on every node, that a message changed (a moderator's delete over HTTP). */
  onMessageUpdated: (siteId: string, message: Message) => Promise<void>;
  /** PUBLIC_URL: the backend's origin as browsers see it, when it differs from the Host header. */
  publicUrl: string | undefined;
  trustProxy: boolean;
  /** With trustProxy: how many proxies append to X-Forwarded-For; the client is that many entries from the right. */
  trustProxyHops: number;
  rateLimiter: AuthRateLimiter;
  metrics: Metrics;
  /** METRICS_TOKEN: protects /metrics; unset, it answers loopback clients only. */
  metricsToken: string | undefined;
  /** Checked by /readyz besides the database, when REDIS_URL is configured. */
  redis?: RedisClient;
  /** The sites' word filters on this node: a change through the API applies here at once. */
  wordFilters: SiteWordFilters;
  /** Reports of messages: the queue and its resolutions (members file them over the socket). */
  reports: ReportDesk;
  /** The sites' access and posting rights on this node: a change through the API applies here at once. */
  siteSettings: SiteSettingsCache;
  /** Bot protection for sign-up (members and guests). */
  proofOfWork: ProofOfWork;
  /** The sites' pre-publish hooks on this node: a change through the API applies here at once. */
  prePublish: PrePublishHooks;
  /** HOOKS_ALLOW_PRIVATE: a hook or a webhook endpoint may be plain http. */
  hooksAllowPrivate: boolean;
  /** Webhooks on this node: endpoint changes apply here at once, resends go at once. */
  webhooks: Webhooks;
  /** Email through SMTP_URL; unset: the server sends no email. */
  mailer: Mailer | undefined;
  /** The links in emails (confirm an address, unsubscribe). */
  emailLinks: EmailLinks;
  /** How long a resent webhook delivery is retried. */
  webhookRetryForMs: number;
  /** How many sites one console account may own. */
  consoleSiteQuota: number;
  /** Whether anyone may create a console account (hosted mode), or only invites. */
  consoleSignup: 'invite' | 'open';
  /** This node's count of stored messages (the Overview reads the days after a flush). */
  activity: SiteActivity;
  /** How many users are online in a site now, on every node. */
  onlineCount: (siteId: string) => Promise<number>;
  /** Uploads per user: files and megabytes per window. */
  uploadLimits: Pick<RateLimits, 'uploadsPerUser' | 'uploadMegabytesPerUser'>;
}

/** The key of banned guests' address hashes, derived from the first session key (never the key itself). */
export const addressKeyOf = (sessionKeys: readonly string[]) => createHash('sha256').update(`parley address bans\0${sessionKeys[0] ?? ''}`).digest('hex');

/** The Koa app: request log and error shape first, then health and metrics, widget assets and the JSON API. */
export function createHttpApp(options: HttpAppOptions): Koa {
  // X-Forwarded-For is read from the right: each trusted proxy appends one entry, everything left of those the client wrote
  const app = new Koa({ keys: options.sessionKeys, proxy: options.trustProxy, maxIpsCount: options.trustProxyHops });
  app.silent = true; // errorMiddleware logs what matters

  const operations = operationsRoutes({
    database: options.database,
    redis: options.redis,
    metrics: options.metrics,
    metricsToken: options.metricsToken,
  });

  const auth = authRoutes({
    repositories: options.repositories,
    rateLimiter: options.rateLimiter,
    onSessionEnded: options.onSessionEnded,
    addressKey: addressKeyOf(options.sessionKeys),
    proofOfWork: options.proofOfWork,
  });
  const email = emailRoutes({
    repositories: options.repositories,
    mailer: options.mailer,
    links: options.emailLinks,
    rateLimiter: options.rateLimiter,
    publicUrl: options.publicUrl,
    log: options.log,
  });
  const session = sessionMiddleware(app, options.repositories.sessions, options.sessionIdleMs);
  // the console's cookie is SameSite=Strict; its state changes must also come from our own pages (CSRF)
  const consoleGuard: Koa.Middleware = (ctx, next) => {
    const safe = ctx.method === 'GET' || ctx.method === 'HEAD';
    if (!safe && !isOwnOrigin(ctx.headers, ownOriginOf(options.publicUrl, ctx.headers, ctx.secure))) throw forbidden('the console takes changes from its own pages only');
    return next();
  };
  const staffSessions = consoleSessions(options.repositories.sessions, options.sessionIdleMs);
  const json = bodyParser({ enableTypes: ['json'], jsonLimit: '16kb', encoding: 'utf-8' });

  app
    .use(requestLog(options.log, options.metrics))
    .use(errorMiddleware(options.log))
    .use(securityHeaders())
    // brotli at quality 5: good ratio for a few ms; the default 11 costs tens of ms per response
    .use(compress({ threshold: 1024, br: { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 5 } } }))
    .use(operations.routes())
    .use(widgetAssetRoutes(options.distDir, options.repositories.sites).routes())
    .use(consoleAssetRoutes(options.distDir).routes())
    .use(openApiRoutes().routes())
    .use(email.pages.routes())
    .use(async (ctx, next) => {
      if (!ctx.path.startsWith('/api/')) return next();
      ctx.set('Cache-Control', 'no-store');
      if (ctx.path.startsWith('/api/console/')) return json(ctx, () => consoleGuard(ctx, next));
      await json(ctx, () => session(ctx, () => withSignedInUser(ctx, next)));
    })
    .use(
      consoleRoutes({
        repositories: options.repositories,
        rateLimiter: options.rateLimiter,
        siteQuota: options.consoleSiteQuota,
        signup: options.consoleSignup,
        proofOfWork: options.proofOfWork,
        sessions: staffSessions,
      }).routes(),
    )
    .use(siteScope(options.repositories.sites, options.publicUrl))
    .use(consoleStaff({ sessions: staffSessions, accounts: options.repositories.consoleAccounts, users: options.repositories.users, publicUrl: options.publicUrl }))
    // no allowedMethods(): its plain-text 405/501 would break the one error shape; other methods are a JSON 404
    .use(auth.routes())
    .use(roomRoutes({ repositories: options.repositories, onRoomUpdated: options.onRoomUpdated }).routes())
    .use(moderationRoutes({ repositories: options.repositories, onUserBanned: options.onUserBanned, wordFilters: options.wordFilters }).routes())
    .use(reportRoutes({ repositories: options.repositories, reports: options.reports }).routes())
    .use(blockRoutes({ repositories: options.repositories }).routes())
    .use(siteSettingsRoutes({ repositories: options.repositories, siteSettings: options.siteSettings }).routes())
    .use(prePublishRoutes({ repositories: options.repositories, prePublish: options.prePublish, allowHttp: options.hooksAllowPrivate }).routes())
    .use(webhookRoutes({ repositories: options.repositories, webhooks: options.webhooks, allowHttp: options.hooksAllowPrivate, retryForMs: options.webhookRetryForMs }).routes())
    .use(guestRoutes({ repositories: options.repositories, rateLimiter: options.rateLimiter, addressKey: addressKeyOf(options.sessionKeys), proofOfWork: options.proofOfWork }).routes())
    .use(siteActivityRoutes({ repositories: options.repositories, activity: options.activity, onlineCount: options.onlineCount }).routes())
    .use(roomRecordsRoutes({ repositories: options.repositories, onMessageUpdated: options.onMessageUpdated }).routes())
    .use(siteSecretRoutes({ repositories: options.repositories, sessions: staffSessions }).routes())
    .use(peopleRoutes({ repositories: options.repositories }).routes())
    .use(email.api.routes())
    .use(
      dataRightsRoutes({
        repositories: options.repositories,
        rateLimiter: options.rateLimiter,
        publicUrl: options.publicUrl,
        onMessageUpdated: options.onMessageUpdated,
        onUserErased: options.onUserErased,
      }).routes(),
    )
    .use(
      uploadRoutes({
        repositories: options.repositories,
        siteSettings: options.siteSettings,
        limits: options.uploadLimits,
        redis: options.redis,
        onRefused: (limit) => options.metrics.rateLimited(limit),
      }).routes(),
    );
  return app;
}

/** Notes who is signed in for the request's log line: the session's user after the handler (a login), else before it (a logout). */
async function withSignedInUser(ctx: Koa.Context, next: Koa.Next): Promise<void> {
  const userOf = (session: { siteId?: unknown; userId?: unknown } | null | undefined) => {
    const site = ctx.state.site;
    return site && session?.siteId === site._id && typeof session.userId === 'string' ? session.userId : undefined;
  };
  const before = ctx.session ? { siteId: ctx.session.siteId, userId: ctx.session.userId } : null;
  try {
    await next();
  } finally {
    ctx.state.signedInUserId = userOf(ctx.session) ?? userOf(before);
  }
}
