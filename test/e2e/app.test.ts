import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Browser, BrowserContext, BrowserContextOptions, Frame, FrameLocator, Page } from 'playwright-core';
import type { AppMessage, AppSettings, HostMessage } from '../../widget/bridge';
import { type HostPage, serveHostPage } from '../../examples/host-page/serve';
import type { Parley } from '../../server/main';
import { launchChromium, seriousViolations } from '../helpers/browser';
import { chatClients, cutOff } from '../helpers/chat';
import { newAccount, startTestServerOn } from '../helpers/server';

// The app inside the panel, against the built bundle in real Chromium. Most tests embed it in a bare harness page
// that plays the loader's part of widget/bridge.ts (hello with settings, open, close, logout) and records what the
// app posts back; the keyboard, mobile and screenshot tests use the real loader on the example host page.
let parley: Parley;
let harness: Harness;
let hostPage: HostPage;
let browser: Browser;
const contexts: BrowserContext[] = [];
const clients = chatClients(() => parley);

beforeAll(async () => {
  // sign-up as in production: every account made through the forms solves a proof-of-work challenge, invisibly
  parley = await startTestServerOn('localhost', { PROOF_OF_WORK: 'on', PROOF_OF_WORK_MAX_NUMBER: '5000' });
  harness = await serveHarness(parley.url);
  hostPage = await serveHostPage({ port: 0, backendUrl: parley.url });
  await parley.repositories.sites.updateOrigins('demo', { add: [harness.origin, new URL(hostPage.url).origin] });
  browser = await launchChromium();
}, 60_000);

afterEach(() => clients.closeAll());

afterAll(async () => {
  for (const context of contexts) await context.close();
  await browser?.close();
  await harness?.close();
  await hostPage?.close();
  await parley?.close();
});

// ---- the harness: a host page of our own ---------------------------------------------------------------------

interface Harness {
  origin: string;
  url(options: { settings?: AppSettings; open?: boolean }): string;
  /** The real loader on a plain page, with these data-* attributes on its tag. */
  tagUrl(attributes: Record<string, string>): string;
  close(): Promise<void>;
}

