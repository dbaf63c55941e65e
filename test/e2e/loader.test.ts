import { createHmac, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, ConsoleMessage, Page } from 'playwright-core';
import axe, { type AxeResults, type Result } from 'axe-core';
import { SignJWT } from 'jose';
import { serveHostPage } from '../../examples/host-page/serve';
import type { Parley } from '../../server/main';
import { launchChromium } from '../helpers/browser';
import { chatClients, waitUntil } from '../helpers/chat';
import { type HostPages, serveHostPages } from '../helpers/host-pages';
import { startTestServerOn } from '../helpers/server';

// The loader (dist/widget.js) on host pages of http://127.0.0.1:A, each test with the tag, settings and scripts it
// needs, under a strict CSP; the backend and its app on http://localhost:B. Real Chromium, the built bundle.
let parley: Parley;
let pages: HostPages;
let browser: Browser;
let identitySecret: string;
const contexts: BrowserContext[] = [];
const clients = chatClients(() => parley);

const DESKTOP = { width: 1100, height: 760 };
const FLAG = 'parley:demo:signed-in';
const fixture = (name: string) => readFileSync(path.join(__dirname, 'fixtures', name), 'utf8');

/** What tests read back from the host page's window. */
type HostWindow = Window & { events: unknown[]; violations: string[] };

beforeAll(async () => {
  parley = await startTestServerOn('localhost');
  pages = await serveHostPages(parley.url);
  await parley.repositories.sites.updateOrigins('demo', { add: [pages.origin] });
  const site = await parley.repositories.sites.findById('demo');
  identitySecret = site!.identitySecret;
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  clients.closeAll();
  for (const context of contexts) await context.close();
  await browser?.close();
  await pages?.close();
  await parley?.close();
});

interface PageOptions {
  /** The widget tag's attributes besides src; null: no tag. */
  tag?: string | null;
  /** How many times the tag appears. */
  copies?: number;
  /** The page's own scripts (file name → source), loaded in order after host.js and before the tag. */
  scripts?: Record<string, string>;
  title?: string;
  /** No host.js and no scripts of the page's own, for a CSP that allows the backend's scripts only. */
  bare?: boolean;
  csp?: string;
}

