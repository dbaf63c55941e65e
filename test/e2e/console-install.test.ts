import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Browser, BrowserContext, BrowserContextOptions, FrameLocator, Page } from 'playwright-core';
import type { SessionResponse } from '../../sdk/protocol';
import { createSite } from '../../server/db';
import type { Parley } from '../../server/main';
import { launchChromium, seriousViolations } from '../helpers/browser';
import { signInToConsole } from '../helpers/console';
import { type HostPages, serveHostPages } from '../helpers/host-pages';
import { startTestServerOn } from '../helpers/server';

// The Install section (console/pages/install.tsx) in real Chromium against the built console: the tag made
// from the options, its live preview, the tag copied into a website's page, the identity code (run as copied: Node,
// and Python where installed) with the secret shown on demand, and rotating the secret.
const run = promisify(execFile);
let parley: Parley;
let pages: HostPages;
let browser: Browser;
let scratch: string;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  parley = await startTestServerOn('localhost');
  pages = await serveHostPages(parley.url);
  browser = await launchChromium();
  scratch = await mkdtemp(path.join(tmpdir(), 'parley-install-'));
}, 60_000);
afterAll(async () => {
  for (const context of contexts) await context.close();
  await browser?.close();
  await pages?.close();
  await parley?.close();
  await rm(scratch, { recursive: true, force: true });
});

async function newSite() {
  const id = `shop-${randomBytes(3).toString('hex')}`;
  await createSite(parley.repositories, { id, name: `Shop ${id}`, allowedOrigins: [pages.origin] });
  return id;
}

async function newPage(options: BrowserContextOptions = {}): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1100, height: 900 }, ...options });
  contexts.push(context);
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: parley.url });
  const page = await context.newPage();
  page.on('pageerror', (error) => {
    throw error;
  });
  return page;
}

async function installPage(siteId: string, role: 'owner' | 'admin', options: BrowserContextOptions = {}, heading = 'Put the chat on your site'): Promise<Page> {
  const page = await newPage(options);
  await (await signInToConsole(parley, siteId, role)).addTo(page.context());
  await page.goto(`${parley.url}/console/#/sites/${siteId}/install`);
  await page.getByRole('heading', { name: heading }).waitFor();
  return page;
}

const tagOf = async (page: Page) => (await page.locator('#install-tag').textContent()) ?? '';
const preview = (page: Page) => page.frameLocator('iframe[title="Preview: a page with this tag"]');
const chatIn = (frame: FrameLocator) => frame.frameLocator('iframe[title="Parley chat"]');

/** Copies with the button named `label`, and reads the clipboard. */
async function copy(page: Page, label: string): Promise<string> {
  await page.getByRole('button', { name: label }).click();
  await page.getByRole('status').filter({ hasText: 'Copied to the clipboard.' }).first().waitFor();
  return page.evaluate(() => navigator.clipboard.readText());
}

/** Where the element is across its frame: 0 at the left edge, 1 at the right. */
async function across(page: Page, frame: string, element: ReturnType<FrameLocator['locator']>): Promise<number> {
  const outer = await page.locator(frame).boundingBox();
  const inner = await element.boundingBox();
  if (!outer || !inner) throw new Error('not laid out');
  return (inner.x + inner.width / 2 - outer.x) / outer.width;
}