/** Serves a page that embeds the app and speaks the loader's side of the bridge; no CSP, so it may run inline. */
async function serveHarness(backendUrl: string): Promise<Harness> {
  const page = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Harness</title>
<style>html, body { margin: 0; height: 100%; } iframe { display: block; width: 100%; height: 100%; border: 0; }</style>
</head><body><iframe id="chat" title="Parley chat"></iframe><script>
  const backend = ${JSON.stringify(backendUrl)};
  const query = new URLSearchParams(location.search);
  const frame = document.getElementById('chat');
  window.received = [];
  addEventListener('message', (event) => { if (event.origin === backend && event.source === frame.contentWindow) received.push(event.data); });
  window.post = (message) => frame.contentWindow.postMessage(message, backend);
  frame.addEventListener('load', () => {
    post({ type: 'parley:hello', settings: JSON.parse(query.get('settings') || '{}') });
    if (query.get('open') !== '0') post({ type: 'parley:open' });
  });
  frame.src = backend + '/widget/app?site=demo';
</script></body></html>`;
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://harness.invalid');
    response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
    response.end(url.pathname === '/tag' ? tagPage(backendUrl, url.searchParams) : page);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    url: ({ settings = {}, open = true }) => `${origin}/?settings=${encodeURIComponent(JSON.stringify(settings))}&open=${open ? 1 : 0}`,
    tagUrl: (attributes) => `${origin}/tag?${new URLSearchParams(attributes)}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/** A plain page with the real loader's tag, its data-* attributes from the query (`/tag?locale=es`). */
function tagPage(backendUrl: string, query: URLSearchParams): string {
  const escape = (value: string) => value.replace(/[&"<>]/g, (c) => `&#${c.charCodeAt(0)};`);
  const attributes = [...query].map(([name, value]) => ` data-${name.replace(/[^a-z-]/g, '')}="${escape(value)}"`).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>A page with the tag</title></head>
<body><main><h1>A page with the tag</h1></main>
<script src="${backendUrl}/widget.js" data-site="demo"${attributes} async></script></body></html>`;
}

interface Opened {
  page: Page;
  /** The app's frame, for evaluate(). */
  frame: Frame;
  chat: FrameLocator;
  /** What the app posted to the host so far. */
  received(): Promise<AppMessage[]>;
  post(message: HostMessage): Promise<void>;
}

async function newPage(options: BrowserContextOptions = {}): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 400, height: 640 }, ...options });
  contexts.push(context);
  const page = await context.newPage();
  page.on('pageerror', (error) => {
    throw error;
  });
  return page;
}

async function openApp(options: { settings?: AppSettings; open?: boolean; context?: BrowserContextOptions; page?: Page } = {}): Promise<Opened> {
  const page = options.page ?? (await newPage(options.context));
  await page.goto(harness.url(options));
  const chat = page.frameLocator('iframe[title="Parley chat"]');
  await chat.locator('.welcome, .room').first().waitFor();
  const frame = page.frames().find((f) => f.url().startsWith(`${parley.url}/widget/app`));
  if (!frame) throw new Error('the app frame did not load');
  return {
    page,
    frame,
    chat,
    received: () => page.evaluate(() => (window as unknown as { received: AppMessage[] }).received),
    post: (message) => page.evaluate((m) => (window as unknown as { post: (m: HostMessage) => void }).post(m), message),
  };
}

async function registerIn(chat: FrameLocator, account = newAccount('app')): Promise<typeof account> {
  await chat.getByRole('tab', { name: 'Create account' }).click();
  await chat.getByLabel('Username').fill(account.username);
  await chat.getByLabel('Display name').fill(account.displayName);
  await chat.getByLabel('Password').fill(account.password);
  await chat.getByRole('button', { name: 'Register' }).click();
  await composer(chat).and(chat.locator(':enabled')).waitFor();
  return account;
}

const composer = (chat: FrameLocator) => chat.getByRole('textbox', { name: 'Message' });
const log = (chat: FrameLocator) => chat.getByRole('log', { name: 'Messages' });

/** A room of its own for one test, so what other tests sent does not show. */
async function newRoom(name: string): Promise<string> {
  const id = `r-${randomUUID().slice(0, 8)}`;
  await parley.repositories.rooms.create('demo', id, name);
  return id;
}

/** Writes messages straight to the database, with the times given; the room's counter moves past them. */
async function seed(roomId: string, messages: Array<{ author: { id: string; displayName: string }; text: string; createdAt: Date }>): Promise<void> {
  let seq = 0;
  for (const message of messages) {
    seq += 1;
    const [stored] = await parley.repositories.messages.insertMany([{ siteId: 'demo', roomId, seq, clientMsgId: randomUUID(), ...message }]);
    if (stored instanceof Error) throw stored;
  }
  await parley.repositories.rooms.repairSeq('demo', roomId, seq);
}

async function userIdOf(username: string): Promise<string> {
  const user = await parley.repositories.users.findByUsername('demo', username);
  if (!user) throw new Error(`no user ${username}`);
  return user._id.toHexString();
}


/** Retries `check` on fresh values until it passes or `timeoutMs` runs out. */
async function eventually<T>(read: () => Promise<T>, check: (value: T) => void, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    try {
      check(value);
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const shots = process.env.UPDATE_DOCS_SCREENSHOT === '1' ? 'docs' : path.join('test', 'e2e', 'artifacts');

// ---- the message list ---------------------------------------------------------------------------------------

describe('the message list', () => {
  it('groups consecutive messages of one author and separates days', async () => {
    const roomId = await newRoom('Days');
    const ada = { id: 'ada-1', displayName: 'Ada Lovelace' };
    const bob = { id: 'bob-1', displayName: 'Bob Kahn' };
    // the browser's clock stands still at noon today, so "Today" and "Yesterday" do not depend on when this runs
    const noon = new Date();
    noon.setHours(12, 0, 0, 0);
    const at = (days: number, minutes: number) => new Date(noon.getTime() - days * 86_400_000 + minutes * 60_000);
    await seed(roomId, [
      { author: ada, text: 'three days ago, first', createdAt: at(3, 0) },
      { author: bob, text: 'yesterday, Bob', createdAt: at(1, 0) },
      { author: ada, text: 'today one', createdAt: at(0, -60) },
      { author: ada, text: 'today two', createdAt: at(0, -59) },
      { author: bob, text: 'today Bob', createdAt: at(0, -58) },
      { author: bob, text: 'today Bob again, much later', createdAt: at(0, -20) },
    ]);
    const page = await newPage();
    await page.clock.setFixedTime(noon);
    const { chat } = await openApp({ page, settings: { room: roomId } });
    await registerIn(chat);

    const days = log(chat).locator('.day');
    await days.first().waitFor();
    const year = at(3, 0).getFullYear() === noon.getFullYear() ? undefined : 'numeric';
    const weekday = new Intl.DateTimeFormat('en-US', { weekday: 'long', month: 'long', day: 'numeric', year }).format(at(3, 0));
    expect(await days.allTextContents()).toEqual([weekday, 'Yesterday', 'Today']);

    // the name line appears once per group: a new author, a new day, or more than a few minutes apart
    const authors = await log(chat).locator('.message').evaluateAll((items) =>
      items.map((item) => [item.querySelector('.message-author')?.textContent ?? '', item.querySelector('.message-text')?.textContent ?? '']),
    );
    expect(authors).toEqual([
      ['Ada Lovelace', 'three days ago, first'],
      ['Bob Kahn', 'yesterday, Bob'],
      ['Ada Lovelace', 'today one'],
      ['', 'today two'],
      ['Bob Kahn', 'today Bob'],
      ['Bob Kahn', 'today Bob again, much later'],
    ]);
    // every message has its time
    expect(await log(chat).locator('.message time').count()).toBe(6);
    expect(await log(chat).locator('.message time').first().getAttribute('datetime')).toBe(at(3, 0).toISOString());
  }, 30_000);

  it('links http and https addresses with safe attributes and leaves everything else as text', async () => {
    const roomId = await newRoom('Links');
    const { chat } = await openApp({ settings: { room: roomId } });
    await registerIn(chat);
    const other = await (await clients.member('linker')).chat.join(roomId);
    await other.send('Docs: https://example.com/docs?a=1&b=2. Or (see http://wiki.test/Foo_(bar)) and javascript:alert(1) <img src=x>');

    const line = log(chat).locator('.message-text').filter({ hasText: 'Docs:' });
    await line.waitFor();
    const links = line.getByRole('link');
    expect(await links.count()).toBe(2);
    expect(await links.nth(0).getAttribute('href')).toBe('https://example.com/docs?a=1&b=2');
    expect(await links.nth(0).textContent()).toBe('https://example.com/docs?a=1&b=2');
    expect(await links.nth(0).getAttribute('rel')).toBe('noopener noreferrer nofollow');
    expect(await links.nth(0).getAttribute('target')).toBe('_blank');
    expect(await links.nth(1).getAttribute('href')).toBe('http://wiki.test/Foo_(bar)');
    // the rest is text: no javascript: link, no element from the markup
    expect(await line.textContent()).toContain('javascript:alert(1) <img src=x>');
    expect(await line.locator('img').count()).toBe(0);
  }, 30_000);

  it('loads older messages when scrolled to the top and keeps the reader in place', async () => {
    const roomId = await newRoom('Long history');
    const author = { id: 'hist-1', displayName: 'Grace Hopper' };
    const start = Date.now() - 3 * 60 * 60_000;
    await seed(
      roomId,
      Array.from({ length: 120 }, (_, i) => ({ author, text: `history ${i + 1}`, createdAt: new Date(start + i * 60_000) })),
    );
    const { chat } = await openApp({ settings: { room: roomId } });
    await registerIn(chat);
    const messages = log(chat);
    await messages.getByText('history 120', { exact: true }).waitFor();
    // the join brings the latest 50
    expect(await messages.getByText('history 70', { exact: true }).count()).toBe(0);

    const offsetOf71 = () =>
      messages.evaluate((element) => {
        const item = [...element.querySelectorAll('.message-text')].find((p) => p.textContent === 'history 71')!;
        return item.getBoundingClientRect().top - element.getBoundingClientRect().top;
      });
    const before = await messages.evaluate((element) => {
      element.scrollTop = 0;
      const item = [...element.querySelectorAll('.message-text')].find((p) => p.textContent === 'history 71')!;
      return item.getBoundingClientRect().top - element.getBoundingClientRect().top;
    });
    await messages.getByText('history 21', { exact: true }).waitFor({ state: 'attached' });
    // the page went in above: what the reader looked at did not move
    expect(Math.abs((await offsetOf71()) - before)).toBeLessThanOrEqual(2);
    expect(await messages.evaluate((element) => element.scrollTop)).toBeGreaterThan(500);

    // the last page: the start of the conversation
    await messages.evaluate((element) => void (element.scrollTop = 0));
    await messages.getByText('history 1', { exact: true }).waitFor({ state: 'attached' });
    await messages.getByText('This is the start of the conversation.').waitFor({ state: 'attached' });
    expect(await messages.locator('.message').count()).toBe(120);
  }, 30_000);

  it('shows a "new messages" pill while scrolled up, which brings the reader down', async () => {
    const roomId = await newRoom('Pill');
    const author = { id: 'pill-1', displayName: 'Radia Perlman' };
    const start = Date.now() - 60 * 60_000;
    await seed(roomId, Array.from({ length: 40 }, (_, i) => ({ author, text: `old ${i + 1}`, createdAt: new Date(start + i * 30_000) })));
    const { chat } = await openApp({ settings: { room: roomId } });
    await registerIn(chat);
    const messages = log(chat);
    await messages.getByText('old 40', { exact: true }).waitFor();
    const other = await (await clients.member('pill')).chat.join(roomId);

    // at the bottom, a new message just shows
    await other.send('while at the bottom');
    await messages.getByText('while at the bottom').waitFor();
    expect(await chat.getByRole('button', { name: /new message/ }).count()).toBe(0);

    // scrolled up, and the app has seen the scroll (its handler runs on the same event) before anything arrives:
    // a message racing the scroll event would find the reader still at the bottom and scroll them down
    await messages.evaluate(
      (element) =>
        new Promise<void>((resolve) => {
          element.addEventListener('scroll', () => requestAnimationFrame(() => resolve()), { once: true });
          element.scrollTop = element.scrollHeight / 2;
        }),
    );
    await other.send('fresh one');
    await other.send('fresh two');
    const pill = chat.getByRole('button', { name: '2 new messages' });
    await pill.waitFor();
    await pill.click();
    await pill.waitFor({ state: 'detached' });
    expect(await messages.evaluate((e) => e.scrollHeight - e.scrollTop - e.clientHeight)).toBeLessThan(5);
  }, 60_000);
});

// ---- the composer -------------------------------------------------------------------------------------------

describe('the composer', () => {
  it('sends with Enter, adds a line with Shift+Enter, and counts characters near the limit', async () => {
    const roomId = await newRoom('Composer');
    const { chat } = await openApp({ settings: { room: roomId } });
    await registerIn(chat);
    const field = composer(chat);
    await field.pressSequentially('first line');
    await field.press('Shift+Enter');
    await field.pressSequentially('second line');
    expect(await field.inputValue()).toBe('first line\nsecond line');
    await field.press('Enter');
    const sent = log(chat).locator('.message-text').filter({ hasText: 'first line' });
    await sent.waitFor();
    expect(await sent.evaluate((p) => (p as HTMLElement).innerText)).toBe('first line\nsecond line');
    expect(await field.inputValue()).toBe('');

    // no counter far from the limit
    await field.fill('x'.repeat(3000));
    expect(await chat.locator('#composer-count').count()).toBe(0);
    await field.fill('x'.repeat(3600));
    await chat.getByText('400 characters left').waitFor();
    await field.fill('x'.repeat(3999));
    await chat.getByText('1 character left').waitFor();
    await field.fill('x'.repeat(4002));
    await chat.getByText('2 characters too many').waitFor();
    expect(await chat.getByRole('button', { name: 'Send' }).isDisabled()).toBe(true);
    expect(await field.getAttribute('aria-invalid')).toBe('true');
    // Enter does not send what the server would refuse
    await field.press('Enter');
    expect(await field.inputValue()).toHaveLength(4002);
  }, 30_000);

  it('is disabled with a banner while offline, and comes back by itself', async () => {
    const { chat } = await openApp({ settings: { room: await newRoom('Offline') } });
    const account = await registerIn(chat);
    const connection = cutOff(parley, await userIdOf(account.username));
    try {
      await chat.getByRole('status').filter({ hasText: 'You are offline. Reconnecting…' }).waitFor();
      expect(await composer(chat).isDisabled()).toBe(true);
    } finally {
      connection.reopen();
    }
    await chat.getByRole('status').filter({ hasText: 'offline' }).waitFor({ state: 'detached', timeout: 15_000 });
    await composer(chat).and(chat.locator(':enabled')).waitFor();
  }, 40_000);

  it('shows a message as sending until it is stored, and a failed one with Retry and Discard', async () => {
    const roomId = await newRoom('Pending');
    const { chat } = await openApp({ settings: { room: roomId } });
    const account = await registerIn(chat);
    const userId = await userIdOf(account.username);
    // the server holds this user's sends for a moment, or refuses them for now, as the test says
    let mode: 'slow' | 'refuse' | 'pass' = 'slow';
    for (const socket of parley.hub.io.of('/').sockets.values()) {
      if (socket.data.user?.id !== userId) continue;
      socket.use((packet, next) => {
        if (packet[0] !== 'message:send' || mode === 'pass') return next();
        if (mode === 'slow') return void setTimeout(next, 1_500);
        const ack: unknown = packet.at(-1);
        if (typeof ack === 'function') ack({ error: { code: 'rate_limited', message: 'too many messages; wait a moment', retryAfterMs: 1_000 } });
      });
    }

    const field = composer(chat);
    await field.fill('slow but sure');
    await field.press('Enter');
    const pending = log(chat).locator('.pending');
    await pending.filter({ hasText: 'slow but sure' }).filter({ hasText: 'Sending…' }).waitFor();
    // stored: the pending one is replaced by the message itself
    await pending.waitFor({ state: 'detached' });
    await log(chat).locator('.message:not(.pending)').filter({ hasText: 'slow but sure' }).waitFor();

    mode = 'refuse';
    await field.fill('try me again');
    await field.press('Enter');
    const failed = log(chat).locator('.pending.failed').filter({ hasText: 'try me again' });
    await failed.filter({ hasText: 'too many messages; wait a moment' }).waitFor();
    mode = 'pass';
    await failed.getByRole('button', { name: 'Retry' }).click();
    await failed.waitFor({ state: 'detached' });
    await log(chat).locator('.message:not(.pending)').filter({ hasText: 'try me again' }).waitFor();

    mode = 'refuse';
    await field.fill('never mind');
    await field.press('Enter');
    const discarded = log(chat).locator('.pending.failed').filter({ hasText: 'never mind' });
    await discarded.getByRole('button', { name: 'Discard' }).click();
    await discarded.waitFor({ state: 'detached' });
    expect(await log(chat).getByText('never mind').count()).toBe(0);
  }, 40_000);
});

// ---- the bridge -----------------------------------------------------------------------------------------------

describe('the bridge to the host page', () => {
  it('reports the session, each message and the unread count while the panel is closed', async () => {
    const roomId = await newRoom('Unread');
    const app = await openApp({ settings: { room: roomId }, open: false });
    await app.chat.getByRole('tab', { name: 'Create account' }).waitFor();
    const of = async <T extends AppMessage['type']>(type: T) =>
      (await app.received()).filter((m): m is Extract<AppMessage, { type: T }> => m.type === type);
    await eventually(async () => (await of('parley:session')).map((m) => m.signedIn), (value) => expect(value).toEqual([false]));

    await app.post({ type: 'parley:open' });
    await registerIn(app.chat);
    await eventually(async () => (await of('parley:session')).map((m) => m.signedIn), (value) => expect(value).toEqual([false, true]));

    // closed: messages from others count
    await app.post({ type: 'parley:close' });
    const other = await clients.member('unread');
    const room = await other.chat.join(roomId);
    await room.send('are you there?');
    await room.send('hello?');
    await eventually(async () => (await of('parley:unread')).map((m) => m.count), (value) => expect(value).toEqual([1, 2]));
    const summaries = (await of('parley:message')).map((m) => m.message);
    expect(summaries).toEqual([
      expect.objectContaining({ roomId, author: other.account.displayName, text: 'are you there?', own: false }),
      expect.objectContaining({ roomId, author: other.account.displayName, text: 'hello?', own: false }),
    ]);
    expect(summaries[1]!.seq).toBe(summaries[0]!.seq + 1);

    // opened: seen
    await app.post({ type: 'parley:open' });
    await eventually(async () => (await of('parley:unread')).map((m) => m.count), (value) => expect(value).toEqual([1, 2, 0]));

    // one's own messages are reported, never counted
    await composer(app.chat).fill('yes, here');
    await composer(app.chat).press('Enter');
    await eventually(async () => (await of('parley:message')).at(-1)?.message, (value) => expect(value).toEqual(expect.objectContaining({ text: 'yes, here', own: true })));
    expect((await of('parley:unread')).length).toBe(3);

    // open, but the tab is hidden: not seen either
    const setVisibility = (state: 'hidden' | 'visible') =>
      app.frame.evaluate((state) => {
        Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => state });
        document.dispatchEvent(new Event('visibilitychange'));
      }, state);
    await setVisibility('hidden');
    await room.send('knock knock');
    await eventually(async () => (await of('parley:unread')).map((m) => m.count), (value) => expect(value).toEqual([1, 2, 0, 1]));
    await setVisibility('visible');
    await eventually(async () => (await of('parley:unread')).map((m) => m.count), (value) => expect(value).toEqual([1, 2, 0, 1, 0]));

    // Esc inside the app asks the host to close the panel
    await composer(app.chat).press('Escape');
    await eventually(async () => (await of('parley:close')).length, (value) => expect(value).toBe(1));
    await room.send('after Esc');
    await eventually(async () => (await of('parley:unread')).at(-1)?.count, (value) => expect(value).toBe(1));

    // the host logs the user out
    await app.post({ type: 'parley:logout' });
    await app.chat.getByRole('button', { name: 'Log in' }).waitFor();
    await eventually(async () => (await of('parley:session')).map((m) => m.signedIn), (value) => expect(value).toEqual([false, true, false]));
    expect((await of('parley:unread')).at(-1)?.count).toBe(0);
  }, 40_000);
});

describe('the optional sound', () => {
  it('chimes for an unseen message from others only when the host turned sound on', async () => {
    const tones: Record<string, number> = {};
    for (const sound of [false, true]) {
      const roomId = await newRoom(`Sound ${sound}`);
      const page = await newPage();
      // counts the tones the app starts, in every frame
      await page.context().addInitScript(() => {
        const counted = window as unknown as { tones: number; AudioContext: typeof AudioContext };
        counted.tones = 0;
        counted.AudioContext = class extends AudioContext {
          override createOscillator(): OscillatorNode {
            counted.tones += 1;
            return super.createOscillator();
          }
        };
      });
      const app = await openApp({ page, settings: { room: roomId, sound } });
      await registerIn(app.chat);
      const room = await (await clients.member('sound')).chat.join(roomId);
      await room.send('seen: no sound');
      await log(app.chat).getByText('seen: no sound').waitFor();
      await app.post({ type: 'parley:close' });
      await room.send('unseen');
      await log(app.chat).getByText('unseen', { exact: true }).waitFor();
      // the chime is a lazy chunk, played once it has loaded: that may be after the message shows
      if (sound) await app.frame.waitForFunction(() => (window as unknown as { tones: number }).tones > 0);
      tones[String(sound)] = await app.frame.evaluate(() => (window as unknown as { tones: number }).tones);
    }
    expect(tones).toEqual({ false: 0, true: 1 });
  }, 40_000);
});

// ---- settings, locale, theme, accessibility ------------------------------------------------------------------

describe('slow mode and pause', () => {
  it('counts down to the next turn in slow mode, shows a paused room with the composer off, and stays accessible', async () => {
    const roomId = await newRoom('Calm');
    const admin = await clients.admin('calmkeeper');
    const { chat, frame } = await openApp({ settings: { room: roomId } });
    await registerIn(chat);
    const send = chat.getByRole('button', { name: 'Send' });

    await admin.chat.updateRoom(roomId, { slowModeSeconds: 3_600 });
    await chat.getByText('Slow mode: one message every 3,600 seconds').waitFor();
    await composer(chat).fill('my one message this hour');
    await composer(chat).press('Enter');
    await log(chat).locator('.message:not(.pending)').filter({ hasText: 'my one message this hour' }).waitFor();
    await chat.getByText(/^Slow mode: you can send again in 3,(5|6)\d\d seconds$/).waitFor();
    expect(await send.isDisabled()).toBe(true);
    // typing goes on; Enter sends nothing until the turn comes
    await composer(chat).fill('too soon');
    await composer(chat).press('Enter');
    expect(await composer(chat).inputValue()).toBe('too soon');
    expect(await seriousViolations(frame)).toEqual([]);

    await admin.chat.updateRoom(roomId, { paused: true });
    await chat.getByRole('status').filter({ hasText: 'This room is paused: only moderators can post right now.' }).waitFor();
    await composer(chat).and(chat.locator(':disabled')).waitFor();
    expect(await seriousViolations(frame)).toEqual([]);

    await admin.chat.updateRoom(roomId, { paused: false, slowModeSeconds: 0 });
    await chat.getByRole('status').filter({ hasText: 'paused' }).waitFor({ state: 'detached' });
    await chat.getByText(/^Slow mode/).waitFor({ state: 'detached' });
    await send.and(chat.locator(':enabled')).waitFor();
    await composer(chat).press('Enter');
    await log(chat).locator('.message:not(.pending)').filter({ hasText: 'too soon' }).waitFor();
  }, 40_000);
});

describe('reporting a message', () => {
  it('reports someone else\'s message from the keyboard, with a reason; at the site\'s threshold it shows as hidden', async () => {
    const roomId = await newRoom('Reports');
    await parley.repositories.sites.setReportHideAfter('demo', 1);
    try {
      const other = await clients.member('spammer');
      const otherRoom = await other.chat.join(roomId);
      const { chat, frame, page } = await openApp({ settings: { room: roomId } });
      await registerIn(chat);
      const sent = await otherRoom.send('cheap watches here');
      await log(chat).getByText('cheap watches here').waitFor();

      const button = chat.getByRole('button', { name: `Actions for the message from ${other.user.displayName}` });
      await button.focus();
      await page.keyboard.press('Enter');
      // the menu's first action has focus: React…, then Reply, then Report…
      await chat.getByRole('button', { name: 'React…' }).and(chat.locator(':focus')).waitFor();
      await page.keyboard.press('Tab');
      await chat.getByRole('button', { name: 'Reply', exact: true }).and(chat.locator(':focus')).waitFor();
      await page.keyboard.press('Tab');
      await chat.getByRole('button', { name: 'Report…' }).and(chat.locator(':focus')).waitFor();
      expect(await seriousViolations(frame)).toEqual([]);
      await page.keyboard.press('Enter');
      const reason = chat.getByLabel('Reason');
      await reason.and(chat.locator(':focus')).waitFor();
      expect(await seriousViolations(frame)).toEqual([]);
      await reason.selectOption('harassment');
      await chat.getByLabel('Details (optional)').fill('again and again');
      await chat.getByRole('button', { name: 'Send report' }).click();
      await chat.getByRole('status').filter({ hasText: 'Thanks. The moderators will take a look.' }).waitFor();
      const stored = (await parley.repositories.reports.open('demo')).filter((report) => report.roomId === roomId);
      expect(stored).toMatchObject([{ seq: sent.seq, reason: 'harassment', details: 'again and again' }]);

      // hidden for everyone at one report here: its menu button is gone, so focus goes to the list when the menu closes
      await log(chat).getByText('Hidden while moderators review it').waitFor();
      await chat.getByRole('button', { name: 'Close' }).press('Enter');
      await chat.locator('.message-menu').waitFor({ state: 'detached' });
      await log(chat).and(chat.locator(':focus')).waitFor();
      expect(await log(chat).getByText('cheap watches here').count()).toBe(0);
    } finally {
      await parley.repositories.sites.setReportHideAfter('demo', 3);
    }
  }, 40_000);

  it("cancels with Escape and gives focus back to the message's menu button", async () => {
    const roomId = await newRoom('Reports, cancelled');
    const other = await clients.member('chatter');
    const otherRoom = await other.chat.join(roomId);
    const { chat, page } = await openApp({ settings: { room: roomId } });
    await registerIn(chat);
    await otherRoom.send('a fine message');
    const button = chat.getByRole('button', { name: `Actions for the message from ${other.user.displayName}` });
    await button.click();
    await chat.getByRole('button', { name: 'Report…' }).click();
    await chat.getByLabel('Reason').and(chat.locator(':focus')).waitFor();
    await page.keyboard.press('Escape');
    await chat.locator('.message-menu').waitFor({ state: 'detached' });
    await button.and(chat.locator(':focus')).waitFor();
  }, 40_000);
});

describe('public rooms: readers, guests, the message menu', () => {
  // rooms open to visitors change what every later visitor of the site sees first: closed again after each test
  const opened: string[] = [];
  afterEach(async () => {
    for (const roomId of opened.splice(0)) await parley.repositories.rooms.update('demo', roomId, { access: null });
  });

  /** A room of its own whose access differs from the site's (members only). */
  async function openRoom(name: string, access: 'guests' | 'read-only'): Promise<string> {
    const roomId = await newRoom(name);
    await parley.repositories.rooms.update('demo', roomId, { access });
    opened.push(roomId);
    return roomId;
  }

  it('lets a visitor read a read-only room live with no session and nothing stored, then sign in to chat', async () => {
    const roomId = await openRoom('Announcements', 'read-only');
    const other = await clients.member('announcer');
    const otherRoom = await other.chat.join(roomId);
    await otherRoom.send('welcome, readers');
    const page = await newPage();
    // every answer of the backend while the visitor only reads: none may set a cookie
    const cookieHeaders: string[] = [];
    page.on('response', (response) => {
      if (response.url().startsWith(parley.url)) void response.headerValue('set-cookie').then((value) => value && cookieHeaders.push(value));
    });
    const { chat, frame } = await openApp({ settings: { room: roomId }, page });

    await log(chat).getByText('welcome, readers').waitFor();
    await otherRoom.send('live for readers');
    await log(chat).getByText('live for readers').waitFor();
    await chat.getByText('1 online').waitFor();
    const signIn = chat.getByRole('button', { name: 'Sign in to chat' });
    await signIn.waitFor();
    // a reader gets no message menu and no composer
    expect(await chat.getByRole('button', { name: /^Actions for the message from / }).count()).toBe(0);
    expect(await composer(chat).count()).toBe(0);
    expect(await seriousViolations(frame)).toEqual([]);
    expect(cookieHeaders).toEqual([]);
    expect(await page.context().cookies()).toEqual([]);
    // storage the browser denies a framed page counts as empty: nothing could have been kept there
    expect(await frame.evaluate(() => {
      try {
        return localStorage.length + sessionStorage.length;
      } catch {
        return 0;
      }
    })).toBe(0);

    // the visitor acts: the forms, and back; then an account, and the room to chat in
    await signIn.click();
    await chat.getByLabel('Username').waitFor();
    expect(await chat.getByRole('tab', { name: 'Guest' }).count()).toBe(0);
    await chat.getByRole('button', { name: 'Back to the chat' }).click();
    await log(chat).getByText('live for readers').waitFor();
    await signIn.click();
    await registerIn(chat);
    await composer(chat).fill('now I can talk');
    await composer(chat).press('Enter');
    await log(chat).locator('.message:not(.pending)').filter({ hasText: 'now I can talk' }).waitFor();
  }, 40_000);

  it("lets a guest chat under a chosen name, shown as a guest, and words a refusal in the visitor's language", async () => {
    const roomId = await openRoom('Open house', 'guests');
    const admin = await clients.admin('owner');
    const { chat, frame } = await openApp({ settings: { room: roomId } });
    await chat.getByRole('button', { name: 'Sign in to chat' }).click();
    await chat.getByRole('tab', { name: 'Guest' }).click();
    const name = `Visitor ${randomUUID().slice(0, 6)}`;
    await chat.getByLabel('Display name').fill(name);
    expect(await seriousViolations(frame)).toEqual([]);
    await chat.getByRole('button', { name: 'Chat as a guest' }).click();
    await composer(chat).and(chat.locator(':enabled')).waitFor();
    await chat.getByRole('list', { name: 'Online' }).locator('.online-user').filter({ hasText: name }).locator('.guest-tag').filter({ hasText: '(guest)' }).waitFor();
    expect(await seriousViolations(frame)).toEqual([]);
    await composer(chat).fill('hello from a guest');
    await composer(chat).press('Enter');
    await log(chat).locator('.message:not(.pending)').filter({ hasText: 'hello from a guest' }).waitFor();

    await admin.chat.updateSettings({ postingRights: { links: 'member' } });
    try {
      await composer(chat).fill('see example.com');
      await composer(chat).press('Enter');
      await log(chat).locator('.pending.failed').filter({ hasText: 'Links are not allowed for your rank on this site.' }).waitFor();
    } finally {
      await admin.chat.updateSettings({ postingRights: { links: 'guest' } });
    }
  }, 40_000);

  it("blocks someone from a message's menu: gone for the blocker only, back on Undo", async () => {
    const roomId = await newRoom('Blocking');
    const pest = await clients.member('pest');
    const pestRoom = await pest.chat.join(roomId);
    const witness = await clients.member('witness');
    const witnessRoom = await witness.chat.join(roomId);
    const { chat, frame } = await openApp({ settings: { room: roomId } });
    await registerIn(chat);
    await pestRoom.send('first annoying thing');
    await log(chat).getByText('first annoying thing').waitFor();

    await chat.getByRole('button', { name: `Actions for the message from ${pest.user.displayName}` }).click();
    expect(await seriousViolations(frame)).toEqual([]);
    // members get no moderator actions
    expect(await chat.getByRole('button', { name: 'Delete message' }).count()).toBe(0);
    await chat.getByRole('button', { name: `Block ${pest.user.displayName}` }).click();
    await chat.getByRole('status').filter({ hasText: `You blocked ${pest.user.displayName}` }).waitFor();
    await log(chat).getByText('first annoying thing').waitFor({ state: 'detached' });
    const later = await pestRoom.send('second annoying thing');
    await witnessRoom.send('the witness speaks');
    await log(chat).getByText('the witness speaks').waitFor();
    expect(await log(chat).getByText('second annoying thing').count()).toBe(0);
    expect((await witnessRoom.history({ limit: 5 })).map((m) => m.seq)).toContain(later.seq);

    await chat.getByRole('button', { name: 'Undo' }).click();
    await log(chat).getByText('second annoying thing').waitFor();
  }, 40_000);

  it("gives moderators delete, mute and ban in a message's menu", async () => {
    const roomId = await newRoom('Moderated');
    const troll = await clients.member('troll');
    const trollRoom = await troll.chat.join(roomId);
    // a moderator from the start: a rank given later applies from the next sign-in
    const admin = await clients.admin('chief');
    const { account: moderator } = await clients.member('mod');
    await parley.repositories.users.setRole('demo', moderator.username, 'moderator');
    const { chat, frame } = await openApp({ settings: { room: roomId } });
    await chat.getByLabel('Username').fill(moderator.username);
    await chat.getByLabel('Password').fill(moderator.password);
    await chat.getByRole('button', { name: 'Log in' }).click();
    await composer(chat).and(chat.locator(':enabled')).waitFor();

    const bad = await trollRoom.send('something awful');
    await log(chat).getByText('something awful').waitFor();
    const menu = chat.getByRole('button', { name: `Actions for the message from ${troll.user.displayName}` });
    await menu.click();
    await chat.getByRole('button', { name: 'Delete message' }).click();
    await chat.getByRole('status').filter({ hasText: 'Message deleted.' }).waitFor();
    await log(chat).getByText('Message deleted').waitFor();
    await chat.getByRole('button', { name: 'Close' }).click();
    expect((await trollRoom.history({ limit: 5 })).find((m) => m.seq === bad.seq)?.deletedAt).toBeTruthy();

    await trollRoom.send('more of it');
    await log(chat).getByText('more of it').waitFor();
    await menu.click();
    await chat.getByRole('button', { name: 'Mute for 10 minutes' }).click();
    await chat.getByRole('status').filter({ hasText: `${troll.user.displayName} is muted in this room for 10 minutes.` }).waitFor();
    await expect(trollRoom.send('muted now')).rejects.toMatchObject({ code: 'forbidden', reason: 'muted' });
    await chat.getByRole('button', { name: 'Close' }).click();

    await menu.click();
    await chat.getByRole('button', { name: `Ban ${troll.user.displayName}…` }).click();
    expect(await seriousViolations(frame)).toEqual([]);
    await chat.getByRole('button', { name: `Ban ${troll.user.displayName}`, exact: true }).click();
    await chat.getByRole('status').filter({ hasText: `${troll.user.displayName} is banned.` }).waitFor();
    const actions = (await admin.chat.moderationLog({ limit: 3 })).map((entry) => entry.action);
    expect(actions).toEqual(['user.ban', 'user.mute', 'message.delete']);
  }, 40_000);
});

describe('settings, locale and theme', () => {
  it('speaks Spanish, with the host title and accent, when the host says so', async () => {
    const roomId = await newRoom('Sala');
    const { chat, frame } = await openApp({ settings: { room: roomId, locale: 'es', title: 'Soporte', accent: '#0f766e' } });
    expect(await frame.evaluate(() => document.documentElement.lang)).toBe('es');
    await chat.getByRole('tab', { name: 'Crear cuenta' }).click();
    await chat.getByLabel('Nombre de usuario').fill(newAccount('es').username);
    await chat.getByLabel('Nombre visible').fill(`Lucía ${randomUUID().slice(0, 4)}`);
    await chat.getByLabel('Contraseña').fill('una contraseña larga');
    await chat.getByRole('button', { name: 'Registrarse' }).click();
    await chat.getByRole('textbox', { name: 'Mensaje' }).and(chat.locator(':enabled')).waitFor();
    await chat.getByRole('heading', { name: 'Soporte' }).waitFor();
    await chat.getByText('1 en línea').waitFor();
    await chat.getByRole('textbox', { name: 'Mensaje' }).fill('¡Hola!');
    await chat.getByRole('textbox', { name: 'Mensaje' }).press('Enter');
    await chat.getByRole('log', { name: 'Mensajes' }).locator('.day').filter({ hasText: 'Hoy' }).waitFor();
    await chat.getByRole('button', { name: 'Cerrar sesión' }).waitFor();
    // the accent is applied through CSSOM (the page's CSP allows no inline styles)
    expect(await frame.evaluate(() => getComputedStyle(document.querySelector('.panel-header')!).backgroundColor)).toBe('rgb(15, 118, 110)');
    expect(await seriousViolations(frame)).toEqual([]);
  }, 30_000);

  it('has no serious accessibility violations on the login form and the open chat, in light mode', async () => {
    await expectAccessible('light');
  }, 40_000);

  it('has a full dark palette with no serious accessibility violations', async () => {
    const frame = await expectAccessible('dark');
    expect(await frame.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe('rgb(17, 24, 39)');
  }, 40_000);

  it('keeps text readable on and around a light accent colour, in light and dark mode', async () => {
    for (const colorScheme of ['light', 'dark'] as const) {
      const frame = await expectAccessible(colorScheme, '#facc15');
      // dark text on the yellow header, not white
      expect(await frame.evaluate(() => getComputedStyle(document.querySelector('.panel-header')!).color)).toBe('rgb(17, 24, 39)');
    }
  }, 60_000);
});

/** axe on the login form (with an inline error) and on a chat with others' and own messages, links, days, pending. */
async function expectAccessible(colorScheme: 'light' | 'dark', accent?: string): Promise<Frame> {
  const roomId = await newRoom(`Axe ${colorScheme}`);
  await seed(roomId, [
    { author: { id: 'axe-1', displayName: 'Katherine Johnson' }, text: 'Yesterday: see https://example.com', createdAt: new Date(Date.now() - 86_400_000) },
  ]);
  const { chat, frame } = await openApp({ settings: { room: roomId, ...(accent ? { accent } : {}) }, context: { colorScheme } });
  expect(await frame.evaluate(() => matchMedia('(prefers-color-scheme: dark)').matches)).toBe(colorScheme === 'dark');
  await chat.getByRole('button', { name: 'Log in' }).click();
  await chat.getByRole('alert').first().waitFor();
  expect(await seriousViolations(frame)).toEqual([]);

  await registerIn(chat);
  const other = await clients.member('axe');
  const room = await other.chat.join(roomId);
  await room.send('Hello from the other side');
  await composer(chat).fill('My own message, with http://example.org/a');
  await composer(chat).press('Enter');
  await log(chat).getByText('Hello from the other side').waitFor();
  await log(chat).locator('.message.own').waitFor();
  await composer(chat).fill('x'.repeat(3600)); // the counter
  expect(await seriousViolations(frame)).toEqual([]);
  return frame;
}

// ---- with the real loader ---------------------------------------------------------------------------------------

describe('in the example host page', () => {
  async function openHostPage(options: BrowserContextOptions): Promise<{ page: Page; chat: FrameLocator }> {
    const page = await newPage(options);
    await page.goto(hostPage.url);
    await page.getByRole('button', { name: 'Open chat' }).click();
    return { page, chat: page.frameLocator('iframe[title="Parley chat"]') };
  }

  it('speaks the language of data-locale', async () => {
    const page = await newPage({ viewport: { width: 1100, height: 760 }, locale: 'en-US' });
    await page.goto(harness.tagUrl({ locale: 'es' }));
    await page.getByRole('button', { name: 'Abrir chat' }).click();
    const chat = page.frameLocator('iframe[title="Parley chat"]');
    await chat.getByRole('tab', { name: 'Crear cuenta' }).waitFor();
    await chat.getByRole('heading', { name: 'Chat' }).waitFor();
    await chat.getByText('Habla con nosotros y con otros visitantes').waitFor();
    const frame = page.frames().find((f) => f.url().startsWith(`${parley.url}/widget/app`))!;
    expect(await frame.evaluate(() => [document.documentElement.lang, document.title])).toEqual(['es', 'Chat de Parley']);
    await chat.getByRole('button', { name: 'Iniciar sesión' }).click();
    // the server's reason stays as it came, in English
    await chat.getByRole('alert').first().waitFor();
    await page.context().close();
  }, 30_000);

  it('fills a 375×667 phone screen (and draws the README pictures: desktop light and dark, mobile)', async () => {
    // readable names in the pictures: this file's server has a database of its own, so they cannot clash
    const ada = { ...newAccount('ada'), displayName: 'Ada Lovelace' };
    const grace = clients.client();
    await grace.register({ ...newAccount('grace'), displayName: 'Grace Hopper' });
    const graceRoom = await grace.join('general');

    for (const [colorScheme, file] of [
      ['light', 'widget-light.png'],
      ['dark', 'widget-dark.png'],
    ] as const) {
      const { page, chat } = await openHostPage({ viewport: { width: 1100, height: 760 }, colorScheme });
      if (colorScheme === 'light') await registerIn(chat, ada);
      else {
        await chat.getByLabel('Username').fill(ada.username);
        await chat.getByLabel('Password').fill(ada.password);
        await chat.getByRole('button', { name: 'Log in' }).click();
        await composer(chat).and(chat.locator(':enabled')).waitFor();
      }
      if (colorScheme === 'light') {
        await graceRoom.send('Hi! Does the harbour bowl go in the dishwasher?');
        await log(chat).getByText('harbour bowl').waitFor();
        await composer(chat).fill('It does, and in the oven too. Care guide: https://example.com/care');
        await composer(chat).press('Enter');
        await graceRoom.send('Perfect, thank you!');
        await log(chat).getByText('Perfect, thank you!').waitFor();
      }
      await log(chat).getByText('Perfect, thank you!').waitFor();
      await mkdir(shots, { recursive: true });
      await page.screenshot({ path: path.join(shots, file) });
    }

    const { page, chat } = await openHostPage({ viewport: { width: 375, height: 667 }, isMobile: true, hasTouch: true });
    await chat.getByLabel('Username').fill(ada.username);
    await chat.getByLabel('Password').fill(ada.password);
    await chat.getByRole('button', { name: 'Log in' }).click();
    await log(chat).getByText('Perfect, thank you!').waitFor();
    const frame = page.frames().find((f) => f.url().startsWith(`${parley.url}/widget/app`))!;
    const layout = await frame.evaluate(() => {
      const rect = (selector: string) => document.querySelector(selector)!.getBoundingClientRect();
      return {
        width: innerWidth,
        height: innerHeight,
        overflowX: document.documentElement.scrollWidth - innerWidth,
        header: rect('.panel-header').top,
        composerBottom: rect('.composer').bottom,
        sendRight: rect('.send').right,
      };
    });
    // the panel is the screen, and nothing spills sideways or below
    expect(layout).toEqual(expect.objectContaining({ width: 375, height: 667, overflowX: 0, header: 0 }));
    expect(layout.composerBottom).toBeLessThanOrEqual(667);
    expect(layout.sendRight).toBeLessThanOrEqual(375);
    await page.screenshot({ path: path.join(shots, 'widget-mobile.png') });
  }, 60_000);

  it('works with the keyboard alone: open, sign in, send, Esc back to the launcher', async () => {
    const account = (await clients.member('keys')).account;
    const page = await newPage({ viewport: { width: 1100, height: 760 } });
    await page.goto(hostPage.url);
    const launcher = page.getByRole('button', { name: 'Open chat' });
    await launcher.waitFor();
    for (let i = 0; i < 30 && !(await launcher.evaluate((button) => button.matches(':focus'))); i += 1) await page.keyboard.press('Tab');
    expect(await launcher.evaluate((button) => button.matches(':focus'))).toBe(true);
    await page.keyboard.press('Enter');

    const chat = page.frameLocator('iframe[title="Parley chat"]');
    await chat.getByLabel('Username').and(chat.locator(':focus')).waitFor();
    await page.keyboard.type(account.username);
    await page.keyboard.press('Tab');
    await page.keyboard.type(account.password);
    await page.keyboard.press('Enter');

    await composer(chat).and(chat.locator(':focus')).waitFor();
    await page.keyboard.type('typed without a mouse');
    await page.keyboard.press('Enter');
    await log(chat).getByText('typed without a mouse').waitFor();
    // stored, not pending: its menu button is there, so the walks below count the same buttons both ways
    await log(chat).getByRole('button', { name: `Actions for the message from ${account.displayName}` }).waitFor();

    // backwards from the composer: links in messages, the log, the online list, the header's buttons
    const order: string[] = [];
    while (order.at(-1) !== 'Log out' && order.length < 200) {
      await page.keyboard.press('Shift+Tab');
      order.push(await chat.locator(':focus').evaluate((e) => e.getAttribute('aria-label') ?? e.textContent ?? ''));
    }
    const atLog = order.indexOf('Messages');
    expect(order.slice(atLog)).toEqual(['Messages', 'Online', 'Minimise chat', 'Log out']);
    // inside the log: its links, and a menu button per message from someone else
    expect(order.slice(0, atLog).every((label) => label.startsWith('https://') || label.startsWith('Actions for the message from '))).toBe(true);
    // and forwards again, back to the composer
    for (let i = 0; i < order.length; i += 1) await page.keyboard.press('Tab');
    await composer(chat).and(chat.locator(':focus')).waitFor();

    await page.keyboard.press('Escape');
    await page.getByRole('button', { name: 'Open chat' }).waitFor();
    expect(await page.getByRole('button', { name: 'Open chat' }).evaluate((button) => button.matches(':focus'))).toBe(true);
    await page.context().close();
  }, 40_000);
});
