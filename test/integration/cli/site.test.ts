import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { MongoClient } from 'mongodb';
import { createRepositories, type Repositories } from '../../../server/db';

// The operator's CLI, run as operators run it: a real process against the run's real database.
const run = promisify(execFile);
const dbName = `test-cli-${randomBytes(4).toString('hex')}`;
const uri = process.env.PARLEY_TEST_MONGODB_URI ?? '';
let client: MongoClient;
let repositories: Repositories;

beforeAll(async () => {
  client = await MongoClient.connect(uri);
  repositories = createRepositories(client.db(dbName));
});
afterAll(() => client.close());

async function site(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('npx', ['tsx', 'scripts/site.ts', ...args], {
      env: { ...process.env, MONGODB_URI: uri, MONGODB_DB: dbName },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('npm run site', () => {
  it('adds a site with its room, lists it, and edits its origins (normalised)', async () => {
    expect((await site('add', 'acme', '--name', 'Acme Shop', '--origin', 'https://Shop.Example:443/')).code).toBe(0);
    expect(await repositories.rooms.find('acme', 'general')).toMatchObject({ name: 'General', lastSeq: 0 });
    expect((await site('list')).stdout).toContain('acme\tAcme Shop\thttps://shop.example');

    await site('origins', 'acme', '--add', 'http://127.0.0.1:3001', '--remove', 'https://shop.example');
    expect((await repositories.sites.findById('acme'))?.allowedOrigins).toEqual(['http://127.0.0.1:3001']);
  }, 60_000);

  it('refuses bad input with exit code 2 and changes nothing', async () => {
    expect(await site('add', 'Bad Id', '--name', 'x')).toMatchObject({ code: 2, stderr: expect.stringContaining('site id') });
    expect(await site('add', 'beta', '--name', 'Beta', '--origin', 'javascript:alert(1)')).toMatchObject({ code: 2 });
    expect(await repositories.sites.findById('beta')).toBeNull();
    expect(await site('remove', 'acme')).toMatchObject({ code: 2, stderr: expect.stringContaining('--yes') });
    expect(await repositories.sites.findById('acme')).not.toBeNull();
  }, 60_000);

  it('rotates the identity secret, grants admin, and removes a site with all its data', async () => {
    const before = (await repositories.sites.findById('acme'))?.identitySecret;
    const { stdout } = await site('rotate-secret', 'acme');
    expect(stdout.trim()).toMatch(/^[0-9a-f]{64}$/);
    expect(stdout.trim()).not.toBe(before);

    await repositories.users.insert({ siteId: 'acme', username: 'Ada', displayName: 'Ada', passwordHash: 'x' });
    expect((await site('admin', 'acme', 'ada')).code).toBe(0);
    expect((await repositories.users.findByUsername('acme', 'ada'))?.role).toBe('admin');

    expect((await site('remove', 'acme', '--yes')).code).toBe(0);
    expect(await repositories.sites.findById('acme')).toBeNull();
    expect(await repositories.users.findByUsername('acme', 'ada')).toBeNull();
    expect(await repositories.rooms.find('acme', 'general')).toBeNull();
  }, 60_000);

  it('prints a one-time console invite link that makes the email an owner', async () => {
    expect((await site('add', 'owned', '--name', 'Owned Shop')).code).toBe(0);
    const printed = await site('owner', 'owned', 'boss@example.com');
    expect(printed.code).toBe(0);
    const token = /\/console\/#\/invite\/([A-Za-z0-9_-]{43})\n/.exec(printed.stdout)?.[1];
    expect(token).toBeDefined();
    expect(await repositories.consoleAccounts.findInvite(token!)).toMatchObject({ siteId: 'owned', role: 'owner', email: 'boss@example.com' });
    expect((await site('owner', 'owned', 'not an email')).code).toBe(2);
    expect((await site('owner', 'nowhere', 'boss@example.com')).code).toBe(2);
  }, 60_000);

  it("prints a one-time password-reset link for a console account, there being no mail to send it", async () => {
    const account = await repositories.consoleAccounts.create('Forgetful@example.com', 'a hash');
    const printed = await site('reset-password', 'forgetful@example.com');
    expect(printed.code).toBe(0);
    const token = /\/console\/#\/reset\/([A-Za-z0-9_-]{43})\n/.exec(printed.stdout)?.[1];
    expect((await repositories.consoleAccounts.findReset(token!))?.account._id).toEqual(account!._id);
    expect((await site('reset-password', 'nobody@example.com')).code).toBe(2);
    expect((await site('reset-password')).code).toBe(2);
  }, 60_000);
});
