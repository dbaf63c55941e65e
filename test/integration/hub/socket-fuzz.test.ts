import v8 from 'node:v8';
import vm from 'node:vm';
import { io, Manager, type Socket } from 'socket.io-client';
import type { Message, Room } from '../../../sdk';
import type { ErrorCode, SessionResponse } from '../../../sdk/protocol';
import { createSite } from '../../../server/db';
import { DEFAULT_SETTINGS } from '../../../server/db/sites';
import type { MessageDocument } from '../../../server/db/messages';
import { errorResponseSchema } from '../../../server/http/api-schemas';
import type { Parley } from '../../../server/main';
import { chatClients, waitUntil } from '../../helpers/chat';
import { newAccount, startTestServer } from '../../helpers/server';

// Hostile input over the real wire: over ten thousand malformed Socket.IO events from signed-in sockets, forged
// handshakes and raw protocol frames, while two honest SDK clients chat in the same room. The events come from a
// seeded PRNG (mulberry32 with SEED), so every run sends exactly the same ones and a failure can be replayed; the
// server, database and sockets are real and nothing is mocked.

const SEED = 0x5eed_f022;
const SITE = 'demo';
const ROOM = 'general';
const FUZZ_SOCKETS = 4;
const FUZZ_EVENTS = 11_000;
const HANDSHAKES = 240;
const UNAUTHENTICATED_WIRES = 40;
const ACK_TIMEOUT_MS = 15_000;
// each honest client sends every 100 ms, half a beat apart: a message in the room every ~50 ms
const CHAT_INTERVAL_MS = 100;
// the hub refuses frames over 16 KB (maxHttpBufferSize) by dropping the socket; ordinary cases stay under it
const FRAME_LIMIT_BYTES = 16 * 1024;
const ORDINARY_FRAME_BYTES = 15_000;
// what the run may leave on the heap of this process, which hosts the server, measured after a full gc
const HEAP_GROWTH_LIMIT_BYTES = 64 * 1024 * 1024;

let parley: Parley;
const clients = chatClients(() => parley);

beforeAll(async () => {
  parley = await startTestServer();
  await createSite(parley.repositories, { id: 'elsewhere', name: 'Elsewhere', allowedOrigins: [] });
});
afterAll(async () => {
  clients.closeAll();
  await parley.close();
});

// ---- a seeded PRNG --------------------------------------------------------------------------------------------

/** mulberry32: tiny and seeded, so the fuzz is the same on every run. */
function seededRandom(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  return {
    int,
    chance: (probability: number) => next() < probability,
    pick<T>(items: readonly T[]): T {
      const item = items[int(0, items.length - 1)];
      if (item === undefined) throw new Error('pick from an empty list');
      return item;
    },
    token: (length: number) => Array.from({ length }, () => TOKEN_ALPHABET[int(0, TOKEN_ALPHABET.length - 1)]).join(''),
  };
}
type Random = ReturnType<typeof seededRandom>;

const TOKEN_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-';

// ---- hostile values -------------------------------------------------------------------------------------------

/** `{a:{a:…}}` or `[[…]]`, `depth` levels deep. */
function nested(depth: number, kind: 'object' | 'array'): unknown {
  let value: unknown = 'bottom';
  for (let level = 0; level < depth; level++) value = kind === 'object' ? { a: value } : [value];
  return value;
}

/** Own `__proto__` keys can only come from JSON.parse, as they do on the server. */
const withOwnKey = (json: string): unknown => JSON.parse(json);

type Value = (random: Random) => unknown;

const numbers: Value[] = [() => 0, () => -1, () => 1.5, () => -0.5, () => 1e21, () => Number.MAX_SAFE_INTEGER + 2, () => NaN, () => Infinity];
const booleans: Value[] = [() => true, () => false];
const nulls: Value[] = [() => null];
const strings: Value[] = [
  () => '',
  () => ' ',
  () => '\u0000',
  () => '\uD800', // lone surrogates: not well-formed UTF-16
  () => 'x\uDFFFy',
  () => '\uD83D',
  () => '\u202Egeneral', // right-to-left override
  () => 'Z\u0335\u0321\u031Ba\u0334l\u0337g\u0336o',
  () => '{"$gt":""}',
  () => '<script>window.__xss = 1</script>',
  (random) => 'x'.repeat(random.int(4_001, 12_000)),
  (random) => '\u0007'.repeat(random.int(1, 500)),
];
const objects: Value[] = [
  () => ({}),
  () => ({ $gt: '' }),
  () => ({ $ne: null }),
  () => ({ $where: 'sleep(100) || true' }),
  () => ({ $regex: '.*' }),
  () => ({ $in: [ROOM] }),
  () => ({ $exists: true }),
  () => ({ $expr: { $eq: [1, 1] } }),
  () => withOwnKey('{"__proto__":{"polluted":"yes"}}'),
  () => withOwnKey('{"__proto__":null}'),
  () => ({ constructor: { prototype: { polluted: 'yes' } } }),
  () => ({ toString: 'x', valueOf: 1, hasOwnProperty: 'x' }),
  (random) => nested(random.int(10, 2_000), 'object'),
];
const arrays: Value[] = [
  () => [],
  () => [ROOM],
  () => [[[]]],
  (random) => nested(random.int(10, 2_000), 'array'),
  (random) => Array.from({ length: random.int(100, 1_000) }, (_, i) => i),
];
// binary attachments: Socket.IO sends these as frames of their own, and the server hands them over as Buffers
const binaries: Value[] = [
  () => Buffer.from(ROOM),
  (random) => Buffer.alloc(random.int(1, 8_192), 0xff),
  () => new Uint8Array([0, 255, 0xd8, 0x00]),
  () => ({ data: Buffer.from('{"$gt":""}') }),
];

/** Field kinds of the client→server payloads in sdk/protocol.ts, and values each never accepts. */
type FieldKind = 'roomId' | 'text' | 'clientMsgId' | 'seq' | 'afterSeq' | 'before' | 'limit' | 'retry' | 'reason' | 'details' | 'emoji' | 'pinned' | 'query' | 'replyTo' | 'mentions';