/** Adds a host page with the probe buttons of fixtures/host.css and returns its address. */
function hostPage({ tag = 'data-site="demo"', copies = 1, scripts = {}, title = 'Tidewater test page', bare = false, csp }: PageOptions = {}): string {
  const own = bare ? [] : ['host.js', ...Object.keys(scripts)];
  const html = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>${title}</title>
    <link rel="stylesheet" href="host.css" />
  </head>
  <body>
    <main>
      <h1>A host page</h1>
      <button type="button" id="open-chat" data-clicks="0">Questions? Ask us</button>
      <button type="button" class="probe" id="beside-panel" data-clicks="0">beside</button>
      <button type="button" class="probe" id="under-panel" data-clicks="0">under</button>
      <button type="button" class="probe" id="above-panel" data-clicks="0">above</button>
      <button type="button" class="probe" id="beside-launcher" data-clicks="0">near</button>
    </main>
    ${own.map((name) => `<script src="${name}"></script>`).join('\n    ')}
    ${tag === null ? '' : `<script src="${parley.url}/widget.js" ${tag} async></script>\n    `.repeat(copies)}
  </body>
</html>`;
  return pages.add({ 'index.html': html, 'host.css': fixture('host.css'), 'host.js': fixture('host.js'), ...scripts }, csp ? { csp } : {});
}

/** data-user-* attributes signing in a site user, as the site's server would render them. */
function identity(name: string): string {
  const userId = `customer-${randomBytes(4).toString('hex')}`;
  const hash = createHmac('sha256', identitySecret).update(userId).digest('hex');
  return `data-user-id="${userId}" data-user-name="${name}" data-user-hash="${hash}"`;
}

/** An identity token as the site's server would sign it (docs/embedding.md, "Sign your own users in"). */
const identityToken = (sub: string, name: string) =>
  new SignJWT({ name }).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).setIssuedAt().setExpirationTime('10m').sign(new TextEncoder().encode(identitySecret));

interface Visit {
  page: Page;
  /** console.warn texts */
  warnings: string[];
  /** console errors and uncaught page errors, but for failed requests (the app's 401 before anyone signs in) */
  errors: string[];
}

/** A console error that is not a failed request, which the browser reports on its own. */
const isProblem = (message: ConsoleMessage) => message.type() === 'error' && !message.text().startsWith('Failed to load resource');

async function visit(url: string, options: { viewport?: { width: number; height: number }; colorScheme?: 'light' | 'dark' } = {}): Promise<Visit> {
  const context = await browser.newContext({ viewport: options.viewport ?? DESKTOP, colorScheme: options.colorScheme ?? 'light' });
  contexts.push(context);
  const page = await context.newPage();
  const warnings: string[] = [];
  const errors: string[] = [];
  page.on('console', (message: ConsoleMessage) => {
    if (message.type() === 'warning') warnings.push(message.text());
    if (isProblem(message)) errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(String(error)));
  await page.goto(url);
  return { page, warnings, errors };
}

const launcher = (page: Page) => page.locator('#parley-widget button.launcher');
const panel = (page: Page) => page.locator('#parley-widget iframe');
const badge = (page: Page) => page.locator('#parley-widget .badge');
const chat = (page: Page) => page.frameLocator('#parley-widget iframe');
const clicks = (page: Page, id: string) => page.locator(`#${id}`).getAttribute('data-clicks');
const events = (page: Page) => page.evaluate(() => (window as unknown as HostWindow).events);
/** What host.js saw of `securitypolicyviolation` events. */
const violations = (page: Page) => page.evaluate(() => (window as unknown as HostWindow).violations);

/** `window.Parley(…)` in the page, with plain arguments. */
const call = (page: Page, ...args: [string, ...unknown[]]) => page.evaluate((args) => window.Parley?.(...args), args);

/** Records every widget event in `window.events`, as `[name, payload]`. */
const recordEvents = (page: Page) =>
  page.evaluate(() => {
    const host = window as unknown as HostWindow;
    host.events = [];
    for (const name of ['ready', 'open', 'close', 'message', 'unread', 'mention']) {
      window.Parley?.('on', name, (payload: unknown) => host.events.push(payload === undefined ? name : [name, payload]));
    }
  });

/** Opens the panel with the launcher and waits until the app is showing. */
async function openWithLauncher(page: Page): Promise<void> {
  await launcher(page).click();
  await panel(page).waitFor({ state: 'visible' });
}

/** The launcher has focus: focus in the shadow root shows as the host element being the document's active element. */
const launcherFocused = (page: Page) =>
  page.evaluate(() => {
    const host = document.getElementById('parley-widget');
    return document.activeElement === host && host?.shadowRoot?.activeElement?.classList.contains('launcher') === true;
  });

async function sendAs(name: string, ...texts: string[]): Promise<void> {
  const { room } = await clients.member(name);
  for (const text of texts) await room.send(text);
}

describe('window.Parley before the loader has run', () => {
  it('runs the calls queued through the stub in order: on(ready), on(open), open, and warns about an unknown one', async () => {
    const queue = `
      window.events = [];
      Parley('on', 'open', function () { window.events.push('open'); });
      Parley('on', 'ready', function () { window.events.push('ready'); });
      Parley('open');
      Parley('frobnicate');`;
    const { page, warnings, errors } = await visit(hostPage({ scripts: { 'queue.js': queue } }));
    await panel(page).waitFor({ state: 'visible' });
    expect(await launcher(page).getAttribute('aria-expanded')).toBe('true');
    await page.waitForFunction(() => (window as unknown as HostWindow).events.length === 2);
    expect(await events(page)).toEqual(['open', 'ready']);
    expect(warnings).toContain('[parley] bad command: frobnicate');
    // ready has happened: a late listener is called at once
    expect(await page.evaluate(() => new Promise((resolve) => window.Parley?.('on', 'ready', () => resolve('at once'))))).toBe('at once');
    expect(errors).toEqual([]);
    expect(await violations(page)).toEqual([]);
  }, 30_000);
});

describe('open, close and toggle', () => {
  it('work from the API and the launcher, fire open and close once each, and stop firing after off', async () => {
    const { page, errors } = await visit(hostPage());
    await launcher(page).waitFor();
    expect(await launcher(page).getAttribute('aria-label')).toBe('Open chat');
    await recordEvents(page);

    await call(page, 'toggle');
    await panel(page).waitFor({ state: 'visible' });
    await call(page, 'open'); // already open: no second event
    await call(page, 'close');
    await panel(page).waitFor({ state: 'hidden' });
    await openWithLauncher(page);
    expect(await launcher(page).getAttribute('aria-expanded')).toBe('true');
    expect(await launcher(page).getAttribute('aria-label')).toBe('Close chat');
    expect(await launcher(page).getAttribute('aria-controls')).toBe('parley-panel');
    await launcher(page).click();
    await panel(page).waitFor({ state: 'hidden' });
    expect(await events(page)).toEqual(['open', 'ready', 'close', 'open', 'close']);

    // off removes that listener only
    await page.evaluate(() => {
      const host = window as unknown as HostWindow;
      const listener = () => host.events.push('removed listener');
      window.Parley?.('on', 'open', listener);
      window.Parley?.('off', 'open', listener);
      window.Parley?.('toggle');
    });
    await panel(page).waitFor({ state: 'visible' });
    expect(await events(page)).toEqual(['open', 'ready', 'close', 'open', 'close', 'open']);
    expect(errors).toEqual([]);
  }, 30_000);

  it('opens on start with data-open="true", without taking the focus from the page', async () => {
    const { page } = await visit(hostPage({ tag: 'data-site="demo" data-open="true"' }));
    await panel(page).waitFor({ state: 'visible' });
    expect(await launcher(page).getAttribute('aria-expanded')).toBe('true');
    await page.waitForTimeout(500);
    expect(await page.evaluate(() => document.activeElement?.tagName)).toBe('BODY');
  }, 30_000);
});

describe('the unread badge', () => {
  it('counts messages that arrive while the panel is closed, on the launcher and in the title; opening clears both', async () => {
    const { page, errors } = await visit(hostPage({ tag: `data-site="demo" ${identity('Unread Reader')}`, title: 'Tidewater' }));
    await openWithLauncher(page);
    await page.waitForFunction((key) => localStorage.getItem(key) === '1', FLAG);
    await recordEvents(page);
    await launcher(page).click();
    await panel(page).waitFor({ state: 'hidden' });

    await sendAs('writer', 'Is the sea-glass mug back in stock?');
    await badge(page).filter({ hasText: '1' }).waitFor();
    expect(await page.title()).toBe('(1) Tidewater');
    expect(await launcher(page).getAttribute('aria-label')).toBe('Open chat, 1 unread');
    const recorded = await events(page);
    expect(recorded).toContainEqual(['unread', 1]);
    expect(recorded).toContainEqual(['message', expect.objectContaining({ roomId: 'general', text: 'Is the sea-glass mug back in stock?', own: false })]);

    await openWithLauncher(page);
    await badge(page).waitFor({ state: 'hidden' });
    expect(await page.title()).toBe('Tidewater');
    expect(await events(page)).toContainEqual(['unread', 0]);

    // more than nine: the badge says 9+, the title the count
    await launcher(page).click();
    await sendAs('chatty', ...Array.from({ length: 10 }, (_, index) => `message ${index + 1}`));
    await badge(page).filter({ hasText: '9+' }).waitFor();
    expect(await page.title()).toBe('(10) Tidewater');
    expect(await launcher(page).getAttribute('aria-label')).toBe('Open chat, 10 unread');

    // shutdown puts the page's own title back
    await call(page, 'shutdown');
    expect(await page.title()).toBe('Tidewater');
    expect(errors).toEqual([]);
    expect(await violations(page)).toEqual([]);
  }, 60_000);
});

describe('the mention badge', () => {
  it('counts unread messages that mention the visitor with an @ and another colour, and tells the host page', async () => {
    const { page, errors } = await visit(hostPage({ tag: `data-site="demo" ${identity('Mention Reader')}` }));
    await openWithLauncher(page);
    await page.waitForFunction((key) => localStorage.getItem(key) === '1', FLAG);
    await recordEvents(page);
    await launcher(page).click();
    await panel(page).waitFor({ state: 'hidden' });

    const { room } = await clients.member('caller');
    await waitUntil(() => room.online.some((user) => user.displayName === 'Mention Reader'));
    const reader = room.online.find((user) => user.displayName === 'Mention Reader')!;
    await room.send('not about you');
    await badge(page).filter({ hasText: /^1$/ }).waitFor();
    await room.send('@Mention Reader your order is ready', { mentions: [reader.id] });
    await badge(page).filter({ hasText: '@1' }).waitFor();
    expect(await badge(page).getAttribute('class')).toBe('badge at');
    expect(await launcher(page).getAttribute('aria-label')).toBe('Open chat, 2 unread, mentions: 1');
    expect(await events(page)).toContainEqual(['mention', 1]);

    // read: both go
    await openWithLauncher(page);
    await badge(page).waitFor({ state: 'hidden' });
    expect(await events(page)).toContainEqual(['mention', 0]);
    expect(errors).toEqual([]);
  }, 60_000);
});

describe("signing in the site's own user with a token", () => {
  const onlineNamed = (page: Page, name: string) => chat(page).getByRole('list', { name: 'Online' }).getByRole('listitem').filter({ hasText: name });

  it('signs the visitor in from data-user-token, with the name the token carries; the app never gets the session id', async () => {
    const token = await identityToken(`customer-${randomBytes(4).toString('hex')}`, 'Token Tess');
    const { page, errors } = await visit(hostPage({ tag: `data-site="demo" data-user-token="${token}"` }));
    await launcher(page).waitFor();
    const identified = page.waitForResponse((response) => response.url().endsWith('/api/sites/demo/identify'));
    await openWithLauncher(page);
    const response = await identified;
    expect(response.status()).toBe(200);
    // the widget app's requests are same-origin: the session is in its httpOnly cookie, not in the answer
    expect(await response.json()).toEqual({ user: expect.objectContaining({ displayName: 'Token Tess' }) });
    await onlineNamed(page, 'Token Tess').waitFor();
    expect(await chat(page).getByRole('tab', { name: 'Create account' }).count()).toBe(0);
    expect(errors).toEqual([]);
    expect(await violations(page)).toEqual([]);
  }, 30_000);

  it("signs in from ParleySettings.userToken, and Parley('identify', { token }) renames the user later", async () => {
    const sub = `customer-${randomBytes(4).toString('hex')}`;
    const token = await identityToken(sub, 'Settings Sam');
    const { page, errors } = await visit(hostPage({ scripts: { 'settings.js': `window.ParleySettings = { userToken: '${token}' };` } }));
    await openWithLauncher(page);
    await onlineNamed(page, 'Settings Sam').waitFor();

    // a new token from the site's server carries the user's new name
    await call(page, 'identify', { token: await identityToken(sub, 'Samuel S.') });
    await onlineNamed(page, 'Samuel S.').waitFor();
    expect(await onlineNamed(page, 'Settings Sam').count()).toBe(0);
    expect(errors).toEqual([]);
  }, 30_000);
});

describe('the lazy iframe', () => {
  it('is created on first open; after a sign-in, on the next page view when the page is idle, hidden until opened', async () => {
    const url = hostPage({ tag: `data-site="demo" ${identity('Lazy Loader')}` });
    const { page } = await visit(url);
    await launcher(page).waitFor();
    await page.waitForTimeout(1_500);
    expect(await panel(page).count()).toBe(0);

    await openWithLauncher(page);
    await page.waitForFunction((key) => localStorage.getItem(key) === '1', FLAG);

    await page.reload();
    await panel(page).waitFor({ state: 'attached' });
    expect(await panel(page).isHidden()).toBe(true);
    expect(await launcher(page).getAttribute('aria-expanded')).toBe('false');
    // the hidden iframe blocks nothing
    await page.locator('#under-panel').click();
    expect(await clicks(page, 'under-panel')).toBe('1');
    // and the app in it is running: opening shows it at once
    await launcher(page).click();
    await panel(page).waitFor({ state: 'visible' });

    // logout forgets the person: the next view loads nothing until opened
    await call(page, 'logout');
    expect(await page.evaluate((key) => localStorage.getItem(key), FLAG)).toBeNull();
  }, 60_000);

  it('logout before the app has loaded only forgets the remembered sign-in', async () => {
    const { page, errors } = await visit(hostPage());
    await launcher(page).waitFor();
    await page.evaluate((key) => localStorage.setItem(key, '1'), FLAG);
    await call(page, 'logout');
    expect(await page.evaluate((key) => localStorage.getItem(key), FLAG)).toBeNull();
    expect(errors).toEqual([]);
  }, 30_000);

  it('works when the host page may not use storage', async () => {
    const context = await browser.newContext({ viewport: DESKTOP });
    contexts.push(context);
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(String(error)));
    await page.addInitScript(() => {
      Object.defineProperty(window, 'localStorage', {
        get() {
          throw new DOMException('storage is blocked', 'SecurityError');
        },
      });
    });
    await page.goto(hostPage());
    await openWithLauncher(page);
    await call(page, 'logout');
    await call(page, 'close');
    await panel(page).waitFor({ state: 'hidden' });
    expect(errors).toEqual([]);
  }, 30_000);
});

