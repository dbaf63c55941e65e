import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import type { Message } from '../../sdk/protocol';
import { createSite } from '../../server/db';
import type { NewMessage } from '../../server/db/messages';
import type { Parley } from '../../server/main';
import { launchChromium, seriousViolations } from '../helpers/browser';
import { type ConsoleSignIn, signInToConsole } from '../helpers/console';
import { startTestServerOn } from '../helpers/server';

// The console's Moderation and Transcripts sections in real Chromium against the built bundle: the log filtered by
// action, a report resolved by deleting its message, a day read page by page, an export downloaded; axe in light
// and dark; a phone's width.
let parley: Parley;
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  parley = await startTestServerOn('localhost');
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  for (const context of contexts) await context.close();
  await browser?.close();
  await parley?.close();
});

const DAY = '2026-03-10';
const COUNT = 60;

async function consolePage(staff: ConsoleSignIn, options: BrowserContextOptions = {}): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1000, height: 800 }, acceptDownloads: true, ...options });
  contexts.push(context);
  await staff.addTo(context);
  const page = await context.newPage();
  page.on('pageerror', (error) => {
    throw error;
  });
  return page;
}

/** A site whose general room holds COUNT messages on DAY, one of them reported; a console moderator. */
async function siteWithHistory() {
  const siteId = `rec-${randomBytes(3).toString('hex')}`;
  await createSite(parley.repositories, { id: siteId, name: `Records ${siteId}`, allowedOrigins: [] });
  const moderator = await signInToConsole(parley, siteId, 'moderator');
  const users = await Promise.all(
    ['Ann Author', 'Rae Reporter'].map(async (displayName, i) => {
      const user = await parley.repositories.users.insert({ siteId, username: `user${i}`, displayName, passwordHash: 'not a hash' });
      return { id: user._id.toHexString(), displayName };
    }),
  );
  const start = Date.parse(`${DAY}T08:00:00Z`);
  const messages: NewMessage[] = Array.from({ length: COUNT }, (_, i) => ({
    siteId,
    roomId: 'general',
    seq: i + 1,
    author: users[0]!,
    text: i === 6 ? 'buy cheap pills at spam.example' : `line ${i + 1}, "quoted" and all`,
    clientMsgId: `seed-${i + 1}-abcdefgh`,
    createdAt: new Date(start + i * 60_000),
  }));
  await parley.repositories.messages.insertMany(messages);
  await parley.repositories.rooms.repairSeq(siteId, 'general', COUNT);
  await parley.repositories.reports.add({ siteId, roomId: 'general', seq: 7, reporter: users[1]!, reason: 'spam', details: 'a link to pills' });
  return { siteId, moderator, author: users[0]! };
}

