import cluster from 'node:cluster';
import type { HookOutcome } from './moderation/pre-publish';
import { AggregatorRegistry, collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The limits `parley_rate_limited_total` counts refusals of. */
export type LimitName = 'login' | 'registration' | 'challenge' | 'messages' | 'room_requests' | 'reactions' | 'uploads' | 'email_links' | 'data_requests';

/**
 * Prometheus metrics of one Parley instance. Each instance has a registry of its own (tests run several in one
 * process), never prom-client's global one. The hot path pays one call per event: counters that change on
 * every message are plain numbers read at scrape time.
 */
export interface Metrics {
  /** This instance's metrics and the process's. */
  readonly registry: Registry;
  /** What `/metrics` serves: this registry, or under `--workers` every worker's, summed by the primary. */
  scrape(): Promise<{ contentType: string; text: string }>;
  /** How many sockets are connected, asked at scrape time. */
  countSocketsWith(count: () => number): void;
  /** A message was written to the database (once per message, retries excluded). */
  messageStored(): void;
  /** A message:send received at `receivedAt` (performance.now()) is being acked with its stored message. */
  sendAcked(receivedAt: number): void;
  /** An HTTP request was answered; `route` is the router's pattern, never the raw URL. */
  httpRequest(method: string, route: string, status: number): void;
  /** A rate limit refused something. */
  rateLimited(limit: LimitName): void;
  /** A site's pre-publish hook was asked: what came of it. */
  prePublish(outcome: HookOutcome): void;
  /** A webhook attempt: answered 2xx, failed (retried later), or failed for the last time. */
  webhookAttempt(outcome: 'delivered' | 'failed' | 'gave-up'): void;
  /** An email digest was sent, failed (tried again later), or dropped (nobody to send it to, or nothing left in it). */
  emailDigest(outcome: 'sent' | 'failed' | 'dropped'): void;
}

// 1 ms … 2.5 s: a send is one findOneAndUpdate and one insert, a few ms on a healthy database
const SEND_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
// the methods Koa serves here; anything else is counted as OTHER, so a client cannot invent label values
const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

let processRegistry: Registry | undefined;

/** CPU, memory, event loop lag, GC: one set per process, however many instances it runs (their observers never stop). */
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

export interface MetricsOptions {
  /** A worker of `--workers N`: `/metrics` asks the primary for every worker's numbers (see answerMetricsRequests). */
  throughPrimary?: boolean;
}

export function createMetrics(options: MetricsOptions = {}): Metrics {
  const own = new Registry();
  const registers = [own];

  let countSockets = () => 0;
  new Gauge({
    name: 'parley_sockets_connected',
    help: 'Socket.IO connections open on this node.',
    registers,
    collect() {
      this.set(countSockets());
    },
  });

  let stored = 0;
  new Counter({
    name: 'parley_messages_stored_total',
    help: 'Messages written to the database by this node.',
    registers,
    collect() {
      this.reset();
      this.inc(stored);
    },
  });

  const sendDuration = new Histogram({
    name: 'parley_send_duration_seconds',
    help: 'From receiving message:send to acking the stored message.',
    buckets: SEND_BUCKETS,
    registers,
  });

  const httpRequests = new Counter({
    name: 'parley_http_requests_total',
    help: 'HTTP requests answered, by method, matched route pattern and status.',
    labelNames: ['method', 'route', 'status'] as const,
    registers,
  });

  const rateLimited = new Counter({
    name: 'parley_rate_limited_total',
    help: 'Requests and messages refused by a rate limit, by limit.',
    labelNames: ['limit'] as const,
    registers,
  });
  // present from the start at 0, so rate() works before the first refusal
  for (const limit of ['login', 'registration', 'challenge', 'messages', 'room_requests', 'reactions', 'uploads', 'email_links', 'data_requests'] satisfies LimitName[]) rateLimited.inc({ limit }, 0);

  const prePublish = new Counter({
    name: 'parley_pre_publish_total',
    help: "Calls to sites' pre-publish hooks, by outcome (allowed, denied, replaced, failed-open, failed-closed).",
    labelNames: ['outcome'] as const,
    registers,
  });
  const webhookAttempts = new Counter({
    name: 'parley_webhook_attempts_total',
    help: 'Webhook delivery attempts, by outcome (delivered, failed: retried later, gave-up: the retry window passed).',
    labelNames: ['outcome'] as const,
    registers,
  });
  const emailDigests = new Counter({
    name: 'parley_email_digests_total',
    help: 'Email digests, by outcome (sent, failed: tried again later, dropped: nobody to send to or nothing left to tell).',
    labelNames: ['outcome'] as const,
    registers,
  });

  const registry = Registry.merge([processMetrics(), own]);
  const scrapeHere = async () => ({ contentType: registry.contentType, text: await registry.metrics() });
  return {
    registry,
    scrape: options.throughPrimary ? scrapeThroughPrimary(registry) : scrapeHere,
    countSocketsWith(count) {
      countSockets = count;
    },
    messageStored() {
      stored += 1;
    },
    sendAcked(receivedAt) {
      sendDuration.observe((performance.now() - receivedAt) / 1000);
    },
    prePublish(outcome) {
      prePublish.inc({ outcome });
    },
    webhookAttempt(outcome) {
      webhookAttempts.inc({ outcome });
    },
    emailDigest(outcome) {
      emailDigests.inc({ outcome });
    },
    httpRequest(method, route, status) {
      httpRequests.inc({ method: KNOWN_METHODS.has(method) ? method : 'OTHER', route, status: String(status) });
    },
    rateLimited(limit) {
      rateLimited.inc({ limit });
    },
  };
}

// ---- `--workers N`: one scrape, every worker's numbers ---------------------------------------------------------

/** What a worker asks the primary, and what the primary answers (over the cluster's IPC channel). */
export type MetricsMessage =
  | { type: 'parley:metrics-request'; id: number }
  | { type: 'parley:metrics'; id: number; text: string }
  | { type: 'parley:metrics'; id: number; error: string };

// prom-client's primary gives up on a worker after 5 s; this waits a little longer for its answer
const SCRAPE_TIMEOUT_MS = 6_000;

/**
 * A scrape reaches whichever worker the connection went to: that worker asks the primary, which collects every
 * worker's registry through prom-client's AggregatorRegistry (counters and histograms summed, sockets summed) and
 * answers. Rejects when the primary does not answer in time; the route turns that into a 503.
 */
function scrapeThroughPrimary(registry: Registry): () => Promise<{ contentType: string; text: string }> {
  // what this worker hands the primary's AggregatorRegistry; constructing one installs prom-client's answer
  AggregatorRegistry.setRegistries([registry]);
  new AggregatorRegistry();
  let nextId = 0;
  return () =>
    new Promise((resolve, reject) => {
      const id = ++nextId;
      const timer = setTimeout(() => finish(new Error('the primary did not send the workers\' metrics in time')), SCRAPE_TIMEOUT_MS);
      const onMessage = (message: unknown) => {
        const answer = message as Partial<MetricsMessage> | null;
        if (answer?.type !== 'parley:metrics' || answer.id !== id) return;
        finish('text' in answer && typeof answer.text === 'string' ? answer.text : new Error(`the primary could not gather the workers' metrics: ${'error' in answer ? answer.error : 'no answer'}`));
      };
      const finish = (result: string | Error) => {
        clearTimeout(timer);
        process.off('message', onMessage);
        if (typeof result === 'string') resolve({ contentType: registry.contentType, text: result });
        else reject(result);
      };
      process.on('message', onMessage);
      process.send?.({ type: 'parley:metrics-request', id } satisfies MetricsMessage);
    });
}

/** In the primary of `--workers N`: answers each worker's metrics request with every worker's metrics, summed. */
export function answerMetricsRequests(): void {
  const aggregator = new AggregatorRegistry();
  cluster.on('message', (worker, message: unknown) => {
    const request = message as Partial<MetricsMessage> | null;
    if (request?.type !== 'parley:metrics-request' || typeof request.id !== 'number') return;
    const id = request.id;
    const reply = (answer: MetricsMessage) => {
      if (worker.isConnected()) worker.send(answer);
    };
    aggregator.clusterMetrics().then(
      (text) => reply({ type: 'parley:metrics', id, text }),
      (error: unknown) => reply({ type: 'parley:metrics', id, error: error instanceof Error ? error.message : String(error) }),
    );
  });
}
