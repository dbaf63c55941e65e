import { randomBytes } from 'node:crypto';
import type { Socket } from 'socket.io-client';
import type { Message, ModerationLogResponse, SessionResponse, TranscriptResponse } from '../../../sdk/protocol';
import { createSite } from '../../../server/db';
import type { NewMessage } from '../../../server/db/messages';
import type { Parley } from '../../../server/main';
import { ask, connectAs, waitUntil } from '../../helpers/chat';
import { type ConsoleSignIn, signInToConsole } from '../../helpers/console';
import { newAccount, startTestServer } from '../../helpers/server';

// The console's Moderation and Transcripts sections over real HTTP: a room read by UTC day with paging, exports as
// streamed JSON and CSV, the moderation log's filters, and a moderator's delete that reaches the room's sockets.
let parley: Parley;
const sockets: Socket[] = [];
beforeAll(async () => {
  parley = await startTestServer();
});
afterAll(async () => {
  for (const socket of sockets) socket.close();
  await parley.close();
});

const DAY = '2026-03-10';
const at = (iso: string) => new Date(iso);
const TRICKY = ['she said "hi", then left', 'two\nlines, and a\r\nwindows one', '=HYPERLINK("http://evil.example","click")', '+1 agreed', '-2', '@here', '\tindented'];

/** A site with a console owner and moderator, two authors, and the general room's messages around DAY. */
async function newSite() {
  const siteId = `r-${randomBytes(4).toString('hex')}`;
  await createSite(parley.repositories, { id: siteId, name: `Records ${siteId}`, allowedOrigins: [] });
  const [moderator, owner] = await Promise.all([signInToConsole(parley, siteId, 'moderator'), signInToConsole(parley, siteId, 'owner')]);
  const authors = await Promise.all(
    ['Ann', 'Bo, "the" builder'].map(async (displayName, i) => {
      const user = await parley.repositories.users.insert({ siteId, username: `author${i}`, displayName, passwordHash: 'not a hash' });
      return { id: user._id.toHexString(), displayName };
    }),
  );
  const times = [
    // the day before
    '2026-03-09T08:00:00Z',
    '2026-03-09T23:59:59.999Z',
    // the day: seq 3 to 13, seq 6 never stored (a seq taken by a send that failed)
    '2026-03-10T00:00:00Z',
    '2026-03-10T01:00:00Z',
    '2026-03-10T02:00:00Z',
    null,
    '2026-03-10T04:00:00Z',
    '2026-03-10T05:00:00Z',
    '2026-03-10T06:00:00Z',
    '2026-03-10T07:00:00Z',
    '2026-03-10T08:00:00Z',
    '2026-03-10T09:00:00Z',
    '2026-03-10T23:59:59.999Z',
    // the day after
    '2026-03-11T00:00:00Z',
    '2026-03-12T10:00:00Z',
  ];
  const messages: NewMessage[] = times.flatMap((time, i) =>
    time === null
      ? []
      : [
          {
            siteId,
            roomId: 'general',
            seq: i + 1,
            author: authors[i % 2]!,
            text: TRICKY[i % TRICKY.length]!,
            clientMsgId: `seed-${i + 1}-abcdefgh`,
            createdAt: at(time),
            ...(i === 8 ? { editedAt: at('2026-03-10T06:30:00Z') } : {}),
            // a tombstone on the day
            ...(i === 9 ? { text: '', deletedAt: at('2026-03-10T07:30:00Z'), deletedBy: authors[0]!.id } : {}),
          },
        ],
  );
  await parley.repositories.messages.insertMany(messages);
  await parley.repositories.rooms.repairSeq(siteId, 'general', times.length);
  return { siteId, moderator, owner, authors, count: times.length };
}

const transcript = (staff: ConsoleSignIn, siteId: string, query: string) => staff.call<TranscriptResponse>('GET', `/api/sites/${siteId}/rooms/general/transcript${query}`);

/** Every page of a day, `limit` at a time, following `next`. */
async function wholeDay(staff: ConsoleSignIn, siteId: string, day: string, limit: number) {
  const pages: number[][] = [];
  let after = 0;
  for (;;) {
    const { status, body } = await transcript(staff, siteId, `?day=${day}&limit=${limit}${after ? `&after=${after}` : ''}`);
    expect(status).toBe(200);
    pages.push(body.messages.map((message) => message.seq));
    if (body.next === null) return pages;
    after = body.next;
  }
}

