import { createHash, timingSafeEqual } from 'node:crypto';
import type Router from '@koa/router';
import { createRouter } from './router';
import type Koa from 'koa';
import type { Database } from '../db/connection';
import { forbidden, unauthorized, unavailable } from '../errors';
import type { Metrics } from '../metrics';
import type { RedisClient } from '../redis';

/** What a readiness check waits for, at most, before calling a dependency down. */
export const READY_TIMEOUT_MS = 2_000;

export interface OperationsOptions {
  database: Database;
  /** Checked by /readyz when REDIS_URL is configured. */
  redis: RedisClient | undefined;
  metrics: Metrics;
  /** METRICS_TOKEN; unset, /metrics answers loopback clients only. */
  metricsToken: string | undefined;
}

/** `/healthz` (the process is up), `/readyz` (its database and Redis answer) and `/metrics` (Prometheus). */
export function operationsRoutes({ database, redis, metrics, metricsToken }: OperationsOptions): Router {
  const router = createRouter();

  router.get('/healthz', (ctx) => {
    ctx.body = { ok: true };
  });

  router.get('/readyz', async (ctx) => {
    const checks = [answersInTime('the database', () => database.db.command({ ping: 1 }))];
    if (redis) {
      const client = redis;
      // a client that knows it is disconnected would only queue the PING until it reconnects
      checks.push(client.isReady ? answersInTime('Redis', () => client.ping()) : Promise.resolve('Redis'));
    }
    const down = (await Promise.all(checks)).filter((name): name is string => name !== undefined);
    if (down.length > 0) {
      // answered here rather than thrown: a probe that fails every few seconds is no error worth a stack trace
      ctx.status = 503;
      ctx.body = { error: unavailable(`not ready: ${down.join(' and ')} did not answer`).toBody() };
      return;
    }
    ctx.body = { ok: true };
  });

  router.get('/metrics', async (ctx) => {
    authorizeScrape(ctx, metricsToken);
    ctx.set('Cache-Control', 'no-store');
    let scraped: { contentType: string; text: string };
    try {
      scraped = await metrics.scrape();
    } catch (error) {
      // under --workers: the primary could not gather every worker's numbers; a partial sum would mislead
      throw unavailable(`unable to gather the metrics; ${error instanceof Error ? error.message : String(error)}`);
    }
    ctx.type = scraped.contentType;
    ctx.body = scraped.text;
  });

  return router;
}

/** Resolves with `name` when `check` fails or takes longer than READY_TIMEOUT_MS, else with undefined. */
async function answersInTime(name: string, check: () => Promise<unknown>): Promise<string | undefined> {
  // a hung dependency must not hang the probe: answer after 2 s whatever the driver does
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(name), READY_TIMEOUT_MS);
  });
  try {
    return await Promise.race([check().then(() => undefined, () => name), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * With METRICS_TOKEN: the bearer token, compared in constant time, or 401. Without: only a client on this machine
 * that did not come through a proxy, or 403; a proxy on the same host would otherwise expose the metrics to anyone.
 */
function authorizeScrape(ctx: Koa.Context, token: string | undefined): void {
  if (token) {
    const given = /^Bearer (\S+)$/.exec(ctx.get('authorization'))?.[1];
    if (given === undefined || !sameSecret(given, token)) {
      ctx.set('WWW-Authenticate', 'Bearer realm="metrics"');
      throw unauthorized('send the metrics token as a bearer token');
    }
    return;
  }
  const proxied = ['forwarded', 'x-forwarded-for', 'x-real-ip'].some((header) => ctx.get(header) !== '');
  if (proxied || !isLoopback(ctx.req.socket.remoteAddress)) throw forbidden('metrics are served to loopback clients only; set METRICS_TOKEN to scrape from elsewhere');
}

/** Equal length digests, so neither the comparison nor its length check says how much of the token was right. */
function sameSecret(given: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
  return address === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}
