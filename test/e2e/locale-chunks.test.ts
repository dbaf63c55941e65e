import { createHmac } from 'node:crypto';
import type { Browser, BrowserContext, BrowserContextOptions, ConsoleMessage, Page, Request } from 'playwright-core';
import type { Parley } from '../../server/main';
import { t as english } from '../../widget/app/i18n';
import { es } from '../../widget/app/i18n/es';
import { zh } from '../../widget/app/i18n/zh';
import { launchChromium } from '../helpers/browser';
import { type HostPages, serveHostPages } from '../helpers/host-pages';
import { startTestServerOn } from '../helpers/server';

// The app's language catalogs are lazy chunks (widget/app/i18n/): a visitor downloads the one they read, or none for
// English, and the app renders nothing until it has it. The real loader on a host page of http://127.0.0.1:A, the
// backend on http://localhost:B under its own CSP (script-src 'self'), real Chromium, the built bundle.
let parley: Parley;
let pages: HostPages;
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  parley = await startTestServerOn('localhost');
  pages = await serveHostPages(parley.url);
  await parley.repositories.sites.updateOrigins('demo', { add: [pages.origin] });
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  for (const context of contexts) await context.close();
  await browser?.close();
  await pages?.close();
  await parley?.close();
});

/** What the app page recorded of itself, from before its first script ran. */
interface Recorded {
  /** #app's markup after each batch of DOM changes: a microtask after the change, so before it can be painted. */
  renders: string[];
  /** `securitypolicyviolation` events, as "directive blocked-url". */
  violations: string[];
  /** The types of the messages the page received, e.g. parley:hello. */
  messages: string[];
}

/** Runs in every frame before its scripts (outside the page's CSP); records only in the app page. */
function recordAppPage(): void {
  if (location.pathname !== '/widget/app') return;
  const recorded: Recorded = { renders: [], violations: [], messages: [] };
  (window as unknown as { recorded: Recorded }).recorded = recorded;
  addEventListener('message', (event: MessageEvent<{ type?: string }>) => recorded.messages.push(String(event.data?.type)));
  document.addEventListener('securitypolicyviolation', (event) => recorded.violations.push(`${event.violatedDirective} ${event.blockedURI}`));
  new MutationObserver(() => {
    const markup = document.getElementById('app')?.innerHTML;
    if (markup && markup !== recorded.renders.at(-1)) recorded.renders.push(markup);
  }).observe(document, { childList: true, subtree: true, characterData: true, attributes: true });
}

const CATALOG_CHUNK = /^\/widget\/chunks\/(?:es|zh)-/;

interface Visit {
  page: Page;
  /** Every request for a catalog's lazy chunk, from any frame (the forms' chunk, which every signed-out visitor loads, aside). */
  chunkRequests: Request[];
  /** Console errors and uncaught errors, but for failed requests, which the browser reports on its own. */
  errors: string[];
  /** The app page's CSP header. */
  csp: Promise<string | undefined>;
  recorded(): Promise<Recorded>;
  /** Resolves once the app page received a message of this type from the loader. */
  received(type: string): Promise<void>;
}