const notAString = [...numbers, ...booleans, ...nulls, ...objects, ...arrays, ...binaries];
const notANumber = [...booleans, ...nulls, ...strings, () => '1', ...objects, ...arrays, ...binaries];
const notABoolean = [...numbers, ...nulls, ...strings, () => 'true', ...objects, ...arrays, ...binaries];
const literal = (...values: unknown[]): Value[] => values.map((value) => () => value);

const invalidFor: Record<FieldKind, Value[]> = {
  roomId: [
    ...notAString,
    ...strings,
    ...literal('General', 'a'.repeat(41), 'general ', ' general', 'gen eral', 'g\u0435neral', 'general\u0000', 'site:demo:room:general', '../general', 'g\u00e9n\u00e9ral', '.*', '__proto__'),
  ],
  clientMsgId: [...notAString, ...strings, ...literal('short', 'x'.repeat(65), 'has spaces 1234', '../../etc/passwd', '\uD800'.repeat(8), '12345678\n')],
  text: [
    ...notAString,
    ...literal('', '   ', '\n\n', '\uD800', 'ok \uDC00', 'bell\u0007', 'nul\u0000', 'line\u2028sep', 'del\u007F', 'esc\u001b[31m', 'x'.repeat(4_001), 'e\u0301'.repeat(4_001)),
  ],
  seq: [...notANumber, ...literal(0, -1, 1.5, -0.5)],
  afterSeq: [...notANumber, ...literal(-1, 1.5, -0.5)],
  before: [...notANumber, ...literal(0, -1, 1.5)],
  limit: [...notANumber, ...literal(0, 101, 1.5, -1, 1e6)],
  retry: notABoolean,
  reason: [...notAString, ...strings, ...literal('Spam', 'spam ', 'SPAM', 'abuse', '__proto__', 'toString')],
  details: [...notAString, ...literal('', '   ', 'bell\u0007', 'nul\u0000', '\uD800', 'x'.repeat(501))],
  // reactions: one emoji, nothing else
  emoji: [...notAString, ...strings, ...literal('a', '1', '#', '👍👍', '👍 ', ' 👍', '\uFE0F', '\u200D', '👍\u200D', '\uD83D\uDC4D\uD83D', '<b>👍</b>', '👍'.repeat(40))],
  // pins and search: a boolean; a query with a letter or digit, at most 100 characters
  pinned: notABoolean,
  // replies and mentions: a seq; a list of at most 20 user ids
  replyTo: [...notANumber, ...literal(0, -1, 1.5, Number.MAX_SAFE_INTEGER + 1)],
  mentions: [...notAString.filter((value) => value !== arrays[0]), ...strings, ...literal([1], [null], [''], ['<b>'], ['a'.repeat(65)], ['$where'], Array.from({ length: 21 }, (_, k) => `user${k}`))],
  query: [...notAString, ...literal('', '   ', '?!…', '\u0000\u0007', '\uD800', '<>', '$', 'x'.repeat(101), 'é'.repeat(101))],
};

// ---- the events -----------------------------------------------------------------------------------------------

interface EventSpec {
  required: readonly FieldKind[];
  optional: readonly FieldKind[];
}

/** Every client→server event of sdk/protocol.ts (ClientToServerEvents), with the fields of its payload. */
const events: Record<string, EventSpec> = {
  'room:join': { required: ['roomId'], optional: ['afterSeq'] },
  'room:leave': { required: ['roomId'], optional: [] },
  'room:history': { required: ['roomId'], optional: ['before', 'limit'] },
  'message:send': { required: ['roomId', 'text', 'clientMsgId'], optional: ['retry', 'replyTo', 'mentions'] },
  'message:edit': { required: ['roomId', 'seq', 'text'], optional: [] },
  'message:delete': { required: ['roomId', 'seq'], optional: [] },
  'message:report': { required: ['roomId', 'seq', 'reason'], optional: ['details'] },
  'typing:start': { required: ['roomId'], optional: [] },
  // reactions
  'message:react': { required: ['roomId', 'seq', 'emoji'], optional: [] },
  // pinned messages and search in a room
  'message:pin': { required: ['roomId', 'seq', 'pinned'], optional: [] },
  'room:search': { required: ['roomId', 'query'], optional: ['before', 'limit'] },
};
const eventSpecs = Object.entries(events);

const unknownEventNames = [
  'message:nuke',
  'room:create',
  'admin:ban',
  'message:send ',
  'Message:send',
  'room:join\u0000',
  '',
  'x'.repeat(2_000),
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  'error',
  'message:new',
  'session:ended',
  'presence:join',
  '$where',
  '\uD800',
  'connection',
];

/** A value the field accepts: the starting point that each mutation then breaks. */
function validValue(kind: FieldKind, random: Random): unknown {
  switch (kind) {
    case 'roomId':
      return ROOM;
    case 'text':
      return `fuzz text ${random.int(1, 1_000_000)}`;
    case 'clientMsgId':
      return random.token(random.int(8, 64));
    case 'seq':
    case 'before':
      return random.int(1, 10_000);
    case 'afterSeq':
      return random.int(0, 10_000);
    case 'limit':
      return random.int(1, 100);
    case 'retry':
      return random.chance(0.5);
    case 'reason':
      return random.pick(['spam', 'harassment', 'hate', 'sexual', 'violence', 'other']);
    case 'details':
      return `fuzz details ${random.int(1, 1_000)}`;
    case 'emoji':
      return random.pick(['👍', '❤️', '😂', '🎉', '👍🏽', '🇪🇸']);
    case 'pinned':
      return random.chance(0.5);
    case 'query':
      return random.pick(['hello', 'fuzz text', 'café', '咖啡']);
    case 'replyTo':
      return random.int(1, 10_000);
    case 'mentions':
      return [];
  }
}

function validPayload(spec: EventSpec, random: Random): Record<string, unknown> {
  const payload: Record<string, unknown> = {};
  for (const kind of spec.required) payload[kind] = validValue(kind, random);
  for (const kind of spec.optional) if (random.chance(0.5)) payload[kind] = validValue(kind, random);
  return payload;
}

