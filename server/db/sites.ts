import { randomBytes } from 'node:crypto';
import type { Collection, Db } from 'mongodb';
import type { Access, PrePublishHook, SiteSettings, WordFilterSettings } from '../../sdk/protocol';
import { isDuplicateKey } from '../errors';

export interface SiteDocument {
  _id: string;
  name: string;
  /** Origins (scheme://host[:port]) allowed to embed the widget and call the API from a browser. */
  allowedOrigins: string[];
  /** HMAC key for identity verification; never leaves the server except to the operator's CLI. */
  identitySecret: string;
  /** Words and phrases messages may not carry, and what happens to one that does; none when unset. */
  wordFilter?: WordFilterSettings;
  /** Reports by this many users hide a message pending review (0: never); unset: DEFAULT_HIDE_AFTER. */
  reportHideAfter?: number;
  /** Who may read and post (rooms may override it); unset: members only. */
  access?: Access;
  /** The lowest rank that may post links and `@everyone`; unset: DEFAULT_SETTINGS. */
  postingRights?: Partial<SiteSettings['postingRights']>;
  /** How long a banned guest's network address stays banned; unset: DEFAULT_SETTINGS. */
  guestBanHours?: number;
  /** The largest image a user may upload, in MB; unset: DEFAULT_SETTINGS. */
  uploadMaxMB?: number;
  /** Email digests for users who are away; unset: DEFAULT_SETTINGS (on). */
  emailDigests?: boolean;
  /** Messages older than this many days are erased daily; unset or 0: kept. */
  retentionDays?: number;
  /** The site's pre-publish hook with its signing secret; unset: none. */
  prePublish?: PrePublishHook & { secret: string };
  createdAt: Date;
}

/** What a site that never set them gets: members only, anyone posts links, moderators mention everyone. */
export const DEFAULT_SETTINGS: SiteSettings = {
  access: 'members',
  postingRights: { links: 'guest', mentionEveryone: 'moderator' },
  guestBanHours: 24,
  uploadMaxMB: 5,
  emailDigests: true,
  retentionDays: 0,
};

/** A site's settings, unset ones at their defaults. */
export const settingsOf = (site: SiteDocument): SiteSettings => ({
  access: site.access ?? DEFAULT_SETTINGS.access,
  postingRights: { ...DEFAULT_SETTINGS.postingRights, ...site.postingRights },
  guestBanHours: site.guestBanHours ?? DEFAULT_SETTINGS.guestBanHours,
  uploadMaxMB: site.uploadMaxMB ?? DEFAULT_SETTINGS.uploadMaxMB,
  emailDigests: site.emailDigests ?? DEFAULT_SETTINGS.emailDigests,
  retentionDays: site.retentionDays ?? DEFAULT_SETTINGS.retentionDays,
});

const newSecret = () => randomBytes(32).toString('hex');

export class SitesRepository {
  private readonly sites: Collection<SiteDocument>;

  constructor(db: Db) {
    this.sites = db.collection<SiteDocument>('sites');
  }

  async findById(siteId: string): Promise<SiteDocument | null> {
    const site = await this.sites.findOne({ _id: siteId });
    return site && withOrigins(site);
  }

  /** Whether any site allows this origin (Socket.IO's CORS, before it knows which site a socket is for). */
  async allowsAnywhere(origin: string): Promise<boolean> {
    return (await this.sites.findOne({ allowedOrigins: origin }, { projection: { _id: 1 } })) !== null;
  }

  async list(): Promise<SiteDocument[]> {
    return (await this.sites.find().sort({ _id: 1 }).toArray()).map(withOrigins);
  }

  /** Creates the site; false when the id is taken. */
  async create(site: { id: string; name: string; allowedOrigins: string[] }): Promise<boolean> {
    try {
      const { upsertedCount } = await this.sites.updateOne(
        { _id: site.id },
        { $setOnInsert: { name: site.name, allowedOrigins: site.allowedOrigins, identitySecret: newSecret(), createdAt: new Date() } },
        { upsert: true },
      );
      return upsertedCount === 1;
    } catch (error) {
      // two nodes starting at once both seed the demo site: the one whose upsert lost found it created
      if (isDuplicateKey(error)) return false;
      throw error;
    }
  }

