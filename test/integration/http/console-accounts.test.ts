import { randomBytes } from 'node:crypto';
import { MongoClient } from 'mongodb';
import type { ChallengeResponse, ConsoleAccountResponse } from '../../../sdk/protocol';
import { solve } from '../../../sdk/proof-of-work';
import { createSite } from '../../../server/db';
import type { Parley } from '../../../server/main';
import { signInToConsole } from '../../helpers/console';
import { startTestServer } from '../../helpers/server';

// How console accounts come to be and keep going: open sign-up (hosted mode) with its proof of work and site quota,
// invite-only by default, a password-reset link, and a session that lives while it is used. Real HTTP, real database.
let open: Parley;
let invites: Parley;
const DB = `test-console-accounts-${randomBytes(4).toString('hex')}`;
beforeAll(async () => {
  open = await startTestServer({ CONSOLE_SIGNUP: 'open', CONSOLE_SITE_QUOTA: '2', PROOF_OF_WORK: 'on', PROOF_OF_WORK_MAX_NUMBER: '1000', MONGODB_DB: DB });
  invites = await startTestServer();
});
afterAll(async () => {
  await open?.close();
  await invites?.close();
});

/** A browser of the console: the same origin, its cookies kept. */
function browser(parley: Parley) {
  const jar = new Map<string, string>();
  return {
    jar,
    async call<T = Record<string, unknown>>(method: string, path: string, body?: unknown) {
      const response = await fetch(`${parley.url}/api/console/${path}`, {
        method,
        headers: {
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          origin: parley.url,
          'sec-fetch-site': 'same-origin',
          cookie: [...jar].map(([name, value]) => `${name}=${value}`).join('; '),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      for (const line of response.headers.getSetCookie()) {
        const [name = '', value = ''] = (line.split(';')[0] ?? '').split('=');
        if (value) jar.set(name, value);
        else jar.delete(name);
      }
      const text = await response.text();
      return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T, cookies: response.headers.getSetCookie() };
    },
  };
}

const email = () => `someone-${randomBytes(4).toString('hex')}@example.com`;

describe('console sign-up', () => {
  it('is by invite only unless the operator opens it', async () => {
    const visitor = browser(invites);
    expect(await visitor.call('GET', 'about')).toMatchObject({ status: 200, body: { signup: 'invite' } });
    expect((await visitor.call('GET', 'challenge')).status).toBe(404);
    expect(await visitor.call('POST', 'signup', { email: email(), password: 'a long enough password' })).toMatchObject({ status: 403, body: { error: { code: 'forbidden' } } });
  });

  it('when open, takes a solved challenge, signs the account in, and lets it own as many sites as the quota', async () => {
    const visitor = browser(open);
    expect(await visitor.call('GET', 'about')).toMatchObject({ status: 200, body: { signup: 'open' } });
    const address = email();
    const unsolved = await visitor.call('POST', 'signup', { email: address, password: 'a long enough password' });
    expect(unsolved).toMatchObject({ status: 400, body: { error: { code: 'invalid_input', field: 'proof' } } });
    expect(await open.repositories.consoleAccounts.findByEmail(address)).toBeNull();

    const { body } = await visitor.call<ChallengeResponse>('GET', 'challenge');
    const proof = await solve(body.challenge!);
    const created = await visitor.call<ConsoleAccountResponse>('POST', 'signup', { email: address, password: 'a long enough password', proof });
    expect(created).toMatchObject({ status: 201, body: { account: { email: address, sites: [] } } });
    expect((await visitor.call('GET', 'me')).status).toBe(200);

    for (const id of [`a-${randomBytes(3).toString('hex')}`, `b-${randomBytes(3).toString('hex')}`]) {
      expect((await visitor.call('POST', 'sites', { id, name: id, origin: 'https://shop.example' })).status).toBe(201);
    }
    const third = await visitor.call('POST', 'sites', { id: `c-${randomBytes(3).toString('hex')}`, name: 'Third', origin: 'https://shop.example' });
    expect(third).toMatchObject({ status: 403, body: { error: { message: 'an account owns at most 2 sites' } } });

    // the same email again: a new proof, and a conflict on the email
    const again = await solve((await visitor.call<ChallengeResponse>('GET', 'challenge')).body.challenge!);
    expect(await browser(open).call('POST', 'signup', { email: address.toUpperCase(), password: 'another long password', proof: again })).toMatchObject({
      status: 409,
      body: { error: { field: 'email' } },
    });
  });
});

describe('a password-reset link', () => {
  it('sets a new password once, signs in, and ends every other session of the account', async () => {
    const siteId = `r-${randomBytes(3).toString('hex')}`;
    await createSite(invites.repositories, { id: siteId, name: 'Reset shop', allowedOrigins: [] });
    const signedIn = await signInToConsole(invites, siteId, 'owner');
    const elsewhere = browser(invites);
    expect((await elsewhere.call('POST', 'login', { email: signedIn.email, password: signedIn.password })).status).toBe(200);

    const account = await invites.repositories.consoleAccounts.findByEmail(signedIn.email);
    const { token } = await invites.repositories.consoleAccounts.resetLink(account!._id);
    const resetting = browser(invites);
    expect(await resetting.call('GET', `resets/${token}`)).toMatchObject({ status: 200, body: { reset: { email: signedIn.email } } });
    expect((await resetting.call('POST', `resets/${token}`, { password: 'short' })).status).toBe(400);
    expect(await resetting.call('POST', `resets/${token}`, { password: 'a brand new password' })).toMatchObject({ status: 200, body: { account: { email: signedIn.email } } });
    expect((await resetting.call('GET', 'me')).status).toBe(200);

    expect((await elsewhere.call('GET', 'me')).status).toBe(401);
    expect((await signedIn.call('GET', '/api/console/me')).status).toBe(401);
    expect((await browser(invites).call('POST', 'login', { email: signedIn.email, password: signedIn.password })).status).toBe(401);
    expect((await browser(invites).call('POST', 'login', { email: signedIn.email, password: 'a brand new password' })).status).toBe(200);
    // once only
    expect((await browser(invites).call('GET', `resets/${token}`)).status).toBe(404);
    expect((await browser(invites).call('POST', `resets/${token}`, { password: 'a third new password' })).status).toBe(404);
  });
});

describe('a console session', () => {
  it('lives on while it is used: a request near its idle deadline pushes it back and renews the cookie', async () => {
    const visitor = browser(open);
    const { body } = await visitor.call<ChallengeResponse>('GET', 'challenge');
    const created = await visitor.call<ConsoleAccountResponse>('POST', 'signup', { email: email(), password: 'a long enough password', proof: await solve(body.challenge!) });
    const token = decodeURIComponent(visitor.jar.get('parley.console') ?? '');
    const mongo = await MongoClient.connect(process.env.PARLEY_TEST_MONGODB_URI!);
    try {
      const sessions = mongo.db(DB).collection('sessions');
      const { expiresAt: before } = (await open.repositories.sessions.find(token))!;
      // as if the last use were 13 days ago: one day of the 14 left
      const soon = new Date(Date.now() + 24 * 60 * 60 * 1000);
      const updated = await sessions.updateMany({ 'data.consoleAccountId': created.body.account.id }, { $set: { expiresAt: soon } });
      expect(updated.modifiedCount).toBeGreaterThan(0);
      expect((await open.repositories.sessions.find(token))?.expiresAt).toEqual(soon);
      const cookieBefore = visitor.jar.get('parley.console');
      const used = await visitor.call('GET', 'me');
      expect(used.status).toBe(200);
      expect(used.cookies.find((line) => line.startsWith('parley.console='))).toMatch(/max-age=|expires=/i);
      const after = (await open.repositories.sessions.find(token))!.expiresAt;
      expect(after.getTime()).toBeGreaterThan(soon.getTime());
      expect(after.getTime()).toBeGreaterThanOrEqual(before.getTime() - 60_000);
      expect(visitor.jar.get('parley.console')).toBe(cookieBefore);
    } finally {
      await mongo.close();
    }
  });
});