const UNKNOWN_KEYS = ['siteId', 'site', '__proto__', 'constructor', 'prototype', '$where', '$set', 'author', 'userId', 'deletedAt', 'role', 'toString', 'x'.repeat(100), ''];

/**
 * What a case expects: `error` — a typed error ack; `ok` — a valid probe, answered `{ ok: true }`; `unanswered` —
 * sent without an ack callback (the hub ignores it) or under a name the protocol does not have (the hub answers
 * those `not_found` when it sees them, but Socket.IO keeps some names from handlers; anything that does come back
 * must be a typed error).
 */
type Expectation = 'error' | 'ok' | 'unanswered';

interface FuzzCase {
  category: string;
  event: string;
  args: unknown[];
  expect: Expectation;
}

/**
 * One malformed event. Every mutation leaves at least one field invalid, a required one missing, an unknown key,
 * the wrong top-level type or the wrong number of arguments — or a well-formed payload the hub must still refuse
 * (a room that does not exist or was not joined, someone else's message) — so none may be answered `ok`.
 */
function malformedCase(random: Random): FuzzCase {
  for (;;) {
    const fuzzCase = mutatedCase(random);
    // a frame over the limit drops the socket: those are sent on their own (sendOversized)
    if (frameBytes(fuzzCase.args) <= ORDINARY_FRAME_BYTES) return fuzzCase;
  }
}

/** The size of the text frame of an event; binary attachments travel in frames of their own. */
function frameBytes(args: unknown[]): number {
  // `this[key]` is the value before toJSON, which turns a Buffer into an array of numbers
  const text = JSON.stringify(args, function (this: Record<string, unknown>, key: string, value: unknown) {
    return this[key] instanceof Uint8Array ? 0 : value;
  });
  return Buffer.byteLength(text ?? '');
}

function mutatedCase(random: Random): FuzzCase {
  const roll = random.int(1, 100);
  if (roll <= 6) {
    const args = random.chance(0.5) ? [random.pick(random.pick([notAString, objects]))(random)] : [];
    return { category: 'unknown event', event: random.pick(unknownEventNames), args, expect: 'unanswered' };
  }
  const [event, spec] = random.pick(eventSpecs);
  const payload = validPayload(spec, random);
  const fields = [...spec.required, ...spec.optional];
  if (roll <= 40) {
    const kind = random.pick(fields);
    payload[kind] = random.pick(invalidFor[kind])(random);
    return { category: `bad ${kind}`, event, args: [payload], expect: 'error' };
  }
  if (roll <= 50) {
    delete payload[random.pick(spec.required)];
    return { category: 'missing field', event, args: [payload], expect: 'error' };
  }
  if (roll <= 60) {
    const key = random.pick(UNKNOWN_KEYS);
    // no binaries here: socket.io-client copies a payload with attachments key by key, and `copy.__proto__ = …`
    // would set the copy's prototype, so the key (and the reason to refuse) would never leave this process
    const hostile = random.pick([...numbers, ...booleans, ...nulls, ...strings, ...objects, ...arrays])(random);
    // an own "__proto__" key, as JSON.parse makes it on the server, not the literal's prototype
    Object.defineProperty(payload, key, { value: hostile, enumerable: true, configurable: true, writable: true });
    return { category: 'unknown key', event, args: [payload], expect: 'error' };
  }
  if (roll <= 70) {
    const wrong = random.pick([...nulls, ...numbers, ...booleans, ...strings, ...arrays, ...binaries, () => [payload], ...objects]);
    return { category: 'wrong payload type', event, args: [wrong(random)], expect: 'error' };
  }
  if (roll <= 76) {
    for (const kind of fields) payload[kind] = random.pick(invalidFor[kind])(random);
    return { category: 'every field bad', event, args: [payload], expect: 'error' };
  }
  if (roll <= 82) {
    const args = random.chance(0.5) ? [] : [payload, ...Array.from({ length: random.int(1, 5) }, () => random.pick(notAString)(random))];
    return { category: 'wrong argument count', event, args, expect: 'error' };
  }
  if (roll <= 90) {
    // no callback (or a non-function where it goes): nothing to answer, and a valid send must not be stored
    const args = random.chance(0.5) ? [payload] : [payload, random.pick(notAString)(random)];
    return { category: 'no ack callback', event, args, expect: 'unanswered' };
  }
  // one in ten: these reach the database, which bounds how fast the run can go
  return semanticCase(event, payload, random);
}

/** Well-formed payloads the hub must refuse all the same: unknown or unjoined rooms, other people's messages. */
function semanticCase(event: string, payload: Record<string, unknown>, random: Random): FuzzCase {
  const nowhere = `fuzz-nowhere-${random.int(1, 1_000)}`;
  switch (event) {
    case 'room:join':
      return { category: 'unknown room', event, args: [{ ...payload, roomId: nowhere }], expect: 'error' };
    case 'message:edit':
    case 'message:delete':
      // the fuzz accounts never stored a message: these are the honest clients' or nobody's
      return { category: "someone else's message", event, args: [{ ...payload, seq: random.int(1, 2_000) }], expect: 'error' };
    case 'room:leave':
      // leaving a room one is not in is fine: make it invalid instead
      return { category: 'bad roomId', event, args: [{ roomId: random.pick(invalidFor.roomId)(random) }], expect: 'error' };
    default:
      return { category: 'room not joined', event, args: [{ ...payload, roomId: nowhere }], expect: 'error' };
  }
}

/** A valid read, now and then: the sockets are still served, and `ok` is answered exactly for these. */
const probe = (): FuzzCase => ({ category: 'valid probe', event: 'room:history', args: [{ roomId: ROOM, limit: 1 }], expect: 'ok' });

/** The fuzz, in bursts: many sent at once (floods of one event among them), the acks awaited per burst. */
function generateBursts(random: Random, total: number): FuzzCase[][] {
  const bursts: FuzzCase[][] = [];
  let count = 0;
  while (count < total) {
    const size = random.chance(0.1) ? random.int(300, 600) : random.int(1, 120);
    const flood = random.chance(0.15);
    const one = malformedCase(random);
    const burst = Array.from({ length: size }, () => (flood ? one : random.chance(0.02) ? probe() : malformedCase(random)));
    bursts.push(burst);
    count += size;
  }
  return bursts;
}

