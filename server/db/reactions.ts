import type { Collection, Db } from 'mongodb';
import type { Message, Reaction } from '../../sdk/protocol';
import { type MessageDocument, messageKey } from './messages';

/** How many different emoji one message may carry. */
export const MAX_REACTIONS = 20;

/**
 * What a message document holds of its reactions: `reactions.<emoji key>` the ids of those who reacted, in the
 * order they did, and `reactionOrder` the emoji keys in the order first reacted (a document's fields keep no order
 * the drivers promise, and its length is the limit's atomic check). Keys are the emoji's code points in hex
 * ("1f44d-1f3fd"): ASCII, so no emoji can make a field name MongoDB or the embedded database reads another way.
 */
export interface ReactionFields {
  reactions?: Record<string, string[]>;
  reactionOrder?: string[];
}

/** "👍🏽" → "1f44d-1f3fd" */
export const emojiKey = (emoji: string): string => [...emoji].map((c) => c.codePointAt(0)!.toString(16)).join('-');
/** "1f44d-1f3fd" → "👍🏽" */
export const emojiOf = (key: string): string => String.fromCodePoint(...key.split('-').map((hex) => parseInt(hex, 16)));

/** A message's reactions as the wire carries them: first reacted first, none on a tombstone. */
export function presentReactions(message: MessageDocument & ReactionFields): Pick<Message, 'reactions'> {
  if (message.deletedAt || !message.reactionOrder || !message.reactions) return {};
  const reactions: Reaction[] = [];
  for (const key of message.reactionOrder) {
    const userIds = message.reactions[key];
    // emptied by a take-back whose clean-up lost a race with a new reaction: nothing to show
    if (userIds && userIds.length > 0) reactions.push({ emoji: emojiOf(key), count: userIds.length, userIds: [...userIds] });
  }
  return reactions.length > 0 ? { reactions } : {};
}

/** What a toggle came to: the message as stored, and whether this call changed it (to be announced once). */
export type Toggled =
  | { outcome: 'changed' | 'unchanged'; message: MessageDocument }
  | { outcome: 'not_found' | 'deleted' | 'hidden' | 'full'; message?: undefined };

/**
 * Reactions on message documents, read and written by `_id`. Each change is one conditional update (`$addToSet` or
 * `$pull` by `_id`, with the checks in its filter), so two people reacting at once both count on MongoDB. The embedded
 * database loses concurrent updates of one document (docs/decisions.md: 20 concurrent `$addToSet`s kept 7), so this
 * node also writes one message's reactions one change at a time (`queued`), as RoomsRepository does for rooms.
 */
export class ReactionsRepository {
  private readonly messages: Collection<MessageDocument & ReactionFields>;
  // per message, this node's last reaction write to its document
  private readonly writeQueue = new Map<string, Promise<unknown>>();

  constructor(db: Db) {
    this.messages = db.collection<MessageDocument & ReactionFields>('messages');
  }

  /** Adds `userId`'s reaction `emoji` to the message, or takes it back when they had it. */
  toggle(siteId: string, roomId: string, seq: number, userId: string, emoji: string): Promise<Toggled> {
    const _id = messageKey(siteId, roomId, seq);
    return this.queued(_id, async () => {
      // a second attempt only when the message changed between the read and the write (another node, another tab)
      for (let attempt = 0; attempt < 3; attempt += 1) {
        const message = await this.messages.findOne({ _id });
        if (!message) return { outcome: 'not_found' };
        if (message.deletedAt) return { outcome: 'deleted' };
        if (message.hiddenAt) return { outcome: 'hidden' };
        const key = emojiKey(emoji);
        const path = `reactions.${key}`;
        const users = message.reactions?.[key] ?? [];
        let written: (MessageDocument & ReactionFields) | null;
        if (!users.includes(userId)) {
          const known = message.reactionOrder?.includes(key) ?? false;
          if (!known && (message.reactionOrder?.length ?? 0) >= MAX_REACTIONS) return { outcome: 'full' };
          written = await this.messages.findOneAndUpdate(
            // the emoji is on the message already, or there is room for one more (the limit's atomic check)
            { _id, deletedAt: { $exists: false }, hiddenAt: { $exists: false }, [path]: { $ne: userId }, $or: [{ reactionOrder: key }, { [`reactionOrder.${MAX_REACTIONS - 1}`]: { $exists: false } }] },
            { $addToSet: { reactionOrder: key, [path]: userId } },
            { returnDocument: 'after' },
          );
        } else if (users.length === 1) {
          // the last one takes it back: the emoji goes, and its place in the order (a later one comes last again)
          written = await this.messages.findOneAndUpdate({ _id, [path]: [userId] }, { $unset: { [path]: '' }, $pull: { reactionOrder: key } }, { returnDocument: 'after' });
        } else {
          written = await this.messages.findOneAndUpdate({ _id, [path]: userId }, { $pull: { [path]: userId } }, { returnDocument: 'after' });
        }
        if (written) return { outcome: 'changed', message: written };
      }
      // the message kept changing under us: answer it as it is now, unchanged by this call
      const message = await this.messages.findOne({ _id });
      return message ? { outcome: 'unchanged', message } : { outcome: 'not_found' };
    });
  }

  private queued<T>(key: string, write: () => Promise<T>): Promise<T> {
    const next = (this.writeQueue.get(key) ?? Promise.resolve()).catch(() => undefined).then(write);
    this.writeQueue.set(key, next);
    // forget an idle queue, so the map holds only messages with a write in flight
    const forget = () => void (this.writeQueue.get(key) === next && this.writeQueue.delete(key));
    next.then(forget, forget);
    return next;
  }
}
