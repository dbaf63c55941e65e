import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { createChatClient, type DataExport, type StatusReason } from '../../sdk';
import { seriousViolations } from '../helpers/browser';
import { waitUntil } from '../helpers/chat';
import { signInToConsole } from '../helpers/console';
import { consoleSuite } from '../helpers/console-suite';
import { newAccount } from '../helpers/server';

// The console's People section in real Chromium against the built bundle: find a chat user, read their messages,
// change their rank, mute them in a room, ban them with a reason (their socket ends) and unban them; what a
// moderator sees; axe in light and dark; a phone's width.
const suite = consoleSuite();
const consolePage = suite.page;

/** A site with a second room, and a chat member who said something in each. */
async function siteWithChatter() {
  const siteId = await suite.newSite('shop');
  const owner = await signInToConsole(suite.parley(), siteId, 'owner');
  expect((await owner.call('POST', `/api/sites/${siteId}/rooms`, { id: 'side', name: 'Side room' })).status).toBe(201);
  const chat = suite.track(createChatClient({ baseUrl: suite.parley().url, site: siteId }));
  const reasons: Array<StatusReason | undefined> = [];
  chat.on('status', (_, reason) => reasons.push(reason));
  const user = await chat.register({ ...newAccount('zq'), displayName: 'Zoé Quintana' });
  await (await chat.join('general')).send('hello from Zoé');
  await (await chat.join('side')).send('a word on the side');
  return { siteId, owner, user, reasons };
}

/** Opens People and the user found by `text`, from the keyboard: type, Tab to the first result, Enter. */
async function openPerson(page: Page, siteId: string, text: string, name: string) {
  await page.goto(`${suite.parley().url}/console/#/sites/${siteId}/people`);
  await page.getByRole('heading', { name: 'People', exact: true }).waitFor();
  await page.getByLabel('Search by name or username').focus();
  await page.keyboard.type(text);
  await page.getByRole('status').filter({ hasText: '1 user found.' }).waitFor();
  await page.keyboard.press('Tab');
  await page.getByRole('button', { name }).and(page.locator(':focus')).waitFor();
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name, level: 2 }).and(page.locator(':focus')).waitFor();
}

