import type { Logger } from 'pino';
import type { EmailConfig } from '../config';
import type { Repositories } from '../db';
import type { DigestDocument, DigestItem } from '../db/email-digests';
import { MAX_DIGEST_ITEMS } from '../db/email-digests';
import type { MessageDocument } from '../db/messages';
import type { UserDocument } from '../db/users';
import type { SiteSettingsCache } from '../moderation/site-settings';
import { Poller } from '../poller';
import { digestEmail, type DigestEntry } from './compose';
import type { EmailLinks } from './links';
import type { Mailer } from './mailer';

// a node holds a digest this long while sending it: one that died mid-send frees it soon after
const LEASE_MS = 60_000;
// digests one node sends at once (the SMTP pool's connections are shared by them)
const SENDING_AT_ONCE = 5;
// a failed send is tried again after a minute, doubling to an hour, for a day
const RETRY_FIRST_MS = 60_000;
const RETRY_MAX_MS = 60 * 60 * 1000;
const GIVE_UP_MS = 24 * 60 * 60 * 1000;

export interface EmailDigestsOptions {
  repositories: Repositories;
  mailer: Mailer;
  links: EmailLinks;
  siteSettings: SiteSettingsCache;
  /** Whether the user has a socket open anywhere (every node). */
  isOnline: (siteId: string, userId: string) => Promise<boolean>;
  config: Pick<EmailConfig, 'quietMs' | 'gapMs' | 'pollMs'>;
  log: Logger;
  onSent?: (outcome: 'sent' | 'failed' | 'dropped') => void;
  now?: () => number;
}

/**
 * Email digests for people who are away: a mention or a reply to a user with no socket open, an address and digests
 * on (theirs and their site's) joins their waiting digest in the database. It is sent a quiet period after the latest
 * message it holds (more activity pushes it back), at most a gap after its first, and never within a gap of the
 * user's previous digest; by whichever node leases it first. Who came back before it is due gets none.
 */
export class EmailDigests {
  private readonly poller: Poller;
  private readonly now: () => number;

  constructor(private readonly options: EmailDigestsOptions) {
    this.now = options.now ?? Date.now;
    this.poller = new Poller(() => this.look(), options.config.pollMs, (error) => options.log.warn({ err: error }, 'looking for due email digests failed'));
  }

  start(): void {
    this.poller.start();
  }

  async stop(): Promise<void> {
    await this.poller.stop();
    this.options.mailer.close();
  }

  /** Resolves after a whole look at the waiting digests that began after this call. */
  nextLook(): Promise<void> {
    return this.poller.nextLook();
  }

  /**
   * A new message: the users it mentions by id and the author of the message it replies to, if away and reachable,
   * get it in their digest. Resolves once stored; a failure is logged, not thrown (the message stands either way).
   */
  async noteMessage(siteId: string, message: MessageDocument): Promise<void> {
    const kinds = new Map<string, DigestItem['kind']>();
    for (const id of message.mentions ?? []) if (id !== 'here') kinds.set(id, 'mention');
    if (message.replyTo) kinds.set(message.replyTo.author.id, 'reply');
    kinds.delete(message.author.id);
    if (kinds.size === 0 || message.hiddenAt || message.deletedAt) return;
    try {
      if (!(await this.options.siteSettings.get(siteId)).emailDigests) return;
      const users = await this.options.repositories.users.findByIds(siteId, [...kinds.keys()]);
      for (const user of users) {
        if (!reachable(user) || user.blocked?.includes(message.author.id)) continue;
        const userId = user._id.toHexString();
        if (await this.options.isOnline(siteId, userId)) continue;
        await this.options.repositories.emailDigests.add(siteId, user._id, { roomId: message.roomId, seq: message.seq, kind: kinds.get(userId)! }, new Date(this.now()));
      }
    } catch (error) {
      this.options.log.error({ err: error, siteId, roomId: message.roomId, seq: message.seq }, 'noting a message for email digests failed');
    }
  }

  /** When a waiting digest is due: a quiet period after its latest message, at most a gap after its first. */
  dueAt(digest: Pick<DigestDocument, 'firstAt' | 'lastAt'>): number {
    const { quietMs, gapMs } = this.options.config;
    return Math.min(digest.lastAt.getTime() + quietMs, digest.firstAt.getTime() + Math.max(gapMs, quietMs));
  }

