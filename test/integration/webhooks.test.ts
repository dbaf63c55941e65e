import { randomBytes } from 'node:crypto';
import { ChatError, type WebhookEndpoint } from '../../sdk';
import type { WebhookEventType } from '../../sdk/protocol';
import { createSite } from '../../server/db';
import type { Parley } from '../../server/start-up';
import { verify } from '../../server/signing';
import { chatClients, waitUntil } from '../helpers/chat';
import { startTestServer } from '../helpers/server';
import { type Received, startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver';

// Outbound webhooks against a real receiver on loopback (node:http) that answers as each test says: 200, 500, too
// slowly, not at all. The server is real, with short waits between retries (WEBHOOK_RETRY_FIRST_MS) so a test sees
// several attempts; nothing is mocked.
let parley: Parley;
let receiver: WebhookReceiver;
const clients = chatClients(() => parley);
const WAIT_MS = 30_000;

beforeAll(async () => {
  parley = await startTestServer({
    HOOKS_ALLOW_PRIVATE: 'true',
    WEBHOOK_RETRY_FIRST_MS: '50',
    WEBHOOK_POLL_MS: '50',
    WEBHOOK_TIMEOUT_MS: '1000',
    WEBHOOK_MAX_IN_FLIGHT: '2',
  });
  receiver = await startWebhookReceiver();
});
afterEach(() => {
  clients.closeAll();
  receiver.answer(() => ({ status: 200 }));
  receiver.release();
});
afterAll(async () => {
  await parley.close();
  await receiver.close();
});

/** A site of its own, its admin (in `general`) and an endpoint for `events` at the receiver. */
async function siteWithEndpoint(events: WebhookEventType[] = ['message.created']) {
  const site = `w-${randomBytes(4).toString('hex')}`;
  await createSite(parley.repositories, { id: site, name: 'Hooked', allowedOrigins: [] });
  const admin = await clients.admin('owner', site);
  const endpoint = await admin.chat.addWebhook({ url: receiver.url, events, description: 'our CRM' });
  return { site, admin, endpoint };
}

const of = (site: string) => receiver.received.filter((request) => request.event.site === site);
const signed = (endpoint: WebhookEndpoint, request: Received) => verify(endpoint.secret, request.headers['parley-signature'] as string | undefined, request.body);

describe('webhook endpoints', () => {
  it('are added, listed, changed and removed by admins, with typed refusals', async () => {
    const { site, admin, endpoint } = await siteWithEndpoint(['message.created', 'reaction.changed']);
    expect(endpoint).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{24}$/),
      url: receiver.url,
      events: ['message.created', 'reaction.changed'],
      description: 'our CRM',
      enabled: true,
      secret: expect.stringMatching(/^whsec_[\w-]{32}$/),
      createdAt: expect.any(String),
    });
    expect(await admin.chat.webhooks()).toEqual([endpoint]);
    const rotated = await admin.chat.updateWebhook(endpoint.id, { events: ['user.registered'], enabled: false, rotateSecret: true });
    expect(rotated).toMatchObject({ events: ['user.registered'], enabled: false });
    expect(rotated.secret).not.toBe(endpoint.secret);

    const refused = async (promise: Promise<unknown>) => promise.then(() => null, (error: unknown) => error as ChatError);
    expect(await refused(admin.chat.addWebhook({ url: 'ftp://example.com/x', events: ['message.created'] }))).toMatchObject({ code: 'invalid_input', field: 'url' });
    expect(await refused(admin.chat.addWebhook({ url: receiver.url, events: [] }))).toMatchObject({ code: 'invalid_input', field: 'events' });
    expect(await refused(admin.chat.addWebhook({ url: receiver.url, events: ['message.exploded' as WebhookEventType] }))).toMatchObject({ code: 'invalid_input', field: 'events.0' });
    expect(await refused(admin.chat.updateWebhook(endpoint.id, {}))).toMatchObject({ code: 'invalid_input' });
    expect(await refused(admin.chat.updateWebhook('0123456789abcdef01234567', { enabled: true }))).toMatchObject({ code: 'not_found' });
    // a member is not an admin; another site's admin does not see this site's endpoints
    const member = await clients.member('member', site);
    expect(await refused(member.chat.webhooks())).toMatchObject({ code: 'forbidden' });
    const other = await siteWithEndpoint();
    expect(await refused(other.admin.chat.removeWebhook(endpoint.id))).toMatchObject({ code: 'not_found' });
    // at most ten a site
    for (let i = 1; i < 10; i++) await admin.chat.addWebhook({ url: `${receiver.url}&n=${i}`, events: ['message.created'] });
    expect(await refused(admin.chat.addWebhook({ url: receiver.url, events: ['message.created'] }))).toMatchObject({ code: 'conflict' });

    await admin.chat.removeWebhook(endpoint.id);
    expect((await admin.chat.webhooks()).map((each) => each.id)).not.toContain(endpoint.id);
    // each change is in the moderation log, without the URL's query string (receivers put tokens there)
    const log = (await admin.chat.moderationLog()).filter((entry) => entry.action === 'site.webhook');
    expect(log.map((entry) => entry.reason)[log.length - 1]).toBe(`added ${receiver.url.split('?')[0]} (message.created, reaction.changed)`);
    expect(log.some((entry) => entry.reason?.includes('secret-in-query'))).toBe(false);
  });
});

