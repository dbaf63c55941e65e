import type { Browser, BrowserContext, BrowserContextOptions, Frame, FrameLocator, Page } from 'playwright-core';
import { type HostPage, serveHostPage } from '../../examples/host-page/serve';
import type { ChatClient } from '../../sdk';
import type { Parley } from '../../server/main';
import { loaderStrings } from '../../widget/loader/strings';
import { launchChromium } from './browser';
import { startTestServerOn } from './server';

/** The widget open on the example host page, in a browser context of its own. */
export interface Widget {
  page: Page;
  chat: FrameLocator;
  /** The app's frame (for axe and evaluate). */
  frame: () => Frame;
}

/**
 * For a test file that uses the widget as people do: a server on localhost, the example host page (an allowed
 * origin of `demo`) and Chromium, started in beforeAll and stopped in afterAll, with the browser contexts and the
 * SDK clients `track`ed meanwhile. `openWidget()` opens the panel in a fresh context; a page error fails the test.
 */
export function widgetSuite() {
  let parley: Parley;
  let hostPage: HostPage;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const clients: ChatClient[] = [];

  beforeAll(async () => {
    parley = await startTestServerOn('localhost');
    hostPage = await serveHostPage({ port: 0, backendUrl: parley.url });
    await parley.repositories.sites.updateOrigins('demo', { add: [new URL(hostPage.url).origin] });
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    for (const chat of clients) chat.close();
    for (const context of contexts) await context.close();
    await browser?.close();
    await hostPage?.close();
    await parley?.close();
  });

  return {
    parley: () => parley,
    /** Closes the client after the file's tests. */
    track<T extends ChatClient>(chat: T): T {
      clients.push(chat);
      return chat;
    },
    /** `options`: the browser context's, e.g. `{ locale: 'es-ES' }`. */
    async openWidget(options: BrowserContextOptions = {}): Promise<Widget> {
      const context = await browser.newContext({ viewport: { width: 1100, height: 760 }, ...options });
      contexts.push(context);
      const page = await context.newPage();
      page.on('pageerror', (error) => {
        throw error;
      });
      await page.goto(hostPage.url);
      // the launcher speaks the browser's language
      await page.getByRole('button', { name: loaderStrings(options.locale ?? 'en')[1][0] }).click();
      const frame = () => page.frames().find((f) => f.url().startsWith(`${parley.url}/widget/app`))!;
      return { page, chat: page.frameLocator('iframe[title="Parley chat"]'), frame };
    },
  };
}

export const messages = (chat: FrameLocator) => chat.getByRole('log', { name: 'Messages' });
export const composer = (chat: FrameLocator) => chat.getByRole('textbox', { name: 'Message' });