describe('the console: Moderation and Transcripts', () => {
  it('resolves a report by deleting the message, then filters the log by action', async () => {
    const { siteId, moderator, author } = await siteWithHistory();
    const page = await consolePage(moderator);
    await page.goto(`${parley.url}/console/#/sites/${siteId}/moderation`);
    await page.getByRole('heading', { name: 'Reports' }).waitFor();
    const report = page.getByRole('listitem').filter({ hasText: 'buy cheap pills at spam.example' });
    await report.getByText('spam, by Rae Reporter: a link to pills').waitFor();
    expect(await seriousViolations(page)).toEqual([]);

    await report.getByRole('button', { name: 'Delete the message' }).click();
    await page.getByRole('status').filter({ hasText: 'The message by Ann Author was deleted.' }).waitFor();
    await page.getByText('No open reports.').waitFor();
    expect(await parley.repositories.messages.findBySeq(siteId, 'general', 7)).toMatchObject({ text: '', deletedAt: expect.any(Date) });

    // something else in the log, then only the deletes
    await moderator.call('GET', `/api/sites/${siteId}/rooms/general/export?from=${DAY}&to=${DAY}&format=json`);
    await page.reload();
    const log = page.getByRole('table', { name: 'Moderation log' });
    await log.getByRole('row').filter({ hasText: 'transcript exported' }).waitFor();
    await page.getByLabel('Action').selectOption({ label: 'message deleted' });
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByRole('status').filter({ hasText: '1 entry shown.' }).waitFor();
    const row = log.getByRole('row').filter({ hasText: 'message deleted' });
    await row.filter({ hasText: 'message #7' }).filter({ hasText: author.id }).filter({ hasText: `console:${moderator.accountId}` }).waitFor();
    expect(await log.getByRole('row').filter({ hasText: 'transcript exported' }).count()).toBe(0);

    // by moderator id, from the keyboard
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await page.getByRole('status').filter({ hasText: '2 entries shown.' }).waitFor();
    await page.getByLabel('Moderator id').fill('console:0123456789abcdef01234567');
    await page.keyboard.press('Enter');
    await page.getByRole('status').filter({ hasText: 'No entries.' }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
  }, 60_000);

  it('reads a day page by page, deletes a message there, and downloads the export', async () => {
    const { siteId, moderator } = await siteWithHistory();
    const page = await consolePage(moderator);
    await page.goto(`${parley.url}/console/#/sites/${siteId}/transcripts`);
    await page.getByRole('heading', { name: 'Read a room' }).waitFor();
    // today (UTC) by default
    expect(await page.getByLabel('Day (UTC)').inputValue()).toBe(new Date().toISOString().slice(0, 10));
    await page.getByLabel('Day (UTC)').fill(DAY);
    await page.getByRole('button', { name: 'Read', exact: true }).click();
    await page.getByRole('status').filter({ hasText: `Page 1 of ${DAY} in General: 50 messages.` }).waitFor();
    const list = page.getByRole('list', { name: `Messages of ${DAY} in General` });
    await list.getByText('line 1, "quoted" and all', { exact: true }).waitFor();
    expect(await list.getByRole('listitem').count()).toBe(50);
    expect(await seriousViolations(page)).toEqual([]);

    await page.getByRole('button', { name: 'Next page' }).click();
    await page.getByRole('status').filter({ hasText: `Page 2 of ${DAY} in General: 10 messages.` }).waitFor();
    // the new page's heading has the focus
    await page.getByRole('heading', { name: `Messages of ${DAY} in General` }).and(page.locator(':focus')).waitFor();
    expect(await list.getByRole('listitem').count()).toBe(10);
    await list.getByText('line 60, "quoted" and all', { exact: true }).waitFor();
    expect(await page.getByRole('button', { name: 'Next page' }).count()).toBe(0);

    await page.getByRole('button', { name: 'Delete message #55 by Ann Author' }).click();
    await page.getByRole('status').filter({ hasText: 'Message #55 by Ann Author was deleted.' }).waitFor();
    await list.getByRole('listitem').filter({ hasText: '#55' }).getByText('Deleted').waitFor();
    expect((await parley.repositories.messages.findBySeq(siteId, 'general', 55))?.deletedAt).toBeDefined();

    // the export: a plain link the browser downloads with the console cookie
    await page.getByLabel('From (UTC)').fill(DAY);
    await page.getByLabel('To (UTC)').fill(DAY);
    await page.getByLabel('Format').selectOption('json');
    const name = `${siteId}-general-${DAY}-${DAY}.json`;
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: `Download ${name}` }).click()]);
    expect(download.suggestedFilename()).toBe(name);
    const exported = JSON.parse(await readFile((await download.path())!, 'utf8')) as Message[];
    expect(exported.map((message) => message.seq)).toEqual(Array.from({ length: COUNT }, (_, k) => k + 1));
    expect(exported[0]!.text).toBe('line 1, "quoted" and all');
    expect(exported[54]).toMatchObject({ seq: 55, text: '', deletedAt: expect.any(String) });

    await page.getByLabel('Format').selectOption('csv');
    const [csv] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: /^Download .*\.csv$/ }).click()]);
    const text = await readFile((await csv.path())!, 'utf8');
    expect(text.startsWith('seq,time,author id,author name,text,edited,deleted\r\n')).toBe(true);
    expect(text).toContain('"line 1, ""quoted"" and all"');

    // a backwards range is told, not downloaded
    await page.getByLabel('To (UTC)').fill('2026-03-01');
    await page.getByRole('alert').filter({ hasText: '"To" must be the same day as "From" or later.' }).waitFor();
    expect(await page.getByRole('link', { name: /^Download/ }).count()).toBe(0);
  }, 60_000);

  it('passes axe in dark mode and fits 375 px wide, in both sections', async () => {
    const { siteId, moderator } = await siteWithHistory();
    await moderator.call('DELETE', `/api/sites/${siteId}/rooms/general/messages/3`);
    for (const colorScheme of ['dark', 'light'] as const) {
      const page = await consolePage(moderator, { colorScheme, viewport: { width: 375, height: 740 } });
      await page.goto(`${parley.url}/console/#/sites/${siteId}/moderation`);
      await page.getByRole('table', { name: 'Moderation log' }).getByRole('row').filter({ hasText: 'message deleted' }).waitFor();
      await page.getByText('buy cheap pills at spam.example').waitFor();
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
      expect(await seriousViolations(page)).toEqual([]);

      await page.goto(`${parley.url}/console/#/sites/${siteId}/transcripts`);
      await page.getByLabel('Day (UTC)').fill(DAY);
      await page.getByRole('button', { name: 'Read', exact: true }).click();
      await page.getByRole('status').filter({ hasText: 'Page 1 of' }).waitFor();
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
      expect(await seriousViolations(page)).toEqual([]);
    }
  }, 90_000);
});
