import { useEffect, useState } from 'preact/hooks';
import type {
  WebhookDeliveriesResponse,
  WebhookDelivery,
  WebhookDeliveryResponse,
  WebhookEndpoint,
  WebhookEndpointResponse,
  WebhookEndpointsResponse,
  WebhookEventType,
} from '../../sdk/protocol';
import { WEBHOOK_EVENT_TYPES } from '../../sdk/webhooks';
import { type Failure, failureOf, siteCall } from '../api';
import { Field } from '../field';
import { fill, pick } from '../i18n';
import { webhookStrings } from '../strings/webhooks';
import type { PageProps } from './page';

/** The site's webhook endpoints (owners and admins): add, switch on and off, new secret, remove; each one's deliveries. */
export function WebhooksPage({ site }: PageProps) {
  const s = pick(webhookStrings);
  const [endpoints, setEndpoints] = useState<WebhookEndpoint[] | null>(null);
  const [failure, setFailure] = useState<Failure | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const load = () =>
    siteCall<WebhookEndpointsResponse>(site.id, 'GET', 'webhooks').then(
      (answer) => setEndpoints(answer.endpoints),
      (error: unknown) => setFailure(failureOf(error)),
    );
  useEffect(() => void load(), [site.id]);
  /** Runs a change, then shows `done` and the list as it is now, or what went wrong. */
  const run = async (change: () => Promise<unknown>, done: string) => {
    setFailure(null);
    setStatus(null);
    try {
      await change();
      setStatus(done);
      await load();
    } catch (error) {
      setFailure(failureOf(error));
    }
  };
  const path = (endpoint: WebhookEndpoint) => `webhooks/${encodeURIComponent(endpoint.id)}`;
  return (
    <>
      <AddForm siteId={site.id} onAdded={() => void load()} />
      <section class="card" aria-labelledby="endpoints-title">
        <h2 id="endpoints-title">{s.title}</h2>
        <p class="hint">{s.hint}</p>
        {failure && (
          <p class="error" role="alert">
            {failure.message}
          </p>
        )}
        <p role="status">{status}</p>
        {endpoints?.length === 0 && <p>{s.none}</p>}
        {endpoints?.map((endpoint) => (
          <article key={endpoint.id} class="endpoint" aria-label={fill(s.endpointOf, { url: endpoint.url })}>
            <h3>
              <code>{endpoint.url}</code> {endpoint.description && <span class="hint">{endpoint.description}</span>}
            </h3>
            <p>
              <strong>{endpoint.enabled ? s.enabled : s.disabled}</strong> · {endpoint.events.map((type) => s.eventNames[type]).join(', ')}
            </p>
            {endpoint.disabledReason && <p class="error">{fill(s.disabledBecause, { reason: endpoint.disabledReason })}</p>}
            {endpoint.failingSince && <p class="error">{fill(s.failingSince, { time: new Date(endpoint.failingSince).toLocaleString() })}</p>}
            <details>
              <summary>{s.showSecret}</summary>
              <p class="secret">
                {s.secret} <code>{endpoint.secret}</code>
              </p>
            </details>
            <div class="actions">
              <button
                type="button"
                class="secondary"
                onClick={() => void run(() => siteCall<WebhookEndpointResponse>(site.id, 'PATCH', path(endpoint), { enabled: !endpoint.enabled }), endpoint.enabled ? s.disabled : s.enabled)}
              >
                {endpoint.enabled ? s.disable : s.enable}
              </button>
              <button type="button" class="secondary" onClick={() => void run(() => siteCall<WebhookEndpointResponse>(site.id, 'PATCH', path(endpoint), { rotateSecret: true }), s.rotated)}>
                {s.rotate}
              </button>
              <button type="button" class="secondary" onClick={() => void run(() => siteCall<void>(site.id, 'DELETE', path(endpoint)), s.removed)}>
                {s.remove}
              </button>
            </div>
            <Deliveries siteId={site.id} endpoint={endpoint} />
          </article>
        ))}
      </section>
    </>
  );
}

