import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { WebhookEvent, WebhookEventData, WebhookEventType } from '../../sdk/protocol';
import type { DeliveryDocument, EndpointDocument, WebhooksRepository } from '../db/webhooks';
import type { OutboundHttp } from '../outbound';
import { Poller } from '../poller';
import { ReadCache } from '../read-cache';
import { sign, SIGNATURE_HEADER } from '../signing';

// how long a node trusts a site's endpoint list it read: a change applies on the node that made it at once
const CACHE_MS = 5_000;
// what a node asks the queue for at once, and how many attempts it makes at once (all endpoints)
const POLL_BATCH = 50;
const NODE_IN_FLIGHT = 32;
// a lease outlives the attempt's time by this much: a node that died holding one frees it soon after
const LEASE_MARGIN_MS = 5_000;
// retries grow twice as long each time, up to an hour apart, give or take a tenth (so a recovering receiver is
// not hit by every queued delivery at the same instant)
const MAX_BACKOFF_MS = 60 * 60 * 1000;
const JITTER = 0.1;
// what the log keeps of an answer
const EXCERPT_CHARACTERS = 500;
const EXCERPT_BYTES = 2_048;

export interface WebhooksOptions {
  repository: WebhooksRepository;
  outbound: OutboundHttp;
  log: Logger;
  /** WEBHOOK_TIMEOUT_MS: one attempt, connecting included. */
  timeoutMs: number;
  /** WEBHOOK_RETRY_FIRST_MS: the wait before the first retry; each next one waits twice as long (at most an hour). */
  retryFirstMs: number;
  /** WEBHOOK_RETRY_WINDOW_S: how long a delivery is retried, and how long an endpoint may fail before it is disabled. */
  retryForMs: number;
  /** WEBHOOK_MAX_IN_FLIGHT: requests to one endpoint at once, across every node. */
  inFlightPerEndpoint: number;
  /** How often a node looks for due deliveries (it also looks at once after queueing one). */
  pollMs: number;
  onAttempt?: (outcome: 'delivered' | 'failed' | 'gave-up') => void;
  now?: () => number;
  random?: () => number;
}

/**
 * Outbound webhooks: each event a site's endpoints listen to is queued in the database (before the action that made
 * it is acknowledged), then POSTed, signed, by whichever node leases it first, and retried with growing waits until
 * a 2xx answer or the end of the retry window. An endpoint failing for that long is disabled, with the reason kept.
 * Every attempt has an id of its own, never sent twice: a node that dies mid-attempt loses its lease, and the next
 * attempt, elsewhere or after a restart, has a new id.
 */
export class Webhooks {
  private readonly endpoints: ReadCache<EndpointDocument[]>;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly poller: Poller;

  constructor(private readonly options: WebhooksOptions) {
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    this.poller = new Poller(() => this.poll(), options.pollMs, (error) => options.log.warn({ err: error }, 'looking for due webhook deliveries failed'));
    this.endpoints = new ReadCache(async (siteId) => (await options.repository.listEndpoints(siteId)).filter((endpoint) => endpoint.enabled), CACHE_MS, this.now);
  }

  /**
   * Queues the event for every enabled endpoint of the site that listens to it; resolves once it is stored. A
   * failure to store is logged, not thrown: what happened stands either way.
   */
  async emit<T extends WebhookEventType>(siteId: string, type: T, data: WebhookEventData[T]): Promise<void> {
    try {
      const listening = (await this.endpoints.get(siteId)).filter((endpoint) => endpoint.events.includes(type));
      if (listening.length === 0) return;
      const id = randomBytes(12).toString('hex');
      const event = { id, type, site: siteId, createdAt: new Date(this.now()).toISOString(), data } as WebhookEvent;
      await this.options.repository.enqueue(listening, { id, type, body: JSON.stringify(event) }, this.options.retryForMs);
      this.kick();
    } catch (error) {
      this.options.log.error({ err: error, siteId, type }, 'queueing a webhook event failed');
    }
  }

  /** The site's endpoints changed on this node: the next event reads them again. */
  forget(siteId: string): void {
    this.endpoints.forget(siteId);
  }

  /** Starts looking for due deliveries every `pollMs`. */
  start(): void {
    this.poller.start();
  }

  /** Stops taking deliveries and waits for the attempts in flight (each bounded by the timeout). */
  async stop(): Promise<void> {
    await this.poller.stop();
    await Promise.all(this.inFlight);
    this.options.outbound.close();
  }

  /** Looks for due deliveries now (one look at a time: a call during one makes one more after it). */
  kick(): void {
    this.poller.kick();
  }

  /** Resolves after a whole look at the queue that began after this call (tests: "it looked, and sent nothing"). */
  nextLook(): Promise<void> {
    return this.poller.nextLook();
  }

