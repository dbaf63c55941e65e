import { randomBytes } from 'node:crypto';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { createSite } from '../../server/db';
import type { Parley } from '../../server/main';
import { launchChromium, seriousViolations } from '../helpers/browser';
import { startTestServerOn } from '../helpers/server';

// The site owners' console at /console/ in real Chromium against the built bundle: an invite link, a password,
// the sites, creating and deleting one, signing out and in, axe in light and dark, and the other languages.
let parley: Parley;
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  parley = await startTestServerOn('localhost');
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  for (const context of contexts) await context.close();
  await browser?.close();
  await parley?.close();
});

async function newPage(options: BrowserContextOptions = {}): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1000, height: 760 }, ...options });
  contexts.push(context);
  const page = await context.newPage();
  page.on('pageerror', (error) => {
    throw error;
  });
  return page;
}

/** A site and an operator's invite for its first owner, as `npm run site -- owner` makes it. */
async function invitedOwner() {
  const siteId = `shop-${randomBytes(3).toString('hex')}`;
  await createSite(parley.repositories, { id: siteId, name: `Shop ${siteId}`, allowedOrigins: [] });
  const email = `owner-${randomBytes(3).toString('hex')}@example.com`;
  const { token } = await parley.repositories.consoleAccounts.invite({ siteId, role: 'owner', email, invitedBy: 'operator' });
  return { siteId, email, token };
}

