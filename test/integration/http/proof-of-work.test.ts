import { randomBytes } from 'node:crypto';
import { createChatClient } from '../../../sdk';
import type { ChallengeResponse, ProofOfWorkChallenge } from '../../../sdk/protocol';
import { solve } from '../../../sdk/proof-of-work';
import { ProofOfWork } from '../../../server/http/proof-of-work';
import type { Parley } from '../../../server/main';
import { chatClients } from '../../helpers/chat';
import { newAccount, startTestServer } from '../../helpers/server';

// Sign-up's bot protection over the real server and database: challenges in ALTCHA's format, solved by the SDK
// (invisibly) or by the test, refused when missing, wrong, expired or used twice. A low difficulty keeps it quick.
const SESSION_KEYS = [randomBytes(32).toString('hex')];
const POW = { PROOF_OF_WORK: 'on', PROOF_OF_WORK_MAX_NUMBER: '1000' };
const DB = `test-${randomBytes(6).toString('hex')}`;
const KEY = randomBytes(32).toString('hex');
let parley: Parley;
/** A second node of parley's: the same database and session keys, as under --workers or behind a balancer. */
let twin: Parley;
/** Signs with PROOF_OF_WORK_KEY instead of a key derived from its session keys; hands out 3 challenges per address. */
let keyed: Parley;
let off: Parley;
const clients = chatClients(() => parley);
beforeAll(async () => {
  parley = await startTestServer({ ...POW, SESSION_KEYS: SESSION_KEYS.join(','), MONGODB_DB: DB });
  twin = await startTestServer({ ...POW, SESSION_KEYS: SESSION_KEYS.join(','), MONGODB_DB: DB });
  keyed = await startTestServer({ ...POW, PROOF_OF_WORK_KEY: KEY, SESSION_KEYS: SESSION_KEYS.join(','), RATE_LIMIT_CHALLENGES_PER_IP: '3/600' });
  off = await startTestServer({ PROOF_OF_WORK: 'off' });
});
afterEach(() => clients.closeAll());
afterAll(async () => {
  await parley.close();
  await twin.close();
  await keyed.close();
  await off.close();
});