describe('delivering an event', () => {
  it('POSTs it signed, once, with its delivery and attempt ids, and logs the answer', async () => {
    const { site, admin, endpoint } = await siteWithEndpoint();
    const sent = await admin.room.send('hello, hooks');
    await waitUntil(() => of(site).length === 1, WAIT_MS);
    const [request] = of(site);
    expect(signed(endpoint, request!)).toBe(true);
    expect(request!.headers['parley-event']).toBe('message.created');
    expect(request!.headers['content-type']).toBe('application/json');
    expect(request!.event).toEqual({ id: expect.stringMatching(/^[0-9a-f]{24}$/), type: 'message.created', site, createdAt: expect.any(String), data: { message: sent } });
    // the secret is not in what is sent
    expect(request!.body.includes(endpoint.secret)).toBe(false);

    let deliveries = (await admin.chat.webhookDeliveries(endpoint.id)).deliveries;
    for (const deadline = Date.now() + WAIT_MS; deliveries[0]?.state !== 'delivered' && Date.now() < deadline; ) deliveries = (await admin.chat.webhookDeliveries(endpoint.id)).deliveries;
    expect(deliveries).toEqual([
      {
        id: request!.delivery,
        eventId: request!.event.id,
        type: 'message.created',
        state: 'delivered',
        createdAt: expect.any(String),
        attempts: [{ id: request!.attempt, at: expect.any(String), durationMs: expect.any(Number), status: 200, excerpt: 'answered 200' }],
        body: request!.body,
      },
    ]);
  });

  it('retries a failing receiver with growing waits until it answers, with a new attempt id each time', async () => {
    const { site, admin, endpoint } = await siteWithEndpoint();
    // 500, then no answer in time, then a dropped connection, then 200
    receiver.answer((request) => {
      const tries = of(request.event.site).length;
      return tries === 1 ? { status: 500, body: 'database down' } : tries === 2 ? { status: 200, delayMs: 3_000 } : tries === 3 ? 'drop' : { status: 204 };
    });
    await admin.room.send('try, try again');
    await waitUntil(() => of(site).length === 4, WAIT_MS);
    const requests = of(site);
    expect(new Set(requests.map((request) => request.delivery)).size).toBe(1);
    expect(new Set(requests.map((request) => request.attempt)).size).toBe(4);
    expect(requests.every((request) => request.body === requests[0]!.body && signed(endpoint, request))).toBe(true);

    let delivery = (await admin.chat.webhookDeliveries(endpoint.id)).deliveries[0]!;
    for (const deadline = Date.now() + WAIT_MS; delivery.state !== 'delivered' && Date.now() < deadline; ) delivery = (await admin.chat.webhookDeliveries(endpoint.id)).deliveries[0]!;
    expect(delivery.state).toBe('delivered');
    expect(delivery.attempts.map(({ status, error, excerpt }) => ({ status, error, excerpt }))).toEqual([
      { status: 500, error: undefined, excerpt: 'database down' },
      { status: undefined, error: 'no answer within 1000 ms', excerpt: undefined },
      { status: undefined, error: 'socket hang up', excerpt: undefined },
      { status: 204, error: undefined, excerpt: undefined },
    ]);
    // each retry waited longer than the one before (50 ms, 100 ms, 200 ms, give or take a tenth)
    const gaps = delivery.attempts.slice(1).map((attempt, i) => Date.parse(attempt.at) - (Date.parse(delivery.attempts[i]!.at) + delivery.attempts[i]!.durationMs));
    expect(gaps.every((gap, i) => gap >= 45 * 2 ** i)).toBe(true);
    // the endpoint failed, then answered: it is not failing any more
    expect((await admin.chat.webhooks())[0]!.failingSince).toBeUndefined();
  });

  it('sends at most WEBHOOK_MAX_IN_FLIGHT requests to one endpoint at once, and all of them in the end', async () => {
    const { site, admin } = await siteWithEndpoint();
    receiver.answer(() => 'hang');
    for (let i = 0; i < 6; i++) await admin.room.send(`burst ${i}`);
    await waitUntil(() => receiver.hanging() === 2, WAIT_MS);
    // the others wait while two are held; however often the queue is read, no third goes out
    for (let looks = 0; looks < 10; looks++) {
      await parley.webhooks.nextLook();
      expect(of(site).length).toBe(2);
    }
    receiver.answer(() => ({ status: 200 }));
    receiver.release();
    await waitUntil(() => new Set(of(site).map((request) => request.delivery)).size === 6, WAIT_MS);
    const texts = of(site).map((request) => (request.event.type === 'message.created' ? request.event.data.message.text : ''));
    expect(new Set(texts)).toEqual(new Set(['burst 0', 'burst 1', 'burst 2', 'burst 3', 'burst 4', 'burst 5']));
  });

  it('resends a delivery on request, with the same delivery id and a new attempt', async () => {
    const { site, admin, endpoint } = await siteWithEndpoint();
    await admin.room.send('once more, please');
    await waitUntil(() => of(site).length === 1, WAIT_MS);
    const [first] = of(site);
    const resent = await admin.chat.resendWebhookDelivery(endpoint.id, first!.delivery);
    expect(resent).toMatchObject({ id: first!.delivery, state: 'pending' });
    await waitUntil(() => of(site).length === 2, WAIT_MS);
    const second = of(site)[1]!;
    expect(second.delivery).toBe(first!.delivery);
    expect(second.attempt).not.toBe(first!.attempt);
    await expect(admin.chat.resendWebhookDelivery(endpoint.id, `${endpoint.id}:9999999999`)).rejects.toMatchObject({ code: 'not_found' });
  });
});

