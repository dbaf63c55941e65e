import { randomBytes } from 'node:crypto';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import type { ChatClient } from '../../sdk';
import { createSite } from '../../server/db';
import type { Parley } from '../../server/main';
import { launchChromium } from './browser';
import type { ConsoleSignIn } from './console';
import { startTestServerOn } from './server';

/**
 * For a test file that uses the console as site owners do: a server on localhost (with `env`) and Chromium, started
 * in beforeAll and stopped in afterAll, with the browser contexts and the SDK clients `track`ed meanwhile.
 * `page(staff)` opens a page signed in as a console account, in a fresh context; a page error fails the test.
 */
export function consoleSuite(env: Record<string, string> = {}) {
  let parley: Parley;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const clients: ChatClient[] = [];

  beforeAll(async () => {
    parley = await startTestServerOn('localhost', env);
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
    /** A console page signed in as `staff` (options: the browser context's, e.g. a locale or a colour scheme). */
    async page(staff: ConsoleSignIn, options: BrowserContextOptions = {}): Promise<Page> {
      const context = await browser.newContext({ viewport: { width: 1000, height: 800 }, ...options });
      contexts.push(context);
      await staff.addTo(context);
      const page = await context.newPage();
      page.on('pageerror', (error) => {
        throw error;
      });
      return page;
    },
    /** A new site, `<prefix>-<random>`, named after its id. */
    async newSite(prefix = 'site', name = 'Shop'): Promise<string> {
      const id = `${prefix}-${randomBytes(3).toString('hex')}`;
      await createSite(parley.repositories, { id, name: `${name} ${id}`, allowedOrigins: [] });
      return id;
    },
  };
}
