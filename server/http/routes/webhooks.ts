import '@koa/bodyparser';
import type Router from '@koa/router';
import { z } from 'zod';
import type {
  WebhookDeliveriesResponse,
  WebhookDeliveryResponse,
  WebhookEndpointRequest,
  WebhookEndpointResponse,
  WebhookEndpointsResponse,
} from '../../../sdk/protocol';
import type { Repositories } from '../../db';
import { parseDeliveryId, presentDelivery, presentEndpoint } from '../../db/webhooks';
import { conflict, invalidInput, notFound } from '../../errors';
import { cleanText, parseInput } from '../../validation';
import { WEBHOOK_EVENT_TYPES } from '../../../sdk/webhooks';
import type { Webhooks } from '../../webhooks/webhooks';
import { type ApiState, requireAdmin } from '../require-user';
import { createRouter } from '../router';
import { outboundUrlSchema } from './pre-publish';
import { actorOf } from './rooms';

/** Endpoints per site: each event is one queued delivery per endpoint. */
export const MAX_ENDPOINTS = 10;
const DELIVERIES_PAGE = 20;

export function endpointRequestSchema(allowHttp: boolean) {
  return z.strictObject({
    url: outboundUrlSchema(allowHttp),
    events: z
      .array(z.enum(WEBHOOK_EVENT_TYPES, { error: `events must be some of ${WEBHOOK_EVENT_TYPES.join(', ')}` }), { error: 'events must be a list' })
      .min(1, { error: 'events must name at least one event' })
      .max(WEBHOOK_EVENT_TYPES.length, { error: 'events must not repeat an event' })
      .transform((events) => [...new Set(events)]),
    description: cleanText('description', 200, { multiline: false, mayBeEmpty: true }).optional(),
    enabled: z.boolean({ error: 'enabled must be true or false' }).optional(),
    rotateSecret: z.boolean({ error: 'rotateSecret must be true or false' }).optional(),
  }) satisfies z.ZodType<WebhookEndpointRequest, unknown>;
}

const deliveriesQuery = z.strictObject({
  before: z.coerce.number({ error: 'before must be a number' }).int({ error: 'before must be a whole number' }).min(1, { error: 'before must be at least 1' }).optional(),
  limit: z.coerce.number({ error: 'limit must be a number' }).int({ error: 'limit must be a whole number' }).min(1, { error: 'limit must be 1–50' }).max(50, { error: 'limit must be 1–50' }).optional(),
});

export interface WebhookRoutesOptions {
  repositories: Repositories;
  /** The deliverer on this node: a change applies to its next event at once, and a resend is sent at once. */
  webhooks: Webhooks;
  /** HOOKS_ALLOW_PRIVATE: plain http allowed too (the addresses are checked when each call is made). */
  allowHttp: boolean;
  /** How long a resent delivery is retried (WEBHOOK_RETRY_WINDOW_S). */
  retryForMs: number;
}

/** A site's webhook endpoints (admins): add, list, change, remove; each one's delivery log, and a resend. */
export function webhookRoutes({ repositories, webhooks, allowHttp, retryForMs }: WebhookRoutesOptions): Router<ApiState> {
  const { users, moderation } = repositories;
  const store = repositories.webhooks;
  const router = createRouter<ApiState>('/api/sites/:siteId/webhooks');
  const admin = requireAdmin(users);
  const create = endpointRequestSchema(allowHttp);
  const change = create.partial();

  /** The site's endpoint named by the path, or not_found. */
  const endpointOf = async (ctx: { state: ApiState; params: Record<string, string | undefined> }) => {
    const endpoint = /^[0-9a-f]{24}$/.test(ctx.params.id ?? '') ? await store.findEndpoint(ctx.state.site._id, ctx.params.id!) : null;
    if (!endpoint) throw notFound('webhook endpoint');
    return endpoint;
  };
  /** Notes the change in the moderation log, without the endpoint's query string (receivers often put a token there). */
  const record = async (ctx: { state: ApiState }, reason: string) => {
    const { site, user } = ctx.state;
    webhooks.forget(site._id);
    await moderation.record({ siteId: site._id, action: 'site.webhook', actor: actorOf(user), reason });
  };
  const shown = (url: string) => {
    const { origin, pathname } = new URL(url);
    return `${origin}${pathname}`;
  };

  router.get('/', admin, async (ctx) => {
    ctx.body = { endpoints: (await store.listEndpoints(ctx.state.site._id)).map(presentEndpoint) } satisfies WebhookEndpointsResponse;
  });

  router.post('/', admin, async (ctx) => {
    const input = parseInput(create, ctx.request.body);
    const { site } = ctx.state;
    if ((await store.countEndpoints(site._id)) >= MAX_ENDPOINTS) throw conflict('url', `a site has at most ${MAX_ENDPOINTS} webhook endpoints`);
    const endpoint = await store.createEndpoint({ siteId: site._id, url: input.url, events: input.events, enabled: input.enabled ?? true, ...(input.description ? { description: input.description } : {}) });
    await record(ctx, `added ${shown(endpoint.url)} (${endpoint.events.join(', ')})`);
    ctx.status = 201;
    ctx.body = { endpoint: presentEndpoint(endpoint) } satisfies WebhookEndpointResponse;
  });

  router.get('/:id', admin, async (ctx) => {
    ctx.body = { endpoint: presentEndpoint(await endpointOf(ctx)) } satisfies WebhookEndpointResponse;
  });

  router.patch('/:id', admin, async (ctx) => {
    const input = parseInput(change, ctx.request.body);
    if (Object.keys(input).length === 0) throw invalidInput(undefined, 'nothing to change');
    const before = await endpointOf(ctx);
    const endpoint = await store.updateEndpoint(ctx.state.site._id, before._id, input);
    if (!endpoint) throw notFound('webhook endpoint');
    const changed = Object.keys(input).filter((key) => key !== 'rotateSecret');
    await record(ctx, `changed ${shown(endpoint.url)}${changed.length ? ` (${changed.join(', ')})` : ''}${input.rotateSecret ? ', new secret' : ''}`);
    ctx.body = { endpoint: presentEndpoint(endpoint) } satisfies WebhookEndpointResponse;
  });

  router.delete('/:id', admin, async (ctx) => {
    const endpoint = await endpointOf(ctx);
    if (!(await store.removeEndpoint(ctx.state.site._id, endpoint._id))) throw notFound('webhook endpoint');
    await record(ctx, `removed ${shown(endpoint.url)}`);
    ctx.status = 204;
  });

  router.get('/:id/deliveries', admin, async (ctx) => {
    const endpoint = await endpointOf(ctx);
    const { before, limit } = parseInput(deliveriesQuery, ctx.query);
    const page = await store.log(endpoint, before, limit ?? DELIVERIES_PAGE);
    ctx.body = { deliveries: page.deliveries.map(presentDelivery), next: page.next === null ? null : String(page.next) } satisfies WebhookDeliveriesResponse;
  });

  router.post('/:id/deliveries/:deliveryId/resend', admin, async (ctx) => {
    const endpoint = await endpointOf(ctx);
    const id = ctx.params.deliveryId ?? '';
    if (parseDeliveryId(id)?.endpointId !== endpoint._id) throw notFound('delivery');
    const delivery = await store.resend(id, retryForMs);
    if (!delivery) throw notFound('delivery');
    webhooks.kick();
    ctx.status = 202;
    ctx.body = { delivery: presentDelivery(delivery) } satisfies WebhookDeliveryResponse;
  });

  return router;
}
