import { randomBytes } from 'node:crypto';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { createSite } from '../../server/db';
import type { Parley } from '../../server/main';
import { launchChromium, seriousViolations } from '../helpers/browser';
import { chatClients } from '../helpers/chat';
import { signInToConsole } from '../helpers/console';
import { startTestServerOn } from '../helpers/server';

// The console's Overview in real Chromium against the built bundle: members chat over real sockets, the owner sees
// them online and the day's count move; the chart library is a chunk only this page downloads.
let parley: Parley;
let browser: Browser;
const contexts: BrowserContext[] = [];
const clients = chatClients(() => parley);

beforeAll(async () => {
  parley = await startTestServerOn('localhost');
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  clients.closeAll();
  for (const context of contexts) await context.close();
  await browser?.close();
  await parley?.close();
});

async function consolePage(siteId: string, options: BrowserContextOptions = {}): Promise<{ page: Page; chunks: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1000, height: 800 }, ...options });
  contexts.push(context);
  await (await signInToConsole(parley, siteId, 'owner')).addTo(context);
  const page = await context.newPage();
  page.on('pageerror', (error) => {
    throw error;
  });
  const chunks: string[] = [];
  page.on('request', (request) => {
    const { pathname } = new URL(request.url());
    if (pathname.startsWith('/console/chunks/')) chunks.push(pathname);
  });
  return { page, chunks };
}

describe("a site's Overview", () => {
  it('shows who is online now and the messages of the day as they come, with the chart only on this page', async () => {
    const siteId = `ov-${randomBytes(3).toString('hex')}`;
    await createSite(parley.repositories, { id: siteId, name: 'Overview shop', allowedOrigins: [] });
    const ada = await clients.member('ada', siteId);
    await ada.room.send('first');

    const { page, chunks } = await consolePage(siteId);
    await page.goto(`${parley.url}/console/`);
    await page.getByRole('link', { name: 'Overview shop' }).waitFor();
    expect(chunks).toEqual([]);
    await page.getByRole('link', { name: 'Overview shop' }).click();
    await page.getByRole('status').filter({ hasText: '1 online now' }).waitFor();
    await page.getByText('One message in 30 days').waitFor();
    await page.locator('.chart canvas').waitFor();
    expect(chunks).toEqual([expect.stringMatching(/^\/console\/chunks\/chart-[\w-]+\.js$/)]);

    // another member comes and both write: the page reads the numbers again by itself
    const bob = await clients.member('bob', siteId);
    await bob.room.send('hello');
    await ada.room.send('again');
    await page.getByRole('status').filter({ hasText: '2 online now' }).waitFor();
    await page.getByText('3 messages in 30 days').waitFor();
    await page.getByText('The numbers').click();
    const today = new Date().toISOString().slice(0, 10);
    await page.getByRole('row', { name: `${today} 3 2` }).waitFor();
    await page.getByRole('table').filter({ hasText: 'Room' }).getByRole('row').filter({ hasText: 'General' }).filter({ hasText: '3' }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);

    const { page: dark } = await consolePage(siteId, { colorScheme: 'dark', viewport: { width: 375, height: 800 } });
    await dark.goto(`${parley.url}/console/#/sites/${siteId}/overview`);
    await dark.locator('.chart canvas').waitFor();
    expect(await seriousViolations(dark)).toEqual([]);
    expect(await dark.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
  }, 60_000);
});
