import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { type CustomUi, serveCustomUi } from '../../examples/custom-ui/serve';
import sharp from 'sharp';
import { createChatClient, type Message } from '../../sdk';
import type { Parley } from '../../server/main';
import { launchChromium } from '../helpers/browser';
import { chatClients, waitUntil } from '../helpers/chat';
import { newAccount, startTestServerOn } from '../helpers/server';

// The custom UI example (dist/custom-ui, the built bundle) on http://127.0.0.1:A talks to the backend on
// http://localhost:B through the SDK only, under its strict CSP; a Node SDK client is the other person in the room.
let parley: Parley;
let customUi: CustomUi;
let browser: Browser;
const contexts: BrowserContext[] = [];
const clients = chatClients(() => parley);

const SEEDED = 60;
const seeded = (n: number) => `history ${String(n).padStart(2, '0')}`;

beforeAll(async () => {
  parley = await startTestServerOn('localhost');
  customUi = await serveCustomUi({ port: 0, backendUrl: parley.url });
  await parley.repositories.sites.updateOrigins('demo', { add: [new URL(customUi.url).origin] });
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  for (const context of contexts) await context.close();
  await browser?.close();
  await customUi?.close();
  clients.closeAll();
  await parley?.close();
});

/** A fresh browser profile on the page; any page error, CSP violation or dialog fails the test. */
async function openPage(): Promise<{ page: Page; problems: string[]; websockets: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1100, height: 760 } });
  contexts.push(context);
  const page = await context.newPage();
  const problems: string[] = [];
  const websockets: string[] = [];
  page.on('websocket', (socket) => websockets.push(socket.url()));
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('dialog', (dialog) => {
    problems.push(`dialog: ${dialog.message()}`);
    void dialog.dismiss();
  });
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  await page.goto(customUi.url);
  return { page, problems, websockets };
}

async function register(page: Page, account: ReturnType<typeof newAccount>): Promise<void> {
  await page.getByRole('button', { name: 'I am new here' }).click();
  await page.getByLabel('Username').fill(account.username);
  await page.getByLabel('Display name').fill(account.displayName);
  await page.getByLabel('Password').fill(account.password);
  await page.getByRole('button', { name: 'Register' }).click();
  await log(page).waitFor();
}

const log = (page: Page) => page.getByRole('log', { name: 'Messages' });
const texts = (page: Page) => log(page).locator('.text').allTextContents();
const online = (page: Page) => page.getByRole('list', { name: 'Online' });
const composer = (page: Page) => page.getByRole('textbox', { name: 'Message' });