describe('the page around the widget', () => {
  it('takes clicks everywhere but on the open panel and the launcher', async () => {
    const { page } = await visit(hostPage());
    // closed: the place where the panel would be is the page's
    await page.locator('#under-panel').click();
    expect(await clicks(page, 'under-panel')).toBe('1');

    await openWithLauncher(page);
    for (const id of ['beside-panel', 'above-panel', 'beside-launcher']) {
      await page.locator(`#${id}`).click({ timeout: 2_000 });
      expect(await clicks(page, id)).toBe('1');
    }
    // open, the panel covers that button (so the clicks above prove something)
    const covering = await page.locator('#under-panel').evaluate((button) => {
      const box = button.getBoundingClientRect();
      return document.elementFromPoint(box.x + box.width / 2, box.y + box.height / 2)?.id;
    });
    expect(covering).toBe('parley-widget');

    await call(page, 'close');
    await panel(page).waitFor({ state: 'hidden' });
    await page.locator('#under-panel').click({ timeout: 2_000 });
    expect(await clicks(page, 'under-panel')).toBe('2');
    // the only element the widget adds to the page
    expect(await page.evaluate(() => [...document.body.children].filter((child) => !['MAIN', 'SCRIPT'].includes(child.tagName)).map((child) => child.id))).toEqual(['parley-widget']);
  }, 30_000);

  it('draws the panel above the launcher, within the viewport', async () => {
    const { page } = await visit(hostPage());
    await openWithLauncher(page);
    expect(await panel(page).boundingBox()).toEqual({ x: 1100 - 16 - 380, y: 760 - 88 - 600, width: 380, height: 600 });
    expect(await launcher(page).boundingBox()).toEqual({ x: 1100 - 16 - 56, y: 760 - 16 - 56, width: 56, height: 56 });
  }, 30_000);

  it('applies position left, z-index and accent', async () => {
    const { page } = await visit(hostPage({ tag: 'data-site="demo" data-position="left" data-z-index="500" data-accent="#e11d48"' }));
    await launcher(page).waitFor();
    expect(await launcher(page).boundingBox()).toEqual({ x: 16, y: 760 - 16 - 56, width: 56, height: 56 });
    const style = (element: Element, property: 'zIndex' | 'backgroundColor') => getComputedStyle(element)[property];
    expect(await launcher(page).evaluate(style, 'zIndex' as const)).toBe('500');
    expect(await launcher(page).evaluate(style, 'backgroundColor' as const)).toBe('rgb(225, 29, 72)');
    await openWithLauncher(page);
    expect(await panel(page).boundingBox()).toMatchObject({ x: 16, width: 380 });
    expect(await panel(page).evaluate(style, 'zIndex' as const)).toBe('500');
  }, 30_000);

  it('keeps its default z-index and position when the options are malformed, and says why in the console', async () => {
    const tag = 'data-site="demo" data-position="top" data-z-index="high" data-accent="red" data-room="Not a room" data-open="yes" data-launcher="gone"';
    const { page, warnings } = await visit(hostPage({ tag }));
    await launcher(page).waitFor();
    expect(await launcher(page).boundingBox()).toMatchObject({ x: 1100 - 16 - 56 });
    expect(await launcher(page).evaluate((element) => getComputedStyle(element).zIndex)).toBe('2147483000');
    expect(await launcher(page).getAttribute('aria-expanded')).toBe('false');
    for (const warning of ['position: top', 'zIndex: high', 'accent: red', 'room: Not a room', 'open: yes', 'launcher: gone']) {
      expect(warnings).toContain(`[parley] ignoring ${warning}`);
    }
  }, 30_000);

  it('reads window.ParleySettings set before the tag; the tag attributes win', async () => {
    const settings = "window.ParleySettings = { locale: 'zh-CN', position: 'left', open: true, zIndex: 77 };";
    const { page, warnings } = await visit(hostPage({ tag: 'data-site="demo" data-position="right"', scripts: { 'settings.js': settings } }));
    await panel(page).waitFor({ state: 'visible' });
    expect(await launcher(page).getAttribute('aria-label')).toBe('关闭聊天');
    expect(await launcher(page).boundingBox()).toMatchObject({ x: 1100 - 16 - 56 });
    expect(await launcher(page).evaluate((element) => getComputedStyle(element).zIndex)).toBe('77');
    expect(await page.locator('#parley-widget').getAttribute('lang')).toBe('zh');
    expect(warnings).toEqual([]);
  }, 30_000);

  it('labels the launcher in the chosen locale', async () => {
    const { page } = await visit(hostPage({ tag: 'data-site="demo" data-locale="es"' }));
    await page.getByRole('button', { name: 'Abrir chat' }).click();
    await page.getByRole('button', { name: 'Cerrar chat' }).waitFor();
  }, 30_000);

  it('follows prefers-color-scheme for the notice a refused chat shows', async () => {
    for (const [colorScheme, background] of [
      ['light', 'rgb(17, 24, 39)'],
      ['dark', 'rgb(249, 250, 251)'],
    ] as const) {
      const { page, warnings } = await visit(hostPage({ tag: 'data-site="no-such-site"' }), { colorScheme });
      await launcher(page).click();
      const notice = page.getByRole('status').filter({ hasText: 'Chat is not available on this site.' });
      await notice.waitFor();
      expect(await notice.evaluate((element) => getComputedStyle(element).backgroundColor)).toBe(background);
      expect(await panel(page).count()).toBe(0);
      expect(await launcher(page).getAttribute('aria-controls')).toBeNull();
      expect(warnings.some((warning) => warning.startsWith('[parley] chat refused'))).toBe(true);
    }
  }, 30_000);
});

