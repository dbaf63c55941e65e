import type { Browser, BrowserContext, FrameLocator, Page } from 'playwright-core';
import { type HostPage, serveHostPage } from '../../examples/host-page/serve';
import type { Parley } from '../../server/main';
import { launchChromium } from '../helpers/browser';
import { newAccount, startTestServerOn } from '../helpers/server';

// Site owners read anything red or yellow in their DevTools as "the chat is broken": a visitor's whole visit must
// leave the console of the host page and of the widget's iframe clean. The example host page on http://127.0.0.1:A,
// the real loader and app from http://localhost:B, real Chromium.
let parley: Parley;
let hostPage: HostPage;
let browser: Browser;
let context: BrowserContext | undefined;

beforeAll(async () => {
  parley = await startTestServerOn('localhost');
  hostPage = await serveHostPage({ port: 0, backendUrl: parley.url });
  await parley.repositories.sites.updateOrigins('demo', { add: [new URL(hostPage.url).origin] });
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await hostPage?.close();
  await parley?.close();
});

/**
 * Everything the console would show as an error or a warning, in every frame of the page (Playwright reports the
 * cross-site iframe's console and network on its page too): console.error/warn, uncaught errors, and the
 * "Failed to load resource" Chromium logs for a response ≥ 400 or a request that failed.
 */
function watchConsole(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') problems.push(`console.${message.type()}: ${message.text()} (${message.location().url})`);
  });
  page.on('pageerror', (error) => problems.push(`uncaught: ${String(error)}`));
  page.on('response', (response) => {
    if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${response.request().method()} ${response.url()}`);
  });
  page.on('requestfailed', (request) => {
    const failure = request.failure()?.errorText ?? 'failed';
    // a request cut short by a reload or a closed socket: Chromium logs nothing for it
    if (failure !== 'net::ERR_ABORTED') problems.push(`request failed (${failure}): ${request.method()} ${request.url()}`);
  });
  return problems;
}

const openChat = async (page: Page): Promise<FrameLocator> => {
  await page.getByRole('button', { name: 'Open chat' }).click();
  return page.frameLocator('iframe[title="Parley chat"]');
};

describe('the console of a visitor', () => {
  it('stays clean while a new visitor opens the chat, registers, chats, reloads and logs out', async () => {
    context = await browser.newContext({ viewport: { width: 1100, height: 760 } });
    const page = await context.newPage();
    const problems = watchConsole(page);
    const account = newAccount('clean');

    // signed out: the app asks whether there is a session, and must not be answered with an error
    await page.goto(hostPage.url);
    let chat = await openChat(page);
    await chat.getByRole('tab', { name: 'Create account' }).click();
    await chat.getByLabel('Username').fill(account.username);
    await chat.getByLabel('Display name').fill(account.displayName);
    await chat.getByLabel('Password').fill(account.password);
    await chat.getByRole('button', { name: 'Register' }).click();

    const composer = chat.getByRole('textbox', { name: 'Message' });
    await composer.and(chat.locator(':enabled')).waitFor();
    await composer.fill('Hello from a clean console');
    await composer.press('Enter');
    await chat.getByRole('log', { name: 'Messages' }).getByText('Hello from a clean console').waitFor();

    // signed in after a reload
    await page.reload();
    chat = await openChat(page);
    await chat.getByRole('log', { name: 'Messages' }).getByText('Hello from a clean console').waitFor();
    expect(await chat.getByRole('tab', { name: 'Create account' }).count()).toBe(0);

    await chat.getByRole('button', { name: 'Log out' }).click();
    await chat.getByRole('button', { name: 'Log in' }).waitFor();

    // and signed out again after a reload: the check that finds no session is no error either
    await page.reload();
    chat = await openChat(page);
    await chat.getByRole('button', { name: 'Log in' }).waitFor();

    // late reports (a socket closing, a last request) arrive within a moment
    await page.waitForTimeout(500);
    expect(problems).toEqual([]);
  }, 90_000);
});
