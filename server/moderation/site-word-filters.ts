import type { WordFilterSettings } from '../../sdk/protocol';
import type { SitesRepository } from '../db/sites';
import { AppError } from '../errors';
import { ReadCache } from '../read-cache';
import { compileWordFilter, type WordFilter } from './word-filter';

/** A site without a list. */
const NO_WORD_FILTER: WordFilterSettings = { entries: [], action: 'refuse' };

// how long a node keeps a site's compiled list: a change made through another node applies here within this time
// (on the node that made it, at once)
const CACHE_MS = 5_000;

interface Compiled {
  settings: WordFilterSettings;
  filter: WordFilter;
}

/** Each site's word filter, compiled once and read again from the database at most every few seconds. */
export class SiteWordFilters {
  private readonly cache: ReadCache<Compiled>;

  constructor(sites: Pick<SitesRepository, 'findById'>, now: () => number = Date.now) {
    this.cache = new ReadCache(
      async (siteId) => {
        const stored = (await sites.findById(siteId))?.wordFilter;
        // FerretDB v1 may leave an empty array out of what it stores
        const settings = stored ? { entries: stored.entries ?? [], action: stored.action } : NO_WORD_FILTER;
        return { settings, filter: compileWordFilter(settings.entries) };
      },
      CACHE_MS,
      now,
    );
  }

  /** The site's settings, as stored (the empty list when unset). */
  async settings(siteId: string): Promise<WordFilterSettings> {
    return (await this.cache.get(siteId)).settings;
  }

  /**
   * The text a message may be stored with (itself, or with the listed words masked) and, when the site holds such
   * messages for review, the entries that matched (`held`); throws `invalid_input` on `text` when it refuses them.
   */
  async apply(siteId: string, text: string): Promise<{ text: string; held?: string[] }> {
    const { settings, filter } = await this.cache.get(siteId);
    if (settings.entries.length === 0) return { text };
    if (settings.action === 'mask') return { text: filter.mask(text) };
    const matched = filter.matches(text);
    if (matched.length === 0) return { text };
    if (settings.action === 'hold') return { text, held: [...new Set(matched.map((match) => match.entry))] };
    throw new AppError('invalid_input', 'the message contains a word or phrase this site does not allow', 'text', undefined, 'word-filter');
  }

  /** Forgets a site's list on this node (it was just changed here): the next message reads it again. */
  forget(siteId: string): void {
    this.cache.forget(siteId);
  }
}
