import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { Parley } from '../../server/main';
import { launchChromium, registerIn, seriousViolations } from '../helpers/browser';
import { type HostPages, serveHostPages } from '../helpers/host-pages';
import { newAccount, startTestServerOn } from '../helpers/server';

// The console from start to end, as a site owner lives it: the operator's invite link (printed by the real CLI),
// a password, a new site `acme` for a second website, its snippet copied from the Install page into that website's
// page, a visitor chatting there, the owner watching them online and the count move, banning them (their widget
// says so), and exporting the transcript. Real Chromium, the built bundle, the real database.
const run = promisify(execFile);
const database = `test-story-${randomBytes(4).toString('hex')}`;
const shots = process.env.UPDATE_DOCS_SCREENSHOT === '1' ? 'docs' : path.join('test', 'e2e', 'artifacts');
let parley: Parley;
let pages: HostPages;
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  parley = await startTestServerOn('localhost', { MONGODB_DB: database });
  pages = await serveHostPages(parley.url);
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  for (const context of contexts) await context.close();
  await browser?.close();
  await pages?.close();
  await parley?.close();
});

/** `npm run site -- …` as the operator runs it, against this server's database. */
async function operator(...args: string[]): Promise<string> {
  const { stdout } = await run('npx', ['tsx', 'scripts/site.ts', ...args], {
    env: { ...process.env, MONGODB_URI: process.env.PARLEY_TEST_MONGODB_URI ?? '', MONGODB_DB: database, PUBLIC_URL: parley.url },
  });
  return stdout;
}

async function newPage(width = 1100): Promise<Page> {
  const context = await browser.newContext({ viewport: { width, height: 800 } });
  contexts.push(context);
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: parley.url });
  const page = await context.newPage();
  page.on('pageerror', (error) => {
    throw error;
  });
  return page;
}

describe('the console, from the invite to the transcript', () => {
  it('takes a new owner through setting up a site, watching a visitor chat, banning them and exporting the transcript', async () => {
    // the operator: a first site for the customer, and its owner's invite link
    await operator('add', 'welcome', '--name', 'Welcome');
    const printed = await operator('owner', 'welcome', 'boss@acme.example');
    const link = /^(http\S+\/console\/#\/invite\/[\w-]{43})$/m.exec(printed)?.[1];
    expect(link).toBeDefined();

    // the owner: a password, then a site for the second website
    const owner = await newPage();
    await owner.goto(link!);
    await owner.getByLabel('Choose a password (at least 8 characters)').fill('the owner’s long password');
    await owner.getByRole('button', { name: 'Accept the invitation' }).click();
    await owner.getByRole('heading', { name: 'Your sites' }).waitFor();
    const shop = pages.add({ 'index.html': '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Acme</title></head><body><h1>Acme</h1></body></html>' });
    await owner.getByLabel('Site id').fill('acme');
    await owner.getByLabel('Name', { exact: true }).fill('Acme');
    await owner.getByLabel('First allowed origin').fill(pages.origin);
    await owner.getByRole('button', { name: 'Create site' }).click();
    await owner.getByRole('link', { name: 'Acme' }).click();

    // Install: the snippet, copied, goes into the second website's page
    const sections = owner.getByRole('navigation', { name: 'Sections of Acme' });
    await sections.getByRole('link', { name: 'Install' }).click();
    const snippet = await copySnippet(owner);
    expect(snippet).toContain('data-site="acme"');
    expect(await seriousViolations(owner)).toEqual([]);
    await screenshot(owner, 'console-install.png');
    const website = pages.add({ 'index.html': `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Acme</title></head><body><h1>Acme</h1>${snippet}</body></html>` });
    expect(website).not.toBe(shop);

    // a visitor chats there
    const visitor = await newPage();
    await visitor.goto(website);
    await visitor.getByRole('button', { name: 'Open chat' }).click();
    const chat = visitor.frameLocator('iframe[title="Parley chat"]');
    const account = { ...newAccount('visitor'), displayName: 'Vera Visitor' };
    await registerIn(chat, account);
    await chat.getByRole('textbox', { name: 'Message' }).fill('Hello from the Acme page');
    await chat.getByRole('textbox', { name: 'Message' }).press('Enter');
    await chat.getByRole('log').getByText('Hello from the Acme page').waitFor();

    // the owner sees them online and the count move
    await sections.getByRole('link', { name: 'Overview' }).click();
    await owner.getByRole('status').filter({ hasText: '1 online now' }).waitFor();
    await owner.getByText('One message in 30 days').waitFor();
    await chat.getByRole('textbox', { name: 'Message' }).fill('Do you ship to Lisbon?');
    await chat.getByRole('textbox', { name: 'Message' }).press('Enter');
    await owner.getByText('2 messages in 30 days').waitFor();
    await owner.locator('.chart canvas').waitFor();
    expect(await seriousViolations(owner)).toEqual([]);
    await screenshot(owner, 'console-overview.png');

    // bans the visitor, whose widget says so
    await sections.getByRole('link', { name: 'People' }).click();
    await owner.getByLabel('Search by name or username').fill('vera');
    await owner.getByRole('button', { name: 'Vera Visitor' }).click();
    const person = owner.locator('#person');
    await person.getByText('Do you ship to Lisbon?').waitFor();
    await person.getByLabel('Reason (kept in the moderation log)').fill('testing the ban');
    await person.getByRole('button', { name: 'Ban', exact: true }).click();
    await person.getByRole('status').filter({ hasText: 'Vera Visitor is banned' }).waitFor();
    await chat.getByText('You are banned from this site.').waitFor();

    // the moderation log has it, with the reason
    await sections.getByRole('link', { name: 'Moderation' }).click();
    await owner.getByRole('row').filter({ hasText: 'testing the ban' }).waitFor();
    expect(await seriousViolations(owner)).toEqual([]);
    await screenshot(owner, 'console-moderation.png');

    // and the transcript, exported, holds the messages
    await sections.getByRole('link', { name: 'Transcripts' }).click();
    const file = await exportTranscript(owner);
    expect(file).toContain('Hello from the Acme page');
    expect(file).toContain('Do you ship to Lisbon?');
    expect(file).toContain('Vera Visitor');
  }, 120_000);
});

/** The Install page's snippet, through its Copy button and the clipboard, as an owner copies it. */
async function copySnippet(page: Page): Promise<string> {
  await page.getByRole('button', { name: 'Copy the snippet' }).click();
  await page.getByRole('status').filter({ hasText: 'Copied' }).first().waitFor();
  return page.evaluate(() => navigator.clipboard.readText());
}

/** Today's transcript of `general` as JSON, through the Transcripts page's export link. */
async function exportTranscript(page: Page): Promise<string> {
  const download = page.waitForEvent('download');
  await page.getByRole('link', { name: /Export|Download/ }).first().click();
  const saved = await (await download).path();
  return readFile(saved, 'utf8');
}

async function screenshot(page: Page, file: string): Promise<void> {
  await mkdir(shots, { recursive: true });
  await page.screenshot({ path: path.join(shots, file), fullPage: false });
}