// ---- the tally ------------------------------------------------------------------------------------------------

interface Tally {
  /** Everything sent: socket events, handshakes, raw frames. */
  sent: number;
  eventsSent: number;
  errorsByCode: Partial<Record<ErrorCode, number>>;
  ackedOk: number;
  unanswered: number;
  /** Sockets the server closed on purpose (oversized payloads, malformed frames). */
  disconnects: number;
  handshakesRefused: Partial<Record<ErrorCode, number>>;
  rawFramesIgnored: number;
  /** Broken promises of the contract, each with the case that broke it. */
  failures: string[];
}

const newTally = (): Tally => ({
  sent: 0,
  eventsSent: 0,
  errorsByCode: {},
  ackedOk: 0,
  unanswered: 0,
  disconnects: 0,
  handshakesRefused: {},
  rawFramesIgnored: 0,
  failures: [],
});

const describeCase = (fuzzCase: FuzzCase) => `${fuzzCase.category}: ${JSON.stringify([fuzzCase.event, ...fuzzCase.args]).slice(0, 300)}`;
const describeValue = (value: unknown) => (JSON.stringify(value) ?? String(value)).slice(0, 300);

function addCode(counts: Partial<Record<ErrorCode, number>>, code: ErrorCode): void {
  counts[code] = (counts[code] ?? 0) + 1;
}

/** A typed error: `{ error: { code, message } }` with a protocol code that is the client's fault, never ours. */
function typedErrorCode(response: unknown): ErrorCode | undefined {
  const parsed = errorResponseSchema.safeParse(response);
  if (!parsed.success) return undefined;
  const { code } = parsed.data.error;
  return code === 'internal' || code === 'unavailable' ? undefined : code;
}

// ---- sending --------------------------------------------------------------------------------------------------

interface FuzzAccount {
  token: string;
}

