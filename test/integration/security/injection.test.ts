import { createHmac, randomBytes } from 'node:crypto';
import { type Db, MongoClient } from 'mongodb';
import { io, type Socket } from 'socket.io-client';
import type { ErrorResponse, SessionResponse } from '../../../sdk/protocol';
import { createSite } from '../../../server/db';
import type { Parley } from '../../../server/main';
import { newAccount, startTestServer } from '../../helpers/server';

// Injection and authentication: MongoDB operator objects in every field of every HTTP body and socket payload,
// sessions that are forged, expired or ended, and ids that belong to another site. Each is refused with the
// protocol's error shape and changes nothing. (auth.test.ts already covers logout and an unknown 43-character
// token; sites.test.ts payloads naming another site; this file covers the rest.)

const SITE = 'demo';
const RIVAL = 'rival';
const DAY_MS = 24 * 60 * 60 * 1000;

/** What a query-injection attempt looks like in JSON: operators, code, and arrays where one value is expected. */
const OPERATORS: unknown[] = [{ $gt: '' }, { $ne: null }, { $where: 'sleep(1000) || true' }, { $regex: '.*' }, { $in: ['general'] }, ['general']];

let parley: Parley;
let mongo: MongoClient;
let db: Db;
const sockets: Socket[] = [];

beforeAll(async () => {
  // a database name of our own, so the test can reach the sessions collection directly
  const database = `test-injection-${randomBytes(6).toString('hex')}`;
  parley = await startTestServer({ MONGODB_DB: database });
  const uri = process.env.PARLEY_TEST_MONGODB_URI;
  if (!uri) throw new Error('the test database is not running (jest globalSetup)');
  mongo = await MongoClient.connect(uri);
  db = mongo.db(database);
  await createSite(parley.repositories, { id: RIVAL, name: 'Rival', allowedOrigins: [] });
});
afterAll(async () => {
  for (const socket of sockets.splice(0)) socket.disconnect();
  await mongo?.close();
  await parley?.close();
});

// ---- clients --------------------------------------------------------------------------------------------------

interface Call {
  token?: string;
  body?: unknown;
  headers?: Record<string, string>;
  site?: string;
}