  /** Adds and removes allowed origins; null when the site does not exist. */
  async updateOrigins(siteId: string, change: { add?: string[]; remove?: string[] }): Promise<string[] | null> {
    const site = await this.findById(siteId);
    if (!site) return null;
    const origins = new Set(site.allowedOrigins);
    for (const origin of change.add ?? []) origins.add(origin);
    for (const origin of change.remove ?? []) origins.delete(origin);
    const allowedOrigins = [...origins].sort();
    await this.sites.updateOne({ _id: siteId }, { $set: { allowedOrigins } });
    return allowedOrigins;
  }

  /** Renames the site and/or replaces its allowed origins; false when the site does not exist. */
  async update(siteId: string, change: { name?: string | undefined; allowedOrigins?: string[] | undefined }): Promise<boolean> {
    const set = {
      ...(change.name === undefined ? {} : { name: change.name }),
      ...(change.allowedOrigins === undefined ? {} : { allowedOrigins: [...change.allowedOrigins].sort() }),
    };
    const { matchedCount } = await this.sites.updateOne({ _id: siteId }, { $set: set });
    return matchedCount === 1;
  }

  /** A new identity secret; the old one stops verifying at once. Null when the site does not exist. */
  async rotateSecret(siteId: string): Promise<string | null> {
    const identitySecret = newSecret();
    const { matchedCount } = await this.sites.updateOne({ _id: siteId }, { $set: { identitySecret } });
    return matchedCount === 1 ? identitySecret : null;
  }

  /** How many users' reports hide a message; false when the site does not exist. */
  async setReportHideAfter(siteId: string, hideAfter: number): Promise<boolean> {
    const { matchedCount } = await this.sites.updateOne({ _id: siteId }, { $set: { reportHideAfter: hideAfter } });
    return matchedCount === 1;
  }

  /** Stores the site's settings; false when the site does not exist. */
  async setSettings(siteId: string, settings: SiteSettings): Promise<boolean> {
    const { access, postingRights, guestBanHours, uploadMaxMB, emailDigests, retentionDays } = settings;
    const { matchedCount } = await this.sites.updateOne({ _id: siteId }, { $set: { access, postingRights, guestBanHours, uploadMaxMB, emailDigests, retentionDays } });
    return matchedCount === 1;
  }

  /**
   * Sets the site's pre-publish hook, keeping its secret unless `rotate` (or there is none yet); answers the hook as
   * stored, null when the site does not exist.
   */
  async setPrePublish(siteId: string, hook: PrePublishHook, rotate: boolean): Promise<(PrePublishHook & { secret: string }) | null> {
    const site = await this.sites.findOne({ _id: siteId }, { projection: { prePublish: 1 } });
    if (!site) return null;
    const prePublish = { ...hook, secret: !rotate && site.prePublish?.secret ? site.prePublish.secret : `pps_${newSecret()}` };
    const { matchedCount } = await this.sites.updateOne({ _id: siteId }, { $set: { prePublish } });
    return matchedCount === 1 ? prePublish : null;
  }

  /** Removes the site's pre-publish hook; false when the site does not exist. */
  async clearPrePublish(siteId: string): Promise<boolean> {
    const { matchedCount } = await this.sites.updateOne({ _id: siteId }, { $unset: { prePublish: '' } });
    return matchedCount === 1;
  }

  /** Replaces the site's word filter; false when the site does not exist. */
  async setWordFilter(siteId: string, wordFilter: WordFilterSettings): Promise<boolean> {
    const { matchedCount } = await this.sites.updateOne({ _id: siteId }, { $set: { wordFilter } });
    return matchedCount === 1;
  }

  async remove(siteId: string): Promise<boolean> {
    const { deletedCount } = await this.sites.deleteOne({ _id: siteId });
    return deletedCount === 1;
  }
}

/** `https://Shop.example:443/path` → `https://shop.example`; null for anything that is not an http(s) origin. */
export function normalizeOrigin(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  if (url.username || url.password || (url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) return null;
  return url.origin;
}

/**
 * FerretDB v1 leaves an empty array out of a `$setOnInsert` upsert, so a site created with no origins may have
 * no `allowedOrigins` at all: read it as the empty list it was written as.
 */
function withOrigins(site: SiteDocument): SiteDocument {
  return Array.isArray(site.allowedOrigins) ? site : { ...site, allowedOrigins: [] };
}