describe('one widget per page', () => {
  it('mounts one widget for a tag pasted twice, or inserted again by a single-page app', async () => {
    const { page, errors } = await visit(hostPage({ copies: 2 }));
    await launcher(page).waitFor();
    await page.evaluate(
      (src) =>
        new Promise((resolve) => {
          const script = document.createElement('script');
          script.src = src;
          script.dataset.site = 'demo';
          script.onload = resolve;
          document.body.append(script);
        }),
      `${parley.url}/widget.js`,
    );
    expect(await page.locator('#parley-widget').count()).toBe(1);
    expect(await launcher(page).count()).toBe(1);
    await openWithLauncher(page);
    expect(await panel(page).count()).toBe(1);
    expect(errors).toEqual([]);
  }, 30_000);

  it('shutdown removes every trace, and a new tag afterwards mounts a fresh widget', async () => {
    const tag = `data-site="demo" ${identity('Shut Down')}`;
    const { page, errors } = await visit(hostPage({ tag: null, title: 'Before' }));
    const cdp = await page.context().newCDPSession(page);
    /** Listeners of the types the loader uses, on window and on document. */
    const listeners = async () => {
      const counts: string[] = [];
      for (const target of ['window', 'document']) {
        const { result } = await cdp.send('Runtime.evaluate', { expression: target });
        const found = await cdp.send('DOMDebugger.getEventListeners', { objectId: result.objectId! });
        counts.push(...found.listeners.filter((l) => ['message', 'keydown'].includes(l.type)).map((l) => `${target} ${l.type}`));
      }
      return counts.sort();
    };
    const insertTag = () =>
      page.evaluate(
        ({ src, tag }) => {
          const holder = document.createElement('div');
          holder.innerHTML = `<script src="${src}" ${tag}></script>`;
          const parsed = holder.firstElementChild as HTMLScriptElement;
          // a script element parsed by innerHTML never runs: copy it, as a single-page app's renderer does
          const script = document.createElement('script');
          for (const attribute of [...parsed.attributes]) script.setAttribute(attribute.name, attribute.value);
          return new Promise((resolve) => {
            script.onload = resolve;
            document.body.append(script);
          });
        },
        { src: `${parley.url}/widget.js`, tag },
      );
    const before = await listeners();

    await insertTag();
    await openWithLauncher(page);
    await page.waitForFunction((key) => localStorage.getItem(key) === '1', FLAG);
    expect(await listeners()).toEqual([...before, 'document keydown', 'window message'].sort());

    await call(page, 'shutdown');
    expect(await page.locator('#parley-widget').count()).toBe(0);
    expect(await page.locator('iframe').count()).toBe(0);
    expect(await page.title()).toBe('Before');
    expect(await page.evaluate((key) => localStorage.getItem(key), FLAG)).toBeNull();
    expect(await page.evaluate(() => window.__parleyLoaded)).toBeUndefined();
    expect(await page.evaluate(() => document.body.getAttribute('style'))).toBeNull();
    expect(await listeners()).toEqual(before);

    // calls wait for the next tag again, which mounts a fresh widget and runs them
    await call(page, 'open');
    await insertTag();
    await panel(page).waitFor({ state: 'visible' });
    expect(await page.locator('#parley-widget').count()).toBe(1);
    expect(errors).toEqual([]);
  }, 60_000);
});