describe('the console: People', () => {
  it('finds a user, shows their messages, changes their rank, mutes, bans with a reason and unbans them', async () => {
    const { siteId, owner, user, reasons } = await siteWithChatter();
    const page = await consolePage(owner);
    // case and accents aside
    await openPerson(page, siteId, 'QUINT', 'Zoé Quintana');
    const person = page.locator('#person');
    await person.getByText('hello from Zoé').waitFor();
    await person.getByText('a word on the side').waitFor();
    await person.locator('.people-meta').filter({ hasText: 'Side room' }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);

    // the rank: chat admin and back
    await person.getByRole('button', { name: 'Make chat admin' }).click();
    await person.getByRole('status').filter({ hasText: 'Zoé Quintana is now admin.' }).waitFor();
    expect((await suite.parley().repositories.users.findById(siteId, user.id))?.role).toBe('admin');
    await page.getByRole('table').getByRole('row').filter({ hasText: 'Zoé Quintana' }).filter({ hasText: 'admin' }).waitFor();
    await person.getByRole('button', { name: 'Revoke chat admin' }).click();
    await person.getByRole('status').filter({ hasText: 'Zoé Quintana is now member.' }).waitFor();
    expect((await suite.parley().repositories.users.findById(siteId, user.id))?.role).toBe('member');

    // a mute in the side room, for a day
    await person.getByLabel('Room', { exact: true }).selectOption({ label: 'Side room' });
    await person.getByLabel('For how long').selectOption({ label: '1 day' });
    await person.getByRole('button', { name: 'Mute', exact: true }).click();
    await person.getByRole('status').filter({ hasText: 'Zoé Quintana is muted in Side room until' }).waitFor();
    await person.getByRole('button', { name: 'Unmute in Side room' }).waitFor();
    const until = (await suite.parley().repositories.rooms.find(siteId, 'side'))?.mutedUntil?.[user.id];
    expect(until!.getTime()).toBeGreaterThan(Date.now() + 23 * 60 * 60 * 1000);
    expect(await seriousViolations(page)).toEqual([]);

    // a ban with a reason: their socket ends, the list says banned, the log keeps the reason
    await person.getByLabel('Reason (kept in the moderation log)').fill('spamming links');
    await person.getByRole('button', { name: 'Ban', exact: true }).click();
    await person.getByRole('status').filter({ hasText: 'Zoé Quintana is banned: their sessions ended' }).waitFor();
    await waitUntil(() => reasons.includes('session-ended'));
    await page.getByRole('table').getByRole('row').filter({ hasText: 'Zoé Quintana' }).filter({ hasText: 'banned' }).waitFor();
    const [ban] = await suite.parley().repositories.moderation.list(siteId, undefined, 1);
    expect(ban).toMatchObject({ action: 'user.ban', targetUserId: user.id, reason: 'spamming links', actor: { id: `console:${owner.accountId}` } });

    await person.getByRole('button', { name: 'Unban' }).click();
    await person.getByRole('status').filter({ hasText: 'Zoé Quintana is no longer banned.' }).waitFor();
    expect((await suite.parley().repositories.users.findById(siteId, user.id))?.bannedAt).toBeUndefined();
    await person.getByRole('button', { name: 'Ban', exact: true }).waitFor();

    // closing gives the focus back to the search
    await person.getByRole('button', { name: 'Close' }).click();
    await page.getByLabel('Search by name or username').and(page.locator(':focus')).waitFor();
  }, 60_000);

  it("downloads a user's data and deletes their account (owners and admins)", async () => {
    const { siteId, owner, user, reasons } = await siteWithChatter();
    const page = await consolePage(owner);
    await openPerson(page, siteId, 'quint', 'Zoé Quintana');
    const person = page.locator('#person');
    await person.getByRole('heading', { name: 'Their data' }).waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), person.getByRole('button', { name: 'Download their data' }).click()]);
    expect(download.suggestedFilename()).toBe(`parley-${siteId}-${user.id}.json`);
    const data = JSON.parse(await readFile((await download.path())!, 'utf8')) as DataExport;
    expect(data.messages.map((message) => message.text).sort()).toEqual(['a word on the side', 'hello from Zoé']);
    await person.getByRole('status').filter({ hasText: 'The data of Zoé Quintana was downloaded.' }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);

    // deleting asks first; then the card closes, the list forgets them, their socket ends and the log keeps the action
    page.on('dialog', (dialog) => void dialog.accept());
    await person.getByRole('button', { name: 'Delete their account' }).click();
    await page.getByRole('status').filter({ hasText: 'The account of Zoé Quintana was deleted.' }).waitFor();
    await person.waitFor({ state: 'detached' });
    await page.getByLabel('Search by name or username').and(page.locator(':focus')).waitFor();
    await page.getByRole('status').filter({ hasText: 'No users found.' }).waitFor();
    await waitUntil(() => reasons.includes('session-ended'));
    expect(await suite.parley().repositories.users.findById(siteId, user.id)).toBeNull();
    const [erased] = await suite.parley().repositories.moderation.list(siteId, undefined, 1);
    expect(erased).toMatchObject({ action: 'user.erase', targetUserId: user.id, actor: { id: `console:${owner.accountId}` } });
  }, 60_000);

  it('shows a moderator no rank buttons, and passes axe in dark mode at 375 px wide', async () => {
    const { siteId } = await siteWithChatter();
    const moderator = await signInToConsole(suite.parley(), siteId, 'moderator');
    const page = await consolePage(moderator, { colorScheme: 'dark', viewport: { width: 375, height: 740 } });
    await openPerson(page, siteId, 'zoe', 'Zoé Quintana');
    const person = page.locator('#person');
    await person.getByText('hello from Zoé').waitFor();
    await person.getByRole('button', { name: 'Mute', exact: true }).waitFor();
    await person.getByRole('button', { name: 'Ban', exact: true }).waitFor();
    expect(await person.getByRole('heading', { name: 'Chat rank' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: /chat admin|chat moderator/ }).count()).toBe(0);
    expect(await person.getByRole('heading', { name: 'Their data' }).count()).toBe(0);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    expect(await seriousViolations(page)).toEqual([]);
  }, 60_000);

  it('passes axe in light mode at 375 px wide, the newest users listed before any search', async () => {
    const { siteId, owner } = await siteWithChatter();
    const page = await consolePage(owner, { viewport: { width: 375, height: 740 } });
    await page.goto(`${suite.parley().url}/console/#/sites/${siteId}/people`);
    await page.getByRole('status').filter({ hasText: 'The newest user.' }).waitFor();
    await page.getByRole('button', { name: 'Zoé Quintana' }).click();
    await page.locator('#person').getByText('hello from Zoé').waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    expect(await seriousViolations(page)).toEqual([]);
  }, 60_000);
});