async function registerAccount(site = SITE): Promise<FuzzAccount> {
  const response = await fetch(`${parley.url}/api/sites/${site}/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(newAccount('fuzz')),
  });
  if (response.status !== 201) throw new Error(`registration failed: ${response.status}`);
  const { token } = (await response.json()) as Required<SessionResponse>;
  return { token };
}

/** A raw, signed-in Socket.IO connection with the account's session, joined to the room. */
async function connect(account: FuzzAccount): Promise<Socket> {
  const socket = io(parley.url, { auth: { site: SITE, token: account.token }, transports: ['websocket'], reconnection: false, forceNew: true });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  const joined: unknown = await socket.timeout(ACK_TIMEOUT_MS).emitWithAck('room:join', { roomId: ROOM });
  if (typeof joined !== 'object' || joined === null || !('ok' in joined)) throw new Error(`join failed: ${describeValue(joined)}`);
  return socket;
}

function sendCase(socket: Socket, fuzzCase: FuzzCase, tally: Tally): Promise<void> {
  tally.sent += 1;
  tally.eventsSent += 1;
  if (fuzzCase.expect === 'unanswered') {
    tally.unanswered += 1;
    if (fuzzCase.category === 'unknown event') {
      socket.emit(fuzzCase.event, ...fuzzCase.args, (response: unknown) => {
        if (!typedErrorCode(response)) tally.failures.push(`unknown event answered ${describeValue(response)} — ${describeCase(fuzzCase)}`);
      });
    } else {
      socket.emit(fuzzCase.event, ...fuzzCase.args);
    }
    return Promise.resolve();
  }

  return new Promise((resolve) => {
    socket.timeout(ACK_TIMEOUT_MS).emit(fuzzCase.event, ...fuzzCase.args, (failure: Error | null, response: unknown) => {
      resolve();
      if (failure) return void tally.failures.push(`${failure.message} — ${describeCase(fuzzCase)}`);
      if (fuzzCase.expect === 'ok') {
        if (typeof response === 'object' && response !== null && (response as { ok?: unknown }).ok === true) tally.ackedOk += 1;
        else tally.failures.push(`a valid probe got ${describeValue(response)}`);
        return;
      }
      const code = typedErrorCode(response);
      if (code) addCode(tally.errorsByCode, code);
      else tally.failures.push(`answered ${describeValue(response)} — ${describeCase(fuzzCase)}`);
    });
  });
}

/** One socket's share of the fuzz, burst by burst; a socket the server dropped would fail every later ack. */
async function fuzzSocket(account: FuzzAccount, bursts: FuzzCase[][], tally: Tally): Promise<void> {
  const socket = await connect(account);
  try {
    for (const burst of bursts) await Promise.all(burst.map((fuzzCase) => sendCase(socket, fuzzCase, tally)));
  } finally {
    socket.disconnect();
  }
}

/** Payloads over maxHttpBufferSize: only that socket is dropped, and nothing it sent is stored. */
async function sendOversized(account: FuzzAccount, tally: Tally): Promise<void> {
  const oversized: unknown[] = [
    { roomId: ROOM, text: 'x'.repeat(FRAME_LIMIT_BYTES + 1), clientMsgId: 'oversized-text-1' },
    { roomId: ROOM, text: nested(3_000, 'object'), clientMsgId: 'oversized-nesting-1' },
    { roomId: ROOM, text: Buffer.alloc(FRAME_LIMIT_BYTES * 2, 0x41), clientMsgId: 'oversized-binary-1' },
  ];
  for (const payload of oversized) {
    const socket = await connect(account);
    tally.sent += 1;
    tally.eventsSent += 1;
    const closed = new Promise<string>((resolve) => socket.once('disconnect', resolve));
    socket.emit('message:send', payload, () => tally.failures.push(`an oversized payload was answered: ${describeValue(payload).slice(0, 80)}`));
    const reason = await closed;
    if (reason === 'transport close') tally.disconnects += 1;
    else tally.failures.push(`an oversized payload closed the socket with "${reason}"`);
  }
}

/**
 * Frames no Socket.IO client would send, written straight onto a signed-in connection. The server either drops that
 * connection (a frame it cannot decode, a reserved event name, another namespace) or ignores the frame; then the
 * socket must still be served.
 */
const RAW_FRAMES = [
  // Socket.IO packets as Engine.IO carries them (the transport adds its own "4", message): type, [id], JSON
  '2[',
  '2{"roomId":"general"}',
  '2[]',
  '2[123,{"roomId":"general"}]',
  '2[null]',
  '2["disconnect","forged"]',
  '2["disconnecting"]',
  '2["newListener","message:send"]',
  '2["removeListener","message:send"]',
  '21a["room:join",{"roomId":"general"}]',
  '299999999999999999999["room:history",{"roomId":"general","limit":1}]',
  '3["nobody asked"]',
  '4{"message":"a client has no business sending this"}',
  '9',
  '',
  '51-["message:send",{"_placeholder":true,"num":0}]',
  '599999-["message:send",{"_placeholder":true,"num":0}]',
  '2/admin,["room:join",{"roomId":"general"}]',
  '0/admin,{}',
  '0{"site":"demo","token":"a second connect on the same namespace"}',
  '2["message:send",{"roomId":"general","text":{"_placeholder":true,"num":0},"clientMsgId":"placeholder-1"}]',
  '2["message:send",{"roomId":"general","text":"no ack, never stored","clientMsgId":"raw-frame-no-ack-1"}]',
];

async function sendRawFrames(account: FuzzAccount, tally: Tally): Promise<void> {
  await Promise.all(
    RAW_FRAMES.map(async (frame) => {
      const socket = await connect(account);
      try {
        tally.sent += 1;
        const closed = new Promise<string>((resolve) => socket.once('disconnect', resolve));
        socket.io.engine.write(frame);
        // a probe after the frame: answered if the frame was ignored; a dropped socket fails it instead
        const answer: unknown = await socket
          .timeout(5_000)
          .emitWithAck('room:history', { roomId: ROOM, limit: 1 })
          .catch(() => undefined);
        if (socket.connected) {
          if (typeof answer === 'object' && answer !== null && 'ok' in answer) tally.rawFramesIgnored += 1;
          else tally.failures.push(`after raw frame ${JSON.stringify(frame)} the socket answered ${describeValue(answer)}`);
          return;
        }
        const reason = await closed;
        if (reason === 'transport close' || reason === 'io server disconnect') tally.disconnects += 1;
        else tally.failures.push(`raw frame ${JSON.stringify(frame)} closed the socket with "${reason}"`);
      } finally {
        socket.disconnect();
      }
    }),
  );
}

// ---- unauthenticated ------------------------------------------------------------------------------------------

interface Handshake {
  auth: Record<string, unknown>;
  headers?: Record<string, string>;
}

/** Forged, missing, malformed or misplaced credentials: every one must be refused with a typed connect_error. */
function forgedHandshake(random: Random, valid: FuzzAccount, otherSite: FuzzAccount, loggedOut: FuzzAccount): Handshake {
  const forgedToken = () => random.pick<Value>([() => random.token(43), () => random.token(random.int(1, 19)), () => random.token(random.int(201, 1_000)), ...notAString, ...strings])(random);
  return random.pick<() => Handshake>([
    () => ({ auth: {} }),
    () => ({ auth: { site: SITE } }),
    () => ({ auth: { site: SITE, token: forgedToken() } }),
    () => ({ auth: { site: SITE, token: `${valid.token.slice(0, -1)}${valid.token.endsWith('A') ? 'B' : 'A'}` } }),
    () => ({ auth: { site: SITE, token: loggedOut.token } }),
    () => ({ auth: { site: SITE, token: otherSite.token } }),
    () => ({ auth: { site: 'elsewhere', token: valid.token } }),
    () => ({ auth: { site: 'no-such-site', token: valid.token } }),
    () => ({ auth: { site: random.pick(objects)(random), token: valid.token } }),
    () => ({ auth: withOwnKey(`{"site":"${SITE}","__proto__":{"token":"${valid.token}"}}`) as Record<string, unknown> }),
    () => ({ auth: { site: SITE }, headers: { cookie: `parley.sid=${valid.token}` } }),
    () => ({ auth: { site: SITE }, headers: { cookie: `parley.sid=${valid.token}; parley.sid.sig=${random.token(27)}` } }),
    () => ({ auth: { site: SITE }, headers: { cookie: `parley.wsid=${valid.token}` } }),
    () => ({ auth: { site: SITE, token: valid.token }, headers: { origin: 'https://evil.example' } }),
  ])();
}

function attemptHandshake(handshake: Handshake, tally: Tally): Promise<void> {
  tally.sent += 1;
  return new Promise((resolve) => {
    const socket = io(parley.url, {
      auth: handshake.auth,
      ...(handshake.headers ? { extraHeaders: handshake.headers } : {}),
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
    });
    socket.once('connect', () => {
      tally.failures.push(`a forged handshake connected: ${describeValue(handshake)}`);
      socket.disconnect();
      resolve();
    });
    socket.once('connect_error', (error: Error & { data?: unknown }) => {
      const code = typedErrorCode({ error: error.data });
      if (code === 'unauthorized' || code === 'forbidden') addCode(tally.handshakesRefused, code);
      else tally.failures.push(`handshake ${describeValue(handshake)} refused with ${describeValue(error.data ?? error.message)}`);
      socket.disconnect();
      resolve();
    });
  });
}

/**
 * Below the Socket.IO client: an Engine.IO connection that asks for the namespace with forged credentials, gets a
 * typed CONNECT_ERROR, and sends events anyway. The server must answer none of them and close the connection.
 */
async function unauthenticatedWire(random: Random, tally: Tally): Promise<void> {
  const manager = new Manager(parley.url, { transports: ['websocket'], reconnection: false, autoConnect: false });
  await new Promise<void>((resolve, reject) => manager.open((error) => (error ? reject(error) : resolve())));
  const engine = manager.engine;
  const received: string[] = [];
  engine.on('message', (data) => received.push(String(data)));
  let closedBy: 'server' | 'us' = 'server';
  const closed = new Promise<void>((resolve) => engine.once('close', () => resolve()));

  const auth = random.pick([{}, { site: SITE, token: random.token(43) }, { site: SITE, token: { $ne: null } }, { token: [random.token(43)] }]);
  const connectFrame = `0${JSON.stringify(auth)}`;
  const eventFrames = [
    `21${JSON.stringify(['message:send', { roomId: ROOM, text: 'sent without a session', clientMsgId: random.token(16) }])}`,
    `22${JSON.stringify(['room:join', { roomId: ROOM }])}`,
    `2${JSON.stringify(['typing:start', { roomId: ROOM }])}`,
  ];
  engine.write(connectFrame);
  await waitUntil(() => received.length > 0, 5_000);
  for (const frame of eventFrames) engine.write(frame);
  tally.sent += 1 + eventFrames.length;
  tally.eventsSent += eventFrames.length;
  const timer = setTimeout(() => {
    closedBy = 'us';
    engine.close();
  }, 5_000);
  await closed;
  clearTimeout(timer);

  const [answer, ...more] = received;
  const refusal = answer?.startsWith('4') ? (JSON.parse(answer.slice(1)) as { data?: unknown }).data : undefined;
  const code = typedErrorCode({ error: refusal });
  if (code === 'unauthorized') addCode(tally.handshakesRefused, code);
  else tally.failures.push(`an unauthenticated connection got ${describeValue(answer)}`);
  if (more.length > 0) tally.failures.push(`events without a session were answered: ${describeValue(more)}`);
  if (closedBy === 'server') tally.disconnects += 1;
  else tally.failures.push('the server kept a connection open that sent events without a session');
}

// ---- the honest clients ---------------------------------------------------------------------------------------

interface Chatter {
  id: string;
  /** What this client sent, as stored. */
  sent: Message[];
  /** Everything this client heard from the others, in order. */
  heard: Message[];
  failures: unknown[];
}

/** Sends a message every CHAT_INTERVAL_MS until `stopped()`, without waiting for the acks in between. */
async function chat(room: Room, chatter: Chatter, label: string, stopped: () => boolean, delayMs = 0): Promise<void> {
  const sends: Array<Promise<void>> = [];
  await new Promise((resolve) => setTimeout(resolve, delayMs));
  for (let n = 1; !stopped(); n += 1) {
    sends.push(
      room.send(`${label} says ${n}`).then(
        (message) => void chatter.sent.push(message),
        (error: unknown) => void chatter.failures.push(error),
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, CHAT_INTERVAL_MS));
  }
  await Promise.all(sends);
}

async function honestChatter(label: string): Promise<{ chatter: Chatter; room: Room }> {
  // the fuzz keeps the server busy and the machine may be busy too: an answer may take long, but must come, so
  // these clients wait for it far longer than the SDK's defaults (10 s an answer, 30 s a send) before giving up
  const { room, user } = await clients.member(label, 'demo', { requestTimeoutMs: 120_000, sendTimeoutMs: 240_000 });
  const chatter: Chatter = { id: user.id, sent: [], heard: [], failures: [] };
  room.on('message', (message) => {
    if (message.author.id !== user.id) chatter.heard.push(message);
  });
  return { chatter, room };
}

// ---- what is stored -------------------------------------------------------------------------------------------

/** Every message of the site, room by room, through the repositories. */
async function storedMessages(siteId: string): Promise<MessageDocument[]> {
  const all: MessageDocument[] = [];
  for (const room of await parley.repositories.rooms.list(siteId)) {
    let before: number | undefined;
    for (;;) {
      const page = await parley.repositories.messages.before(siteId, room.roomId, before, 100);
      all.push(...page);
      const oldest = page.at(-1);
      if (!oldest || page.length < 100) break;
      before = oldest.seq;
    }
  }
  return all;
}

/** Keys that must never reach the database: operators and prototype names, at any depth. */
function hostileKeys(value: unknown, path = ''): string[] {
  if (typeof value !== 'object' || value === null || value instanceof Date || Buffer.isBuffer(value)) return [];
  if ('_bsontype' in value) return []; // ObjectId
  return Object.keys(value).flatMap((key) => {
    const here = path ? `${path}.${key}` : key;
    const bad = key.startsWith('$') || key === '__proto__' || key === 'constructor' || key === 'prototype' ? [here] : [];
    return [...bad, ...hostileKeys((value as Record<string, unknown>)[key], here)];
  });
}

const STORED_KEYS = new Set(['_id', 'siteId', 'roomId', 'seq', 'author', 'text', 'clientMsgId', 'createdAt']);

/** The heap in use after a full collection; `--expose-gc` is switched on here when jest did not pass it. */
function heapUsedAfterGc(): number {
  if (!global.gc) v8.setFlagsFromString('--expose-gc');
  const collect = global.gc ?? (vm.runInNewContext('gc') as () => void);
  collect();
  return process.memoryUsage().heapUsed;
}

// ---- the tests ------------------------------------------------------------------------------------------------

describe('the hub under malformed events (seeded fuzz)', () => {
  it('answers an event sent without a payload, or with extra arguments, with invalid_input', async () => {
    const socket = await connect(await registerAccount());
    try {
      const expected = { error: { code: 'invalid_input', message: 'send one JSON object and an ack' } };
      expect(await socket.timeout(5_000).emitWithAck('room:join')).toEqual(expected);
      expect(await socket.timeout(5_000).emitWithAck('room:history', { roomId: ROOM }, 'extra')).toEqual(expected);
      expect(await socket.timeout(5_000).emitWithAck('room:history', { roomId: ROOM })).toMatchObject({ ok: true });
    } finally {
      socket.disconnect();
    }
  });

  it('answers an event the protocol does not have with not_found, instead of leaving the client to time out', async () => {
    const socket = await connect(await registerAccount());
    try {
      for (const event of ['message:nuke', 'Message:send', 'admin:ban']) {
        expect(await socket.timeout(5_000).emitWithAck(event, { roomId: ROOM })).toEqual({ error: { code: 'not_found', message: `event "${event}" not found` } });
      }
    } finally {
      socket.disconnect();
    }
  });

  it('answers everything a reader (a visitor without an account) sends but reading with a typed error, and stores nothing', async () => {
    await createSite(parley.repositories, { id: 'open', name: 'Open', allowedOrigins: [] });
    await parley.repositories.sites.setSettings('open', { ...DEFAULT_SETTINGS, access: 'read-only' });
    const socket = io(parley.url, { auth: { site: 'open', read: true }, transports: ['websocket'], reconnection: false, forceNew: true });
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('connect_error', reject);
      });
      expect(await socket.timeout(ACK_TIMEOUT_MS).emitWithAck('room:join', { roomId: ROOM })).toMatchObject({ ok: true });
      const tally = newTally();
      const random = seededRandom(SEED ^ 0x2ead);
      // well-formed writes first: refused for who sends them, not for their shape
      const writes: FuzzCase[] = [
        { category: 'reader send', event: 'message:send', args: [{ roomId: ROOM, text: 'hello', clientMsgId: 'reader-1' }], expect: 'error' },
        { category: 'reader edit', event: 'message:edit', args: [{ roomId: ROOM, seq: 1, text: 'changed' }], expect: 'error' },
        { category: 'reader delete', event: 'message:delete', args: [{ roomId: ROOM, seq: 1 }], expect: 'error' },
        { category: 'reader report', event: 'message:report', args: [{ roomId: ROOM, seq: 1, reason: 'spam' }], expect: 'error' },
        { category: 'reader typing', event: 'typing:start', args: [{ roomId: ROOM }], expect: 'error' },
        { category: 'reader reaction', event: 'message:react', args: [{ roomId: ROOM, seq: 1, emoji: '👍' }], expect: 'error' },
        { category: 'reader pin', event: 'message:pin', args: [{ roomId: ROOM, seq: 1, pinned: true }], expect: 'error' },
      ];
      for (const write of writes) await sendCase(socket, write, tally);
      expect(tally.errorsByCode).toEqual({ unauthorized: writes.length });
      for (const fuzzCase of Array.from({ length: 1_500 }, () => malformedCase(random))) await sendCase(socket, fuzzCase, tally);
      expect(tally.failures).toEqual([]);
      expect(socket.connected).toBe(true);
      expect(await parley.repositories.messages.before('open', ROOM, undefined, 10)).toEqual([]);
    } finally {
      socket.disconnect();
    }
  });

  it(
    'refuses every one with a typed error, stores nothing, stays up and keeps two honest clients chatting',
    async () => {
      const started = Date.now();
      const random = seededRandom(SEED);
      const tally = newTally();
      const heapBefore = heapUsedAfterGc();

      const accounts = await Promise.all(Array.from({ length: FUZZ_SOCKETS }, () => registerAccount()));
      const otherSite = await registerAccount('elsewhere');
      const loggedOut = await registerAccount();
      await fetch(`${parley.url}/api/sites/${SITE}/logout`, { method: 'POST', headers: { authorization: `Bearer ${loggedOut.token}` } });
      const [first] = accounts;
      if (!first) throw new Error('no fuzz account');
      const bursts = accounts.map(() => generateBursts(random, FUZZ_EVENTS / FUZZ_SOCKETS));
      const probes = bursts.flat(2).filter((fuzzCase) => fuzzCase.expect === 'ok').length;
      const handshakes = Array.from({ length: HANDSHAKES }, () => forgedHandshake(random, first, otherSite, loggedOut));

      const ada = await honestChatter('ada');
      const bob = await honestChatter('bob');
      let fuzzing = true;
      const chatting = [chat(ada.room, ada.chatter, 'ada', () => !fuzzing), chat(bob.room, bob.chatter, 'bob', () => !fuzzing, CHAT_INTERVAL_MS / 2)];

      try {
        await Promise.all([
          ...accounts.map((account, index) => fuzzSocket(account, bursts[index] ?? [], tally)),
          (async () => {
            for (let i = 0; i < handshakes.length; i += 20) await Promise.all(handshakes.slice(i, i + 20).map((handshake) => attemptHandshake(handshake, tally)));
          })(),
          (async () => {
            for (let i = 0; i < UNAUTHENTICATED_WIRES; i += 1) await unauthenticatedWire(random, tally);
          })(),
          sendRawFrames(first, tally),
          sendOversized(first, tally),
        ]);
      } finally {
        fuzzing = false;
        await Promise.all(chatting);
      }

      // the honest clients have heard each other out (or the assertions below say what is missing)
      for (const [listener, speaker] of [
        [ada.chatter, bob.chatter],
        [bob.chatter, ada.chatter],
      ] as const) {
        await waitUntil(() => listener.heard.length >= speaker.sent.length, 10_000).catch(() => undefined);
      }
      await new Promise((resolve) => setTimeout(resolve, 300)); // a late duplicate would show up now
      const healthz = (await fetch(`${parley.url}/healthz`)).status;
      bursts.length = 0; // the generated cases are garbage now; what stays is what the server kept
      const heapGrowth = heapUsedAfterGc() - heapBefore;
      const stored = [...(await storedMessages(SITE)), ...(await storedMessages('elsewhere'))];

      const errors = Object.values(tally.errorsByCode).reduce((sum, n) => sum + n, 0);
      const refused = Object.values(tally.handshakesRefused).reduce((sum, n) => sum + n, 0);
      console.log(
        [
          `socket fuzz (seed ${SEED.toString(16)}): ${tally.sent} sent in ${((Date.now() - started) / 1000).toFixed(1)} s — ` +
            `${tally.eventsSent} events, ${HANDSHAKES + UNAUTHENTICATED_WIRES} handshakes, ${RAW_FRAMES.length} raw frames`,
          `  acked with a typed error: ${errors} ${JSON.stringify(tally.errorsByCode)}`,
          `  acked ok: ${tally.ackedOk} (the valid probes: ${probes})`,
          `  unanswered by design (no ack callback, unknown event names): ${tally.unanswered}`,
          `  handshakes refused with a typed connect_error: ${refused} ${JSON.stringify(tally.handshakesRefused)}`,
          `  sockets dropped on purpose: ${tally.disconnects}; raw frames ignored: ${tally.rawFramesIgnored}`,
          `  contract failures: ${tally.failures.length}; /healthz: ${healthz}; heap growth after gc: ${(heapGrowth / 1024 / 1024).toFixed(1)} MB`,
          `  honest messages: ${ada.chatter.sent.length} + ${bob.chatter.sent.length}, heard ${bob.chatter.heard.length} + ${ada.chatter.heard.length}; stored: ${stored.length}`,
        ].join('\n'),
      );

      // every event was answered as the contract says
      expect(tally.eventsSent).toBeGreaterThanOrEqual(10_000);
      expect({ failures: tally.failures.length, first: tally.failures.slice(0, 20) }).toEqual({ failures: 0, first: [] });
      expect(tally.ackedOk).toBe(probes);

      // the honest clients: every message of the other, exactly once, in order
      expect(ada.chatter.failures).toEqual([]);
      expect(bob.chatter.failures).toEqual([]);
      const inSeqOrder = (messages: Message[]) => [...messages].sort((a, b) => a.seq - b.seq).map((m) => m.id);
      expect(ada.chatter.heard.map((m) => m.id)).toEqual(inSeqOrder(bob.chatter.sent));
      expect(bob.chatter.heard.map((m) => m.id)).toEqual(inSeqOrder(ada.chatter.sent));

      // the server is up (it runs in this process: a crash would have ended the run), nothing leaked into
      // Object.prototype, and memory stayed bounded
      expect(healthz).toBe(200);
      expect(Object.prototype).not.toHaveProperty('polluted');
      expect(heapGrowth).toBeLessThan(HEAP_GROWTH_LIMIT_BYTES);

      // the database holds the honest messages and nothing else, as they were sent
      const honest = new Map([...ada.chatter.sent, ...bob.chatter.sent].map((m) => [m.id, m]));
      expect(stored.map((m) => m._id).sort()).toEqual([...honest.keys()].sort());
      for (const document of stored) {
        expect(hostileKeys(document)).toEqual([]);
        expect(Object.keys(document).filter((key) => !STORED_KEYS.has(key))).toEqual([]);
        expect(document.text).toBe(honest.get(document._id)?.text);
      }
      expect((await parley.repositories.rooms.list(SITE)).map((room) => room.roomId)).toEqual([ROOM]);
    },
    300_000, // a deadline for a hung run: it takes 40-80 s, longer on a busy machine
  );
});

describe('the hub under floods of room requests at the default limits (seeded)', () => {
  it('answers each one ok or with a typed error, rate_limited ones with retryAfterMs, and keeps serving others', async () => {
    const limited = await startTestServer({ RATE_LIMIT_ROOM_REQUESTS_PER_SOCKET: '10/10', RATE_LIMIT_ROOM_REQUESTS_PER_USER: '30/10' });
    const random = seededRandom(SEED ^ 0x1);
    const sockets: Socket[] = [];
    try {
      const response = await fetch(`${limited.url}/api/sites/${SITE}/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(newAccount('flood')) });
      const { token } = (await response.json()) as SessionResponse;
      for (let i = 0; i < 3; i++) {
        const socket = io(limited.url, { auth: { site: SITE, token }, transports: ['websocket'], reconnection: false, forceNew: true });
        sockets.push(socket);
        await new Promise((resolve) => socket.once('connect', () => resolve(undefined)));
      }
      const requests = Array.from({ length: 1_500 }, () => {
        const event = random.pick(['room:join', 'room:leave', 'room:history'] as const);
        const payload = random.chance(0.8)
          ? { roomId: ROOM, ...(event === 'room:join' && random.chance(0.5) ? { afterSeq: random.int(0, 50) } : {}), ...(event === 'room:history' ? { limit: random.int(1, 100) } : {}) }
          : malformedCase(random).args[0];
        return { socket: random.pick(sockets), event, payload };
      });
      const answers = await Promise.all(requests.map(({ socket, event, payload }) => socket.timeout(ACK_TIMEOUT_MS).emitWithAck(event, payload).catch((error: Error) => error)));
      const failures: string[] = [];
      const codes: Record<string, number> = {};
      answers.forEach((answer, index) => {
        const label = typeof answer === 'object' && answer !== null && 'ok' in answer ? 'ok' : typedErrorCode(answer);
        if (!label) return void failures.push(`${describeValue(answer)} for ${describeValue(requests[index])}`);
        codes[label] = (codes[label] ?? 0) + 1;
        const body = (answer as { error?: { code: string; retryAfterMs?: number } }).error;
        if (body?.code === 'rate_limited' && !(typeof body.retryAfterMs === 'number' && body.retryAfterMs > 0 && body.retryAfterMs <= 10_000)) {
          failures.push(`rate_limited without a usable retryAfterMs: ${describeValue(answer)}`);
        }
      });
      console.log(`room request flood: ${requests.length} sent from 3 sockets of one user, answered ${JSON.stringify(codes)}`);
      expect(failures.slice(0, 10)).toEqual([]);
      // at most the user's 30 were served; the rest refused at once
      expect(codes.ok ?? 0).toBeLessThanOrEqual(30);
      expect(codes.rate_limited).toBeGreaterThan(500);
      // another user is served as usual
      const other = await (await fetch(`${limited.url}/api/sites/${SITE}/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(newAccount('other')) })).json() as SessionResponse;
      const otherSocket = io(limited.url, { auth: { site: SITE, token: other.token }, transports: ['websocket'], reconnection: false, forceNew: true });
      sockets.push(otherSocket);
      await new Promise((resolve) => otherSocket.once('connect', () => resolve(undefined)));
      expect(await otherSocket.timeout(ACK_TIMEOUT_MS).emitWithAck('room:join', { roomId: ROOM })).toMatchObject({ ok: true });
    } finally {
      for (const socket of sockets) socket.disconnect();
      await limited.close();
    }
  });
});
