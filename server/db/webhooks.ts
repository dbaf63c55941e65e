import { randomBytes } from 'node:crypto';
import type { Collection, Db, UpdateFilter } from 'mongodb';
import type { WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookEventType } from '../../sdk/protocol';
import { isDuplicateKey } from '../errors';

/**
 * A site's webhook endpoint. `sequence` counts its deliveries: each is `<endpoint id>:<n>` (n zero-padded), so its
 * log is read by `_id`, the lookups the embedded database serves from an index.
 */
export interface EndpointDocument {
  _id: string;
  siteId: string;
  url: string;
  events: WebhookEventType[];
  description?: string;
  secret: string;
  enabled: boolean;
  disabledReason?: string;
  failingSince?: Date;
  sequence: number;
  createdAt: Date;
}

/** An event's delivery to one endpoint, with every attempt at it (its log). */
export interface DeliveryDocument {
  _id: string;
  siteId: string;
  endpointId: string;
  eventId: string;
  type: WebhookEventType;
  /** The JSON sent, fixed when queued: every attempt sends the same bytes (signed anew). */
  body: string;
  state: WebhookDelivery['state'];
  createdAt: Date;
  /** Retried until then; past it, `failed`. */
  retryUntil: Date;
  nextAttemptAt?: Date;
  attempts: Array<Omit<WebhookAttempt, 'at'> & { at: Date }>;
}

/**
 * The deliveries still to make: only those (small, whatever the log's size). `lockedUntil` is the lease of the node
 * making an attempt; past it (that node died), another one takes it with a new attempt id.
 */
interface QueueDocument {
  _id: string;
  endpointId: string;
  dueAt: Date;
  lockedUntil: Date;
}

/** One of an endpoint's in-flight slots, held until `until` by an attempt: at most that many requests at once. */
interface SlotDocument {
  _id: string;
  until: Date;
  attemptId: string;
}

const NEVER = new Date(0);
const pad = (n: number) => String(n).padStart(10, '0');
const deliveryId = (endpointId: string, n: number) => `${endpointId}:${pad(n)}`;
/** The endpoint of a delivery id, and its place in the endpoint's log. */
export const parseDeliveryId = (id: string): { endpointId: string; n: number } | null => {
  const match = /^([0-9a-f]{24}):(\d{10})$/.exec(id);
  return match ? { endpointId: match[1]!, n: Number(match[2]) } : null;
};
export const newSecret = () => `whsec_${randomBytes(24).toString('base64url')}`;

export const presentEndpoint = (endpoint: EndpointDocument): WebhookEndpoint => ({
  id: endpoint._id,
  url: endpoint.url,
  events: endpoint.events,
  ...(endpoint.description ? { description: endpoint.description } : {}),
  enabled: endpoint.enabled,
  ...(endpoint.disabledReason ? { disabledReason: endpoint.disabledReason } : {}),
  ...(endpoint.failingSince ? { failingSince: endpoint.failingSince.toISOString() } : {}),
  secret: endpoint.secret,
  createdAt: endpoint.createdAt.toISOString(),
});

export const presentDelivery = (delivery: DeliveryDocument): WebhookDelivery => ({
  id: delivery._id,
  eventId: delivery.eventId,
  type: delivery.type,
  state: delivery.state,
  createdAt: delivery.createdAt.toISOString(),
  ...(delivery.state === 'pending' && delivery.nextAttemptAt ? { nextAttemptAt: delivery.nextAttemptAt.toISOString() } : {}),
  attempts: delivery.attempts.map((attempt) => ({ ...attempt, at: attempt.at.toISOString() })),
  body: delivery.body,
});

/** Webhook endpoints, their deliveries (the log) and the queue of deliveries to make, with its leases. */
export class WebhooksRepository {
  private readonly endpoints: Collection<EndpointDocument>;
  private readonly deliveries: Collection<DeliveryDocument>;
  private readonly queue: Collection<QueueDocument>;
  private readonly slots: Collection<SlotDocument>;

  constructor(db: Db) {
    this.endpoints = db.collection<EndpointDocument>('webhook_endpoints');
    this.deliveries = db.collection<DeliveryDocument>('webhook_deliveries');
    this.queue = db.collection<QueueDocument>('webhook_queue');
    this.slots = db.collection<SlotDocument>('webhook_slots');
  }

  async createEndpoint(endpoint: Pick<EndpointDocument, 'siteId' | 'url' | 'events' | 'description' | 'enabled'>): Promise<EndpointDocument> {
    // random, not an ObjectId: ids name each other in delivery ids, and none should be guessable from another
    const document: EndpointDocument = { ...endpoint, _id: randomBytes(12).toString('hex'), secret: newSecret(), sequence: 0, createdAt: new Date() };
    if (document.description === undefined) delete document.description;
    await this.endpoints.insertOne(document);
    return document;
  }