describe('keyboard', () => {
  it('Esc in the host page closes the panel and puts focus on the launcher', async () => {
    const { page } = await visit(hostPage());
    await openWithLauncher(page);
    await page.locator('#beside-panel').focus();
    await page.keyboard.press('Escape');
    await panel(page).waitFor({ state: 'hidden' });
    expect(await launcher(page).getAttribute('aria-expanded')).toBe('false');
    expect(await launcherFocused(page)).toBe(true);
  }, 30_000);

  it('Esc inside the app closes the panel and puts focus on the launcher', async () => {
    const { page } = await visit(hostPage());
    await openWithLauncher(page);
    // the app focuses its first field when the panel opens
    await chat(page).locator(':focus').waitFor();
    await page.keyboard.press('Escape');
    await panel(page).waitFor({ state: 'hidden' });
    expect(await launcherFocused(page)).toBe(true);
  }, 30_000);

  it('with data-launcher="hidden", opens from the page own button and gives focus back to it', async () => {
    const { page } = await visit(hostPage({ tag: 'data-site="demo" data-launcher="hidden"' }));
    await page.waitForFunction(() => document.getElementById('parley-widget') !== null);
    expect(await launcher(page).isHidden()).toBe(true);
    await page.locator('#open-chat').click();
    await panel(page).waitFor({ state: 'visible' });
    // no launcher below it: the panel sits in the corner
    expect(await panel(page).boundingBox()).toMatchObject({ y: 760 - 16 - 600 });
    await page.locator('#beside-panel').focus();
    await page.keyboard.press('Escape');
    await panel(page).waitFor({ state: 'hidden' });
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('open-chat');
  }, 30_000);
});

