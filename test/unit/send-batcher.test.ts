import pino from 'pino';
import { type MessageDocument, type MessagesRepository, messageKey, SeqTakenError, sendKey } from '../../server/db/messages';
import type { RoomsRepository } from '../../server/db/rooms';
import { forbidden } from '../../server/errors';
import { type Send, SendBatcher, SendBatcherClosedError } from '../../server/hub/send-batcher';

// The batcher over in-memory repositories, so a test decides when a write completes.
// test/integration/hub/group-commit.test.ts runs it over the real database.

class FakeRooms {
  lastSeq = 0;
  readonly takes: string[][] = [];
  readonly muted = new Set<string>();
  private release: Array<() => void> = [];
  held = false;

  async takeSeqs(_siteId: string, _roomId: string, authors: ReadonlyArray<{ id: string }>) {
    this.takes.push(authors.map(({ id }) => id));
    if (this.held) await new Promise<void>((resolve) => this.release.push(resolve));
    return authors.map(({ id }) => (this.muted.has(id) ? forbidden('muted', 1_000) : ++this.lastSeq));
  }

  async repairSeq(_siteId: string, _roomId: string, seq: number) {
    this.lastSeq = Math.max(this.lastSeq, seq);
  }

  /** Lets the writes held so far complete; later ones complete at once. */
  releaseAll() {
    this.held = false;
    for (const release of this.release.splice(0)) release();
  }
}

class FakeMessages {
  readonly stored = new Map<number, MessageDocument>();
  /** The sends' records: send key → seq. */
  readonly records = new Map<string, number>();

  async findSentMany(siteId: string, roomId: string, keys: readonly string[]) {
    return new Map(keys.flatMap((key) => (this.records.has(key) ? [[key, this.stored.get(this.records.get(key)!)!] as const] : [])));
  }

  async recordSends(messages: readonly MessageDocument[]) {
    for (const message of messages) this.records.set(sendKey(message.siteId, message.roomId, message.author.id, message.clientMsgId), message.seq);
  }

  async insertMany(messages: ReadonlyArray<Omit<MessageDocument, '_id'>>) {
    return messages.map((message) => {
      const same = [...this.stored.values()].find((m) => m.author.id === message.author.id && m.clientMsgId === message.clientMsgId);
      if (same) return { message: same, fresh: false };
      if (this.stored.has(message.seq)) return new SeqTakenError(message.seq, { cause: undefined });
      if (message.text === 'disk full') return new Error('disk full');
      const document = { _id: messageKey(message.siteId, message.roomId, message.seq), ...message };
      this.stored.set(message.seq, document);
      return { message: document, fresh: true };
    });
  }

  async highestSeqFrom(_siteId: string, _roomId: string, from: number) {
    return Math.max(from, ...this.stored.keys());
  }
}

let rooms: FakeRooms;
let messages: FakeMessages;
let batcher: SendBatcher;
let announced: number[];
beforeEach(() => {
  rooms = new FakeRooms();
  messages = new FakeMessages();
  batcher = new SendBatcher(rooms as unknown as RoomsRepository, messages as unknown as MessagesRepository, pino({ level: 'silent' }));
  announced = [];
});

let counter = 0;
const send = (author: string, text = 'hi', clientMsgId = `client-${(counter += 1)}`): Send => ({
  siteId: 'demo',
  roomId: 'general',
  author: { id: author, displayName: author },
  text,
  clientMsgId,
});
const commit = (input: Send) => batcher.commit(input, (message) => announced.push(message.seq));
/** Lets the batcher run until its first batch is taking seqs (held), so the sends after it wait for the next batch. */
async function firstBatchTaking(): Promise<void> {
  while (rooms.takes.length === 0) await new Promise((resolve) => setImmediate(resolve));
}
const seqOf = (promise: Promise<MessageDocument>) => promise.then((message) => message.seq);

