import type { Access, Role, SiteSettings } from '../../sdk/protocol';
import { hasRank } from '../../sdk/roles';
import type { RoomDocument } from '../db/rooms';
import { DEFAULT_SETTINGS, settingsOf, type SitesRepository } from '../db/sites';
import { AppError } from '../errors';
import { ReadCache } from '../read-cache';

// how long a node trusts a site's settings it read: a change applies on the node that made it at once, elsewhere
// within this time
const CACHE_MS = 5_000;

// a web address as the widget links it, or a bare domain a reader's browser would open (example.com/x, www.x.y)
const LINK = /\bhttps?:\/\/|\bwww\.[^\s.]+\.|\b[a-z0-9-]+\.(?:com|net|org|io|co|ru|de|uk|cn|info|xyz|app|dev|me|ly|gg|link|site|online|top|shop)\b/i;
/** `@everyone` or `@here` in a text: what the posting right `mentionEveryone` governs, and a mention of 'here'. */
export const EVERYONE = /(?:^|[^\w@])@(?:everyone|here)\b/i;

/** Each site's settings for public rooms (access, posting rights, guest bans), read again at most every few seconds. */
export class SiteSettingsCache {
  private readonly cache: ReadCache<SiteSettings>;

  constructor(sites: Pick<SitesRepository, 'findById'>, now: () => number = Date.now) {
    this.cache = new ReadCache(async (siteId) => {
      const site = await sites.findById(siteId);
      return site ? settingsOf(site) : DEFAULT_SETTINGS;
    }, CACHE_MS, now);
  }

  get(siteId: string): Promise<SiteSettings> {
    return this.cache.get(siteId);
  }

  /** The site's settings changed on this node: the next message reads them again. */
  forget(siteId: string): void {
    this.cache.forget(siteId);
  }

  /** Throws `forbidden` (with a `reason` to translate) when `role` may not post what `text` holds on this site. */
  async assertMayPost(siteId: string, role: Role, text: string): Promise<void> {
    const { postingRights } = await this.cache.get(siteId);
    if (!hasRank(role, postingRights.links) && LINK.test(text)) {
      throw new AppError('forbidden', 'links are not allowed for your rank on this site', 'text', undefined, 'links');
    }
    if (!hasRank(role, postingRights.mentionEveryone) && EVERYONE.test(text)) {
      throw new AppError('forbidden', '@everyone and @here are not allowed for your rank on this site', 'text', undefined, 'mention-everyone');
    }
  }
}

/**
 * What a visitor without an account may do on a site: read some room, chat as a guest in some room (its open rooms,
 * each with its own access or the site's; `general` is never archived, so there is always one).
 */
export function visitorAccess(rooms: ReadonlyArray<Pick<RoomDocument, 'archivedAt' | 'access'>>, siteAccess: Access): { read: boolean; guests: boolean } {
  const effective = rooms.filter((room) => !room.archivedAt).map((room) => room.access ?? siteAccess);
  return { read: effective.some((access) => access !== 'members'), guests: effective.includes('guests') };
}

/** Whether someone of `role` (none: a visitor without an account) may read a room of this access. */
export const mayRead = (access: Access, role: Role | undefined): boolean => access !== 'members' || (role !== undefined && hasRank(role, 'member'));

/** Whether someone of `role` may post in a room of this access (pause, mutes and slow mode aside). */
export const mayPost = (access: Access, role: Role): boolean => hasRank(role, 'member') || access === 'guests';
