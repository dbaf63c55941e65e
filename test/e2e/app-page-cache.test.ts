import type { Browser, BrowserContext, Page } from 'playwright-core';
import { type HostPage, serveHostPage } from '../../examples/host-page/serve';
import type { Parley } from '../../server/main';
import { launchChromium } from '../helpers/browser';
import { startTestServerOn } from '../helpers/server';

// A site owner removes a website from the allowed origins: a browser that framed the chat there and keeps the app
// page in its cache must not frame it on its next visit. Real Chromium, one context, so one HTTP cache.
let parley: Parley;
let hostPage: HostPage;
let browser: Browser;
let context: BrowserContext;

beforeAll(async () => {
  parley = await startTestServerOn('localhost');
  hostPage = await serveHostPage({ port: 0, backendUrl: parley.url });
  await parley.repositories.sites.updateOrigins('demo', { add: [new URL(hostPage.url).origin] });
  browser = await launchChromium();
  context = await browser.newContext();
}, 60_000);

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await hostPage?.close();
  await parley?.close();
});

/** Visits the host page and opens the chat; resolves with how the app page was asked for. */
async function visit(page: Page): Promise<{ ifNoneMatch: string | undefined }> {
  const appRequest = page.waitForRequest((request) => request.url().startsWith(`${parley.url}/widget/app?`));
  await page.goto(hostPage.url);
  await page.getByRole('button', { name: 'Open chat' }).click();
  const headers = await (await appRequest).allHeaders();
  return { ifNoneMatch: headers['if-none-match'] };
}

describe('the app page in the browser cache', () => {
  it('stops framing the chat on a website at its next visit once its origin is removed', async () => {
    const page = await context.newPage();
    await visit(page);
    const chat = page.frameLocator('iframe[title="Parley chat"]');
    await chat.getByRole('tab', { name: 'Create account' }).waitFor();

    // a second visit revalidates what the browser kept, and is still allowed
    expect((await visit(page)).ifNoneMatch).toMatch(/^"[A-Za-z0-9_-]{27}"$/);
    await chat.getByRole('tab', { name: 'Create account' }).waitFor();

    await parley.repositories.sites.updateOrigins('demo', { remove: [new URL(hostPage.url).origin] });
    await visit(page);
    await page.getByRole('status').filter({ hasText: 'Chat is not available on this site.' }).waitFor({ timeout: 10_000 });
    expect(await page.locator('iframe').count()).toBe(0);
  }, 30_000);
});