  async findEndpoint(siteId: string, id: string): Promise<EndpointDocument | null> {
    const endpoint = await this.endpoints.findOne({ _id: id });
    return endpoint?.siteId === siteId ? endpoint : null;
  }

  /** An endpoint by id alone (the deliverer, which has the id from the queue). */
  endpointById(id: string): Promise<EndpointDocument | null> {
    return this.endpoints.findOne({ _id: id });
  }

  /** A site's endpoints, oldest first (a handful per site: read whole). */
  listEndpoints(siteId: string): Promise<EndpointDocument[]> {
    return this.endpoints.find({ siteId }).sort({ createdAt: 1 }).toArray();
  }

  async countEndpoints(siteId: string): Promise<number> {
    return this.endpoints.countDocuments({ siteId });
  }

  /** Changes an endpoint; enabling it forgets why it was disabled. Null when it is not the site's. */
  async updateEndpoint(
    siteId: string,
    id: string,
    change: { url?: string | undefined; events?: WebhookEventType[] | undefined; description?: string | undefined; enabled?: boolean | undefined; rotateSecret?: boolean | undefined },
  ): Promise<EndpointDocument | null> {
    const set: Partial<EndpointDocument> = {};
    if (change.url !== undefined) set.url = change.url;
    if (change.events !== undefined) set.events = change.events;
    if (change.description !== undefined) set.description = change.description;
    if (change.enabled !== undefined) set.enabled = change.enabled;
    if (change.rotateSecret) set.secret = newSecret();
    const update: UpdateFilter<EndpointDocument> = { $set: set };
    if (change.enabled === true) update.$unset = { disabledReason: '', failingSince: '' } as const;
    return this.endpoints.findOneAndUpdate({ _id: id, siteId }, update, { returnDocument: 'after' });
  }

  /** Deletes an endpoint and what it had still to send (its log goes too). */
  async removeEndpoint(siteId: string, id: string): Promise<boolean> {
    const { deletedCount } = await this.endpoints.deleteOne({ _id: id, siteId });
    if (deletedCount === 0) return false;
    await this.queue.deleteMany({ endpointId: id });
    await this.deliveries.deleteMany({ endpointId: id });
    return true;
  }

  /**
   * Queues one event for each endpoint: its delivery (in the endpoint's log) and its place in the queue, due now.
   * Written before the caller acknowledges what happened, so a restart loses none.
   */
  async enqueue(endpoints: readonly EndpointDocument[], event: { id: string; type: WebhookEventType; body: string }, retryForMs: number): Promise<void> {
    const now = new Date();
    const deliveries: DeliveryDocument[] = [];
    for (const endpoint of endpoints) {
      const counted = await this.endpoints.findOneAndUpdate({ _id: endpoint._id }, { $inc: { sequence: 1 } }, { returnDocument: 'after' });
      // deleted meanwhile: nothing to send to
      if (!counted) continue;
      deliveries.push({
        _id: deliveryId(endpoint._id, counted.sequence),
        siteId: counted.siteId,
        endpointId: endpoint._id,
        eventId: event.id,
        type: event.type,
        body: event.body,
        state: 'pending',
        createdAt: now,
        retryUntil: new Date(now.getTime() + retryForMs),
        nextAttemptAt: now,
        attempts: [],
      });
    }
    if (deliveries.length === 0) return;
    await this.deliveries.insertMany(deliveries, { ordered: false });
    await this.queue.insertMany(
      deliveries.map((delivery) => ({ _id: delivery._id, endpointId: delivery.endpointId, dueAt: now, lockedUntil: NEVER })),
      { ordered: false },
    );
  }

  /** Deliveries due and not leased, oldest due first. */
  async due(now: Date, limit: number): Promise<Array<{ _id: string; endpointId: string }>> {
    return this.queue
      .find({ dueAt: { $lte: now }, lockedUntil: { $lte: now } }, { projection: { _id: 1, endpointId: 1 } })
      .sort({ dueAt: 1 })
      .limit(limit)
      .toArray();
  }

  /** Takes the lease on a queued delivery until `until`; false when another node holds it or it is gone. */
  async lease(id: string, now: Date, until: Date): Promise<boolean> {
    const { matchedCount } = await this.queue.updateOne({ _id: id, lockedUntil: { $lte: now } }, { $set: { lockedUntil: until } });
    return matchedCount === 1;
  }

