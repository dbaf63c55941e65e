// A user's data rights: everything Parley holds about them as one JSON document, and the erasure of their account.
import type { DataExport, Message } from '../../sdk/protocol';
import type { Repositories } from '../db';
import { type MessageDocument, presentMessage, presentToModerators } from '../db/messages';
import type { ReactionFields } from '../db/reactions';
import { emojiOf } from '../db/reactions';
import type { SiteDocument } from '../db/sites';
import { presentAttachment } from '../db/uploads';
import { presentUser, type UserDocument } from '../db/users';
import { definedOf } from '../validation';

// `{ [key]: date in ISO 8601 }`, or nothing for no date
const optional = <K extends string>(key: K, date: Date | undefined) => (date ? ({ [key]: date.toISOString() } as Record<K, string>) : {});

/**
 * Everything Parley holds about `user`: the account, sessions (never their tokens), every message they sent, their
 * reactions, uploads and reports. Reads every message of the site once (rare: a user's or an admin's request).
 * `uploadUrl` makes an image's address.
 */
export async function exportUser(repositories: Repositories, site: SiteDocument, user: UserDocument, uploadUrl: (id: string) => string): Promise<DataExport> {
  const siteId = site._id;
  const userId = user._id.toHexString();
  const messages: DataExport['messages'] = [];
  const reactions: DataExport['reactions'] = [];
  await repositories.messages.forEachOfSite(siteId, (message) => {
    if (message.author.id === userId) {
      const { roomId, seq, text, createdAt, editedAt, deletedAt, hiddenAt, replyTo, mentions, attachments } = presentToModerators(message);
      messages.push({ roomId, seq, text, createdAt, ...definedOf({ editedAt, deletedAt, hiddenAt, replyTo, mentions, attachments }) });
    }
    for (const [key, users] of Object.entries(message.reactions ?? {})) if (users.includes(userId)) reactions.push({ roomId: message.roomId, seq: message.seq, emoji: emojiOf(key) });
  });
  const [sessions, uploads, reports] = await Promise.all([
    repositories.sessions.ofUser(siteId, userId),
    repositories.uploads.ofUser(siteId, userId),
    repositories.reports.byReporter(siteId, userId),
  ]);
  const external = user.usernameKey.startsWith('external:');
  return {
    exportedAt: new Date().toISOString(),
    site: { id: siteId, name: site.name },
    user: {
      ...presentUser(user),
      createdAt: user.createdAt.toISOString(),
      ...(external ? { externalId: user.username } : {}),
      ...(user.email ? { email: user.email } : {}),
      ...(user.emailPending ? { pendingEmail: user.emailPending } : {}),
      emailNotifications: !user.emailOff,
      ...(user.page ? { page: user.page } : {}),
      ...(user.locale ? { locale: user.locale } : {}),
      ...optional('lastDigestAt', user.digestSentAt),
      ...optional('bannedAt', user.bannedAt),
      ...optional('expiresAt', user.expiresAt),
    },
    sessions: sessions.map((session) => ({ ...optional('signedInAt', session.signedInAt), expiresAt: session.expiresAt.toISOString() })),
    messages,
    reactions,
    uploads: uploads.map((upload) => ({
      ...presentAttachment(upload),
      createdAt: upload.createdAt.toISOString(),
      ...(upload.roomId ? { roomId: upload.roomId } : {}),
      ...(upload.seq ? { seq: upload.seq } : {}),
      url: uploadUrl(upload._id),
    })),
    reports: reports.map((report) => ({
      roomId: report.roomId,
      seq: report.seq,
      reason: report.reason,
      ...(report.details ? { details: report.details } : {}),
      createdAt: report.createdAt.toISOString(),
      status: report.status,
    })),
  };
}

export interface ErasureEffects {
  /** A message changed: told to its room (and to the site's webhooks). */
  announce: (siteId: string, message: Message) => Promise<void>;
  /** Ends the user's open sockets, on every node. */
  endUser: (siteId: string, userId: string) => void;
}

/**
 * Deletes `user`'s account: sessions ended first (nobody stays signed in to it), images deleted, every message of
 * theirs a tombstone without text or name, their reactions taken off and their words gone from replies that quoted
 * them; the moderation log and the reports keep what was done without their name; then the account and its names
 * (free for anyone again). `actor` is who asked (the user, or an admin), kept in the log without the user's name.
 * Safe to run again after a failure part-way.
 */
export async function eraseUser(repositories: Repositories, user: UserDocument, actor: { id: string; displayName: string }, effects: ErasureEffects): Promise<void> {
  const { siteId } = user;
  const userId = user._id.toHexString();
  await repositories.sessions.deleteByUser(siteId, userId);
  effects.endUser(siteId, userId);
  await repositories.uploads.remove((await repositories.uploads.ofUser(siteId, userId)).map((upload) => upload._id));
  const changed: MessageDocument[] = [];
  await repositories.messages.forEachOfSite(siteId, async (message: MessageDocument & ReactionFields) => {
    if (message.author.id === userId) {
      if (message.erasedAt) return;
      const erased = await repositories.messages.erase(message, actor.id);
      if (erased) changed.push(erased);
      return;
    }
    if (message.replyTo?.author.id === userId) await repositories.messages.forgetQuotedAuthor(message);
    const theirs = Object.entries(message.reactions ?? {}).filter(([, users]) => users.includes(userId));
    if (theirs.length > 0) {
      const reactions = Object.fromEntries(Object.entries(message.reactions!).flatMap(([key, users]) => {
        const left = users.filter((id) => id !== userId);
        return left.length > 0 ? [[key, left]] : [];
      }));
      const order = (message.reactionOrder ?? []).filter((key) => key in reactions);
      await repositories.messages.setReactions(message, reactions, order);
      changed.push({ ...message, reactions, reactionOrder: order } as MessageDocument);
    }
  });
  await repositories.moderation.forgetName(siteId, userId);
  await repositories.reports.forgetReporter(siteId, userId);
  await repositories.emailDigests.forget(user._id);
  await repositories.moderation.record({ siteId, action: 'user.erase', actor: actor.id === userId ? { id: userId, displayName: '' } : actor, targetUserId: userId });
  await repositories.users.erase(user);
  for (const message of changed) await effects.announce(siteId, presentMessage(message));
}
