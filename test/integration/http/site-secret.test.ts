import { createHash, createHmac, randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import { io, type Socket } from 'socket.io-client';
import type { ConsoleSecretResponse, ErrorResponse, SessionResponse } from '../../../sdk/protocol';
import { createSite } from '../../../server/db';
import type { Parley } from '../../../server/main';
import { signInToConsole } from '../../helpers/console';
import { startTestServer } from '../../helpers/server';

// A site's identity secret in the console: owners see it and rotate it, nobody else; a rotation refuses what the old
// secret signed at once, on every node, and leaves the sessions it already made alone. And the Install section's
// preview page (server/http/console-assets.ts), which shows the tag those options make.
let parley: Parley;
// a second node on the same database
let other: Parley;
const sockets: Socket[] = [];

beforeAll(async () => {
  const database = `test-secret-${randomBytes(6).toString('hex')}`;
  parley = await startTestServer({ MONGODB_DB: database });
  other = await startTestServer({ MONGODB_DB: database });
});
afterAll(async () => {
  for (const socket of sockets.splice(0)) socket.disconnect();
  await other?.close();
  await parley?.close();
});

async function newSite() {
  const id = `s-${randomBytes(4).toString('hex')}`;
  await createSite(parley.repositories, { id, name: `Shop ${id}`, allowedOrigins: [] });
  return id;
}

const secretOf = async (siteId: string) => (await parley.repositories.sites.findById(siteId))!.identitySecret;
const logOf = async (siteId: string) => (await parley.repositories.moderation.list(siteId, undefined, 50)).map(({ action, actor, reason }) => ({ action, actor, reason }));

/** An identity token as the Install section's code makes it: HS256 under the secret, an hour long. */
const tokenFor = (secret: string, sub: string, name: string) =>
  new SignJWT({ name }).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).setIssuedAt().setExpirationTime('1h').sign(new TextEncoder().encode(secret));

