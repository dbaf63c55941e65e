import { randomBytes } from 'node:crypto';
import { io } from 'socket.io-client';
import type { Message, SearchResult } from '../../../sdk';
import type { Ack } from '../../../sdk/protocol';
import { createSite } from '../../../server/db';
import { SEARCH_BUDGET } from '../../../server/db/search';
import { SEARCHES } from '../../../server/hub/search';
import type { Parley } from '../../../server/main';
import { chatClients, connectAs } from '../../helpers/chat';
import { startTestServer } from '../../helpers/server';

// Search in a room over the real server and the embedded database (which has no text index: the bounded scan by key).
let parley: Parley;
const clients = chatClients(() => parley);
beforeAll(async () => {
  parley = await startTestServer();
  await createSite(parley.repositories, { id: 'search-other', name: 'Other', allowedOrigins: [] });
});
afterEach(() => clients.closeAll());
afterAll(() => parley.close());

async function room(prefix = 'search') {
  const admin = await clients.admin('keeper');
  const roomId = `${prefix}-${randomBytes(4).toString('hex')}`;
  await admin.chat.createRoom({ id: roomId, name: 'Searchable' });
  const ada = await clients.member('ada');
  const adaRoom = await ada.chat.join(roomId);
  return { roomId, admin, ada, adaRoom };
}

const texts = (messages: readonly Message[]) => messages.map((m) => m.text);

