import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import type { ChatClient } from '../../sdk';
import type { Parley } from '../../server/main';
import { launchChromium } from './browser';
import { startTestServerOn } from './server';

/**
 * For a test file that drives a browser against a real server: a server on localhost (with `env`) and Chromium,
 * started in beforeAll and stopped in afterAll, with the browser contexts and the SDK clients `track`ed meanwhile.
 * `env` may be a function, read in beforeAll: for values that an earlier beforeAll makes (a test SMTP server's URL).
 * The widget's and the console's suites (widget-suite.ts, console-suite.ts) build on it.
 */
export function browserSuite(env: Record<string, string> | (() => Record<string, string>) = {}) {
  let parley: Parley;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const clients: ChatClient[] = [];

  beforeAll(async () => {
    parley = await startTestServerOn('localhost', typeof env === 'function' ? env() : env);
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    for (const chat of clients) chat.close();
    for (const context of contexts) await context.close();
    await browser?.close();
    await parley?.close();
  });

  return {
    parley: () => parley,
    /** Closes the client after the file's tests. */
    track<T extends ChatClient>(chat: T): T {
      clients.push(chat);
      return chat;
    },
    /** A page in a fresh context (closed after the file's tests; `prepare` sees the context first); a page error fails the test. */
    async newPage(options: BrowserContextOptions, prepare?: (context: BrowserContext) => Promise<void>): Promise<Page> {
      const context = await browser.newContext(options);
      contexts.push(context);
      await prepare?.(context);
      const page = await context.newPage();
      page.on('pageerror', (error) => {
        throw error;
      });
      return page;
    },
  };
}