describe('SendBatcher.commit(send)', () => {
  it('writes a lone send at once, and the sends arriving meanwhile as one batch, in arrival order', async () => {
    rooms.held = true;
    const first = commit(send('ada'));
    await firstBatchTaking();
    const rest = ['bob', 'cy', 'ada'].map((author) => commit(send(author)));
    expect(rooms.takes).toEqual([['ada']]);
    rooms.releaseAll();
    expect(await Promise.all([first, ...rest].map(seqOf))).toEqual([1, 2, 3, 4]);
    expect(rooms.takes).toEqual([['ada'], ['bob', 'cy', 'ada']]);
    expect(announced).toEqual([1, 2, 3, 4]);
  });

  it('refuses only the sends the room refuses, and the others keep consecutive seqs', async () => {
    rooms.muted.add('mutey');
    rooms.held = true;
    const first = commit(send('ada'));
    await firstBatchTaking();
    const [bob, mutey, cy] = ['bob', 'mutey', 'cy'].map((author) => commit(send(author)));
    rooms.releaseAll();
    await expect(mutey).rejects.toMatchObject({ code: 'forbidden', retryAfterMs: 1_000 });
    expect(await Promise.all([first, bob!, cy!].map(seqOf))).toEqual([1, 2, 3]);
    expect(announced).toEqual([1, 2, 3]);
  });

  it('answers a retry of a message on its way with that message: stored once, announced once', async () => {
    rooms.held = true;
    const busy = commit(send('ada'));
    await firstBatchTaking();
    const original = commit(send('bob', 'once', 'same-id-0001'));
    const retry = commit(send('bob', 'once', 'same-id-0001'));
    rooms.releaseAll();
    const [stored, retried] = await Promise.all([original, retry]);
    expect(retried).toBe(stored);
    await busy;
    expect([...messages.stored.keys()]).toEqual([1, 2]);
    expect(announced).toEqual([1, 2]);
  });

  it('answers a repeat of a stored send with its message: no seq taken, not announced again', async () => {
    const first = await commit(send('ada', 'one', 'repeat-id-01'));
    const repeat = await commit(send('ada', 'one', 'repeat-id-01'));
    const next = await commit(send('ada', 'two'));
    expect([first.seq, repeat.seq, next.seq]).toEqual([1, 1, 2]);
    expect(repeat).toEqual(first);
    expect(announced).toEqual([1, 2]);
    expect(rooms.takes).toEqual([['ada'], ['ada']]);
  });

  it('answers a repeat of a message stored without its record (its node died in between) with that message, not announced again', async () => {
    const first = await commit(send('ada', 'lost', 'orphan-id-01'));
    messages.records.clear();
    const repeat = await commit(send('ada', 'lost', 'orphan-id-01'));
    expect(repeat).toEqual(first);
    expect(announced).toEqual([1]);
    // the record is mended by the repository (the real one); this one answers from the send's fields each time
    expect([...messages.stored.keys()]).toEqual([1]);
  });

  it('takes another seq for a message whose seq was taken (a counter behind the messages); a database error fails only its send', async () => {
    await commit(send('ada'));
    rooms.lastSeq = 0; // the counter lost an increment: seq 1 is handed out again
    const [ada, bob, broken] = [commit(send('ada')), commit(send('bob')), commit(send('cy', 'disk full'))];
    await expect(broken).rejects.toThrow('disk full');
    expect(await Promise.all([ada, bob].map(seqOf))).toEqual([4, 2]);
    expect([...messages.stored.keys()]).toEqual([1, 2, 4]);
    expect(announced).toEqual([1, 2, 4]);
  });
});

describe('SendBatcher.close()', () => {
  it('finishes the batch in flight, fails the waiting sends and refuses new ones with SendBatcherClosedError', async () => {
    rooms.held = true;
    const inFlight = commit(send('ada'));
    const waiting = commit(send('bob'));
    const closed = batcher.close();
    await expect(waiting).rejects.toBeInstanceOf(SendBatcherClosedError);
    await expect(commit(send('cy'))).rejects.toMatchObject({ code: 'unavailable' });
    rooms.releaseAll();
    await closed;
    expect((await inFlight).seq).toBe(1);
    expect([...messages.stored.keys()]).toEqual([1]);
  });
});