/** POST /identify as the site's page would (no cookie, no Origin): the status and the session it starts. */
async function identify(siteId: string, body: Record<string, string>, node = parley) {
  const response = await fetch(`${node.url}/api/sites/${siteId}/identify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as SessionResponse & ErrorResponse };
}

describe('GET /api/console/sites/:siteId/secret', () => {
  it("gives an owner the site's identity secret, and logs who read it", async () => {
    const siteId = await newSite();
    const owner = await signInToConsole(parley, siteId, 'owner');
    const { status, body } = await owner.call<ConsoleSecretResponse>('GET', `/api/console/sites/${siteId}/secret`);
    expect(status).toBe(200);
    expect(body).toEqual({ secret: await secretOf(siteId) });
    expect(await logOf(siteId)).toEqual([{ action: 'site.secret.view', actor: { id: `console:${owner.accountId}`, displayName: owner.email }, reason: undefined }]);
  });

  it('refuses admins and moderators (403), the signed-out (401) and sites of others or none (404)', async () => {
    const siteId = await newSite();
    for (const role of ['admin', 'moderator'] as const) {
      const staff = await signInToConsole(parley, siteId, role);
      const { status, body } = await staff.call<ErrorResponse>('GET', `/api/console/sites/${siteId}/secret`);
      expect({ role, status, code: body.error.code }).toEqual({ role, status: 403, code: 'forbidden' });
    }
    const signedOut = await fetch(`${parley.url}/api/console/sites/${siteId}/secret`, { headers: { origin: parley.url, 'sec-fetch-site': 'same-origin' } });
    expect(signedOut.status).toBe(401);
    const stranger = await signInToConsole(parley, await newSite(), 'owner');
    expect((await stranger.call('GET', `/api/console/sites/${siteId}/secret`)).status).toBe(404);
    expect((await stranger.call('GET', '/api/console/sites/no-such-site/secret')).status).toBe(404);
    expect(await logOf(siteId)).toEqual([]);
  });
});

describe('POST /api/console/sites/:siteId/secret', () => {
  it('rotates the secret for an owner who types the site id: the old one is refused at once on every node, the new one works', async () => {
    const siteId = await newSite();
    const owner = await signInToConsole(parley, siteId, 'owner');
    const before = await secretOf(siteId);
    const oldToken = await tokenFor(before, 'crm-1', 'Ada');
    const oldHash = createHmac('sha256', before).update('crm-2').digest('hex');
    expect((await identify(siteId, { token: oldToken })).status).toBe(200);
    expect((await identify(siteId, { token: oldToken }, other)).status).toBe(200);

    const { status, body } = await owner.call<ConsoleSecretResponse>('POST', `/api/console/sites/${siteId}/secret`, { confirm: siteId });
    expect(status).toBe(200);
    expect(body.secret).toMatch(/^[0-9a-f]{64}$/);
    expect(body.secret).not.toBe(before);
    expect(await secretOf(siteId)).toBe(body.secret);

    // no node keeps the site: the very next identify on either is checked against the new secret
    for (const node of [parley, other]) {
      const refused = await identify(siteId, { token: oldToken }, node);
      expect(refused).toEqual({ status: 401, body: { error: { code: 'unauthorized', message: "identity token refused; the signature does not match the site's identity secret" } } });
      expect((await identify(siteId, { userId: 'crm-2', displayName: 'Grace', hash: oldHash }, node)).status).toBe(401);
    }
    expect((await identify(siteId, { token: await tokenFor(body.secret, 'crm-1', 'Ada') })).status).toBe(200);
    expect((await identify(siteId, { token: await tokenFor(body.secret, 'crm-1', 'Ada') }, other)).status).toBe(200);
    expect(await logOf(siteId)).toEqual([{ action: 'site.secret.rotate', actor: { id: `console:${owner.accountId}`, displayName: owner.email }, reason: undefined }]);
  });

  it('leaves users signed in with the old secret signed in: their sessions and sockets go on', async () => {
    const siteId = await newSite();
    const owner = await signInToConsole(parley, siteId, 'owner');
    const signedIn = await identify(siteId, { token: await tokenFor(await secretOf(siteId), 'crm-7', 'Katherine') });
    expect(signedIn.status).toBe(200);
    const token = signedIn.body.token ?? '';
    const socket = io(parley.url, { auth: { site: siteId, token }, transports: ['websocket'], reconnection: false, forceNew: true });
    sockets.push(socket);
    await new Promise((resolve, reject) => socket.once('connect', () => resolve(undefined)).once('connect_error', reject));
    expect(await socket.timeout(5_000).emitWithAck('room:join', { roomId: 'general' })).toMatchObject({ ok: true });

    expect((await owner.call('POST', `/api/console/sites/${siteId}/secret`, { confirm: siteId })).status).toBe(200);

    const me = await fetch(`${parley.url}/api/sites/${siteId}/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(me.status).toBe(200);
    const sent = await socket.timeout(5_000).emitWithAck('message:send', { roomId: 'general', text: 'still here', clientMsgId: randomBytes(12).toString('hex') });
    expect(sent).toMatchObject({ ok: true, message: { text: 'still here', author: { displayName: 'Katherine' } } });
    expect(socket.connected).toBe(true);
    // and on another node too
    expect((await fetch(`${other.url}/api/sites/${siteId}/me`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
  });

  it('refuses a wrong or missing confirmation with 400 on confirm, operator objects too, and changes nothing', async () => {
    const siteId = await newSite();
    const owner = await signInToConsole(parley, siteId, 'owner');
    const before = await secretOf(siteId);
    const bodies: unknown[] = [{ confirm: 'another-site' }, { confirm: '' }, {}, { confirm: { $ne: null } }, { confirm: [siteId] }, { confirm: siteId.toUpperCase() }];
    for (const body of bodies) {
      const answer = await owner.call<ErrorResponse>('POST', `/api/console/sites/${siteId}/secret`, body);
      expect({ body, status: answer.status, code: answer.body.error.code, field: answer.body.error.field }).toEqual({ body, status: 400, code: 'invalid_input', field: 'confirm' });
    }
    const extra = await owner.call<ErrorResponse>('POST', `/api/console/sites/${siteId}/secret`, { confirm: siteId, secret: 'mine' });
    expect([extra.status, extra.body.error.code]).toEqual([400, 'invalid_input']);
    expect(await secretOf(siteId)).toBe(before);
    expect(await logOf(siteId)).toEqual([]);
  });

  it('refuses admins and moderators (403), the signed-out (401), other sites (404) and other origins (403), and changes nothing', async () => {
    const siteId = await newSite();
    const before = await secretOf(siteId);
    for (const role of ['admin', 'moderator'] as const) {
      const staff = await signInToConsole(parley, siteId, role);
      const { status, body } = await staff.call<ErrorResponse>('POST', `/api/console/sites/${siteId}/secret`, { confirm: siteId });
      expect({ role, status, code: body.error.code }).toEqual({ role, status: 403, code: 'forbidden' });
    }
    const signedOut = await fetch(`${parley.url}/api/console/sites/${siteId}/secret`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: parley.url, 'sec-fetch-site': 'same-origin' },
      body: JSON.stringify({ confirm: siteId }),
    });
    expect(signedOut.status).toBe(401);
    const stranger = await signInToConsole(parley, await newSite(), 'owner');
    expect((await stranger.call('POST', `/api/console/sites/${siteId}/secret`, { confirm: siteId })).status).toBe(404);
    // the owner's own cookie, sent by another website's page
    const owner = await signInToConsole(parley, siteId, 'owner');
    const forged = await fetch(`${parley.url}/api/console/sites/${siteId}/secret`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'https://evil.example', 'sec-fetch-site': 'cross-site', cookie: owner.cookie },
      body: JSON.stringify({ confirm: siteId }),
    });
    expect(forged.status).toBe(403);
    expect(await secretOf(siteId)).toBe(before);
    expect(await logOf(siteId)).toEqual([]);
  });
});

