import type { Collection, Db } from 'mongodb';
import type { Logger } from 'pino';
import { type MessageDocument, messageKey } from './messages';

/**
 * Search in a room (docs/decisions.md, "Search in a room"): the messages holding every word of a query, newest first,
 * a bounded amount of work per request. Two ways to find candidates, one rule to decide a match (`matches`), so the
 * answers are the same on both databases:
 * - **MongoDB**: a text index on `{siteId, roomId, text}` (language `none`: no stemming, no stop words) names the
 *   messages holding any of the words, newer than the cursor, newest first; each is then checked against the rule.
 * - **The embedded database** (FerretDB has no text indexes) and queries in scripts written without spaces: the room's
 *   keys read by `_id`, newest first, a batch at a time (index seeks), each message checked against the rule, until
 *   the page is full or the request's budget of messages or time is spent; `next` says where to go on.
 */
export interface SearchPage {
  /** Newest first. */
  messages: MessageDocument[];
  /** The seq to continue before; null when the room's start was reached. */
  next: number | null;
  /** How many messages were looked at. */
  scanned: number;
}

export interface SearchBudget {
  /** Messages a request may look at. */
  messages: number;
  /** Milliseconds a request may spend reading. */
  ms: number;
}

/** What one request may cost: at most ~2,000 messages read, or ~250 ms, whichever comes first (BENCHMARKS.md). */
export const SEARCH_BUDGET: SearchBudget = { messages: 2_000, ms: 250 };
// keys per read: the embedded database re-checks an `$in` in quadratic time, so page sizes (docs/decisions.md)
const SCAN_BATCH = 200;
// at most this many words of a query count (the rest are ignored)
export const MAX_QUERY_WORDS = 8;

// scripts written without spaces between words: a query word in them matches anywhere in the text, not as a word
const UNSPACED = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}]/u;

/** Lower case, without accents or other marks, compatibility forms folded: what both sides of a match are made of. */
export const foldText = (text: string) => text.normalize('NFKD').replace(/\p{M}+/gu, '').toLowerCase();

/** The words of a query as a match compares them (folded, no duplicates, at most MAX_QUERY_WORDS); none: nothing to search. */
export function searchWords(query: string): string[] {
  return [...new Set(foldText(query).split(/[^\p{L}\p{N}]+/u).filter(Boolean))].slice(0, MAX_QUERY_WORDS);
}

/** Whether a text holds every word: as a whole word, or anywhere for a word in a script written without spaces. */
export function matches(text: string, words: readonly string[]): boolean {
  if (text === '') return false;
  const folded = foldText(text);
  let own: Set<string> | undefined;
  return words.every((word) => {
    if (UNSPACED.test(word)) return folded.includes(word);
    own ??= new Set(folded.split(/[^\p{L}\p{N}]+/u));
    return own.has(word);
  });
}

export class MessageSearch {
  private readonly messages: Collection<MessageDocument>;
  /** Whether the database has the text index (real MongoDB); decided by prepare(). */
  private textIndex = false;

  constructor(db: Db) {
    this.messages = db.collection<MessageDocument>('messages');
  }

  /**
   * Creates the text index where the database has text indexes (real MongoDB), once at start; FerretDB, which has
   * none (it refuses the index, and `$text`), searches by scanning keys instead.
   */
  async prepare(log: Logger): Promise<void> {
    const build = await this.messages.db.command({ buildInfo: 1 });
    if (build.ferretdbVersion !== undefined) return;
    try {
      await this.messages.createIndex({ siteId: 1, roomId: 1, text: 'text' }, { name: 'site_room_text', default_language: 'none', language_override: 'searchLanguage' });
      this.textIndex = true;
    } catch (error) {
      log.warn({ err: error }, 'the database refused a text index: search in a room reads messages by key instead');
    }
  }

  get usesTextIndex(): boolean {
    return this.textIndex;
  }

  /**
   * Up to `limit` messages of the room older than `before` (the room's counter + 1 for the newest) holding every one
   * of `words` (searchWords), neither deleted nor hidden, newest first, looking at no more than `budget` allows.
   */
  find(siteId: string, roomId: string, words: readonly string[], before: number, limit: number, budget: SearchBudget = SEARCH_BUDGET): Promise<SearchPage> {
    if (words.length === 0 || before <= 1) return Promise.resolve({ messages: [], next: null, scanned: 0 });
    const deadline = performance.now() + budget.ms;
    return this.textIndex && !words.some((word) => UNSPACED.test(word))
      ? this.byTextIndex(siteId, roomId, words, before, limit, budget.messages, deadline)
      : this.byKeys(siteId, roomId, words, before, limit, budget.messages, deadline);
  }

  /** Reads the room's keys from `before − 1` down, SCAN_BATCH at a time by `_id`, checking each message. */
  private async byKeys(siteId: string, roomId: string, words: readonly string[], before: number, limit: number, most: number, deadline: number): Promise<SearchPage> {
    const found: MessageDocument[] = [];
    let scanned = 0;
    let next = before - 1; // the highest seq not looked at yet
    while (next >= 1) {
      const count = Math.min(SCAN_BATCH, next, Math.max(1, most - scanned));
      const keys = Array.from({ length: count }, (_, k) => messageKey(siteId, roomId, next - k));
      const batch = (await this.messages.find({ _id: { $in: keys } }).toArray()).sort((a, b) => b.seq - a.seq);
      scanned += count;
      for (const message of batch) {
        if (!message.deletedAt && !message.hiddenAt && matches(message.text, words)) found.push(message);
        // full: go on before this one
        if (found.length === limit) return { messages: found, next: message.seq > 1 ? message.seq : null, scanned };
      }
      next -= count;
      if (scanned >= most || performance.now() > deadline) break;
    }
    return { messages: found, next: next >= 1 ? next + 1 : null, scanned };
  }

  /** Candidates from the text index (any of the words), newest first, each checked against every word. */
  private async byTextIndex(siteId: string, roomId: string, words: readonly string[], before: number, limit: number, most: number, deadline: number): Promise<SearchPage> {
    const found: MessageDocument[] = [];
    let scanned = 0;
    const candidates = this.messages
      .find({ siteId, roomId, $text: { $search: words.join(' ') }, seq: { $lt: before }, deletedAt: { $exists: false }, hiddenAt: { $exists: false } })
      .sort({ seq: -1 })
      .batchSize(Math.min(most, 500));
    try {
      for await (const message of candidates) {
        scanned += 1;
        if (matches(message.text, words)) found.push(message);
        if (found.length === limit || scanned >= most || performance.now() > deadline) return { messages: found, next: message.seq > 1 ? message.seq : null, scanned };
      }
    } finally {
      await candidates.close();
    }
    return { messages: found, next: null, scanned };
  }
}
