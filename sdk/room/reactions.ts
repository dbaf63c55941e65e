import type { Message } from '../protocol';
import { type Connection, request, roomLeft } from './requests';

/** One emoji's reactions on a message, as you would show them. */
export interface ReactionSummary {
  emoji: string;
  /** How many people reacted with it (those you blocked left out). */
  count: number;
  /** Who did, in the order they reacted. */
  userIds: string[];
  /** You reacted with it: show it pressed. */
  mine: boolean;
}

/**
 * A room's reactions: toggle yours on a message, and read a message's reactions from your side.
 *
 * @example
 * await room.react(message.seq, '👍');           // adds 👍, or takes it back if you had it
 * for (const r of room.reactionsOf(message)) console.log(r.emoji, r.count, r.mine ? '(you)' : '');
 */
export interface Reactions {
  /**
   * Toggles your reaction `emoji` (one emoji) on the message `seq`: adds it, or takes it back if you had it. Resolves
   * with the message as stored; the others get it as an `update`. Fails with `invalid_input` for anything but one
   * emoji, `conflict` past 20 different emoji on a message, `forbidden` on a deleted message or where you may not post.
   */
  react(seq: number, emoji: string): Promise<Message>;
  /** The message's reactions in the order first reacted, without users you blocked, with `mine` set on yours. */
  reactionsOf(message: Message): ReactionSummary[];
  /** Whether you reacted to the message with `emoji`. */
  hasReacted(message: Message, emoji: string): boolean;
}

export interface ReactionsContext extends Connection {
  /** The signed-in user's id, if any. */
  me?: () => string | undefined;
  blocked: ReadonlySet<string>;
}

/** `onStored` hears of the stored message the answer carries, as it would of an update from the room. */
export function createReactions(context: ReactionsContext, roomId: string, onStored: (message: Message) => void, disposed: () => boolean): Reactions {
  const { socket, requestTimeoutMs } = context;
  return {
    async react(seq, emoji) {
      if (disposed()) throw roomLeft('react to message');
      const { message } = await request('react to message', () => socket.timeout(requestTimeoutMs).emitWithAck('message:react', { roomId, seq, emoji }));
      onStored(message);
      return message;
    },
    reactionsOf(message) {
      const me = context.me?.();
      const summaries: ReactionSummary[] = [];
      for (const { emoji, userIds } of message.reactions ?? []) {
        const shown = userIds.filter((id) => !context.blocked.has(id));
        if (shown.length > 0) summaries.push({ emoji, count: shown.length, userIds: shown, mine: me !== undefined && shown.includes(me) });
      }
      return summaries;
    },
    hasReacted(message, emoji) {
      const me = context.me?.();
      return me !== undefined && (message.reactions ?? []).some((reaction) => reaction.emoji === emoji && reaction.userIds.includes(me));
    },
  };
}