describe('the events', () => {
  it('tells of messages created, edited and deleted, reactions, new users, reports and moderation', async () => {
    const all: WebhookEventType[] = ['message.created', 'message.updated', 'message.deleted', 'reaction.changed', 'user.registered', 'moderation.action', 'report.created'];
    const { site, admin } = await siteWithEndpoint(all);
    const member = await clients.member('bea', site);
    const message = await member.room.send('first draft');
    await member.room.edit(message.seq, 'second draft');
    await admin.room.react(message.seq, '👍');
    await admin.room.report(message.seq, { reason: 'spam' });
    await admin.room.delete(message.seq);
    // the endpoint's own creation is a moderation action too (site.webhook), which it hears
    await waitUntil(() => of(site).length >= 8, WAIT_MS);
    const events = of(site).map((request) => request.event);
    expect(events.map((event) => event.type).sort()).toEqual(['message.created', 'message.deleted', 'message.updated', 'moderation.action', 'moderation.action', 'reaction.changed', 'report.created', 'user.registered']);
    const find = <T extends WebhookEventType>(type: T) => events.find((event) => event.type === type) as Extract<(typeof events)[number], { type: T }>;
    expect(find('user.registered').data.user).toEqual({ id: member.user.id, username: member.user.username, displayName: member.user.displayName, role: 'member' });
    expect(find('message.updated').data.message.text).toBe('second draft');
    expect(find('reaction.changed').data).toMatchObject({ seq: message.seq, emoji: '👍', added: true, user: { id: admin.user.id } });
    expect(find('report.created').data).toMatchObject({ seq: message.seq, report: { reason: 'spam', reporter: { id: admin.user.id } }, reports: 1 });
    expect(find('message.deleted').data.message).toMatchObject({ seq: message.seq, text: '', deletedAt: expect.any(String) });
    const actions = events.flatMap((event) => (event.type === 'moderation.action' ? [event.data.action] : []));
    expect(actions.map((action) => action.action).sort()).toEqual(['message.delete', 'site.webhook']);
    expect(actions.find((action) => action.action === 'message.delete')).toMatchObject({ seq: message.seq, targetUserId: member.user.id, actor: { id: admin.user.id } });
  });
});

