import { randomBytes } from 'node:crypto';
import type { BrowserContextOptions, Page } from 'playwright-core';
import { createSite } from '../../server/db';
import { browserSuite } from './browser-suite';
import type { ConsoleSignIn } from './console';

/**
 * For a test file that uses the console as site owners do (browser-suite.ts: a server on localhost with `env`, and
 * Chromium). `page(staff)` opens a page signed in as a console account, in a fresh context.
 */
export function consoleSuite(env: Record<string, string> = {}) {
  const suite = browserSuite(env);
  return {
    parley: suite.parley,
    track: suite.track,
    /** A console page signed in as `staff` (options: the browser context's, e.g. a locale or a colour scheme). */
    page: (staff: ConsoleSignIn, options: BrowserContextOptions = {}): Promise<Page> =>
      suite.newPage({ viewport: { width: 1000, height: 800 }, ...options }, (context) => staff.addTo(context)),
    /** A new site, `<prefix>-<random>`, named after its id. */
    async newSite(prefix = 'site', name = 'Shop'): Promise<string> {
      const id = `${prefix}-${randomBytes(3).toString('hex')}`;
      await createSite(suite.parley().repositories, { id, name: `${name} ${id}`, allowedOrigins: [] });
      return id;
    },
  };
}
