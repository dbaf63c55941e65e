import { randomBytes } from 'node:crypto';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import type { SessionResponse } from '../../sdk/protocol';
import { createSite } from '../../server/db';
import { settingsOf } from '../../server/db/sites';
import type { Parley } from '../../server/main';
import { launchChromium, seriousViolations } from '../helpers/browser';
import { signInToConsole } from '../helpers/console';
import { newAccount, startTestServerOn } from '../helpers/server';

// A site's Rooms and Settings sections in real Chromium against the built console: an admin creates and changes
// rooms and the chat rules, a moderator gets only what moderators may do, and every change lands in the database.
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

async function consolePage(siteId: string, role: 'owner' | 'admin' | 'moderator', options: BrowserContextOptions = {}): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1000, height: 800 }, ...options });
  contexts.push(context);
  await (await signInToConsole(parley, siteId, role)).addTo(context);
  const page = await context.newPage();
  page.on('pageerror', (error) => {
    throw error;
  });
  return page;
}

async function newSite() {
  const id = `site-${randomBytes(3).toString('hex')}`;
  await createSite(parley.repositories, { id, name: `Shop ${id}`, allowedOrigins: [] });
  return id;
}

describe("a site's rooms in the console", () => {
  it('lets an admin create, rename, slow, pause and archive a room, and a moderator only slow and pause it', async () => {
    const siteId = await newSite();
    const page = await consolePage(siteId, 'admin');
    await page.goto(`${parley.url}/console/#/sites/${siteId}/rooms`);
    await page.getByRole('heading', { name: 'Rooms' }).waitFor();
    await page.getByRole('row').filter({ hasText: 'general' }).waitFor();

    await page.getByLabel('Room id').fill('Bad Id');
    await page.getByLabel('Name', { exact: true }).last().fill('Lobby');
    await page.getByRole('button', { name: 'Create room' }).click();
    await page.getByText('room id').first().waitFor();
    await page.getByLabel('Room id').fill('lobby');
    await page.getByRole('button', { name: 'Create room' }).click();
    await page.getByRole('status').filter({ hasText: 'Room Lobby created.' }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);

    await page.getByRole('button', { name: 'Edit Lobby' }).click();
    const name = page.getByRole('group', { name: 'Room Lobby' }).getByLabel('Name');
    await name.and(page.locator(':focus')).waitFor();
    await name.fill('Front desk');
    await page.getByRole('button', { name: 'Rename' }).click();
    await page.getByRole('row').filter({ hasText: 'Front desk' }).waitFor();
    await page.getByLabel('Slow mode').selectOption({ label: 'one message every 30 s' });
    await page.getByRole('row').filter({ hasText: 'one message every 30 s' }).waitFor();
    await page.getByRole('button', { name: 'Pause (moderators only post)' }).click();
    await page.getByRole('button', { name: 'Resume' }).waitFor();
    await page.getByRole('button', { name: 'Archive' }).click();
    await page.getByRole('row').filter({ hasText: 'Front desk' }).filter({ hasText: 'archived' }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    expect(await parley.repositories.rooms.find(siteId, 'lobby')).toMatchObject({ name: 'Front desk', slowModeSeconds: 30, pausedAt: expect.any(Date), archivedAt: expect.any(Date) });
    const log = (await parley.repositories.moderation.list(siteId, undefined, 20)).map((entry) => entry.action);
    expect(log).toEqual(expect.arrayContaining(['room.create', 'room.rename', 'room.slow-mode', 'room.pause', 'room.archive']));

    const moderator = await consolePage(siteId, 'moderator', { colorScheme: 'dark', viewport: { width: 375, height: 800 } });
    await moderator.goto(`${parley.url}/console/#/sites/${siteId}/rooms`);
    await moderator.getByText('Admins and owners rename, archive and open rooms').waitFor();
    expect(await moderator.getByRole('button', { name: 'Create room' }).count()).toBe(0);
    await moderator.getByRole('button', { name: 'Edit Front desk' }).click();
    expect(await moderator.getByRole('button', { name: 'Rename' }).count()).toBe(0);
    expect(await moderator.getByRole('button', { name: 'Unarchive' }).count()).toBe(0);
    await moderator.getByRole('button', { name: 'Resume' }).click();
    await moderator.getByRole('button', { name: 'Pause (moderators only post)' }).waitFor();
    expect(await seriousViolations(moderator)).toEqual([]);
    // nothing wider than the phone's screen
    expect(await moderator.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
  }, 60_000);
});

describe("a site's settings in the console", () => {
  it('saves the chat rules, the word filter and the hook, and links the chat user', async () => {
    const siteId = await newSite();
    const chatUser = newAccount('owner');
    const registered = await fetch(`${parley.url}/api/sites/${siteId}/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(chatUser) });
    const { user } = (await registered.json()) as SessionResponse;
    const page = await consolePage(siteId, 'owner');
    await page.goto(`${parley.url}/console/#/sites/${siteId}/settings`);

    const rules = page.getByRole('form', { name: 'Chat rules' });
    await rules.getByLabel('Who may read and post').selectOption('guests');
    await rules.getByLabel('Lowest rank that may post links').selectOption('moderator');
    await rules.getByLabel('Hours a banned guest’s network stays banned').fill('48');
    await rules.getByLabel('Largest image a user may upload').fill('2');
    await rules.getByLabel('Reports by this many people').fill('5');
    await rules.getByLabel('Email people who are mentioned or replied to while away').uncheck();
    await rules.getByLabel('Erase messages and their images after this many days').fill('30');
    await rules.getByRole('button', { name: 'Save' }).click();
    await rules.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    const site = await parley.repositories.sites.findById(siteId);
    expect(settingsOf(site!)).toMatchObject({ access: 'guests', postingRights: { links: 'moderator' }, guestBanHours: 48, uploadMaxMB: 2, emailDigests: false, retentionDays: 30 });

    const filter = page.getByRole('form', { name: 'Word filter' });
    await filter.getByLabel('Words and phrases, one per line').fill('spam\nbuy now\nspam');
    await filter.getByLabel('When one is found').selectOption('mask');
    await filter.getByRole('button', { name: 'Save' }).click();
    await filter.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    expect(await filter.getByLabel('Words and phrases, one per line').inputValue()).toBe('spam\nbuy now');

    const hook = page.getByRole('form', { name: 'Pre-publish hook' });
    await hook.getByLabel('Hook URL (https)').fill('https://hooks.example.com/check');
    await hook.getByRole('button', { name: 'Save' }).click();
    await hook.locator('.secret code').waitFor();
    await hook.getByRole('button', { name: 'Remove the hook' }).click();
    await hook.getByRole('status').filter({ hasText: 'The hook was removed.' }).waitFor();

    const link = page.getByRole('form', { name: 'Your chat user' });
    await link.getByLabel('Chat username').fill(chatUser.username);
    await link.getByLabel('Chat password').fill('wrong password');
    await link.getByRole('button', { name: 'Link' }).click();
    await link.getByRole('alert').filter({ hasText: 'wrong username or password' }).waitFor();
    await link.getByLabel('Chat password').fill(chatUser.password);
    await link.getByRole('button', { name: 'Link' }).click();
    await link.getByText(`Linked to ${chatUser.displayName}.`).waitFor();
    expect((await parley.repositories.consoleAccounts.team(siteId))[0]?.sites).toEqual([{ siteId, role: 'owner', chatUserId: user.id }]);
    expect(await seriousViolations(page)).toEqual([]);
  }, 60_000);
});

describe('console accounts without an invite', () => {
  it('signs up where sign-up is open (the proof of work solved in the page), and sets a new password from a reset link', async () => {
    const hosted = await startTestServerOn('localhost', { CONSOLE_SIGNUP: 'open', PROOF_OF_WORK: 'on', PROOF_OF_WORK_MAX_NUMBER: '1000' });
    try {
      const context = await browser.newContext({ viewport: { width: 375, height: 760 }, colorScheme: 'dark' });
      contexts.push(context);
      const page = await context.newPage();
      await page.goto(`${hosted.url}/console/`);
      await page.getByText('Forgot your password? Ask the operator of this server for a reset link.').waitFor();
      await page.getByRole('link', { name: 'Create an account' }).click();
      const email = `new-${randomBytes(3).toString('hex')}@example.com`;
      await page.getByLabel('Email').fill(email);
      await page.getByLabel('Choose a password (at least 8 characters)').fill('a long enough password');
      expect(await seriousViolations(page)).toEqual([]);
      await page.getByRole('button', { name: 'Create an account' }).click();
      await page.getByText('No sites yet: create the first one below.').waitFor();
      expect(await hosted.repositories.consoleAccounts.findByEmail(email)).not.toBeNull();

      const account = await hosted.repositories.consoleAccounts.findByEmail(email);
      const { token } = await hosted.repositories.consoleAccounts.resetLink(account!._id);
      const other = await browser.newContext({ locale: 'es-ES' });
      contexts.push(other);
      const reset = await other.newPage();
      await reset.goto(`${hosted.url}/console/#/reset/${token}`);
      await reset.getByText(`Para ${email}.`, { exact: false }).waitFor();
      await reset.getByLabel('Elige una contraseña (al menos 8 caracteres)').fill('a new long password');
      await reset.getByRole('button', { name: 'Guardar la contraseña' }).click();
      await reset.getByRole('heading', { name: 'Tus sitios' }).waitFor();
      // the first browser's session ended with the reset
      await page.reload();
      await page.getByRole('heading', { name: 'Sign in to run your sites' }).waitFor();
    } finally {
      await hosted.close();
    }
  }, 60_000);
});
