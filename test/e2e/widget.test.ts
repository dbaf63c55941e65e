import { createHmac } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, BrowserContext, FrameLocator, Page } from 'playwright-core';
import { type HostPage, serveHostPage } from '../../examples/host-page/serve';
import { createChatClient } from '../../sdk';
import type { Parley } from '../../server/main';
import { launchChromium, registerIn } from '../helpers/browser';
import { newAccount, startTestServerOn } from '../helpers/server';

// The whole loop as a person does it: the example host page on http://127.0.0.1:A embeds the widget from
// http://localhost:B (two different sites, like a real embed), two isolated browsers register and chat.
let parley: Parley;
let hostPage: HostPage;
/** Another website, not in the demo site's allowed origins. */
let strangerPage: HostPage;
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  parley = await startTestServerOn('localhost');
  hostPage = await serveHostPage({ port: 0, backendUrl: parley.url });
  strangerPage = await serveHostPage({ port: 0, backendUrl: parley.url });
  await parley.repositories.sites.updateOrigins('demo', { add: [new URL(hostPage.url).origin] });
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  for (const context of contexts) await context.close();
  await browser?.close();
  await hostPage?.close();
  await strangerPage?.close();
  await parley?.close();
});

async function openWidget(url = hostPage.url): Promise<{ page: Page; chat: FrameLocator }> {
  const context = await browser.newContext({ viewport: { width: 1100, height: 760 } });
  contexts.push(context);
  const page = await context.newPage();
  page.on('pageerror', (error) => {
    throw error;
  });
  await page.goto(url);
  await page.getByRole('button', { name: 'Open chat' }).click();
  return { page, chat: page.frameLocator('iframe[title="Parley chat"]') };
}


async function send(chat: FrameLocator, text: string): Promise<void> {
  const composer = chat.getByRole('textbox', { name: 'Message' });
  await expectEnabled(composer);
  await composer.fill(text);
  await composer.press('Enter');
}

async function expectEnabled(locator: ReturnType<FrameLocator['getByRole']>): Promise<void> {
  await locator.and(locator.page().locator(':enabled')).waitFor().catch(() => undefined);
  expect(await locator.isEnabled()).toBe(true);
}

const messages = (chat: FrameLocator) => chat.getByRole('log', { name: 'Messages' });
const online = (chat: FrameLocator) => chat.getByRole('list', { name: 'Online' });