describe('a small screen (375×667)', () => {
  it('fills the screen with the open panel, holds the page still, and gives its scroll back exactly after closing', async () => {
    // the page's own inline overflow-x must survive
    const overflow = "document.body.style.overflowX = 'hidden';";
    const { page } = await visit(hostPage({ scripts: { 'overflow.js': overflow } }), { viewport: { width: 375, height: 667 } });
    await openWithLauncher(page);
    expect(await panel(page).boundingBox()).toEqual({ x: 0, y: 0, width: 375, height: 667 });
    // the app's own minimise closes it; the launcher would only cover the app
    expect(await launcher(page).isHidden()).toBe(true);
    const overflows = () => page.evaluate(() => [document.body.style.overflowX, document.body.style.overflowY]);
    expect(await overflows()).toEqual(['hidden', 'hidden']);

    await call(page, 'close');
    await panel(page).waitFor({ state: 'hidden' });
    expect(await overflows()).toEqual(['hidden', '']);
    expect(await launcher(page).isVisible()).toBe(true);
    await page.mouse.move(100, 300);
    await page.mouse.wheel(0, 800);
    await page.waitForFunction(() => window.scrollY > 0);
  }, 30_000);
});

describe('a host page with a strict CSP', () => {
  it("runs with the backend allowed only in script-src and frame-src, and breaks no rule", async () => {
    const csp = `default-src 'self'; script-src ${new URL(parley.url).origin}; frame-src ${new URL(parley.url).origin}; style-src 'self'`;
    const context = await browser.newContext({ viewport: DESKTOP });
    contexts.push(context);
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (message) => {
      if (isProblem(message)) problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(String(error)));
    // injected by the browser driver, so the page's CSP does not apply to this listener itself
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (event) => console.error(`CSP: ${event.violatedDirective} ${event.blockedURI}`));
    });
    await page.goto(hostPage({ bare: true, csp, tag: `data-site="demo" data-accent="#0f766e" data-position="left" ${identity('Strict Page')}` }));
    await openWithLauncher(page);
    await chat(page).locator(':focus').waitFor().catch(() => undefined);
    await launcher(page).click();
    await panel(page).waitFor({ state: 'hidden' });
    expect(problems).toEqual([]);
  }, 30_000);

  it('the example host page opens the chat from its own button, with no violations', async () => {
    const example = await serveHostPage({ port: 0, backendUrl: parley.url });
    try {
      await parley.repositories.sites.updateOrigins('demo', { add: [new URL(example.url).origin] });
      const context = await browser.newContext({ viewport: DESKTOP });
      contexts.push(context);
      const page = await context.newPage();
      const problems: string[] = [];
      page.on('console', (message) => {
        if (isProblem(message)) problems.push(message.text());
      });
      await page.addInitScript(() => {
        document.addEventListener('securitypolicyviolation', (event) => console.error(`CSP: ${event.violatedDirective} ${event.blockedURI}`));
      });
      await page.goto(example.url);
      await page.getByRole('button', { name: 'Ask the studio' }).click();
      await panel(page).waitFor({ state: 'visible' });
      expect(await launcher(page).evaluate((element) => getComputedStyle(element).backgroundColor)).toBe('rgb(47, 125, 115)');
      expect(problems).toEqual([]);
    } finally {
      await example.close();
    }
  }, 30_000);
});

describe('accessibility of the launcher', () => {
  it.each(['light', 'dark'] as const)('has no serious or critical axe-core violations (%s)', async (colorScheme) => {
    const { page } = await visit(hostPage({ tag: 'data-site="demo" data-accent="#2f7d73"' }), { colorScheme });
    await launcher(page).waitFor();
    // axe goes into open shadow roots: the launcher is checked as the host page's visitors meet it
    await page.evaluate(axe.source);
    const results = await page.evaluate(() => (window as unknown as { axe: { run(context: unknown): Promise<AxeResults> } }).axe.run({ include: [['#parley-widget']] }));
    const serious = results.violations.filter((v: Result) => v.impact === 'serious' || v.impact === 'critical').map((v: Result) => `${v.id}: ${v.help}`);
    expect(serious).toEqual([]);
    expect(results.passes.length).toBeGreaterThan(0);
  });
});
