import type { WordFilterSettings } from '../../sdk/protocol';
import type { SitesRepository } from '../db/sites';
import { invalidInput } from '../errors';
import { compileWordFilter, type WordFilter } from './word-filter';

/** A site without a list. */
export const NO_WORD_FILTER: WordFilterSettings = { entries: [], action: 'refuse' };

// how long a node keeps a site's compiled list: a change made through another node applies here within this time
// (on the node that made it, at once)
const CACHE_MS = 5_000;

interface Cached {
  settings: WordFilterSettings;
  filter: WordFilter;
  until: number;
}

/** Each site's word filter, compiled once and read again from the database at most every few seconds. */
export class SiteWordFilters {
  private readonly loaded = new Map<string, Cached>();
  private readonly loading = new Map<string, Promise<Cached>>();

  constructor(
    private readonly sites: Pick<SitesRepository, 'findById'>,
    private readonly now: () => number = Date.now,
  ) {}

  /** The site's settings, as stored (the empty list when unset). */
  async settings(siteId: string): Promise<WordFilterSettings> {
    return (await this.get(siteId)).settings;
  }

  /**
   * The text a message may be stored with: itself, or with the listed words masked; throws `invalid_input` on
   * `text` when the site refuses such messages.
   */
  async apply(siteId: string, text: string): Promise<string> {
    const { settings, filter } = await this.get(siteId);
    if (settings.entries.length === 0) return text;
    if (settings.action === 'mask') return filter.mask(text);
    if (filter.matches(text).length > 0) throw invalidInput('text', 'the message contains a word or phrase this site does not allow');
    return text;
  }

  /** Forgets a site's list on this node (it was just changed here): the next message reads it again. */
  forget(siteId: string): void {
    this.loaded.delete(siteId);
    this.loading.delete(siteId);
  }

  private get(siteId: string): Promise<Cached> {
    const entry = this.loaded.get(siteId);
    if (entry && entry.until > this.now()) return Promise.resolve(entry);
    return this.loading.get(siteId) ?? this.load(siteId);
  }

  private load(siteId: string): Promise<Cached> {
    const loading = this.sites.findById(siteId).then((site) => {
      const stored = site?.wordFilter;
      // FerretDB v1 may leave an empty array out of what it stores
      const settings = stored ? { entries: stored.entries ?? [], action: stored.action } : NO_WORD_FILTER;
      return { settings, filter: compileWordFilter(settings.entries), until: this.now() + CACHE_MS };
    });
    this.loading.set(siteId, loading);
    loading.then(
      (entry) => {
        // unless forgotten meanwhile: then this read may predate the change
        if (this.loading.get(siteId) !== loading) return;
        this.loading.delete(siteId);
        this.loaded.set(siteId, entry);
      },
      () => {
        if (this.loading.get(siteId) === loading) this.loading.delete(siteId);
      },
    );
    return loading;
  }
}