/** RFC 4180: rows of cells, quotes doubled inside quoted cells, CRLF between rows. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (char === '"') quoted = false;
      else cell += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      row.push(cell);
      cell = '';
    } else if (char === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += char;
  }
  expect(cell).toBe('');
  return rows;
}

const exportUrl = (siteId: string, query: string) => `/api/sites/${siteId}/rooms/general/export${query}`;

describe('GET /api/sites/:siteId/rooms/:roomId/transcript', () => {
  it("pages through exactly the day's messages, oldest first, tombstones included", async () => {
    const { siteId, moderator } = await newSite();
    expect(await wholeDay(moderator, siteId, DAY, 3)).toEqual([
      [3, 4, 5],
      [7, 8, 9],
      [10, 11, 12],
      [13],
    ]);
    expect(await wholeDay(moderator, siteId, DAY, 200)).toEqual([[3, 4, 5, 7, 8, 9, 10, 11, 12, 13]]);
    expect(await wholeDay(moderator, siteId, '2026-03-09', 1)).toEqual([[1], [2]]);
    expect(await wholeDay(moderator, siteId, '2026-03-11', 100)).toEqual([[14]]);
    expect(await wholeDay(moderator, siteId, '2026-03-12', 100)).toEqual([[15]]);
    expect(await wholeDay(moderator, siteId, '2026-03-08', 100)).toEqual([[]]);
    expect(await wholeDay(moderator, siteId, '2026-04-01', 100)).toEqual([[]]);

    const { body } = await transcript(moderator, siteId, `?day=${DAY}&after=9&limit=2`);
    expect(body.next).toBe(11);
    const [tombstone, last] = body.messages;
    expect(tombstone).toMatchObject({ seq: 10, text: '', deletedAt: '2026-03-10T07:30:00.000Z' });
    expect(last).toMatchObject({ seq: 11, createdAt: '2026-03-10T08:00:00.000Z', author: { displayName: 'Ann' } });
  });

  it('finds the first message of a day among many by a binary search, pages of 200 at most', async () => {
    const { siteId, moderator, authors } = await newSite();
    await parley.repositories.rooms.create(siteId, 'busy', 'Busy');
    // 1,000 messages, one every 6 minutes from 2026-01-01: 240 a day, the last day partial
    const start = Date.parse('2026-01-01T00:00:00Z');
    const messages: NewMessage[] = Array.from({ length: 1_000 }, (_, i) => ({
      siteId,
      roomId: 'busy',
      seq: i + 1,
      author: authors[0]!,
      text: `message ${i + 1}`,
      clientMsgId: `busy-${i + 1}-abcdefgh`,
      createdAt: new Date(start + i * 6 * 60 * 1000),
    }));
    await parley.repositories.messages.insertMany(messages);
    await parley.repositories.rooms.repairSeq(siteId, 'busy', 1_000);
    const page = await moderator.call<TranscriptResponse>('GET', `/api/sites/${siteId}/rooms/busy/transcript?day=2026-01-03&limit=200`);
    expect(page.body.messages.map((message) => message.seq)).toEqual(Array.from({ length: 200 }, (_, k) => 481 + k));
    expect(page.body.next).toBe(680);
    const rest = await moderator.call<TranscriptResponse>('GET', `/api/sites/${siteId}/rooms/busy/transcript?day=2026-01-03&limit=200&after=680`);
    expect(rest.body.messages.map((message) => message.seq)).toEqual(Array.from({ length: 40 }, (_, k) => 681 + k));
    expect(rest.body.next).toBeNull();
  });

  it('refuses a bad day, after or limit, naming the field; an unknown room is not found', async () => {
    const { siteId, moderator } = await newSite();
    for (const [query, field] of [
      ['', 'day'],
      ['?day=2026-02-30', 'day'],
      ['?day=10-03-2026', 'day'],
      ['?day=2026-03-10&limit=0', 'limit'],
      ['?day=2026-03-10&limit=201', 'limit'],
      ['?day=2026-03-10&after=-1', 'after'],
      ['?day=2026-03-10&after=x', 'after'],
      ['?day=2026-03-10&day=2026-03-11', 'day'],
      ['?day=2026-03-10&sort=desc', 'sort'],
    ] as const) {
      const { status, body } = await transcript(moderator, siteId, query);
      expect({ query, status, body }).toEqual({ query, status: 400, body: { error: expect.objectContaining({ code: 'invalid_input', field }) } });
    }
    expect((await moderator.call('GET', `/api/sites/${siteId}/rooms/nope/transcript?day=${DAY}`)).status).toBe(404);
  });

  it('is for moderators: a member is refused, a signed-out visitor asked to sign in', async () => {
    const { siteId } = await newSite();
    const account = newAccount('m');
    const registered = await fetch(`${parley.url}/api/sites/${siteId}/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(account) });
    const { token } = (await registered.json()) as Required<SessionResponse>;
    const asMember = await fetch(`${parley.url}/api/sites/${siteId}/rooms/general/transcript?day=${DAY}`, { headers: { authorization: `Bearer ${token}` } });
    expect(asMember.status).toBe(403);
    const memberExport = await fetch(`${parley.url}${exportUrl(siteId, `?from=${DAY}&to=${DAY}&format=csv`)}`, { headers: { authorization: `Bearer ${token}` } });
    expect(memberExport.status).toBe(403);
    expect((await fetch(`${parley.url}/api/sites/${siteId}/rooms/general/transcript?day=${DAY}`)).status).toBe(401);
  });
});

describe('GET /api/sites/:siteId/rooms/:roomId/export', () => {
  it('streams the range as one JSON array of the messages, named for the site, room and days; logged', async () => {
    const { siteId, moderator } = await newSite();
    const { status, body, headers } = await moderator.call<Message[]>('GET', exportUrl(siteId, '?from=2026-03-09&to=2026-03-10&format=json'));
    expect(status).toBe(200);
    expect(headers.get('content-disposition')).toBe(`attachment; filename="${siteId}-general-2026-03-09-2026-03-10.json"`);
    expect(headers.get('transfer-encoding')).toBe('chunked');
    expect(headers.get('content-length')).toBeNull();
    expect(body.map((message) => message.seq)).toEqual([1, 2, 3, 4, 5, 7, 8, 9, 10, 11, 12, 13]);
    expect(body.find((message) => message.seq === 4)?.text).toBe(TRICKY[3]);
    expect(body.find((message) => message.seq === 10)).toMatchObject({ text: '', deletedAt: '2026-03-10T07:30:00.000Z' });

    const [entry] = (await moderator.call<ModerationLogResponse>('GET', `/api/sites/${siteId}/moderation?action=transcript.export`)).body.actions;
    expect(entry).toMatchObject({ action: 'transcript.export', roomId: 'general', reason: '2026-03-09 to 2026-03-10, json', actor: { id: `console:${moderator.accountId}` } });
  });

  it('streams a CSV with a header row that parses back to the messages: quotes, commas, line breaks, formulas defused', async () => {
    const { siteId, moderator, authors } = await newSite();
    const { status, body, headers } = await moderator.call<string>('GET', exportUrl(siteId, `?from=${DAY}&to=2026-03-12&format=csv`));
    expect(status).toBe(200);
    expect(headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(headers.get('content-disposition')).toBe(`attachment; filename="${siteId}-general-${DAY}-2026-03-12.csv"`);
    expect(headers.get('transfer-encoding')).toBe('chunked');
    const [header, ...rows] = parseCsv(body);
    expect(header).toEqual(['seq', 'time', 'author id', 'author name', 'text', 'edited', 'deleted']);
    const json = (await moderator.call<Message[]>('GET', exportUrl(siteId, `?from=${DAY}&to=2026-03-12&format=json`))).body;
    expect(rows.map((row) => Number(row[0]))).toEqual([3, 4, 5, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
    const defused = (text: string) => (/^[=+\-@\t\r]/.test(text) ? `'${text}` : text);
    expect(rows).toEqual(
      json.map((message) => [String(message.seq), message.createdAt, message.author.id, message.author.displayName, defused(message.text), message.editedAt ?? '', message.deletedAt ?? '']),
    );
    // the tricky ones, as a spreadsheet will show them
    const texts = rows.map((row) => row[4]);
    expect(texts).toContain('she said "hi", then left');
    expect(texts).toContain('two\nlines, and a\r\nwindows one');
    expect(texts).toContain(`'=HYPERLINK("http://evil.example","click")`);
    expect(texts).toContain("'+1 agreed");
    expect(texts).toContain("'-2");
    expect(texts).toContain("'@here");
    expect(texts).toContain("'\tindented");
    expect(rows.find((row) => row[0] === '4')?.[3]).toBe(authors[1]!.displayName);
    expect(rows.find((row) => row[0] === '9')?.[5]).toBe('2026-03-10T06:30:00.000Z');
    expect(rows.find((row) => row[0] === '10')?.slice(4)).toEqual(['', '', '2026-03-10T07:30:00.000Z']);
  });

  it('writes an empty array, or the header alone, for a range without messages', async () => {
    const { siteId, moderator } = await newSite();
    expect((await moderator.call<Message[]>('GET', exportUrl(siteId, '?from=2025-01-01&to=2025-12-31&format=json'))).body).toEqual([]);
    expect((await moderator.call<string>('GET', exportUrl(siteId, '?from=2027-01-01&to=2027-01-01&format=csv'))).body).toBe('seq,time,author id,author name,text,edited,deleted\r\n');
  });

  it('refuses a bad range or format, naming the field', async () => {
    const { siteId, moderator } = await newSite();
    for (const [query, field] of [
      ['?to=2026-03-10&format=json', 'from'],
      ['?from=2026-03-10&format=json', 'to'],
      ['?from=2026-03-10&to=2026-03-10', 'format'],
      ['?from=2026-03-10&to=2026-03-10&format=xml', 'format'],
      ['?from=2026-13-01&to=2026-03-10&format=json', 'from'],
      ['?from=2026-03-10&to=2026-03-09&format=json', 'to'],
      ['?from=2025-03-10&to=2026-03-11&format=csv', 'to'],
    ] as const) {
      const { status, body } = await moderator.call('GET', exportUrl(siteId, query));
      expect({ query, status, body }).toEqual({ query, status: 400, body: { error: expect.objectContaining({ code: 'invalid_input', field }) } });
    }
    // 366 days is the most: a leap year's
    expect((await moderator.call('GET', exportUrl(siteId, '?from=2024-01-01&to=2024-12-31&format=csv'))).status).toBe(200);
    expect((await moderator.call('GET', `/api/sites/${siteId}/rooms/nope/export?from=${DAY}&to=${DAY}&format=csv`)).status).toBe(404);
  });
});

describe('GET /api/sites/:siteId/moderation?action=&actor=&target=', () => {
  it('lists only the entries of an action, an actor or a target, and pages through them', async () => {
    const { siteId, moderator, owner, authors } = await newSite();
    for (const seq of [3, 4, 5, 7]) expect((await moderator.call('DELETE', `/api/sites/${siteId}/rooms/general/messages/${seq}`)).status).toBe(204);
    expect((await owner.call('DELETE', `/api/sites/${siteId}/rooms/general/messages/8`)).status).toBe(204);
    expect((await owner.call('GET', exportUrl(siteId, `?from=${DAY}&to=${DAY}&format=csv`))).status).toBe(200);
    const log = async (query: string) => {
      const { status, body } = await moderator.call<ModerationLogResponse>('GET', `/api/sites/${siteId}/moderation${query}`);
      expect(status).toBe(200);
      return body.actions.map((entry) => `${entry.action} ${entry.seq ?? '-'}`);
    };
    expect(await log('?action=message.delete')).toEqual(['message.delete 8', 'message.delete 7', 'message.delete 5', 'message.delete 4', 'message.delete 3']);
    expect(await log(`?actor=console:${owner.accountId}`)).toEqual(['transcript.export -', 'message.delete 8']);
    // seqs 3, 5 and 7 are Ann's (odd places in the seed), 4 and 8 Bo's
    expect(await log(`?target=${authors[0]!.id}`)).toEqual(['message.delete 7', 'message.delete 5', 'message.delete 3']);
    expect(await log(`?action=message.delete&actor=console:${moderator.accountId}&target=${authors[1]!.id}`)).toEqual(['message.delete 4']);
    expect(await log(`?action=user.ban`)).toEqual([]);

    // pages of the filtered log: `before` is the last entry of the previous page
    const first = (await moderator.call<ModerationLogResponse>('GET', `/api/sites/${siteId}/moderation?action=message.delete&limit=2`)).body.actions;
    expect(first.map((entry) => entry.seq)).toEqual([8, 7]);
    const second = (await moderator.call<ModerationLogResponse>('GET', `/api/sites/${siteId}/moderation?action=message.delete&limit=2&before=${first[1]!.id}`)).body.actions;
    expect(second.map((entry) => entry.seq)).toEqual([5, 4]);
    const third = (await moderator.call<ModerationLogResponse>('GET', `/api/sites/${siteId}/moderation?action=message.delete&limit=2&before=${second[1]!.id}`)).body.actions;
    expect(third.map((entry) => entry.seq)).toEqual([3]);
  });

  it('refuses an unknown action, a malformed actor or target, naming the parameter', async () => {
    const { siteId, moderator } = await newSite();
    for (const [query, field] of [
      ['?action=message.explode', 'action'],
      ['?actor=someone', 'actor'],
      ['?actor=console:xyz', 'actor'],
      ['?target=console:0123456789abcdef01234567', 'target'],
      ['?target[$ne]=1', 'target[$ne]'],
      ['?action=user.ban&action=user.mute', 'action'],
    ] as const) {
      const { status, body } = await moderator.call('GET', `/api/sites/${siteId}/moderation${query}`);
      expect({ query, status, body }).toEqual({ query, status: 400, body: { error: expect.objectContaining({ code: 'invalid_input', field }) } });
    }
  });
});

describe('DELETE /api/sites/:siteId/rooms/:roomId/messages/:seq', () => {
  it("deletes any message as a tombstone, tells the room's sockets and logs it", async () => {
    const { siteId, moderator, authors } = await newSite();
    const account = newAccount('reader');
    const registered = await fetch(`${parley.url}/api/sites/${siteId}/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(account) });
    expect(registered.status).toBe(201);
    const socket = await connectAs(parley.url, account, { site: siteId });
    sockets.push(socket);
    await ask(socket, 'room:join', { roomId: 'general' });
    const updates: Message[] = [];
    socket.on('message:updated', (message: Message) => updates.push(message));

    expect((await moderator.call('DELETE', `/api/sites/${siteId}/rooms/general/messages/11`)).status).toBe(204);
    await waitUntil(() => updates.length > 0);
    expect(updates[0]).toMatchObject({ seq: 11, roomId: 'general', text: '' });
    expect(updates[0]!.deletedAt).toEqual(expect.any(String));
    const stored = await parley.repositories.messages.findBySeq(siteId, 'general', 11);
    expect(stored).toMatchObject({ text: '', deletedBy: `console:${moderator.accountId}` });
    const [entry] = (await moderator.call<ModerationLogResponse>('GET', `/api/sites/${siteId}/moderation`)).body.actions;
    expect(entry).toMatchObject({ action: 'message.delete', roomId: 'general', seq: 11, targetUserId: authors[0]!.id, actor: { id: `console:${moderator.accountId}` } });

    // again: nothing more to do, nothing logged twice
    expect((await moderator.call('DELETE', `/api/sites/${siteId}/rooms/general/messages/11`)).status).toBe(204);
    const deletes = (await moderator.call<ModerationLogResponse>('GET', `/api/sites/${siteId}/moderation?action=message.delete`)).body.actions;
    expect(deletes).toHaveLength(1);
  });

  it('answers not_found for an unknown room or seq, and is for moderators', async () => {
    const { siteId, moderator } = await newSite();
    for (const path of ['general/messages/6', 'general/messages/999', 'general/messages/0', 'general/messages/x', 'nope/messages/3']) {
      const { status, body } = await moderator.call('DELETE', `/api/sites/${siteId}/rooms/${path}`);
      expect({ path, status, body }).toEqual({ path, status: 404, body: { error: expect.objectContaining({ code: 'not_found' }) } });
    }
    const account = newAccount('m');
    const registered = await fetch(`${parley.url}/api/sites/${siteId}/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(account) });
    const { token } = (await registered.json()) as Required<SessionResponse>;
    const asMember = await fetch(`${parley.url}/api/sites/${siteId}/rooms/general/messages/3`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });
    expect(asMember.status).toBe(403);
    expect((await parley.repositories.messages.findBySeq(siteId, 'general', 3))?.deletedAt).toBeUndefined();
  });
});