describe('room.search(query)', () => {
  it('finds messages holding every word, whole words, whatever the case and accents, newest first', async () => {
    const { adaRoom } = await room();
    for (const text of ['The café opens at nine', 'CAFE closed today', 'cafeteria menu', 'café, opens later? Yes.', 'nothing here', '咖啡馆今天开门', 'Über straße']) await adaRoom.send(text);
    expect(texts((await adaRoom.search('cafe')).messages)).toEqual(['café, opens later? Yes.', 'CAFE closed today', 'The café opens at nine']);
    expect(texts((await adaRoom.search('Café OPENS')).messages)).toEqual(['café, opens later? Yes.', 'The café opens at nine']);
    expect(texts((await adaRoom.search('opens, café!')).messages)).toHaveLength(2);
    expect((await adaRoom.search('cafeteria')).messages).toHaveLength(1);
    expect((await adaRoom.search('caf')).messages).toEqual([]);
    // a script written without spaces matches anywhere
    expect(texts((await adaRoom.search('咖啡')).messages)).toEqual(['咖啡馆今天开门']);
    expect(texts((await adaRoom.search('uber STRASSE')).messages)).toEqual([]);
    expect(texts((await adaRoom.search('uber straße')).messages)).toEqual(['Über straße']);
    const page = await adaRoom.search('cafe');
    expect(page.next).toBeNull();
    expect(page.messages[0]).toMatchObject({ id: expect.any(String), seq: expect.any(Number), author: { id: expect.any(String) }, createdAt: expect.any(String) });
  });

  it('pages newest first with `next`, and a page is never longer than `limit`', async () => {
    const { adaRoom } = await room();
    const sent: Message[] = [];
    for (let k = 1; k <= 7; k += 1) sent.push(await adaRoom.send(`needle number ${k}`));
    await adaRoom.send('hay');
    const first = await adaRoom.search('needle', { limit: 3 });
    expect(texts(first.messages)).toEqual(['needle number 7', 'needle number 6', 'needle number 5']);
    expect(first.next).toBe(sent[4]!.seq);
    const second = await adaRoom.search('needle', { limit: 3, before: first.next! });
    expect(texts(second.messages)).toEqual(['needle number 4', 'needle number 3', 'needle number 2']);
    const third = await adaRoom.search('needle', { limit: 3, before: second.next! });
    expect(texts(third.messages)).toEqual(['needle number 1']);
    expect(third.next).toBeNull();
  });

  it('never matches or shows deleted or hidden messages', async () => {
    const { adaRoom } = await room();
    const deleted = await adaRoom.send('secret plan alpha');
    const hidden = await adaRoom.send('secret plan beta');
    await adaRoom.send('secret plan gamma');
    await adaRoom.delete(deleted.seq);
    await parley.repositories.messages.hide('demo', adaRoom.id, hidden.seq);
    const page = await adaRoom.search('secret plan');
    expect(texts(page.messages)).toEqual(['secret plan gamma']);
    expect(JSON.stringify(page)).not.toMatch(/alpha|beta/);
  });

  it("keeps to the room and the site: another room's or site's messages never match", async () => {
    const { roomId, adaRoom } = await room();
    const other = await room();
    await other.adaRoom.send('zebra in the other room');
    const elsewhere = await clients.member('eve', 'search-other');
    await elsewhere.room.send('zebra on another site');
    await adaRoom.send('zebra here');
    expect(texts((await adaRoom.search('zebra')).messages)).toEqual(['zebra here']);
    // a room of the same id on another site holds nothing of this one
    await expect(elsewhere.chat.join(roomId)).rejects.toMatchObject({ code: 'not_found' });
    expect(texts((await elsewhere.room.search('zebra')).messages)).toEqual(['zebra on another site']);
  });

  it('looks at a bounded part of a long room per request and says where to go on', async () => {
    const { roomId, adaRoom } = await room();
    const match = await adaRoom.send('the one rare word: quokka');
    // a long history after it, stored directly (as the bench seeds)
    const from = match.seq + 1;
    const count = SEARCH_BUDGET.messages + 500;
    const author = { id: 'seeded', displayName: 'Seeded' };
    for (let start = from; start < from + count; start += 500) {
      const seqs = Array.from({ length: Math.min(500, from + count - start) }, (_, k) => start + k);
      await parley.repositories.messages.insertMany(
        seqs.map((seq) => ({ siteId: 'demo', roomId, seq, author, text: `filler ${seq}`, clientMsgId: `seed-${seq}-xxxxxxxx`, createdAt: new Date() })),
      );
    }
    await parley.repositories.rooms.repairSeq('demo', roomId, from + count - 1);
    const first = await adaRoom.search('quokka');
    expect(first.messages).toEqual([]);
    expect(first.next).not.toBeNull();
    expect(first.next!).toBeGreaterThan(match.seq);
    expect(first.next!).toBeGreaterThanOrEqual(from + count - SEARCH_BUDGET.messages);
    let page = first;
    for (let asked = 0; page.messages.length === 0 && page.next !== null && asked < 5; asked += 1) page = await adaRoom.search('quokka', { before: page.next });
    expect(texts(page.messages)).toEqual(['the one rare word: quokka']);
  });

  it('lets a reader of a public room search it, and refuses one who has not joined', async () => {
    const { roomId, admin, adaRoom } = await room();
    await adaRoom.send('visible to readers: lighthouse');
    await admin.chat.updateRoom(roomId, { access: 'read-only' });
    const reader = io(parley.url, { auth: { site: 'demo', read: true }, transports: ['websocket'] });
    try {
      const ask = (payload: unknown) => reader.timeout(5_000).emitWithAck('room:search', payload) as Promise<Ack<SearchResult>>;
      expect(await ask({ roomId, query: 'lighthouse' })).toMatchObject({ error: { code: 'forbidden' } });
      expect(await reader.timeout(5_000).emitWithAck('room:join', { roomId })).toMatchObject({ ok: true });
      expect(await ask({ roomId, query: 'lighthouse' })).toMatchObject({ ok: true, messages: [{ text: 'visible to readers: lighthouse' }], next: null });
    } finally {
      reader.close();
    }
  });

  it('answers bad input with a typed error', async () => {
    const { roomId, ada } = await room();
    const socket = await connectAs(parley.url, ada.account);
    try {
      await socket.timeout(5_000).emitWithAck('room:join', { roomId });
      const ask = (payload: unknown) => socket.timeout(5_000).emitWithAck('room:search', payload);
      expect(await ask({ roomId, query: '' })).toMatchObject({ error: { code: 'invalid_input', field: 'query' } });
      expect(await ask({ roomId, query: '?!… ' })).toMatchObject({ error: { code: 'invalid_input', field: 'query' } });
      expect(await ask({ roomId, query: 'x'.repeat(101) })).toMatchObject({ error: { code: 'invalid_input', field: 'query' } });
      expect(await ask({ roomId, query: 'ok', limit: 51 })).toMatchObject({ error: { code: 'invalid_input', field: 'limit' } });
      expect(await ask({ roomId, query: 'ok', before: 0 })).toMatchObject({ error: { code: 'invalid_input', field: 'before' } });
      expect(await ask({ roomId, query: 'ok', extra: true })).toMatchObject({ error: { code: 'invalid_input' } });
      expect(await ask({ roomId: 'not-joined', query: 'ok' })).toMatchObject({ error: { code: 'forbidden' } });
    } finally {
      socket.close();
    }
  });

  it('limits searches per user', async () => {
    const { roomId, ada } = await room();
    const socket = await connectAs(parley.url, ada.account);
    try {
      await socket.timeout(5_000).emitWithAck('room:join', { roomId });
      const answers: Array<Ack<SearchResult>> = [];
      for (let k = 0; k <= SEARCHES.points; k += 1) answers.push(await socket.timeout(5_000).emitWithAck('room:search', { roomId, query: 'anything' }));
      expect(answers.filter((answer) => 'ok' in answer)).toHaveLength(SEARCHES.points);
      expect(answers.at(-1)).toMatchObject({ error: { code: 'rate_limited', retryAfterMs: expect.any(Number) } });
    } finally {
      socket.close();
    }
  });
});