describe('the widget on a host page', () => {
  it('registers two people who chat live, keeps the session on reload, logs out and back in', async () => {
    // this test's server has a database of its own, so readable names cannot clash (they show in docs/widget.png)
    const ada = { ...newAccount('ada'), displayName: 'Ada Lovelace' };
    const bob = { ...newAccount('bob'), displayName: 'Bob Kahn' };
    const first = await openWidget();
    const second = await openWidget();

    // the app runs in an iframe on the backend's origin, not in the host page
    const frame = first.page.frames().find((f) => f.url().startsWith(`${parley.url}/widget/app`));
    expect(frame).toBeDefined();

    await registerIn(first.chat, ada);
    await registerIn(second.chat, bob);

    await online(first.chat).getByRole('listitem').filter({ hasText: bob.displayName }).waitFor();
    await online(second.chat).getByRole('listitem').filter({ hasText: ada.displayName }).waitFor();

    await send(first.chat, 'Hello Bob <b>not bold</b>');
    await messages(second.chat).getByText('Hello Bob <b>not bold</b>').waitFor();
    // rendered as text: no element was injected
    expect(await messages(second.chat).locator('b').count()).toBe(0);

    // typing shows on the other side, then the message replaces it
    await second.chat.getByRole('textbox', { name: 'Message' }).fill('Hi Ada');
    await second.chat.getByRole('textbox', { name: 'Message' }).press('Space');
    await first.chat.getByText(`${bob.displayName} is typing…`).waitFor();
    await send(second.chat, 'Hi Ada, live from the other browser');
    await first.chat.getByText(`${bob.displayName} is typing…`).waitFor({ state: 'detached' });
    await messages(first.chat).getByText('Hi Ada, live from the other browser').waitFor();

    // docs/widget.png is README's picture: refreshed on request, so ordinary runs leave the tree clean
    const shots = process.env.UPDATE_DOCS_SCREENSHOT === '1' ? 'docs' : path.join('test', 'e2e', 'artifacts');
    await mkdir(shots, { recursive: true });
    await first.page.screenshot({ path: path.join(shots, 'widget.png') });

    // a reload keeps the person signed in and shows the history
    await first.page.reload();
    await first.page.getByRole('button', { name: 'Open chat' }).click();
    await messages(first.chat).getByText('Hi Ada, live from the other browser').waitFor();
    await messages(first.chat).getByText('Hello Bob <b>not bold</b>').waitFor();
    expect(await first.chat.getByRole('tab', { name: 'Create account' }).count()).toBe(0);

    // logging out returns to the forms and removes the person from the other's list
    await second.chat.getByRole('button', { name: 'Log out' }).click();
    await second.chat.getByRole('button', { name: 'Log in' }).waitFor();
    await online(first.chat).getByRole('listitem').filter({ hasText: bob.displayName }).waitFor({ state: 'detached' });
    expect(await online(first.chat).getByRole('listitem').filter({ hasText: ada.displayName }).count()).toBe(1);

    // and logs back in through the form: history and presence return
    await second.chat.getByLabel('Username').fill(bob.username.toUpperCase());
    await second.chat.getByLabel('Password').fill(bob.password);
    await second.chat.getByRole('button', { name: 'Log in' }).click();
    await messages(second.chat).getByText('Hi Ada, live from the other browser').waitFor();
    await online(first.chat).getByRole('listitem').filter({ hasText: bob.displayName }).waitFor();
  }, 90_000);

  it('removes a person from the online list when their browser closes', async () => {
    const watcher = await openWidget();
    await registerIn(watcher.chat, newAccount('watch'));
    const leaving = await openWidget();
    const account = newAccount('gone');
    await registerIn(leaving.chat, account);
    const entry = online(watcher.chat).getByRole('listitem').filter({ hasText: account.displayName });
    await entry.waitFor();

    await leaving.page.context().close();
    await entry.waitFor({ state: 'detached', timeout: 5_000 });
  }, 60_000);

  it('shows the register form errors the server sends, inline', async () => {
    const { chat } = await openWidget();
    const taken = newAccount('taken');
    await registerIn(chat, taken);
    await chat.getByRole('button', { name: 'Log out' }).click();
    await chat.getByRole('tab', { name: 'Create account' }).click();
    await chat.getByLabel('Username').fill(newAccount('other').username);
    await chat.getByLabel('Display name').fill(taken.displayName.toUpperCase());
    await chat.getByLabel('Password').fill('long enough password');
    await chat.getByRole('button', { name: 'Register' }).click();
    await chat.getByRole('alert').filter({ hasText: 'display name is taken' }).waitFor();
  }, 60_000);

  it("gives back a message with a word the site refuses, with the reason, and shows one the site masks masked", async () => {
    // the site's admin sets the list through the SDK, as a moderation tool would
    const admin = createChatClient({ baseUrl: parley.url, site: 'demo' });
    try {
      const adminAccount = newAccount('lists');
      await admin.register(adminAccount);
      await parley.repositories.users.setRole('demo', adminAccount.username, 'admin');
      await admin.setWordFilter({ entries: ['darn'], action: 'refuse' });

      const { chat } = await openWidget();
      await registerIn(chat, newAccount('filtered'));
      await send(chat, 'oh d4rn it');
      await chat.getByRole('alert').filter({ hasText: 'Your message contains words this site does not allow.' }).waitFor();
      expect(await chat.getByRole('textbox', { name: 'Message' }).inputValue()).toBe('oh d4rn it');

      await admin.setWordFilter({ entries: ['darn'], action: 'mask' });
      await send(chat, 'oh d a r n it');
      await messages(chat).getByText('oh * * * * it').waitFor();
      expect(await chat.getByRole('alert').count()).toBe(0);
    } finally {
      await admin.setWordFilter({ entries: [], action: 'refuse' }).catch(() => undefined);
      admin.close();
    }
  }, 60_000);

  it('shows a message on a website the site does not allow, and opens no socket', async () => {
    const sockets: string[] = [];
    const context = await browser.newContext();
    contexts.push(context);
    const page = await context.newPage();
    page.on('request', (request) => {
      if (request.url().includes('/socket.io/')) sockets.push(request.url());
    });
    page.on('websocket', (socket) => sockets.push(socket.url()));
    await page.goto(strangerPage.url);
    await page.getByRole('button', { name: 'Open chat' }).click();
    await page.getByRole('status').filter({ hasText: 'Chat is not available on this site.' }).waitFor();
    expect(await page.locator('iframe').count()).toBe(0);
    expect(sockets).toEqual([]);
    // closing hides the message; the panel never appeared
    await page.getByRole('button', { name: 'Close chat' }).click();
    await page.getByRole('status').waitFor({ state: 'hidden' });
  }, 30_000);

  it('signs in the site own user from data-user-* attributes, with no form and no password', async () => {
    const site = await parley.repositories.sites.findById('demo');
    const identified = await serveHostPage({
      port: 0,
      backendUrl: parley.url,
      identity: { userId: 'shop-customer-7', name: 'Katherine J.', identitySecret: site!.identitySecret },
    });
    try {
      await parley.repositories.sites.updateOrigins('demo', { add: [new URL(identified.url).origin] });
      const { chat } = await openWidget(identified.url);
      await online(chat).getByRole('listitem').filter({ hasText: 'Katherine J.' }).waitFor();
      expect(await chat.getByRole('tab', { name: 'Create account' }).count()).toBe(0);
      await send(chat, 'signed in by the shop');
      await messages(chat).getByText('signed in by the shop').waitFor();
    } finally {
      await identified.close();
    }
  }, 30_000);

  it("signs in the site's own user through window.Parley('identify'), queued before the script loaded", async () => {
    const site = await parley.repositories.sites.findById('demo');
    const hash = createHmac('sha256', site!.identitySecret).update('queued-9').digest('hex');
    const context = await browser.newContext();
    contexts.push(context);
    const page = await context.newPage();
    // the stub a site owner pastes before the tag, then a call it makes at once
    await page.addInitScript(
      ({ hash }) => {
        const stub = function (...args: unknown[]) {
          ((stub as unknown as { q: unknown[] }).q ??= []).push(args);
        };
        (window as unknown as { Parley: typeof stub }).Parley = stub;
        stub('identify', { userId: 'queued-9', name: 'Dorothy V.', hash });
      },
      { hash },
    );
    await page.goto(hostPage.url);
    await page.getByRole('button', { name: 'Open chat' }).click();
    const chat = page.frameLocator('iframe[title="Parley chat"]');
    await online(chat).getByRole('listitem').filter({ hasText: 'Dorothy V.' }).waitFor();
    expect(await chat.getByRole('tab', { name: 'Create account' }).count()).toBe(0);
  }, 30_000);

  it("switches the open chat to the site's user when the page calls window.Parley('identify') later", async () => {
    const site = await parley.repositories.sites.findById('demo');
    const hash = createHmac('sha256', site!.identitySecret).update('late-3').digest('hex');
    const { page, chat } = await openWidget();
    await chat.getByRole('tab', { name: 'Create account' }).waitFor();
    await page.evaluate((hash) => {
      (window as unknown as { Parley: (...args: unknown[]) => void }).Parley('identify', { userId: 'late-3', name: 'Mary J.', hash });
    }, hash);
    await online(chat).getByRole('listitem').filter({ hasText: 'Mary J.' }).waitFor();
  }, 30_000);
});
