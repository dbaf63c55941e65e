import type { BrowserContextOptions, Frame, FrameLocator, Page } from 'playwright-core';
import { type HostPage, serveHostPage } from '../../examples/host-page/serve';
import { loaderStrings } from '../../widget/loader/strings';
import { browserSuite } from './browser-suite';

/** The widget open on the example host page, in a browser context of its own. */
export interface Widget {
  page: Page;
  chat: FrameLocator;
  /** The app's frame (for axe and evaluate). */
  frame: () => Frame;
}

/**
 * For a test file that uses the widget as people do (browser-suite.ts: a server on localhost and Chromium), with the
 * example host page, an allowed origin of `demo`. `openWidget()` opens the panel in a fresh context. `env`: the
 * server's (see browserSuite).
 */
export function widgetSuite(env?: Parameters<typeof browserSuite>[0]) {
  const suite = browserSuite(env);
  let hostPage: HostPage;

  beforeAll(async () => {
    hostPage = await serveHostPage({ port: 0, backendUrl: suite.parley().url });
    await suite.parley().repositories.sites.updateOrigins('demo', { add: [new URL(hostPage.url).origin] });
  });

  afterAll(async () => {
    await hostPage?.close();
  });

  return {
    parley: suite.parley,
    track: suite.track,
    /** `options`: the browser context's, e.g. `{ locale: 'es-ES' }`. */
    async openWidget(options: BrowserContextOptions = {}): Promise<Widget> {
      const page = await suite.newPage({ viewport: { width: 1100, height: 760 }, ...options });
      await page.goto(hostPage.url);
      // the launcher speaks the browser's language
      await page.getByRole('button', { name: loaderStrings(options.locale ?? 'en')[1][0] }).click();
      const frame = () => page.frames().find((f) => f.url().startsWith(`${suite.parley().url}/widget/app`))!;
      return { page, chat: page.frameLocator('iframe[title="Parley chat"]'), frame };
    },
  };
}

export const messages = (chat: FrameLocator) => chat.getByRole('log', { name: 'Messages' });
export const composer = (chat: FrameLocator) => chat.getByRole('textbox', { name: 'Message' });