async function api<T = unknown>(method: string, path: string, call: Call = {}): Promise<{ status: number; body: T }> {
  const headers: Record<string, string> = { ...call.headers };
  if (call.body !== undefined) headers['content-type'] = 'application/json';
  if (call.token) headers.authorization = `Bearer ${call.token}`;
  const response = await fetch(`${parley.url}/api/sites/${call.site ?? SITE}/${path}`, {
    method,
    headers,
    body: call.body === undefined ? undefined : JSON.stringify(call.body),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
}

interface Member {
  token: string;
  id: string;
  username: string;
}

async function register(site = SITE): Promise<Member> {
  const account = newAccount('inject');
  const { status, body } = await api<Required<SessionResponse>>('POST', 'register', { body: account, site });
  if (status !== 201) throw new Error(`registration failed: ${status}`);
  return { token: body.token, id: body.user.id, username: account.username };
}

async function registerAdmin(site = SITE): Promise<Member> {
  const admin = await register(site);
  await parley.repositories.users.setRole(site, admin.username, 'admin');
  return admin;
}

/** The handshake's answer: 'connected', or the data of the connect_error. */
function handshake(auth: Record<string, unknown>, headers?: Record<string, string>): Promise<unknown> {
  return new Promise((resolve) => {
    const socket = io(parley.url, { auth, transports: ['websocket'], reconnection: false, forceNew: true, ...(headers ? { extraHeaders: headers } : {}) });
    socket.once('connect', () => (socket.disconnect(), resolve('connected')));
    socket.once('connect_error', (error: Error & { data?: unknown }) => (socket.disconnect(), resolve(error.data)));
  });
}

async function connect(member: Member, site = SITE): Promise<Socket> {
  const socket = io(parley.url, { auth: { site, token: member.token }, transports: ['websocket'], reconnection: false, forceNew: true });
  sockets.push(socket);
  await new Promise((resolve, reject) => socket.once('connect', () => resolve(undefined)).once('connect_error', reject));
  return socket;
}

const ack = (socket: Socket, event: string, payload: unknown): Promise<unknown> => socket.timeout(5_000).emitWithAck(event, payload);

/** Everything a refused request could have changed, to compare before and after (sessions change on every use). */
async function snapshot(): Promise<string> {
  const collections = ['sites', 'users', 'rooms', 'messages', 'moderation', 'reports', 'ip_bans', 'uploads', 'upload_chunks', 'webhook_endpoints', 'webhook_deliveries', 'webhook_queue', 'email_digests', 'jobs'];
  const documents = await Promise.all(collections.map((name) => db.collection(name).find().sort({ _id: 1 }).toArray()));
  return JSON.stringify(documents);
}

const invalidInputOn = (field: string) => ({ error: { code: 'invalid_input', message: expect.any(String), field } });

// ---- operator objects -----------------------------------------------------------------------------------------

interface Endpoint {
  method: string;
  path: (ids: { target: string }) => string;
  as: 'nobody' | 'admin';
  /** A body the endpoint would accept: each field in turn is replaced by an operator object. */
  body: (ids: { target: string }) => Record<string, unknown>;
  /** Fields that are lists of strings: an operator goes inside the list too, and a list of strings is no operator there. */
  lists?: string[];
  /** Fields that are objects of known keys: an operator object there is refused naming its unknown key. */
  objects?: string[];
}

const hmac = (userId: string) => createHmac('sha256', 'not the secret').update(userId).digest('hex');

const endpoints: Record<string, Endpoint> = {
  'POST /register': { method: 'POST', path: () => 'register', as: 'nobody', body: () => ({ ...newAccount('op'), password: 'long enough pw', proof: 'unused here' }) },
  'POST /login': { method: 'POST', path: () => 'login', as: 'nobody', body: () => ({ username: 'someone', password: 'long enough pw' }) },
  'POST /identify': { method: 'POST', path: () => 'identify', as: 'nobody', body: () => ({ userId: 'crm-1', displayName: 'Crm One', hash: hmac('crm-1') }) },
  'POST /rooms': { method: 'POST', path: () => 'rooms', as: 'admin', body: () => ({ id: `op-${randomBytes(3).toString('hex')}`, name: 'Op room' }) },
  'PATCH /rooms/:roomId': { method: 'PATCH', path: () => 'rooms/general', as: 'admin', body: () => ({ name: 'Renamed', archived: false, slowModeSeconds: 0, paused: false }) },
  'POST /rooms/:roomId/mutes': { method: 'POST', path: () => 'rooms/general/mutes', as: 'admin', body: ({ target }) => ({ userId: target, durationMs: 60_000 }) },
  'POST /users/:userId/ban': { method: 'POST', path: ({ target }) => `users/${target}/ban`, as: 'admin', body: () => ({ reason: 'spam' }) },
  'PUT /word-filter': { method: 'PUT', path: () => 'word-filter', as: 'admin', body: () => ({ entries: ['darn'], action: 'refuse' }), lists: ['entries'] },
  'POST /reports/resolve': { method: 'POST', path: () => 'reports/resolve', as: 'admin', body: () => ({ roomId: 'general', seq: 1, action: 'mute', durationMs: 60_000 }) },
  'POST /blocks': { method: 'POST', path: () => 'blocks', as: 'admin', body: ({ target }) => ({ userId: target }) },
  'PUT /report-settings': { method: 'PUT', path: () => 'report-settings', as: 'admin', body: () => ({ hideAfter: 3 }) },
  'POST /guest': { method: 'POST', path: () => 'guest', as: 'nobody', body: () => ({ displayName: 'Op guest', proof: 'unused here' }) },
  'PATCH /settings': { method: 'PATCH', path: () => 'settings', as: 'admin', body: () => ({ access: 'guests', postingRights: { links: 'member' }, guestBanHours: 2 }), objects: ['postingRights'] },
  'PUT /pre-publish': { method: 'PUT', path: () => 'pre-publish', as: 'admin', body: () => ({ url: 'https://hooks.example.com/check', timeoutMs: 1_000, failOpen: true }) },
  'PUT /me/email': { method: 'PUT', path: () => 'me/email', as: 'admin', body: () => ({ address: 'op@mail.example', page: 'https://shop.example/', locale: 'es' }) },
  'PATCH /me/email': { method: 'PATCH', path: () => 'me/email', as: 'admin', body: () => ({ notify: false }) },
  'POST /me/erase': { method: 'POST', path: () => 'me/erase', as: 'admin', body: () => ({ password: 'not the password' }) },
  'POST /users/:userId/erase': { method: 'POST', path: ({ target }) => `users/${target}/erase`, as: 'admin', body: () => ({ password: 'unused here' }) },
  'PUT /users/:userId/role': { method: 'PUT', path: ({ target }) => `users/${target}/role`, as: 'admin', body: () => ({ role: 'moderator' }) },
  'POST /webhooks': {
    method: 'POST',
    path: () => 'webhooks',
    as: 'admin',
    body: () => ({ url: 'https://hooks.example.com/events', events: ['message.created'], description: 'our CRM', enabled: true }),
    lists: ['events'],
  },
};

describe('operator objects in HTTP bodies', () => {
  let admin: Member;
  let target: Member;
  beforeAll(async () => {
    admin = await registerAdmin();
    target = await register();
  });

  it.each(Object.entries(endpoints))('%s refuses one in every field with invalid_input naming it, and changes nothing', async (_name, endpoint) => {
    const ids = { target: target.id };
    const as = endpoint.as === 'admin' ? { token: admin.token } : {};
    const before = await snapshot();
    for (const field of Object.keys(endpoint.body(ids))) {
      const list = endpoint.lists?.includes(field) ?? false;
      const keyOf = (operator: unknown) =>
        endpoint.objects?.includes(field) && !Array.isArray(operator) ? `${field}.${Object.keys(operator as object)[0]}` : field;
      const attempts = OPERATORS.flatMap((operator) => [
        ...(list && Array.isArray(operator) ? [] : [{ value: operator, at: keyOf(operator) }]),
        ...(list ? [{ value: [operator], at: `${field}.0` }] : []),
      ]);
      for (const { value, at } of attempts) {
        const body = { ...endpoint.body(ids), [field]: value };
        const { status, body: answer } = await api(endpoint.method, endpoint.path(ids), { body, ...as });
        expect({ field, value, status, answer }).toEqual({ field, value, status: 400, answer: invalidInputOn(at) });
      }
    }
    // and a body that is itself an operator object
    const { status, body: answer } = await api(endpoint.method, endpoint.path(ids), { body: { $where: 'true' }, ...as });
    expect({ status, answer }).toEqual({ status: 400, answer: { error: expect.objectContaining({ code: 'invalid_input' }) } });
    expect(await snapshot()).toBe(before);
  });

  it('refuses operators and repeated keys in the moderation query, naming the parameter', async () => {
    const cases: Array<[string, string]> = [
      ['before[$gt]=', 'before[$gt]'],
      ['limit[$ne]=1', 'limit[$ne]'],
      ['before=0123456789abcdef01234567&before=0123456789abcdef01234568', 'before'],
      ['limit=5&limit=6', 'limit'],
      ['$where=sleep(1000)', '$where'],
    ];
    for (const [query, field] of cases) {
      const { status, body } = await api('GET', `moderation?${query}`, { token: admin.token });
      expect({ query, status, body }).toEqual({ query, status: 400, body: invalidInputOn(field) });
    }
  });

  it('refuses operators and repeated keys in the webhook deliveries query, naming the parameter', async () => {
    const { body: created } = await api('POST', 'webhooks', { token: admin.token, body: { url: 'https://hooks.example.com/log', events: ['report.created'] } });
    const id = (created as { endpoint: { id: string } }).endpoint.id;
    for (const [query, field] of [
      ['before[$gt]=', 'before[$gt]'],
      ['limit[$ne]=1', 'limit[$ne]'],
      ['before=1&before=2', 'before'],
      ['$where=sleep(1000)', '$where'],
    ]) {
      const { status, body } = await api('GET', `webhooks/${id}/deliveries?${query}`, { token: admin.token });
      expect({ query, status, body }).toEqual({ query, status: 400, body: invalidInputOn(field!) });
    }
    expect((await api('DELETE', `webhooks/${id}`, { token: admin.token })).status).toBe(204);
  });

  it('answers operator-looking ids in the path with not_found', async () => {
    const before = await snapshot();
    for (const id of ['%7B%22%24ne%22%3Anull%7D', '%24where', '[$ne]=1', '..%2Fgeneral']) {
      for (const [method, path, body] of [
        ['PATCH', `rooms/${id}`, { name: 'x' }],
        ['POST', `rooms/${id}/mutes`, { userId: target.id, durationMs: 60_000 }],
        ['POST', `users/${id}/ban`, {}],
        ['DELETE', `users/${id}/ban`, undefined],
        ['PATCH', `webhooks/${id}`, { enabled: false }],
        ['POST', `webhooks/${id}/deliveries/${id}/resend`, undefined],
      ] as const) {
        const { status, body: answer } = await api(method, path, { token: admin.token, ...(body ? { body } : {}) });
        expect({ path, status, code: (answer as ErrorResponse).error.code }).toEqual({ path, status: 404, code: 'not_found' });
      }
    }
    expect(await snapshot()).toBe(before);
  });

  it('answers operator-looking site ids with not_found, before sign-up or its challenge', async () => {
    const before = await snapshot();
    for (const site of ['%7B%22%24ne%22%3Anull%7D', '%24where', '[$ne]=1', '..%2Fdemo']) {
      for (const [method, path, body] of [
        ['GET', 'challenge', undefined],
        ['POST', 'register', { ...newAccount('op'), proof: 'unused here' }],
        ['POST', 'guest', { displayName: 'Op guest', proof: 'unused here' }],
      ] as const) {
        const { status, body: answer } = await api(method, path, { site, ...(body ? { body } : {}) });
        expect({ site, path, status, code: (answer as ErrorResponse).error.code }).toEqual({ site, path, status: 404, code: 'not_found' });
      }
    }
    expect(await snapshot()).toBe(before);
  });
});

/** Every field of every client→server payload (sdk/protocol.ts ClientToServerEvents), valid apart from the one replaced. */
const payloads: Record<string, (seq: number) => Record<string, unknown>> = {
  'room:join': () => ({ roomId: 'general', afterSeq: 0 }),
  'room:leave': () => ({ roomId: 'general' }),
  'room:history': (seq) => ({ roomId: 'general', before: seq + 1, limit: 10 }),
  'message:send': () => ({ roomId: 'general', text: 'should never be stored', clientMsgId: randomBytes(12).toString('hex'), retry: false }),
  'message:edit': (seq) => ({ roomId: 'general', seq, text: 'should never be written' }),
  'message:delete': (seq) => ({ roomId: 'general', seq }),
  'message:report': (seq) => ({ roomId: 'general', seq, reason: 'spam', details: 'should never be filed' }),
  'typing:start': () => ({ roomId: 'general' }),
};

describe('operator objects in socket payloads', () => {
  let socket: Socket;
  let seq: number;
  beforeAll(async () => {
    socket = await connect(await register());
    expect(await ack(socket, 'room:join', { roomId: 'general' })).toMatchObject({ ok: true });
    // a message of this user's own, so an edit or delete that got through would change it
    const sent = (await ack(socket, 'message:send', { roomId: 'general', text: 'my own', clientMsgId: randomBytes(12).toString('hex') })) as {
      message: { seq: number };
    };
    seq = sent.message.seq;
  });

  it.each(Object.entries(payloads))('%s refuses one in every field with invalid_input naming it, and changes nothing', async (event, payload) => {
    const before = await snapshot();
    for (const field of Object.keys(payload(seq))) {
      for (const operator of OPERATORS) {
        const answer = await ack(socket, event, { ...payload(seq), [field]: operator });
        expect({ field, operator, answer }).toEqual({ field, operator, answer: invalidInputOn(field) });
      }
    }
    expect(await snapshot()).toBe(before);
  });

  it('message:send refuses one as or in its attachments (and its mentions), naming the field, and changes nothing', async () => {
    const before = await snapshot();
    // text that is fine, so whatever is refused is the field under test
    const send = (extra: Record<string, unknown>) => ({ roomId: 'general', text: 'never stored', clientMsgId: randomBytes(12).toString('hex'), ...extra });
    const refusedOn = (field: string) => ({ error: { code: 'invalid_input', message: expect.any(String), field: expect.stringMatching(new RegExp(`^${field}(\\.0)?$`)) } });
    for (const field of ['attachments', 'mentions']) {
      for (const operator of OPERATORS) {
        expect({ operator, answer: await ack(socket, 'message:send', send({ [field]: operator })) }).toEqual({ operator, answer: refusedOn(field) });
        expect({ operator, answer: await ack(socket, 'message:send', send({ [field]: [operator] })) }).toEqual({ operator, answer: refusedOn(field) });
      }
    }
    expect(await snapshot()).toBe(before);
  });
});

// ---- sessions that are not, or no longer, valid ---------------------------------------------------------------

/** Makes a session unusable the way the case says; returns the token to try. */
type Spoil = (member: Member) => Promise<string>;

describe('a token that is forged, expired or ended', () => {
  const usable = async (token: string) => (await api('GET', 'me', { token })).status === 200;

  const cases: Array<[string, Spoil]> = [
    ['a random token of the right shape', async () => randomBytes(32).toString('base64url')],
    ['a token too short to be one', async () => 'abc'],
    ['a token too long to be one', async () => 'A'.repeat(300)],
    ['a token with characters no token has', async () => `${'!'.repeat(20)}%00${'*'.repeat(20)}`],
    ['a valid token with one character changed', async (member) => `${member.token.slice(0, -1)}${member.token.endsWith('A') ? 'B' : 'A'}`],
    ['a valid token of another site', async () => (await register(RIVAL)).token],
    [
      'a session whose idle deadline has passed',
      async (member) => {
        await db.collection('sessions').updateMany({ 'data.userId': member.id }, { $set: { expiresAt: new Date(Date.now() - 1_000) } });
        return member.token;
      },
    ],
    [
      'a session signed in longer ago than SESSION_ABSOLUTE_DAYS',
      async (member) => {
        await db.collection('sessions').updateMany({ 'data.userId': member.id }, { $set: { 'data.signedInAt': Date.now() - 91 * DAY_MS } });
        return member.token;
      },
    ],
    [
      "a banned user's old token, even after the ban is lifted",
      async (member) => {
        const admin = await registerAdmin();
        expect((await api('POST', `users/${member.id}/ban`, { token: admin.token, body: { reason: 'test' } })).status).toBe(204);
        expect((await api('DELETE', `users/${member.id}/ban`, { token: admin.token })).status).toBe(204);
        return member.token;
      },
    ],
  ];

  it.each(cases)('refuses %s over HTTP and in the Socket.IO handshake', async (_name, spoil) => {
    const member = await register();
    expect(await usable(member.token)).toBe(true);
    const token = await spoil(member);

    for (const [method, path, body] of [
      ['GET', 'me', undefined],
      ['GET', 'rooms', undefined],
      ['POST', 'rooms', { id: `x-${randomBytes(3).toString('hex')}`, name: 'Mine' }],
    ] as const) {
      const { status, body: answer } = await api(method, path, { token, ...(body ? { body } : {}) });
      expect({ path, status, answer }).toEqual({ path, status: 401, answer: { error: { code: 'unauthorized', message: 'sign in first' } } });
    }
    expect(await handshake({ site: SITE, token })).toEqual({ code: 'unauthorized', message: expect.any(String) });
  });

  it('refuses tokens that are not strings, in the handshake', async () => {
    const member = await register();
    for (const token of [...OPERATORS, 42, true, { token: member.token }, [member.token]]) {
      expect({ token, answer: await handshake({ site: SITE, token }) }).toEqual({ token, answer: { code: 'unauthorized', message: 'sign in first' } });
    }
    for (const site of OPERATORS) {
      expect({ site, answer: await handshake({ site, token: member.token }) }).toEqual({ site, answer: { code: 'unauthorized', message: expect.any(String) } });
    }
  });

  it('refuses a session cookie that is unsigned or signed with another key', async () => {
    const member = await register();
    const cookies = [
      `parley.sid=${member.token}`,
      `parley.sid=${member.token}; parley.sid.sig=${randomBytes(20).toString('base64url')}`,
      `parley.sid=${randomBytes(32).toString('base64url')}; parley.sid.sig=${randomBytes(20).toString('base64url')}`,
      // the widget's cookie counts only on requests the browser marks as from our own pages
      `parley.wsid=${member.token}`,
    ];
    for (const cookie of cookies) {
      expect({ cookie, status: (await api('GET', 'me', { headers: { cookie } })).status }).toEqual({ cookie, status: 401 });
      expect({ cookie, answer: await handshake({ site: SITE }, { cookie }) }).toEqual({ cookie, answer: { code: 'unauthorized', message: 'sign in first' } });
    }
  });
});

// ---- another site's ids ---------------------------------------------------------------------------------------

describe("another site's ids", () => {
  const SECRET = 'the rival site keeps this to itself';
  let admin: Member;
  let member: Member;
  let rivalUser: Member;
  let rivalSeq: number;
  let rivalEntryId: string;

  beforeAll(async () => {
    admin = await registerAdmin();
    member = await register();
    const rivalAdmin = await registerAdmin(RIVAL);
    rivalUser = await register(RIVAL);
    expect((await api('POST', 'rooms', { site: RIVAL, token: rivalAdmin.token, body: { id: 'rival-only', name: 'Rival only' } })).status).toBe(201);
    const socket = await connect(rivalUser, RIVAL);
    await ack(socket, 'room:join', { roomId: 'general' });
    const sent = (await ack(socket, 'message:send', { roomId: 'general', text: SECRET, clientMsgId: randomBytes(12).toString('hex') })) as { message: { seq: number } };
    rivalSeq = sent.message.seq;
    const log = await api<{ actions: Array<{ id: string }> }>('GET', 'moderation', { site: RIVAL, token: rivalAdmin.token });
    const [created] = log.body.actions;
    if (!created) throw new Error('the rival site logged no room creation');
    rivalEntryId = created.id;
  });

  const notFound = (what: string) => ({ error: { code: 'not_found', message: `${what} not found` } });

  it("answers another site's room with not_found or forbidden, over HTTP and the hub, and shows nothing of it", async () => {
    expect((await api('PATCH', 'rooms/rival-only', { token: admin.token, body: { name: 'Mine now' } })).body).toEqual(notFound('room'));
    expect((await api('POST', 'rooms/rival-only/mutes', { token: admin.token, body: { userId: member.id, durationMs: 60_000 } })).body).toEqual(notFound('room'));
    const socket = await connect(member);
    expect(await ack(socket, 'room:join', { roomId: 'rival-only' })).toEqual(notFound('room'));
    for (const [event, payload] of [
      ['room:history', { roomId: 'rival-only' }],
      ['message:send', { roomId: 'rival-only', text: 'in', clientMsgId: randomBytes(12).toString('hex') }],
      ['message:edit', { roomId: 'rival-only', seq: 1, text: 'mine' }],
      ['message:delete', { roomId: 'rival-only', seq: 1 }],
      ['message:report', { roomId: 'rival-only', seq: 1, reason: 'spam' }],
      ['typing:start', { roomId: 'rival-only' }],
    ] as const) {
      expect({ event, answer: await ack(socket, event, payload) }).toEqual({ event, answer: { error: { code: 'forbidden', message: 'join the room first' } } });
    }
    // the same room id, general, is this site's own: none of the rival's messages in it
    const joined = (await ack(socket, 'room:join', { roomId: 'general' })) as { messages: Array<{ text: string }> };
    const history = (await ack(socket, 'room:history', { roomId: 'general', limit: 100 })) as { messages: Array<{ text: string }> };
    expect([...joined.messages, ...history.messages].map((m) => m.text)).not.toContain(SECRET);
  });

  it("answers another site's user ids with not_found, and leaves that user alone", async () => {
    for (const [method, path, body] of [
      ['POST', `users/${rivalUser.id}/ban`, { reason: 'not yours' }],
      ['DELETE', `users/${rivalUser.id}/ban`, undefined],
      ['POST', 'rooms/general/mutes', { userId: rivalUser.id, durationMs: 60_000 }],
      ['DELETE', `rooms/general/mutes/${rivalUser.id}`, undefined],
    ] as const) {
      const { status, body: answer } = await api(method, path, { token: admin.token, ...(body ? { body } : {}) });
      expect({ path, status, answer }).toEqual({ path, status: 404, answer: notFound('user') });
    }
    expect((await parley.repositories.users.findById(RIVAL, rivalUser.id))?.bannedAt).toBeUndefined();
    expect((await api('GET', 'me', { site: RIVAL, token: rivalUser.token })).status).toBe(200);
  });

  it("never reaches another site's message by seq, nor its moderation log by entry id", async () => {
    const socket = await connect(member);
    await ack(socket, 'room:join', { roomId: 'general' });
    for (const [event, payload] of [
      ['message:edit', { roomId: 'general', seq: rivalSeq, text: 'overwritten' }],
      ['message:delete', { roomId: 'general', seq: rivalSeq }],
    ] as const) {
      const answer = await ack(socket, event, payload);
      expect(answer).toEqual({ error: { code: expect.stringMatching(/^(not_found|forbidden)$/), message: expect.any(String) } });
    }
    expect((await parley.repositories.messages.findBySeq(RIVAL, 'general', rivalSeq))?.text).toBe(SECRET);
    // a report by seq names this site's message of that seq, if any: never the rival's
    await ack(socket, 'message:report', { roomId: 'general', seq: rivalSeq, reason: 'spam' });
    expect(await parley.repositories.reports.open(RIVAL)).toEqual([]);

    const log = await api<{ actions: Array<{ id: string; actor: { id: string } }> }>('GET', `moderation?before=${rivalEntryId}`, { token: admin.token });
    expect(log.status).toBe(200);
    const ours = new Set((await parley.repositories.moderation.list(SITE, undefined, 100)).map((entry) => entry._id.toHexString()));
    expect(log.body.actions.filter((entry) => !ours.has(entry.id))).toEqual([]);
  });

  it("refuses a session of this site on the other site's paths, admin or not", async () => {
    for (const [method, path, body] of [
      ['GET', 'rooms', undefined],
      ['POST', 'rooms', { id: 'taken-over', name: 'Taken over' }],
      ['GET', 'moderation', undefined],
      ['POST', `users/${rivalUser.id}/ban`, {}],
    ] as const) {
      const { status, body: answer } = await api(method, path, { site: RIVAL, token: admin.token, ...(body ? { body } : {}) });
      expect({ path, status, answer }).toEqual({ path, status: 401, answer: { error: { code: 'unauthorized', message: 'sign in first' } } });
    }
  });
});