describe('an endpoint that keeps failing', () => {
  let short: Parley;
  beforeAll(async () => {
    // a retry window of one second: the day's behaviour, in a second
    short = await startTestServer({ HOOKS_ALLOW_PRIVATE: 'true', WEBHOOK_RETRY_FIRST_MS: '50', WEBHOOK_POLL_MS: '50', WEBHOOK_RETRY_WINDOW_S: '1', WEBHOOK_TIMEOUT_MS: '1000' });
  });
  afterAll(async () => {
    await short.close();
  });

  it('is disabled after the retry window with the reason kept, its delivery failed; enabled again, a resend arrives', async () => {
    const site = `w-${randomBytes(4).toString('hex')}`;
    await createSite(short.repositories, { id: site, name: 'Failing', allowedOrigins: [] });
    const local = chatClients(() => short);
    const admin = await local.admin('owner', site);
    const endpoint = await admin.chat.addWebhook({ url: receiver.url, events: ['message.created'] });
    receiver.answer((request) => (request.event.site === site ? { status: 503, body: 'maintenance' } : { status: 200 }));
    await admin.room.send('into the void');
    let [current] = await admin.chat.webhooks();
    for (const deadline = Date.now() + WAIT_MS; current!.enabled && Date.now() < deadline; ) [current] = await admin.chat.webhooks();
    expect(current).toMatchObject({ enabled: false, disabledReason: expect.stringMatching(/^every attempt failed since .+; the last one was answered 503$/) });
    let [delivery] = (await admin.chat.webhookDeliveries(endpoint.id)).deliveries;
    for (const deadline = Date.now() + WAIT_MS; delivery!.state === 'pending' && Date.now() < deadline; ) [delivery] = (await admin.chat.webhookDeliveries(endpoint.id)).deliveries;
    expect(delivery!.state).toBe('failed');
    expect(delivery!.attempts.length).toBeGreaterThan(1);

    // nothing more is sent while it is disabled
    const before = of(site).length;
    await admin.room.send('nobody listens');
    receiver.answer(() => ({ status: 200 }));
    const enabled = await admin.chat.updateWebhook(endpoint.id, { enabled: true });
    expect(enabled.disabledReason).toBeUndefined();
    expect(of(site).length).toBe(before);
    await admin.chat.resendWebhookDelivery(endpoint.id, delivery!.id);
    await waitUntil(() => of(site).some((request, i) => i >= before && request.delivery === delivery!.id), WAIT_MS);
    local.closeAll();
  });
});