/** Opens a host page with the real loader's tag (its attributes as given) and the panel open. */
async function visit(attributes: string, options: BrowserContextOptions = {}, prepare?: (context: BrowserContext) => Promise<void>): Promise<Visit> {
  const context = await browser.newContext({ viewport: { width: 1100, height: 760 }, ...options });
  contexts.push(context);
  await context.addInitScript(recordAppPage);
  await prepare?.(context);
  const page = await context.newPage();
  const chunkRequests: Request[] = [];
  const errors: string[] = [];
  page.on('request', (request) => {
    if (CATALOG_CHUNK.test(new URL(request.url()).pathname)) chunkRequests.push(request);
  });
  page.on('console', (message: ConsoleMessage) => {
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(String(error)));
  const appPage = page.waitForResponse((response) => response.url().startsWith(`${parley.url}/widget/app?`));
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>A host page</title></head>
<body><main><h1>A host page</h1></main>
<script src="${parley.url}/widget.js" data-site="demo" data-open="true" ${attributes} async></script></body></html>`;
  await page.goto(pages.add({ 'index.html': html }));
  return {
    page,
    chunkRequests,
    errors,
    csp: appPage.then((response) => response.headers()['content-security-policy']),
    recorded: () => appFrame().evaluate(() => (window as unknown as { recorded: Recorded }).recorded),
    received: async (type) => {
      await appFrame().waitForFunction((type) => (window as unknown as { recorded: Recorded }).recorded.messages.includes(type), type);
    },
  };

  function appFrame() {
    const frame = page.frames().find((f) => f.url().startsWith(`${parley.url}/widget/app`));
    if (!frame) throw new Error('the app frame did not load');
    return frame;
  }
}

const chat = (page: Page) => page.frameLocator('#parley-widget iframe');
const appLanguage = (visited: Visit) => chat(visited.page).locator('html').getAttribute('lang');

/** English strings Spanish does not share, as markup holds them (text and attributes), cut at the `{n}`-style holes. */
const englishOnly = (() => {
  const all = (strings: typeof english) =>
    Object.values(strings).flatMap((value: string | Record<string, string>) => (typeof value === 'string' ? [value] : Object.values(value)));
  const spanish = new Set(all(es));
  return all(english)
    .filter((text) => !spanish.has(text))
    .flatMap((text) => text.split(/\{\w+\}/))
    .map((part) => part.trim().replace(/&/g, '&amp;'))
    // words, not class names: "online" is one
    .filter((part) => part.length >= 4 && /[A-Z ]/.test(part));
})();

describe('the app in a language other than English', () => {
  it('loads exactly its catalog chunk, under the app page CSP, and paints Spanish first', async () => {
    const visited = await visit('data-locale="es"', { locale: 'en-US' });
    await chat(visited.page).getByRole('tab', { name: 'Crear cuenta' }).waitFor();

    expect(visited.chunkRequests.map((request) => new URL(request.url()).pathname)).toEqual([expect.stringMatching(/^\/widget\/chunks\/es-[\w-]{8}\.js$/)]);
    expect((await visited.chunkRequests[0]!.response())?.status()).toBe(200);
    expect(await visited.csp).toMatch(/(^|; )script-src 'self'(;|$)/);
    expect(await appLanguage(visited)).toBe('es');

    const { renders, violations } = await visited.recorded();
    expect(violations).toEqual([]);
    // the first thing the app put on screen is already Spanish, and no render in between had English in it
    expect(renders[0]).toContain(es.welcomeSubtitle);
    expect(renders.flatMap((markup) => englishOnly.filter((text) => markup.includes(text)))).toEqual([]);
    expect(visited.errors).toEqual([]);
  }, 30_000);

  it('loads the Chinese chunk for a browser that prefers Chinese, with no setting from the host', async () => {
    const visited = await visit('', { locale: 'zh-CN' });
    await chat(visited.page).getByRole('tab', { name: '创建账户' }).waitFor();
    expect(visited.chunkRequests.map((request) => new URL(request.url()).pathname)).toEqual([expect.stringMatching(/^\/widget\/chunks\/zh-[\w-]{8}\.js$/)]);
    expect(await appLanguage(visited)).toBe('zh-CN');
    const { renders, violations } = await visited.recorded();
    expect(renders[0]).toContain(zh.welcomeSubtitle);
    expect(violations).toEqual([]);
    expect(visited.errors).toEqual([]);
  }, 30_000);

  it('falls back to English, <html lang> included, without an error, when the chunk cannot be loaded', async () => {
    const visited = await visit('data-locale="es"', { locale: 'en-US' }, async (context) => {
      await context.route((url) => CATALOG_CHUNK.test(url.pathname), (route) => route.abort('failed'));
    });
    await chat(visited.page).getByRole('tab', { name: 'Create account' }).waitFor();
    expect(visited.chunkRequests).toHaveLength(1);
    expect(await appLanguage(visited)).toBe('en');
    expect(visited.errors).toEqual([]);
  }, 30_000);

  it('keeps what the host says while the chunk loads: an identify then signs the user in once the app starts', async () => {
    const site = await parley.repositories.sites.findById('demo');
    const hash = createHmac('sha256', site!.identitySecret).update('patient-1').digest('hex');
    let requested!: () => void;
    const chunkRequested = new Promise<void>((resolve) => (requested = resolve));
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let identified!: () => void;
    const signedIn = new Promise<void>((resolve) => (identified = resolve));
    const visited = await visit('data-locale="es"', { locale: 'en-US' }, async (context) => {
      await context.route(
        (url) => url.pathname.startsWith('/widget/chunks/'),
        async (route) => {
          requested();
          await released;
          await route.continue();
        },
      );
      // the app's start (is there a session? may visitors read?) runs beside the identify: its answer comes last, as
      // it may on a busy network, and must not sign the identified user out again
      await context.route(
        (url) => url.pathname === '/api/sites/demo/info',
        async (route) => {
          await signedIn;
          await route.continue();
        },
      );
    });
    visited.page.on('response', (response) => {
      if (new URL(response.url()).pathname === '/api/sites/demo/identify' && response.ok()) identified();
    });
    // the app has had its hello and waits for its catalog: the host signs its user in now
    await chunkRequested;
    await visited.page.evaluate((hash) => {
      (window as unknown as { Parley: (...args: unknown[]) => void }).Parley('identify', { userId: 'patient-1', name: 'Paciente P.', hash });
    }, hash);
    await visited.received('parley:identify');
    release();
    await chat(visited.page).getByRole('list', { name: es.online }).getByRole('listitem').filter({ hasText: 'Paciente P.' }).waitFor();
    expect(await chat(visited.page).getByRole('tab', { name: 'Crear cuenta' }).count()).toBe(0);
    expect(visited.errors).toEqual([]);
  }, 30_000);
});

describe('the app in English', () => {
  it('loads no chunk: English is in app.js', async () => {
    const visited = await visit('', { locale: 'en-GB' });
    await chat(visited.page).getByRole('tab', { name: 'Create account' }).waitFor();
    expect(await appLanguage(visited)).toBe('en-GB');
    expect(visited.chunkRequests).toEqual([]);
    expect((await visited.recorded()).renders[0]).toContain(english.welcomeSubtitle);
    expect(visited.errors).toEqual([]);
  }, 30_000);
});