  /** Gives a lease back, due again at `dueAt`. */
  async reschedule(id: string, dueAt: Date): Promise<void> {
    await this.queue.updateOne({ _id: id }, { $set: { dueAt, lockedUntil: NEVER } });
    await this.deliveries.updateOne({ _id: id }, { $set: { nextAttemptAt: dueAt } });
  }

  async dequeue(id: string): Promise<void> {
    await this.queue.deleteOne({ _id: id });
  }

  /**
   * Takes one of the endpoint's `slots` in-flight places until `until`, for this attempt; false when all are held.
   * Each slot is a document of its own, taken by a conditional update on its `_id` (or created): of two nodes, one wins.
   */
  async takeSlot(endpointId: string, slots: number, attemptId: string, now: Date, until: Date): Promise<string | null> {
    for (let k = 0; k < slots; k++) {
      const _id = `${endpointId}:${k}`;
      try {
        const { matchedCount, upsertedCount } = await this.slots.updateOne({ _id, until: { $lte: now } }, { $set: { until, attemptId } }, { upsert: true });
        if (matchedCount + upsertedCount === 1) return _id;
      } catch (error) {
        // held: the upsert found the slot taken
        if (!isDuplicateKey(error)) throw error;
      }
    }
    return null;
  }

  async releaseSlot(slotId: string, attemptId: string): Promise<void> {
    await this.slots.updateOne({ _id: slotId, attemptId }, { $set: { until: NEVER } });
  }

  async findDelivery(id: string): Promise<DeliveryDocument | null> {
    return this.deliveries.findOne({ _id: id });
  }

  /** Notes an attempt, and the delivery's state after it. */
  async recordAttempt(id: string, attempt: DeliveryDocument['attempts'][number], state: WebhookDelivery['state']): Promise<void> {
    await this.deliveries.updateOne({ _id: id }, { $push: { attempts: attempt }, $set: { state } });
  }

  /** The endpoint answered: it is not failing. */
  async succeeded(endpointId: string): Promise<void> {
    await this.endpoints.updateOne({ _id: endpointId, failingSince: { $exists: true } }, { $unset: { failingSince: '' } });
  }

  /**
   * The endpoint failed: failing since now unless it already was. Answers since when, so the caller can disable it
   * once that is past the retry window.
   */
  async failed(endpointId: string, now: Date): Promise<Date | undefined> {
    await this.endpoints.updateOne({ _id: endpointId, failingSince: { $exists: false } }, { $set: { failingSince: now } });
    return (await this.endpoints.findOne({ _id: endpointId }, { projection: { failingSince: 1 } }))?.failingSince;
  }

  async disable(endpointId: string, reason: string): Promise<void> {
    await this.endpoints.updateOne({ _id: endpointId, enabled: true }, { $set: { enabled: false, disabledReason: reason } });
  }

  /** An endpoint's log, newest first: up to `limit` deliveries before the `before`-th. */
  async log(endpoint: EndpointDocument, before: number | undefined, limit: number): Promise<{ deliveries: DeliveryDocument[]; next: number | null }> {
    const from = Math.min(before ?? endpoint.sequence + 1, endpoint.sequence + 1) - 1;
    const ids = Array.from({ length: Math.max(0, Math.min(limit, from)) }, (_, i) => deliveryId(endpoint._id, from - i));
    const found = new Map((await this.deliveries.find({ _id: { $in: ids } }).toArray()).map((delivery) => [delivery._id, delivery]));
    const last = from - ids.length;
    return { deliveries: ids.map((id) => found.get(id)).filter((delivery) => delivery !== undefined), next: last > 0 ? last + 1 : null };
  }

  /** Sends a delivery again now, whatever its state, retried for a new window. */
  async resend(id: string, retryForMs: number): Promise<DeliveryDocument | null> {
    const now = new Date();
    const delivery = await this.deliveries.findOneAndUpdate(
      { _id: id },
      { $set: { state: 'pending', retryUntil: new Date(now.getTime() + retryForMs), nextAttemptAt: now } },
      { returnDocument: 'after' },
    );
    if (!delivery) return null;
    await this.queue.updateOne({ _id: id }, { $set: { endpointId: delivery.endpointId, dueAt: now }, $setOnInsert: { lockedUntil: NEVER } }, { upsert: true });
    return delivery;
  }

  /** Every endpoint and delivery of a site (the site is deleted). */
  async deleteBySite(siteId: string): Promise<void> {
    for (const endpoint of await this.listEndpoints(siteId)) await this.removeEndpoint(siteId, endpoint._id);
  }
}
