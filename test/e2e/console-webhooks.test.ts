import type { Page } from 'playwright-core';
import { createChatClient } from '../../sdk';
import { seriousViolations } from '../helpers/browser';
import { waitUntil } from '../helpers/chat';
import { signInToConsole } from '../helpers/console';
import { consoleSuite } from '../helpers/console-suite';
import { newAccount } from '../helpers/server';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver';

// A site's Webhooks section in real Chromium against the built console and a real receiver on loopback: an admin
// adds an endpoint with the keyboard, sees its deliveries arrive and resends one, switches it off; a moderator has
// no such section.
const suite = consoleSuite({ HOOKS_ALLOW_PRIVATE: 'true', WEBHOOK_POLL_MS: '50' });
let receiver: WebhookReceiver;

beforeAll(async () => {
  receiver = await startWebhookReceiver();
});
afterAll(async () => {
  await receiver?.close();
});

async function consolePage(siteId: string, role: 'admin' | 'moderator', locale = 'en-US'): Promise<Page> {
  return suite.page(await signInToConsole(suite.parley(), siteId, role), { viewport: { width: 1000, height: 900 }, locale });
}

it('adds an endpoint with the keyboard, shows its deliveries, resends one and switches it off', async () => {
  const siteId = await suite.newSite('hooks');
  const page = await consolePage(siteId, 'admin');
  await page.goto(`${suite.parley().url}/console/#/sites/${siteId}/webhooks`);
  await page.getByRole('heading', { name: 'Add endpoint' }).waitFor();
  await page.getByText('No endpoints yet.').waitFor();
  expect(await seriousViolations(page)).toEqual([]);

  // keyboard only: the URL, one more event, Add
  await page.getByLabel('Endpoint URL (https)').focus();
  await page.keyboard.type(receiver.url);
  await page.keyboard.press('Tab');
  await page.keyboard.type('CRM');
  await page.getByLabel('New user').focus();
  await page.keyboard.press('Space');
  await page.getByRole('button', { name: 'Add endpoint' }).focus();
  await page.keyboard.press('Enter');
  const endpoint = page.getByRole('article', { name: `Endpoint ${receiver.url}` });
  await endpoint.waitFor();
  await endpoint.getByText('Message sent, New user').waitFor();

  // a new member and their message: both arrive, and the log says so
  const member = suite.track(createChatClient({ baseUrl: suite.parley().url, site: siteId }));
  await member.register(newAccount('buyer'));
  await (await member.join('general')).send('Is the blue mug back in stock?');
  const ofSite = () => receiver.received.filter((request) => request.event.site === siteId);
  await waitUntil(() => ofSite().length === 2, 30_000);
  expect(ofSite().map((request) => request.event.type).sort()).toEqual(['message.created', 'user.registered']);
  await page.reload();
  await endpoint.getByText('Recent deliveries').click();
  const log = endpoint.getByRole('listitem').filter({ hasText: 'Message sent' });
  await log.getByText('Delivered').waitFor();
  await log.getByText(/HTTP 200 in \d+ ms/).waitFor();
  expect(await seriousViolations(page)).toEqual([]);

  await log.getByRole('button', { name: 'Resend' }).click();
  await endpoint.getByText('Queued to be sent again.').waitFor();
  await waitUntil(() => ofSite().length === 3, 30_000);
  expect(ofSite()[2]!.event.type).toBe('message.created');

  // the secret, shown on request, is the one deliveries are signed with
  await endpoint.getByText('Show the signing secret').click();
  const secret = await endpoint.locator('.secret code').textContent();
  const [stored] = await suite.parley().repositories.webhooks.listEndpoints(siteId);
  expect(secret).toBe(stored!.secret);

  await endpoint.getByRole('button', { name: 'Disable' }).click();
  await endpoint.getByText('Disabled', { exact: true }).waitFor();
  expect((await suite.parley().repositories.webhooks.listEndpoints(siteId))[0]!.enabled).toBe(false);
  await endpoint.getByRole('button', { name: 'Remove' }).click();
  await page.getByText('No endpoints yet.').waitFor();
  expect(await suite.parley().repositories.webhooks.listEndpoints(siteId)).toEqual([]);
});

it('is not a section for moderators, and speaks the owner’s language', async () => {
  const siteId = await suite.newSite('hooks');
  const moderator = await consolePage(siteId, 'moderator');
  await moderator.goto(`${suite.parley().url}/console/#/sites/${siteId}/overview`);
  await moderator.getByRole('navigation').getByRole('link', { name: 'Moderation' }).waitFor();
  expect(await moderator.getByRole('link', { name: 'Webhooks' }).count()).toBe(0);

  for (const [locale, tab, add] of [
    ['es-ES', 'Webhooks', 'Añadir endpoint'],
    ['zh-CN', '网络钩子', '添加端点'],
  ] as const) {
    const page = await consolePage(siteId, 'admin', locale);
    await page.goto(`${suite.parley().url}/console/#/sites/${siteId}/overview`);
    await page.getByRole('link', { name: tab }).click();
    await page.getByRole('heading', { name: add }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
  }
});