  private async look(): Promise<void> {
    const { repositories } = this.options;
    const now = this.now();
    const due = (await repositories.emailDigests.waiting()).filter((waiting) => this.dueAt(waiting) <= now && !(waiting.lockedUntil && waiting.lockedUntil.getTime() > now));
    // a few at once, each leased first (another node may have taken it)
    const next = async (): Promise<void> => {
      const waiting = due.shift();
      if (!waiting || this.poller.stopped) return;
      const at = this.now();
      const digest = await repositories.emailDigests.lease(waiting._id, new Date(at), new Date(at + LEASE_MS));
      if (digest) await this.send(digest).catch((error: unknown) => this.options.log.warn({ err: error, userId: digest._id.toHexString() }, 'an email digest failed to complete'));
      return next();
    };
    await Promise.all(Array.from({ length: SENDING_AT_ONCE }, next));
  }

  /** Sends a leased digest, or drops it (nobody to send it to, nothing left to tell), or holds it for later. */
  private async send(digest: DigestDocument): Promise<void> {
    const { repositories, config, log } = this.options;
    const now = this.now();
    const drop = async () => {
      await repositories.emailDigests.done(digest, new Date(now));
      this.options.onSent?.('dropped');
    };
    const userId = digest._id.toHexString();
    const [user, site, settings] = await Promise.all([repositories.users.findById(digest.siteId, userId), repositories.sites.findById(digest.siteId), this.options.siteSettings.get(digest.siteId)]);
    if (!user || !reachable(user) || !site || !settings.emailDigests) return drop();
    // one digest per gap: this one waits for the end of it (and gathers what comes meanwhile)
    const notBefore = (user.digestSentAt?.getTime() ?? 0) + config.gapMs;
    if (notBefore > now) return repositories.emailDigests.postpone(digest._id, new Date(notBefore), false);
    // back in the chat: they see the messages there
    if (await this.options.isOnline(digest.siteId, userId)) return drop();
    const entries = await this.entriesOf(digest, user);
    if (entries.length === 0) return drop();
    const unsubscribe = await this.options.links.url({ use: 'unsubscribe', siteId: site._id, userId });
    const email = digestEmail({
      locale: user.locale ?? 'en',
      site: site.name,
      entries,
      more: digest.items.length >= MAX_DIGEST_ITEMS,
      chatUrl: user.page ?? site.allowedOrigins[0],
      unsubscribeUrl: unsubscribe,
    });
    try {
      await this.options.mailer.send({
        to: user.email!,
        ...email,
        headers: { 'List-Unsubscribe': `<${unsubscribe}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
      });
    } catch (error) {
      const failures = (digest.failures ?? 0) + 1;
      if (now - digest.firstAt.getTime() > GIVE_UP_MS) {
        log.error({ err: error, userId, failures }, 'an email digest could not be sent for a day: dropped');
        return drop();
      }
      log.warn({ err: error, userId, failures }, 'sending an email digest failed; it will be tried again');
      this.options.onSent?.('failed');
      return repositories.emailDigests.postpone(digest._id, new Date(now + Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** (failures - 1))), true);
    }
    await repositories.users.setDigestSent(user._id, new Date(now));
    await repositories.emailDigests.done(digest, new Date(now));
    this.options.onSent?.('sent');
  }

  /** The digest's messages as they are now: deleted and hidden ones, and those of users blocked since, left out. */
  private async entriesOf(digest: DigestDocument, user: UserDocument): Promise<DigestEntry[]> {
    const { messages, rooms } = this.options.repositories;
    const byRoom = new Map<string, DigestItem[]>();
    for (const item of digest.items) byRoom.set(item.roomId, [...(byRoom.get(item.roomId) ?? []), item]);
    const entries: DigestEntry[] = [];
    for (const [roomId, items] of byRoom) {
      const [room, found] = await Promise.all([rooms.find(digest.siteId, roomId), messages.findBySeqs(digest.siteId, roomId, items.map((item) => item.seq))]);
      const bySeq = new Map(found.map((message) => [message.seq, message]));
      for (const item of items) {
        const message = bySeq.get(item.seq);
        if (!message || message.deletedAt || message.hiddenAt || user.blocked?.includes(message.author.id)) continue;
        entries.push({ kind: item.kind, author: message.author.displayName, room: room?.name ?? roomId, text: message.text, at: message.createdAt });
      }
    }
    return entries.sort((a, b) => a.at.getTime() - b.at.getTime());
  }
}

/** Someone a digest can go to: an address, digests on, not banned. */
const reachable = (user: UserDocument) => user.email !== undefined && !user.emailOff && !user.bannedAt;
