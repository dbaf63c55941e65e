import type { Author, Message, ReplyTo } from '../../sdk/protocol';
import { excerptOf } from '../../sdk/room/replies';
import { forbidden, notFound } from '../errors';
import type { MessageDocument, MessagesRepository } from './messages';

/**
 * What a reply keeps of the message it answers: its seq and author, and the excerpt as it was when the reply was
 * sent. Reads refresh the excerpt from the original as it is now (`refresh`), so an edit, a delete or a hide of the
 * original shows in every page; the stored excerpt is what a path that does not read the original shows.
 */
export interface ReplyDocument {
  seq: number;
  author: Author;
  excerpt: string;
  deleted?: true;
  hidden?: true;
}

export const presentReplyTo = ({ seq, author, excerpt, deleted, hidden }: ReplyDocument): ReplyTo => ({
  seq,
  author: { id: author.id, displayName: author.displayName },
  excerpt: deleted || hidden ? '' : excerpt,
  ...(deleted ? { deleted } : hidden ? { hidden } : {}),
});

/** The reply's view of `original` now. */
const replyOf = (original: MessageDocument): ReplyDocument => ({
  seq: original.seq,
  author: { id: original.author.id, displayName: original.author.displayName },
  excerpt: original.deletedAt || original.hiddenAt ? '' : excerptOf(original.text),
  ...(original.deletedAt ? { deleted: true as const } : original.hiddenAt ? { hidden: true as const } : {}),
});

/** Replies: what a reply stores of its original, and pages of messages with their originals read as they are now. */
export class Replies {
  constructor(private readonly messages: MessagesRepository) {}

  /** The reply to `seq` a new message stores: refused when there is no such message, or it is deleted or hidden. */
  async to(siteId: string, roomId: string, seq: number): Promise<ReplyDocument> {
    const original = await this.messages.findBySeq(siteId, roomId, seq);
    if (!original) throw notFound('message');
    if (original.deletedAt) throw forbidden('the message you reply to was deleted');
    if (original.hiddenAt) throw forbidden('the message you reply to is hidden pending review');
    return replyOf(original);
  }

  /**
   * The page with each reply's original as it is now: originals in the page are used as they are, the others read in
   * one query by `_id` (index seeks on both databases; at most one per message of the page).
   */
  async refresh(siteId: string, roomId: string, page: readonly MessageDocument[]): Promise<MessageDocument[]> {
    const inPage = new Map(page.map((message) => [message.seq, message]));
    const missing = [...new Set(page.flatMap((message) => (message.replyTo && !inPage.has(message.replyTo.seq) ? [message.replyTo.seq] : [])))];
    const originals = new Map(inPage);
    if (missing.length > 0) for (const original of await this.messages.findBySeqs(siteId, roomId, missing)) originals.set(original.seq, original);
    return page.map((message) => {
      const original = message.replyTo && originals.get(message.replyTo.seq);
      return original ? { ...message, replyTo: replyOf(original) } : message;
    });
  }
}

/** A message's mentions as the wire carries them: none on a deleted or hidden message. */
export function presentMentions(message: MessageDocument): Pick<Message, 'mentions'> {
  return message.mentions?.length && !message.deletedAt && !message.hiddenAt ? { mentions: [...message.mentions] } : {};
}