async function call(server: Parley, method: string, path: string, body?: unknown) {
  const response = await fetch(`${server.url}/api/sites/demo/${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function challenge(server = parley): Promise<ProofOfWorkChallenge> {
  const { body } = await call(server, 'GET', 'challenge');
  const { challenge: issued } = body as unknown as ChallengeResponse;
  if (!issued) throw new Error('no challenge issued');
  return issued;
}

const refusedProof = (message: RegExp) => ({ status: 400, body: { error: { code: 'invalid_input', field: 'proof', message: expect.stringMatching(message) } } });

describe('proof of work for sign-up', () => {
  it('issues signed, expiring challenges in ALTCHA’s format', async () => {
    const issued = await challenge();
    expect(issued).toEqual({
      algorithm: 'SHA-256',
      challenge: expect.stringMatching(/^[0-9a-f]{64}$/),
      maxnumber: 1000,
      salt: expect.stringMatching(/^[0-9a-f]+\?expires=\d+&$/),
      signature: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    const expires = Number(/expires=(\d+)/.exec(issued.salt)![1]) * 1000;
    expect(expires - Date.now()).toBeGreaterThan(9 * 60_000);
    expect(expires - Date.now()).toBeLessThanOrEqual(10 * 60_000);
    expect((await challenge()).salt).not.toBe(issued.salt);
  });

  it('is solved by the SDK without anyone noticing, for members and guests', async () => {
    const chat = clients.track(createChatClient({ baseUrl: parley.url, site: 'demo' }));
    const account = newAccount('solver');
    expect(await chat.register(account)).toMatchObject({ username: account.username, role: 'member' });

    const admin = await clients.admin('keeper');
    await admin.chat.updateSettings({ access: 'guests' });
    try {
      const guest = clients.track(createChatClient({ baseUrl: parley.url, site: 'demo' }));
      expect(await guest.guest({ displayName: `Solver ${randomBytes(3).toString('hex')}` })).toMatchObject({ role: 'guest' });
    } finally {
      await admin.chat.updateSettings({ access: 'members' });
    }
  });

  it('refuses a sign-up without a proof, or with a wrong one, and creates nothing', async () => {
    const account = newAccount('bot');
    expect(await call(parley, 'POST', 'register', account)).toMatchObject(refusedProof(/^solve a proof-of-work challenge/));
    const issued = await challenge();
    const proof = JSON.parse(Buffer.from(await solve(issued), 'base64').toString()) as { number: number };
    const wrong = Buffer.from(JSON.stringify({ ...issued, number: (proof.number + 1) % 1001 })).toString('base64');
    expect(await call(parley, 'POST', 'register', { ...account, proof: wrong })).toMatchObject(refusedProof(/wrong or has expired/));
    for (const garbage of ['', 'not base64 at all', Buffer.from('[1,2]').toString('base64'), 'x'.repeat(2_001)]) {
      expect((await call(parley, 'POST', 'register', { ...account, proof: garbage })).status).toBe(400);
    }
    // signed by someone else: a challenge of another server (another key) does not count here
    const foreign = await new ProofOfWork({ enabled: true, maxNumber: 1000, sessionKeys: ['another server'], proofs: { spend: async () => true } }).challenge();
    expect(await call(parley, 'POST', 'register', { ...account, proof: await solve(foreign!) })).toMatchObject(refusedProof(/wrong or has expired/));
    expect(await parley.repositories.users.findByUsername('demo', account.username)).toBeNull();
  });

  it('refuses a guest without a proof, or with a wrong one, and creates nothing', async () => {
    const admin = await clients.admin('doorman');
    await admin.chat.updateSettings({ access: 'guests' });
    try {
      const displayName = `Bot ${randomBytes(3).toString('hex')}`;
      expect(await call(parley, 'POST', 'guest', { displayName })).toMatchObject(refusedProof(/^solve a proof-of-work challenge/));
      const issued = await challenge();
      const wrong = Buffer.from(JSON.stringify({ ...issued, number: -1 })).toString('base64');
      expect(await call(parley, 'POST', 'guest', { displayName, proof: wrong })).toMatchObject(refusedProof(/wrong or has expired/));
      expect(await parley.repositories.users.findClash('demo', `nobody${randomBytes(4).toString('hex')}`, displayName)).toBeNull();
      // the same name with a solved challenge gets in: it was the proof that counted
      expect((await call(parley, 'POST', 'guest', { displayName, proof: await solve(issued) })).status).toBe(201);
    } finally {
      await admin.chat.updateSettings({ access: 'members' });
    }
  });

  it('refuses an expired challenge (made 11 minutes ago: time passed as an argument)', async () => {
    const ours = new ProofOfWork({ enabled: true, maxNumber: 1000, sessionKeys: SESSION_KEYS, proofs: { spend: async () => true } });
    const stale = await ours.challenge(Date.now() - 11 * 60_000);
    const account = newAccount('late');
    expect(await call(parley, 'POST', 'register', { ...account, proof: await solve(stale!) })).toMatchObject(refusedProof(/wrong or has expired/));
    // the same key, fresh: accepted, so it was the expiry that counted
    const fresh = await ours.challenge();
    expect((await call(parley, 'POST', 'register', { ...account, proof: await solve(fresh!) })).status).toBe(201);
  });

  it('takes each solution once: a replay is refused, even for another name', async () => {
    const proof = await solve(await challenge());
    expect((await call(parley, 'POST', 'register', { ...newAccount('first'), proof })).status).toBe(201);
    const second = newAccount('replay');
    expect(await call(parley, 'POST', 'register', { ...second, proof })).toMatchObject(refusedProof(/used already/));
    expect(await parley.repositories.users.findByUsername('demo', second.username)).toBeNull();
  });

  it('takes each solution once across nodes: one node’s challenge works on another, and its replay on neither', async () => {
    const proof = await solve(await challenge(parley));
    expect((await call(twin, 'POST', 'register', { ...newAccount('elsewhere'), proof })).status).toBe(201);
    expect(await call(parley, 'POST', 'register', { ...newAccount('again'), proof })).toMatchObject(refusedProof(/used already/));
    expect(await call(twin, 'POST', 'register', { ...newAccount('again'), proof })).toMatchObject(refusedProof(/used already/));
  });

  it('signs with PROOF_OF_WORK_KEY when it is set, instead of a key derived from the session keys', async () => {
    const withKey = new ProofOfWork({ enabled: true, maxNumber: 1000, key: KEY, sessionKeys: ['not these'], proofs: { spend: async () => true } });
    expect((await call(keyed, 'POST', 'register', { ...newAccount('keyed'), proof: await solve((await withKey.challenge())!) })).status).toBe(201);
    const derived = new ProofOfWork({ enabled: true, maxNumber: 1000, sessionKeys: SESSION_KEYS, proofs: { spend: async () => true } });
    const proof = await solve((await derived.challenge())!);
    expect(await call(keyed, 'POST', 'register', { ...newAccount('derived'), proof })).toMatchObject(refusedProof(/wrong or has expired/));
  });

  it('hands one address a limited number of challenges (RATE_LIMIT_CHALLENGES_PER_IP)', async () => {
    for (let i = 0; i < 3; i++) expect((await call(keyed, 'GET', 'challenge')).status).toBe(200);
    expect(await call(keyed, 'GET', 'challenge')).toMatchObject({ status: 429, body: { error: { code: 'rate_limited', message: expect.stringMatching(/^too many challenges/) } } });
  });

  it('asks for nothing when turned off (PROOF_OF_WORK=off)', async () => {
    expect(await call(off, 'GET', 'challenge')).toEqual({ status: 200, body: { challenge: null } });
    expect((await call(off, 'POST', 'register', newAccount('plain'))).status).toBe(201);
  });
});