/** A new endpoint: its URL, what it hears, a description. */
function AddForm({ siteId, onAdded }: { siteId: string; onAdded: () => void }) {
  const s = pick(webhookStrings);
  const [url, setUrl] = useState('');
  const [description, setDescription] = useState('');
  const [events, setEvents] = useState<WebhookEventType[]>(['message.created']);
  const [failure, setFailure] = useState<Failure | null>(null);
  const [added, setAdded] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setFailure(null);
    setAdded(false);
    try {
      await siteCall<WebhookEndpointResponse>(siteId, 'POST', 'webhooks', { url, events, ...(description ? { description } : {}) });
      setUrl('');
      setDescription('');
      setAdded(true);
      onAdded();
    } catch (error) {
      setFailure(failureOf(error));
    }
  };
  return (
    <form class="card" noValidate aria-labelledby="add-endpoint-title" onSubmit={(event) => void submit(event)}>
      <h2 id="add-endpoint-title">{s.add}</h2>
      <Field id="endpoint-url" label={s.url} type="url" value={url} onInput={setUrl} error={failure?.field === 'url' ? failure.message : undefined} />
      <Field id="endpoint-description" label={s.description} value={description} onInput={setDescription} />
      <fieldset>
        <legend>{s.events}</legend>
        {WEBHOOK_EVENT_TYPES.map((type) => (
          <div class="check" key={type}>
            <input
              id={`event-${type}`}
              type="checkbox"
              checked={events.includes(type)}
              onChange={(change) => setEvents((change.currentTarget as HTMLInputElement).checked ? [...events, type] : events.filter((each) => each !== type))}
            />
            <label for={`event-${type}`}>{s.eventNames[type]}</label>
          </div>
        ))}
      </fieldset>
      {failure && failure.field !== 'url' && (
        <p class="error" role="alert">
          {failure.message}
        </p>
      )}
      {added && <p role="status">{s.added}</p>}
      <button type="submit" class="primary">
        {s.add}
      </button>
    </form>
  );
}

/** An endpoint's deliveries, newest first, each attempt with its outcome; older pages on request; a resend each. */
function Deliveries({ siteId, endpoint }: { siteId: string; endpoint: WebhookEndpoint }) {
  const s = pick(webhookStrings);
  const [deliveries, setDeliveries] = useState<WebhookDelivery[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const base = `webhooks/${encodeURIComponent(endpoint.id)}/deliveries`;
  const page = async (before: string | null) => {
    const answer = await siteCall<WebhookDeliveriesResponse>(siteId, 'GET', before ? `${base}?before=${before}` : base);
    setDeliveries((shown) => (before ? [...shown, ...answer.deliveries] : answer.deliveries));
    setNext(answer.next);
  };
  useEffect(() => void page(null).catch((error: unknown) => setNote(failureOf(error).message)), [endpoint.id]);
  const resend = async (delivery: WebhookDelivery) => {
    try {
      const { delivery: queued } = await siteCall<WebhookDeliveryResponse>(siteId, 'POST', `${base}/${encodeURIComponent(delivery.id)}/resend`);
      setDeliveries((shown) => shown.map((each) => (each.id === queued.id ? queued : each)));
      setNote(s.resent);
    } catch (error) {
      setNote(failureOf(error).message);
    }
  };
  return (
    <details>
      <summary>{s.deliveries}</summary>
      <p role="status">{note}</p>
      {deliveries.length === 0 && <p>{s.noDeliveries}</p>}
      <ul class="deliveries">
        {deliveries.map((delivery) => (
          <li key={delivery.id}>
            <strong>{s.eventNames[delivery.type]}</strong> · {s.states[delivery.state]} · <code>{delivery.id}</code>{' '}
            <button type="button" class="secondary" onClick={() => void resend(delivery)}>
              {s.resend}
            </button>
            <ol>
              {delivery.attempts.map((attempt) => (
                <li key={attempt.id}>
                  {fill(s.attempt, {
                    time: new Date(attempt.at).toLocaleString(),
                    outcome: attempt.status === undefined ? fill(s.noAnswer, { error: attempt.error ?? '' }) : `HTTP ${attempt.status}`,
                    ms: String(attempt.durationMs),
                  })}
                  {attempt.excerpt && <code class="excerpt">{attempt.excerpt}</code>}
                </li>
              ))}
            </ol>
          </li>
        ))}
      </ul>
      {next && (
        <button type="button" class="secondary" onClick={() => void page(next)}>
          {s.older}
        </button>
      )}
    </details>
  );
}
