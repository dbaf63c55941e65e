import { randomBytes } from 'node:crypto';
import type { ConsoleAccountResponse, ConsoleInviteLinkResponse, ConsoleInviteResponse, ConsoleSiteResponse, ConsoleTeamResponse } from '../../../sdk/protocol';
import { createSite } from '../../../server/db';
import type { Parley } from '../../../server/main';
import { startTestServer } from '../../helpers/server';

// The console's accounts, sessions, invites and sites over real HTTP and the real database. A small cookie jar plays
// the browser: the console's session is a SameSite=Strict cookie, and its changes must come from our own origin.
let parley: Parley;
beforeAll(async () => {
  parley = await startTestServer({ CONSOLE_SITE_QUOTA: '3' });
});
afterAll(() => parley.close());

/** One browser: its cookies for the backend, sent back as a browser would. */
function browser() {
  const jar = new Map<string, string>();
  return {
    jar,
    async call<T = Record<string, unknown>>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
      const response = await fetch(`${parley.url}/api/console/${path}`, {
        method,
        headers: {
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          // what Chromium sends with the console's own requests
          origin: parley.url,
          'sec-fetch-site': 'same-origin',
          cookie: [...jar].map(([name, value]) => `${name}=${value}`).join('; '),
          ...headers,
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      for (const line of response.headers.getSetCookie()) {
        const [pair = ''] = line.split(';');
        const [name = '', value = ''] = pair.split('=');
        if (value) jar.set(name, value);
        else jar.delete(name);
      }
      const text = await response.text();
      return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T, cookies: response.headers.getSetCookie() };
    },
  };
}

async function newSite() {
  const id = `c-${randomBytes(4).toString('hex')}`;
  await createSite(parley.repositories, { id, name: `Shop ${id}`, allowedOrigins: [] });
  return id;
}

const inviteTo = async (siteId: string, email: string, role: 'owner' | 'admin' | 'moderator' = 'owner') =>
  (await parley.repositories.consoleAccounts.invite({ siteId, role, email, invitedBy: 'operator' })).token;

const email = () => `owner-${randomBytes(4).toString('hex')}@example.com`;

describe('console accounts', () => {
  it('come from an invite link: the invited email sets a password and is signed in, as owner of the site', async () => {
    const siteId = await newSite();
    const address = email();
    const token = await inviteTo(siteId, address);
    const me = browser();
    const shown = await me.call<ConsoleInviteResponse>('GET', `invites/${token}`);
    expect(shown.status).toBe(200);
    expect(shown.body.invite).toEqual({ site: { id: siteId, name: `Shop ${siteId}` }, role: 'owner', email: address, expiresAt: expect.any(String), accountExists: false });

    expect((await me.call('POST', `invites/${token}/accept`, { password: 'short' })).body).toMatchObject({ error: { code: 'invalid_input', field: 'password' } });
    const accepted = await me.call<ConsoleAccountResponse>('POST', `invites/${token}/accept`, { password: 'a long enough password' });
    expect(accepted.status).toBe(201);
    expect(accepted.body.account).toEqual({ id: expect.any(String), email: address, sites: [{ id: siteId, name: `Shop ${siteId}`, role: 'owner' }] });
    const cookie = accepted.cookies.find((line) => line.startsWith('parley.console='));
    expect(cookie).toMatch(/; samesite=strict/i);
    expect(cookie).toMatch(/; httponly/i);
    expect((await me.call<ConsoleAccountResponse>('GET', 'me')).body.account.email).toBe(address);

    // one use: the link is spent, and a stranger's guess or a mangled token reads the same
    expect((await browser().call('GET', `invites/${token}`)).status).toBe(404);
    expect((await browser().call('POST', `invites/${token}/accept`, { password: 'a long enough password' })).status).toBe(404);
    expect((await browser().call('GET', 'invites/not-a-token')).status).toBe(404);
  });

  it('sign in and out with email and password; wrong ones are refused alike', async () => {
    const siteId = await newSite();
    const address = email();
    await browser().call('POST', `invites/${await inviteTo(siteId, address)}/accept`, { password: 'a long enough password' });
    const me = browser();
    expect((await me.call('POST', 'login', { email: address, password: 'wrong password' })).body).toMatchObject({ error: { code: 'unauthorized', message: 'wrong email or password' } });
    expect((await me.call('POST', 'login', { email: 'nobody@example.com', password: 'wrong password' })).body).toMatchObject({ error: { code: 'unauthorized', message: 'wrong email or password' } });
    expect((await me.call('GET', 'me')).status).toBe(401);
    // the email's case does not matter
    expect((await me.call('POST', 'login', { email: address.toUpperCase(), password: 'a long enough password' })).status).toBe(200);
    expect((await me.call('GET', 'me')).status).toBe(200);
    expect((await me.call('POST', 'logout')).status).toBe(204);
    expect((await me.call('GET', 'me')).status).toBe(401);
  });

  it('join a second team with the password they have, not a new one', async () => {
    const address = email();
    const first = await newSite();
    await browser().call('POST', `invites/${await inviteTo(first, address)}/accept`, { password: 'a long enough password' });
    const second = await newSite();
    const token = await inviteTo(second, address, 'moderator');
    const me = browser();
    expect((await me.call<ConsoleInviteResponse>('GET', `invites/${token}`)).body.invite.accountExists).toBe(true);
    expect((await me.call('POST', `invites/${token}/accept`, { password: 'another password' })).status).toBe(401);
    const joined = await me.call<ConsoleAccountResponse>('POST', `invites/${token}/accept`, { password: 'a long enough password' });
    expect(joined.body.account.sites.map(({ id, role }) => [id, role]).sort()).toEqual([[first, 'owner'], [second, 'moderator']].sort());
  });

  it('expire with their invite after 7 days (time passed as an argument)', async () => {
    const siteId = await newSite();
    const { token } = await parley.repositories.consoleAccounts.invite({ siteId, role: 'owner', email: email(), invitedBy: 'operator' }, Date.now() - 8 * 24 * 3_600_000);
    expect((await browser().call('GET', `invites/${token}`)).status).toBe(404);
  });
});

describe('console sites', () => {
  async function owner() {
    const me = browser();
    const siteId = await newSite();
    await me.call('POST', `invites/${await inviteTo(siteId, email())}/accept`, { password: 'a long enough password' });
    return { me, siteId };
  }

  it('are created by a signed-in account, which owns them, up to the quota', async () => {
    const { me } = await owner();
    const id = `new-${randomBytes(3).toString('hex')}`;
    const created = await me.call<ConsoleAccountResponse>('POST', 'sites', { id, name: 'Acme', origin: 'https://Shop.Example:443/' });
    expect(created.status).toBe(201);
    expect(created.body.account.sites).toContainEqual({ id, name: 'Acme', role: 'owner' });
    expect(await parley.repositories.sites.findById(id)).toMatchObject({ name: 'Acme', allowedOrigins: ['https://shop.example'] });
    expect(await parley.repositories.rooms.find(id, 'general')).not.toBeNull();

    expect((await me.call('POST', 'sites', { id, name: 'Again', origin: 'https://shop.example' })).body).toMatchObject({ error: { code: 'conflict', field: 'id' } });
    expect((await me.call('POST', 'sites', { id: 'Bad Id', name: 'X', origin: 'https://shop.example' })).body).toMatchObject({ error: { code: 'invalid_input', field: 'id' } });
    expect((await me.call('POST', 'sites', { id: 'fine-id', name: 'X', origin: 'javascript:alert(1)' })).body).toMatchObject({ error: { code: 'invalid_input', field: 'origin' } });
    // the quota here is 3 owned sites
    expect((await me.call('POST', 'sites', { id: `third-${randomBytes(3).toString('hex')}`, name: 'Third', origin: 'https://shop.example' })).status).toBe(201);
    expect((await me.call('POST', 'sites', { id: `fourth-${randomBytes(3).toString('hex')}`, name: 'Third', origin: 'https://shop.example' })).body).toMatchObject({ error: { code: 'forbidden' } });
    expect((await browser().call('POST', 'sites', { id: 'anon', name: 'X', origin: 'https://shop.example' })).status).toBe(401);
  });

  it('are deleted by an owner who types the id, with everything in them', async () => {
    const { me, siteId } = await owner();
    const moderator = browser();
    await moderator.call('POST', `invites/${await inviteTo(siteId, email(), 'moderator')}/accept`, { password: 'a long enough password' });
    expect((await moderator.call('DELETE', `sites/${siteId}?confirm=${siteId}`)).body).toMatchObject({ error: { code: 'forbidden' } });
    expect((await me.call('DELETE', `sites/${siteId}?confirm=wrong`)).body).toMatchObject({ error: { code: 'invalid_input', field: 'confirm' } });
    expect(await parley.repositories.sites.findById(siteId)).not.toBeNull();
    expect((await me.call('DELETE', `sites/${siteId}?confirm=${siteId}`)).status).toBe(204);
    expect(await parley.repositories.sites.findById(siteId)).toBeNull();
    expect((await me.call<ConsoleAccountResponse>('GET', 'me')).body.account.sites).toEqual([]);
    expect((await moderator.call<ConsoleAccountResponse>('GET', 'me')).body.account.sites).toEqual([]);
  });

  it('refuse changes from another origin, and cookies that ride along cross-site', async () => {
    const { me } = await owner();
    const id = `xsite-${randomBytes(3).toString('hex')}`;
    const attempt = await me.call('POST', 'sites', { id, name: 'Evil', origin: 'https://evil.example' }, { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' });
    expect(attempt).toMatchObject({ status: 403, body: { error: { code: 'forbidden' } } });
    expect(await parley.repositories.sites.findById(id)).toBeNull();
  });
});

describe('console site settings', () => {
  it('read and change the name and allowed origins (owners and admins), each change logged', async () => {
    const me = browser();
    const siteId = await newSite();
    await me.call('POST', `invites/${await inviteTo(siteId, email())}/accept`, { password: 'a long enough password' });
    expect((await me.call<ConsoleSiteResponse>('GET', `sites/${siteId}`)).body.site).toEqual({ id: siteId, name: `Shop ${siteId}`, role: 'owner', allowedOrigins: [], chatUser: null });

    const changed = await me.call<ConsoleSiteResponse>('PATCH', `sites/${siteId}`, { name: 'Renamed', allowedOrigins: ['https://B.example:443', 'http://a.example:8080'] });
    expect(changed.body.site).toEqual({ id: siteId, name: 'Renamed', role: 'owner', allowedOrigins: ['http://a.example:8080', 'https://b.example'], chatUser: null });
    expect((await parley.repositories.sites.findById(siteId))?.allowedOrigins).toEqual(['http://a.example:8080', 'https://b.example']);

    for (const [body, message] of [
      [{ allowedOrigins: ['https://a.example', 'https://A.example/'] }, 'an origin is listed twice'],
      [{ allowedOrigins: ['ftp://a.example'] }, 'each origin must be scheme://host[:port], e.g. https://shop.example'],
      [{}, 'nothing to change: send name or allowedOrigins'],
    ] as const) {
      expect((await me.call('PATCH', `sites/${siteId}`, body)).body).toMatchObject({ error: { code: 'invalid_input', message } });
    }
    expect((await parley.repositories.sites.findById(siteId))?.name).toBe('Renamed');

    const moderator = browser();
    await moderator.call('POST', `invites/${await inviteTo(siteId, email(), 'moderator')}/accept`, { password: 'a long enough password' });
    expect((await moderator.call<ConsoleSiteResponse>('GET', `sites/${siteId}`)).body.site.role).toBe('moderator');
    expect((await moderator.call('PATCH', `sites/${siteId}`, { name: 'Mine now' })).body).toMatchObject({ error: { code: 'forbidden' } });
    // another account's site is not even there
    expect((await browser().call('GET', `sites/${siteId}`)).status).toBe(401);
    expect((await moderator.call('GET', `sites/${await newSite()}`)).status).toBe(404);

    const log = await parley.repositories.moderation.list(siteId, undefined, 10);
    expect(log.map((entry) => [entry.action, entry.reason])).toEqual([['site.update', 'name Renamed; origins http://a.example:8080 https://b.example']]);
    expect(log[0]!.actor.id).toMatch(/^console:[0-9a-f]{24}$/);
  });
});

describe('console teams', () => {
  it('invite by link and remove, within each role’s reach, keeping one owner, each change logged', async () => {
    const owner = browser();
    const siteId = await newSite();
    const ownerEmail = email();
    await owner.call('POST', `invites/${await inviteTo(siteId, ownerEmail)}/accept`, { password: 'a long enough password' });

    // an owner invites an admin; the link works once, as the operator's does
    const adminEmail = email();
    const invited = await owner.call<ConsoleInviteLinkResponse>('POST', `sites/${siteId}/invites`, { email: adminEmail, role: 'admin' });
    expect(invited.status).toBe(201);
    expect(invited.body.link).toMatch(/^\/console\/#\/invite\/[A-Za-z0-9_-]{43}$/);
    const admin = browser();
    const token = invited.body.link.split('/').pop()!;
    expect((await admin.call('POST', `invites/${token}/accept`, { password: 'a long enough password' })).status).toBe(201);

    const team = (await admin.call<ConsoleTeamResponse>('GET', `sites/${siteId}/team`)).body.team;
    expect(team.map(({ email: address, role }) => [address, role]).sort()).toEqual([[adminEmail, 'admin'], [ownerEmail, 'owner']].sort());
    const ownerId = team.find((member) => member.role === 'owner')!.id;
    const adminId = team.find((member) => member.role === 'admin')!.id;

    // admins invite admins and moderators, not owners; they remove nobody above them
    expect((await admin.call('POST', `sites/${siteId}/invites`, { email: email(), role: 'owner' })).body).toMatchObject({ error: { code: 'forbidden' } });
    expect((await admin.call('POST', `sites/${siteId}/invites`, { email: email(), role: 'moderator' })).status).toBe(201);
    expect((await admin.call('POST', `sites/${siteId}/invites`, { email: 'not an email', role: 'moderator' })).body).toMatchObject({ error: { code: 'invalid_input', field: 'email' } });
    expect((await admin.call('DELETE', `sites/${siteId}/team/${ownerId}`)).body).toMatchObject({ error: { code: 'forbidden' } });
    // the last owner stays
    expect((await owner.call('DELETE', `sites/${siteId}/team/${ownerId}`)).body).toMatchObject({ error: { code: 'forbidden', message: 'a site keeps at least one owner: invite another first' } });
    expect((await owner.call('DELETE', `sites/${siteId}/team/${adminId}`)).status).toBe(204);
    expect((await admin.call<ConsoleAccountResponse>('GET', 'me')).body.account.sites).toEqual([]);
    expect((await admin.call('GET', `sites/${siteId}/team`)).status).toBe(404);
    expect((await owner.call('DELETE', `sites/${siteId}/team/${adminId}`)).status).toBe(404);

    const log = (await parley.repositories.moderation.list(siteId, undefined, 10)).map((entry) => [entry.action, entry.reason]);
    expect(log.slice(0, 3)).toEqual([
      ['team.remove', `${adminEmail} (admin)`],
      ['team.invite', expect.stringMatching(/ as moderator$/)],
      ['team.invite', `${adminEmail} as admin`],
    ]);
  });
});