describe('the console', () => {
  it('takes an owner from the invite link to their sites; creates and deletes a site; signs out and in', async () => {
    const { siteId, email, token } = await invitedOwner();
    const page = await newPage();
    const response = await page.goto(`${parley.url}/console/#/invite/${token}`);
    expect(response?.headers()['content-security-policy']).toMatch(/frame-ancestors 'none'/);
    await page.getByRole('heading', { name: `Join Shop ${siteId}` }).waitFor();
    await page.getByText(`${email} is invited as owner of Shop ${siteId}.`).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await page.getByLabel('Choose a password (at least 8 characters)').fill('a long enough password');
    await page.getByRole('button', { name: 'Accept the invitation' }).click();

    const sites = page.getByRole('table');
    await sites.getByRole('row').filter({ hasText: `Shop ${siteId}` }).filter({ hasText: 'owner' }).waitFor();
    const cookie = (await page.context().cookies()).find((each) => each.name === 'parley.console');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    expect(await seriousViolations(page)).toEqual([]);

    // its settings: the name and the origins, one per line; a duplicate is refused, then they are saved
    await page.getByRole('link', { name: `Shop ${siteId}` }).click();
    const sections = page.getByRole('navigation', { name: `Sections of Shop ${siteId}` });
    await sections.getByRole('link', { name: 'Settings' }).click();
    expect(page.url()).toBe(`${parley.url}/console/#/sites/${siteId}/settings`);
    const form = page.getByRole('form', { name: 'Settings' });
    const origins = page.getByLabel('Allowed origins, one per line');
    await origins.fill('https://shop.example\nhttps://Shop.Example:443');
    await form.getByRole('button', { name: 'Save' }).click();
    await form.getByRole('alert').filter({ hasText: 'an origin is listed twice' }).waitFor();
    await origins.fill('https://shop.example\nhttp://localhost:8080');
    await form.getByRole('button', { name: 'Save' }).click();
    await form.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    expect((await parley.repositories.sites.findById(siteId))?.allowedOrigins).toEqual(['http://localhost:8080', 'https://shop.example']);
    expect(await seriousViolations(page)).toEqual([]);

    // the team: invite an admin by link, who joins in another browser; then remove them
    await sections.getByRole('link', { name: 'Team' }).click();
    const adminEmail = `admin-${randomBytes(3).toString('hex')}@example.com`;
    await page.getByLabel('Email').fill(adminEmail);
    await page.getByLabel('Role').selectOption('admin');
    await page.getByRole('button', { name: 'Invite' }).click();
    const link = await page.locator('.invite-link code').textContent();
    expect(link).toMatch(new RegExp(`^${parley.url}/console/#/invite/[A-Za-z0-9_-]{43}$`));
    const other = await newPage();
    await other.goto(link!);
    await other.getByLabel('Choose a password (at least 8 characters)').fill('another long password');
    await other.getByRole('button', { name: 'Accept the invitation' }).click();
    await other.getByRole('table').getByRole('row').filter({ hasText: `Shop ${siteId}` }).filter({ hasText: 'admin' }).waitFor();
    await sections.getByRole('link', { name: 'Settings' }).click();
    await sections.getByRole('link', { name: 'Team' }).click();
    await page.getByText(`${adminEmail} · admin`).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await page.getByRole('button', { name: `Remove ${adminEmail}` }).click();
    await page.getByText(`${adminEmail} · admin`).waitFor({ state: 'detached' });
    await page.getByRole('link', { name: 'All sites' }).click();

    // a new site: a bad origin is refused next to its field, then it is made
    const id = `made-${randomBytes(3).toString('hex')}`;
    await page.getByLabel('Site id').fill(id);
    await page.getByLabel('Name', { exact: true }).fill('Made here');
    await page.getByLabel('First allowed origin').fill('not an origin');
    await page.getByRole('button', { name: 'Create site' }).click();
    await page.getByText('origin must be scheme://host[:port], e.g. https://shop.example').waitFor();
    await page.getByLabel('First allowed origin').fill('https://made.example');
    await page.getByRole('button', { name: 'Create site' }).click();
    await sites.getByRole('row').filter({ hasText: 'Made here' }).waitFor();
    expect(await parley.repositories.sites.findById(id)).toMatchObject({ allowedOrigins: ['https://made.example'] });

    // deleting takes the id typed again, from the keyboard
    await page.getByRole('button', { name: 'Delete… Made here' }).click();
    const confirm = page.getByLabel('Site id to confirm');
    await confirm.and(page.locator(':focus')).waitFor();
    const button = page.getByRole('button', { name: 'Delete for good' });
    expect(await button.isDisabled()).toBe(true);
    expect(await seriousViolations(page)).toEqual([]);
    await page.keyboard.type(id);
    await page.keyboard.press('Enter');
    await page.getByRole('status').filter({ hasText: 'Made here was deleted.' }).waitFor();
    await sites.getByRole('row').filter({ hasText: 'Made here' }).waitFor({ state: 'detached' });
    expect(await parley.repositories.sites.findById(id)).toBeNull();

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to run your sites' }).waitFor();
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('wrong password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'wrong email or password' }).waitFor();
    await page.getByLabel('Password').fill('a long enough password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await sites.getByRole('row').filter({ hasText: `Shop ${siteId}` }).waitFor();
  }, 60_000);

  it('has no serious accessibility violations in dark mode, and speaks Spanish and Chinese', async () => {
    const { token } = await invitedOwner();
    const dark = await newPage({ colorScheme: 'dark' });
    await dark.goto(`${parley.url}/console/`);
    await dark.getByRole('heading', { name: 'Sign in to run your sites' }).waitFor();
    expect(await seriousViolations(dark)).toEqual([]);

    const spanish = await newPage({ locale: 'es-ES' });
    await spanish.goto(`${parley.url}/console/#/invite/${token}`);
    await spanish.getByRole('button', { name: 'Aceptar la invitación' }).waitFor();
    expect(await spanish.evaluate(() => document.documentElement.lang)).toBe('es');
    const chinese = await newPage({ locale: 'zh-CN' });
    await chinese.goto(`${parley.url}/console/`);
    await chinese.getByRole('heading', { name: '登录以管理你的网站' }).waitFor();
    await chinese.goto(`${parley.url}/console/#/invite/${'x'.repeat(43)}`);
    await chinese.reload();
    await chinese.getByRole('alert').filter({ hasText: '此邀请链接不存在' }).waitFor();
  }, 60_000);
});