describe('the custom UI example, built on the SDK', () => {
  it('registers, pages back through history, chats both ways with an SDK client and signs out', async () => {
    const other = await clients.member('node');
    for (let n = 1; n <= SEEDED; n += 1) await other.room.send(seeded(n));
    const received: Message[] = [];
    other.room.on('message', (message) => received.push(message));

    const { page, problems, websockets } = await openPage();
    await page.getByRole('button', { name: 'Log in' }).waitFor();
    const account = newAccount('page');
    await register(page, account);
    await page.getByRole('heading', { name: 'general' }).waitFor();
    await page.getByRole('status').filter({ hasText: 'Online' }).waitFor();
    // the CSP lets the SDK upgrade to a websocket on the backend
    await waitUntil(() => websockets.some((url) => url.startsWith(`${parley.url.replace('http:', 'ws:')}/socket.io/`)));

    // the join brings the 50 most recent, oldest first
    await log(page).getByText(seeded(SEEDED), { exact: true }).waitFor();
    expect(await texts(page)).toEqual(Array.from({ length: 50 }, (_, i) => seeded(SEEDED - 49 + i)));

    // older ones come in above, in order, and the button goes when the start is reached
    // the view starts at the newest; what the reader looked at stays in place as older ones come in above
    const newest = log(page).getByText(seeded(SEEDED), { exact: true });
    expect(await newest.isVisible()).toBe(true);
    const loadOlder = page.getByRole('button', { name: 'Load older' });
    await loadOlder.scrollIntoViewIfNeeded();
    const firstShown = log(page).getByText(seeded(SEEDED - 49), { exact: true });
    const before = await firstShown.boundingBox();
    await loadOlder.click();
    await loadOlder.waitFor({ state: 'hidden' });
    expect(await texts(page)).toEqual(Array.from({ length: SEEDED }, (_, i) => seeded(i + 1)));
    const after = await firstShown.boundingBox();
    expect(Math.abs((after?.y ?? 0) - (before?.y ?? Infinity))).toBeLessThan(2);

    // both people are listed, and counted
    await online(page).getByRole('listitem').filter({ hasText: other.user.displayName }).waitFor();
    await online(page).getByRole('listitem').filter({ hasText: account.displayName }).waitFor();
    await page.getByText('2 online').waitFor();

    // from the page to the Node client; Enter sends and the box empties
    await composer(page).fill('hello from the custom page');
    await composer(page).press('Enter');
    await waitUntil(() => received.some((m) => m.text === 'hello from the custom page' && m.author.displayName === account.displayName));
    await log(page).getByText('hello from the custom page', { exact: true }).waitFor();
    expect(await composer(page).inputValue()).toBe('');

    // from the Node client to the page
    const sent = await other.room.send('hello from node');
    await log(page).getByText('hello from node', { exact: true }).waitFor();
    await mkdir(path.join('test', 'e2e', 'artifacts'), { recursive: true });
    await page.screenshot({ path: path.join('test', 'e2e', 'artifacts', 'custom-ui.png') });

    // markup arrives as text: no element is made, no script runs
    await other.room.send('<img src=x onerror=alert(1)>');
    await log(page).getByText('<img src=x onerror=alert(1)>', { exact: true }).waitFor();
    expect(await page.locator('img').count()).toBe(0);

    // edits and deletions replace the message in place
    await other.room.edit(sent.seq, 'hello from node, edited');
    await log(page).getByText('hello from node, edited (edited)', { exact: true }).waitFor();
    await other.room.delete(sent.seq);
    await log(page).getByText('message deleted', { exact: true }).waitFor();
    expect(await log(page).getByText('hello from node, edited').count()).toBe(0);

    // a reload keeps the session (sessionStorage of this tab)
    await page.reload();
    await log(page).getByText('hello from the custom page', { exact: true }).waitFor();
    expect(await page.getByRole('button', { name: 'Register' }).count()).toBe(0);

    // signing out returns to the form, and the other side sees the person go
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Log in' }).waitFor();
    await page.getByLabel('Username').waitFor();
    await waitUntil(() => !other.room.online.some((user) => user.displayName === account.displayName));
    // and the token is gone: a reload asks again
    await page.reload();
    await page.getByRole('button', { name: 'Log in' }).waitFor();

    expect(problems).toEqual([]);
  }, 90_000);

  it("shows the server's errors inline and marks the field they are about", async () => {
    const taken = await clients.member('taken');
    const { page, problems } = await openPage();

    // wrong password: not about one field, shown under the form
    await page.getByLabel('Username').fill(taken.account.username);
    await page.getByLabel('Password').fill('not the password at all');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('alert').filter({ hasText: 'wrong username or password' }).waitFor();

    // a taken display name: the message next to that field, which is marked and focused
    await page.getByRole('button', { name: 'I am new here' }).click();
    await page.getByLabel('Username').fill(newAccount('fresh').username);
    await page.getByLabel('Display name').fill(taken.account.displayName);
    await page.getByLabel('Password').fill('long enough password');
    await page.getByRole('button', { name: 'Register' }).click();
    await page.getByText('display name is taken').waitFor();
    const displayName = page.getByLabel('Display name');
    expect(await displayName.getAttribute('aria-invalid')).toBe('true');
    expect(await displayName.evaluate((input) => input === document.activeElement)).toBe(true);
    // the field describes its error to assistive technology
    const describedBy = (await displayName.getAttribute('aria-describedby')) ?? '';
    const description = await page.locator(describedBy.split(' ').map((id) => `#${id}`).join(', ')).allTextContents();
    expect(description).toContain('display name is taken');

    // the previous error is gone, and switching modes clears this one
    expect(await page.getByText('wrong username or password').count()).toBe(0);
    await page.getByRole('button', { name: 'I have an account' }).click();
    expect(await page.getByText('display name is taken').isVisible()).toBe(false);
    expect(await page.getByLabel('Username').getAttribute('aria-invalid')).toBeNull();
    expect(problems.filter((p) => !p.includes('401') && !p.includes('409'))).toEqual([]);
  }, 60_000);

  it('reacts, replies, mentions, sends an image, shows the pin and searches, all through the SDK', async () => {
    const other = await clients.member('node');
    const { page, problems } = await openPage();
    await page.getByRole('button', { name: 'Log in' }).waitFor();
    const account = newAccount('rich');
    await register(page, account);
    const question = await other.room.send('Which pier for the ferry?');
    const item = log(page).getByRole('listitem').filter({ hasText: 'Which pier for the ferry?' });

    // a reaction: the SDK client sees the count
    const updates: Message[] = [];
    other.room.on('update', (message) => void updates.push(message));
    await item.getByRole('button', { name: 'React with 👍' }).click();
    await waitUntil(() => updates.some((m) => m.seq === question.seq && m.reactions?.some((reaction) => reaction.emoji === '👍' && reaction.count === 1)));
    await item.getByRole('button', { name: '👍: 1 (you reacted)' }).waitFor();

    // a reply that mentions the asker by name, with an image
    await item.getByRole('button', { name: 'Reply' }).click();
    await page.getByText(`Replying to ${other.user.displayName}`).waitFor();
    const png = await sharp({ create: { width: 300, height: 200, channels: 3, background: '#36c' } }).png().toBuffer();
    await page.getByLabel('Attach images').setInputFiles({ name: 'pier.png', mimeType: 'image/png', buffer: png });
    await page.getByText('Attached: pier.png').waitFor();
    const heard: Message[] = [];
    other.room.on('message', (message) => void heard.push(message));
    await composer(page).fill(`@${other.user.displayName} pier 4, see the map`);
    await composer(page).press('Enter');
    await waitUntil(() => heard.some((message) => message.text.endsWith('pier 4, see the map')));
    const answer = heard.find((message) => message.text.endsWith('pier 4, see the map'))!;
    expect(answer.replyTo).toMatchObject({ seq: question.seq, excerpt: 'Which pier for the ferry?' });
    expect(answer.mentions).toEqual([other.user.id]);
    expect(answer.attachments).toEqual([expect.objectContaining({ name: 'pier.png', type: 'image/png', width: 300, height: 200 })]);
    // the page shows the quote and the thumbnail, fetched with its token
    const shownAnswer = log(page).getByRole('listitem').filter({ hasText: 'pier 4, see the map' });
    await shownAnswer.getByRole('button', { name: `${other.user.displayName}: Which pier for the ferry?` }).waitFor();
    await shownAnswer.getByRole('img', { name: 'pier.png' }).evaluate((img: HTMLImageElement) => (img.complete && img.naturalWidth > 0 ? null : new Promise((resolve) => img.addEventListener('load', resolve, { once: true }))));

    // a message that mentions this user stands out
    const me = (await parley.repositories.users.findByUsername('demo', account.username))!._id.toHexString();
    await other.room.send(`@${account.displayName} thanks`, { mentions: [me] });
    await log(page).locator('.message.mentioned').filter({ hasText: 'thanks' }).waitFor();

    // a pin, shown above the messages
    const moderator = await clients.member('mod');
    await parley.repositories.users.setRole('demo', moderator.account.username, 'moderator');
    const asModerator = clients.track(createChatClient({ baseUrl: parley.url, site: 'demo' }));
    await asModerator.login(moderator.account);
    await (await asModerator.join('general')).pin(question.seq);
    await page.getByText(`Pinned — ${other.user.displayName}: Which pier for the ferry?`).waitFor();

    // search
    await page.getByLabel('Search this room').fill('ferry');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.getByRole('list', { name: 'Search results' }).getByRole('button', { name: `${other.user.displayName}: Which pier for the ferry?` }).waitFor();
    expect(problems).toEqual([]);
  });

  it('serves only its three files, with a CSP that allows the backend and nothing else', async () => {
    const response = await fetch(customUi.url);
    expect(response.status).toBe(200);
    const csp = response.headers.get('content-security-policy') ?? '';
    const origin = new URL(parley.url).origin;
    expect(csp).toContain("script-src 'self';");
    expect(csp).toContain(`connect-src ${origin} ${origin.replace('http:', 'ws:')};`);
    expect(csp).toContain("frame-ancestors 'none'");
    const html = await response.text();
    expect(html).toContain(`<meta name="parley-backend" content="${parley.url}" />`);
    expect(html).not.toContain('<script>');

    for (const file of ['app.js', 'style.css']) expect((await fetch(new URL(file, customUi.url))).status).toBe(200);
    for (const other of ['serve.ts', 'app.ts', '../package.json', '%2e%2e/package.json', 'dist/custom-ui/app.js']) {
      expect((await fetch(new URL(other, customUi.url))).status).toBe(404);
    }
    expect((await fetch(customUi.url, { method: 'POST' })).status).toBe(405);
  });
});