describe('GET /console/preview', () => {
  const preview = (query: string) => fetch(`${parley.url}/console/preview?${query}`);
  const tagOf = (html: string) => /<script [^>]*><\/script>/.exec(html)?.[0];

  it('serves a page with the loader tag of the site, framed only by our own pages, running only our scripts', async () => {
    const response = await preview('site=acme');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await response.text();
    expect(tagOf(html)).toBe('<script src="/widget.js" data-site="acme" async></script>');
    const policy = response.headers.get('content-security-policy') ?? '';
    const style = /<style>([^<]*)<\/style>/.exec(html)?.[1] ?? '';
    expect(policy.split('; ')).toEqual([
      "default-src 'none'",
      "script-src 'self'",
      "frame-src 'self'",
      `style-src 'sha256-${createHash('sha256').update(style).digest('base64')}'`,
      "base-uri 'none'",
      "form-action 'none'",
      "frame-ancestors 'self'",
    ]);
    expect(response.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(response.headers.get('cache-control')).toBe('no-store');
  });

  it('puts each option on the tag as the loader reads it, escaped, and drops unknown parameters', async () => {
    const title = `"><script>alert(1)</script> & 'now'`;
    const query = new URLSearchParams({ site: 'acme', position: 'left', accent: '#0F766E', locale: 'es', title, launcher: 'hidden', open: 'true', src: 'https://evil.example/x.js', onload: 'alert(1)' });
    const html = await (await preview(query.toString())).text();
    expect(tagOf(html)).toBe(
      '<script src="/widget.js" data-site="acme" data-position="left" data-accent="#0F766E" data-locale="es" ' +
        'data-title="&#34;&#62;&#60;script&#62;alert(1)&#60;/script&#62; &#38; &#39;now&#39;" data-launcher="hidden" data-open="true" async></script>',
    );
    expect(html).toContain('<html lang="es">');
    // the one script element is the loader's
    expect(html.match(/<script/g)).toHaveLength(1);
    expect(html).not.toContain('evil.example');
    expect(html).not.toContain('onload');
  });

  it('refuses what the loader would not take, naming the parameter', async () => {
    const cases: Array<[string, string]> = [
      ['position=left', 'site'],
      ['site=Not%20an%20id', 'site'],
      ['site=acme&position=top', 'position'],
      ['site=acme&accent=red', 'accent'],
      ['site=acme&accent=%23abcd', 'accent'],
      ['site=acme&locale=fr', 'locale'],
      [`site=acme&title=${'x'.repeat(81)}`, 'title'],
      ['site=acme&title=', 'title'],
      ['site=acme&launcher=gone', 'launcher'],
      ['site=acme&open=yes', 'open'],
      ['site=acme&site=other', 'site'],
    ];
    for (const [query, field] of cases) {
      const response = await preview(query);
      const body = (await response.json()) as ErrorResponse;
      expect({ query, status: response.status, code: body.error.code, field: body.error.field }).toEqual({ query, status: 400, code: 'invalid_input', field });
    }
  });

  it('may be framed by the console, whose own policy allows framing our pages, and frames any site\'s chat', async () => {
    const consolePage = await fetch(`${parley.url}/console/`);
    const policy = consolePage.headers.get('content-security-policy') ?? '';
    expect(policy).toContain("frame-src 'self'");
    expect(policy).toContain("frame-ancestors 'none'");
    // the chat's app page always lets our own origin frame it, whatever the site's allowed origins
    const app = await fetch(`${parley.url}/widget/app?site=${await newSite()}`);
    expect(app.headers.get('content-security-policy')).toMatch(/frame-ancestors 'self'/);
  });
});