  private async poll(): Promise<void> {
    const { repository, inFlightPerEndpoint } = this.options;
    if (this.inFlight.size >= NODE_IN_FLIGHT) return;
    const now = this.now();
    // endpoints found with every slot taken: their deliveries wait until a slot is free (that look comes at once)
    const full = new Set<string>();
    for (const { _id, endpointId } of await repository.due(new Date(now), POLL_BATCH)) {
      if (this.poller.stopped || this.inFlight.size >= NODE_IN_FLIGHT) break;
      if (full.has(endpointId)) continue;
      const attemptId = randomBytes(8).toString('hex');
      const until = new Date(now + this.options.timeoutMs + LEASE_MARGIN_MS);
      // a place among the endpoint's requests in flight first, then the delivery: neither is taken in vain
      const slot = await repository.takeSlot(endpointId, inFlightPerEndpoint, attemptId, new Date(now), until);
      if (!slot) {
        full.add(endpointId);
        continue;
      }
      if (!(await repository.lease(_id, new Date(now), until))) {
        await repository.releaseSlot(slot, attemptId);
        continue;
      }
      const attempt = this.attempt(_id, endpointId, attemptId, now)
        .catch((error: unknown) => this.options.log.warn({ err: error, delivery: _id }, 'a webhook attempt failed to complete'))
        .finally(async () => {
          await repository.releaseSlot(slot, attemptId).catch((error: unknown) => this.options.log.warn({ err: error }, 'freeing a webhook slot failed'));
          this.inFlight.delete(attempt);
          // a slot is free: what waited for it may go
          this.kick();
        });
      this.inFlight.add(attempt);
    }
  }

  /** One attempt at a leased delivery, within one of its endpoint's in-flight slots (held by the caller). */
  private async attempt(deliveryId: string, endpointId: string, attemptId: string, started: number): Promise<void> {
    const { repository } = this.options;
    const [delivery, endpoint] = await Promise.all([repository.findDelivery(deliveryId), repository.endpointById(endpointId)]);
    // sent meanwhile (a resend raced it), or its endpoint deleted
    if (!delivery || !endpoint || delivery.state !== 'pending') return await repository.dequeue(deliveryId);
    if (!endpoint.enabled) {
      if (started >= delivery.retryUntil.getTime()) {
        await repository.recordAttempt(deliveryId, { id: attemptId, at: new Date(started), durationMs: 0, error: 'the endpoint is disabled' }, 'failed');
        return await repository.dequeue(deliveryId);
      }
      // kept for when it is enabled again, within the window
      return await repository.reschedule(deliveryId, new Date(Math.min(started + MAX_BACKOFF_MS, delivery.retryUntil.getTime())));
    }

    const { status, error, excerpt, durationMs } = await this.post(endpoint, delivery, attemptId, started);
    const ok = status !== undefined && status >= 200 && status <= 299;
    const finished = this.now();
    const gaveUp = !ok && finished >= delivery.retryUntil.getTime();
    const attempt = { id: attemptId, at: new Date(started), durationMs, ...(status === undefined ? {} : { status }), ...(error ? { error } : {}), ...(excerpt ? { excerpt } : {}) };
    await repository.recordAttempt(deliveryId, attempt, ok ? 'delivered' : gaveUp ? 'failed' : 'pending');
    this.options.onAttempt?.(ok ? 'delivered' : gaveUp ? 'gave-up' : 'failed');
    if (ok) {
      await repository.dequeue(deliveryId);
      await repository.succeeded(endpointId);
      return;
    }
    if (gaveUp) await repository.dequeue(deliveryId);
    else await repository.reschedule(deliveryId, new Date(finished + this.backoff(delivery.attempts.length + 1)));
    const failingSince = await repository.failed(endpointId, new Date(finished));
    if (failingSince && finished - failingSince.getTime() >= this.options.retryForMs) {
      const reason = `every attempt failed since ${failingSince.toISOString()}; the last one ${status === undefined ? `got no answer: ${error}` : `was answered ${status}`}`;
      await repository.disable(endpointId, reason);
      this.forget(endpoint.siteId);
      this.options.log.warn({ siteId: endpoint.siteId, endpoint: endpointId, reason }, 'webhook endpoint disabled');
    }
  }

  /** One signed POST of the delivery: the answer's status and start, or why there was none, and how long it took. */
  private async post(endpoint: EndpointDocument, delivery: DeliveryDocument, attemptId: string, started: number) {
    const clock = performance.now();
    let status: number | undefined;
    let excerpt: string | undefined;
    let error: string | undefined;
    try {
      const answer = await this.options.outbound.post(
        endpoint.url,
        delivery.body,
        {
          'user-agent': 'Parley webhooks',
          [SIGNATURE_HEADER]: sign(endpoint.secret, delivery.body, Math.floor(started / 1000)),
          'Parley-Event': delivery.type,
          'Parley-Delivery': delivery._id,
          'Parley-Attempt': attemptId,
        },
        this.options.timeoutMs,
        EXCERPT_BYTES,
      );
      status = answer.status;
      excerpt = answer.body.toString('utf8').slice(0, EXCERPT_CHARACTERS);
    } catch (caught) {
      error = typeof (caught as Error | undefined)?.message === 'string' ? (caught as Error).message : String(caught);
    }
    return { status, excerpt, error, durationMs: Math.round(performance.now() - clock) };
  }

  /** The wait before retry `n` (1 for the first retry). */
  private backoff(n: number): number {
    const base = Math.min(this.options.retryFirstMs * 2 ** (n - 1), MAX_BACKOFF_MS);
    return Math.round(base * (1 - JITTER + 2 * JITTER * this.random()));
  }
}