const identify = async (siteId: string, token: string) => {
  const response = await fetch(`${parley.url}/api/sites/${siteId}/identify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token }) });
  return { status: response.status, body: (await response.json()) as SessionResponse };
};

/** Runs a copied snippet as the site's server would, with the secret in its environment; prints a token. */
async function runSnippet(file: string, code: string, call: string, command: string, secret: string): Promise<string> {
  const script = path.join(scratch, file);
  await writeFile(script, `${code}\n\n${call}\n`);
  const { stdout } = await run(command, [script], { env: { ...process.env, PARLEY_IDENTITY_SECRET: secret } });
  return stdout.trim();
}

const hasPython = run('python3', ['--version']).then(
  () => true,
  () => false,
);

describe('the tag', () => {
  it('is made from the options, shown live in the preview, and copied', async () => {
    const siteId = await newSite();
    const page = await installPage(siteId, 'owner');
    expect(await tagOf(page)).toBe(`<script src="${parley.url}/widget.js" data-site="${siteId}" async></script>`);
    const frame = preview(page);
    const launcher = frame.getByRole('button', { name: 'Open chat' });
    await launcher.waitFor();
    expect(await across(page, '.install-preview', launcher)).toBeGreaterThan(0.5);
    expect(await seriousViolations(page)).toEqual([]);

    await page.getByLabel('Bottom left').check();
    await page.getByLabel('Accent colour as #rrggbb').fill('#0f766e');
    await page.getByLabel('Language').selectOption('es');
    await page.getByLabel('Panel title (optional)').fill('Ayuda & "Soporte"');
    expect(await tagOf(page)).toBe(
      `<script src="${parley.url}/widget.js" data-site="${siteId}" data-position="left" data-accent="#0f766e" data-locale="es" data-title="Ayuda &amp; &quot;Soporte&quot;" async></script>`,
    );

    // the preview follows: a Spanish launcher on the left in the accent colour, and the panel under that title
    const spanish = frame.getByRole('button', { name: 'Abrir chat' });
    await spanish.waitFor();
    expect(await across(page, '.install-preview', spanish)).toBeLessThan(0.5);
    expect(await spanish.evaluate((element) => getComputedStyle(element).backgroundColor)).toBe('rgb(15, 118, 110)');
    // the launcher is fixed in the frame: the page scrolls to the frame, the frame cannot bring it closer
    await page.locator('.install-preview').scrollIntoViewIfNeeded();
    await spanish.click();
    await chatIn(frame).getByRole('heading', { name: 'Ayuda & "Soporte"' }).waitFor();

    expect(await copy(page, 'Copy the snippet')).toBe(await tagOf(page));

    // no launcher: the site opens the chat itself, as the console's button does in the preview
    await page.getByLabel('No bubble').check();
    expect(await tagOf(page)).toContain('data-launcher="hidden" async></script>');
    // the preview's new page, once the loader has run there
    await frame.locator('script[data-launcher="hidden"]').waitFor({ state: 'attached' });
    await frame.locator('#parley-widget').waitFor({ state: 'attached' });
    expect(await frame.locator('#parley-widget .launcher').isHidden()).toBe(true);
    await page.getByRole('button', { name: 'Open the chat in the preview' }).click();
    await chatIn(frame).getByRole('heading', { name: 'Ayuda & "Soporte"' }).waitFor();

    // open on load: the new preview page opens the panel by itself
    await page.getByLabel('Open the panel when the page loads').check();
    expect(await tagOf(page)).toContain('data-launcher="hidden" data-open="true" async></script>');
    await frame.locator('script[data-open="true"]').waitFor({ state: 'attached' });
    await chatIn(frame).getByRole('heading', { name: 'Ayuda & "Soporte"' }).waitFor();

    // a colour the white icon cannot be read on is pointed out; one that is not a colour stays out of the tag
    await page.getByLabel('Accent colour as #rrggbb').fill('#fde047');
    await page.getByText('pick a darker colour').waitFor();
    await page.getByLabel('Accent colour as #rrggbb').fill('#fde04');
    await page.getByText('Write the colour as #rgb or #rrggbb.').waitFor();
    expect(await tagOf(page)).toContain('data-accent="#fde047"');
    expect(await seriousViolations(page)).toEqual([]);
  }, 90_000);

  it("loads the widget with its options when pasted into a page of the site's allowed origin", async () => {
    const siteId = await newSite();
    const page = await installPage(siteId, 'owner');
    await page.getByLabel('Bottom left').check();
    await page.getByLabel('Panel title (optional)').fill('Talk to us');
    const tag = await copy(page, 'Copy the snippet');
    expect(tag).toBe(`<script src="${parley.url}/widget.js" data-site="${siteId}" data-position="left" data-title="Talk to us" async></script>`);

    const website = pages.add({ 'index.html': `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title></head><body><h1>Shop</h1>\n${tag}\n</body></html>` });
    const visitor = await newPage();
    await visitor.goto(website);
    const launcher = visitor.getByRole('button', { name: 'Open chat' });
    await launcher.waitFor();
    expect((await launcher.boundingBox())?.x).toBe(16);
    await launcher.click();
    await visitor.frameLocator('iframe[title="Parley chat"]').getByRole('heading', { name: 'Talk to us' }).waitFor();
  }, 60_000);
});

describe('signing users in', () => {
  it("shows the secret only after Show secret, and the copied code signs tokens the server takes; rotating says what breaks and does it", async () => {
    const siteId = await newSite();
    const secret = (await parley.repositories.sites.findById(siteId))!.identitySecret;
    const page = await installPage(siteId, 'owner');
    const shown = page.locator('#identity-secret');
    expect(await shown.textContent()).toBe('<hidden>');
    expect(await page.locator('.install').last().textContent()).not.toContain(secret);

    await page.getByRole('button', { name: 'Show secret' }).click();
    await page.getByRole('button', { name: 'Hide secret' }).waitFor();
    expect(await shown.textContent()).toBe(secret);
    const node = await copy(page, 'Copy the Node.js code');
    expect(node).toContain(`PARLEY_IDENTITY_SECRET=${secret}`);
    const fromNode = await runSnippet('token.mjs', node, "console.log(parleyToken({ id: 'crm-7', name: 'Ada Lovelace' }));", 'node', secret);
    expect(await identify(siteId, fromNode)).toMatchObject({ status: 200, body: { user: { displayName: 'Ada Lovelace' } } });
    if (await hasPython) {
      const python = await copy(page, 'Copy the Python code');
      const fromPython = await runSnippet('token.py', python, 'print(parley_token(8, "Zoé Python"))', 'python3', secret);
      expect(await identify(siteId, fromPython)).toMatchObject({ status: 200, body: { user: { displayName: 'Zoé Python' } } });
    }
    expect((await parley.repositories.moderation.list(siteId, undefined, 10)).map((entry) => entry.action)).toEqual(['site.secret.view']);
    expect(await seriousViolations(page)).toEqual([]);

    // rotating: what breaks first, the site id typed again, Esc backs out
    const rotate = page.getByRole('button', { name: 'Rotate secret…' });
    await rotate.click();
    const confirm = page.getByRole('form', { name: `Rotate the identity secret of Shop ${siteId}?` });
    await confirm.getByText('signed with the current secret stop working at once').waitFor();
    await confirm.getByText('Members already signed in stay signed in.').waitFor();
    await page.keyboard.press('Escape');
    await confirm.waitFor({ state: 'detached' });
    await rotate.and(page.locator(':focus')).waitFor();
    await rotate.press('Enter');
    const field = confirm.getByLabel('Site id to confirm');
    await field.and(page.locator(':focus')).waitFor();
    await field.fill('not-the-id');
    expect(await confirm.getByRole('button', { name: 'Rotate the secret' }).isDisabled()).toBe(true);
    await field.fill(siteId);
    await confirm.getByRole('button', { name: 'Rotate the secret' }).click();
    await page.getByRole('status').filter({ hasText: 'The secret was rotated' }).waitFor();
    const rotated = (await parley.repositories.sites.findById(siteId))!.identitySecret;
    expect(rotated).not.toBe(secret);
    expect(await shown.textContent()).toBe(rotated);
    expect(await page.locator('pre').filter({ hasText: 'createHmac' }).textContent()).toContain(`PARLEY_IDENTITY_SECRET=${rotated}`);
    await rotate.and(page.locator(':focus')).waitFor();
    // what the old secret signed is refused now
    expect((await identify(siteId, fromNode)).status).toBe(401);
    expect(await seriousViolations(page)).toEqual([]);
  }, 90_000);

  it('works on a phone in dark mode, and admins see the code without the secret (here in Spanish)', async () => {
    const siteId = await newSite();
    const phone = { viewport: { width: 375, height: 760 }, colorScheme: 'dark' as const };
    const owner = await installPage(siteId, 'owner', phone);
    await owner.getByRole('button', { name: 'Show secret' }).click();
    await owner.getByRole('button', { name: 'Hide secret' }).waitFor();
    await owner.getByRole('button', { name: 'Rotate secret…' }).click();
    await preview(owner).getByRole('button', { name: 'Open chat' }).waitFor();
    expect(await seriousViolations(owner)).toEqual([]);
    // nothing wider than the phone's screen
    expect(await owner.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);

    const admin = await installPage(siteId, 'admin', { ...phone, locale: 'es-ES' }, 'Pon el chat en tu sitio');
    await admin.getByText('Solo los propietarios del sitio ven y cambian el secreto de identidad').waitFor();
    expect(await admin.locator('#identity-secret').textContent()).toBe('<oculto>');
    expect(await admin.locator('pre').filter({ hasText: 'createHmac' }).textContent()).toContain('// Solo en tu servidor, nunca en una página. Su entorno: PARLEY_IDENTITY_SECRET=<oculto>');
    expect(await admin.getByRole('button', { name: 'Mostrar el secreto' }).count()).toBe(0);
    expect(await admin.getByRole('button', { name: 'Cambiar el secreto…' }).count()).toBe(0);
    await admin.getByRole('button', { name: 'Copiar el fragmento' }).waitFor();
    expect(await seriousViolations(admin)).toEqual([]);
    expect(await admin.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
  }, 60_000);
});
