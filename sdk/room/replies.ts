import type { Message } from '../protocol';

/**
 * Replies: `room.send(text, { replyTo: seq })` answers a message; the reply carries `replyTo` (the original's seq,
 * author and first line, as it is now). Pages from the server show the original as it is when read; for what you
 * already show, `followOriginal` applies an `update` of an original (edited, deleted, hidden) to its replies.
 *
 * @example
 * room.on('update', (updated) => (shown = followOriginal(shown, updated).map(...)));
 */
const EXCERPT_LENGTH = 140;

/** The first line of a text, up to 140 characters (whole code points), with … when cut: a reply's and a pin's excerpt. */
export function excerptOf(text: string): string {
  const line = text.trim().split('\n', 1)[0]!.trim();
  const characters = [...line];
  return characters.length <= EXCERPT_LENGTH && line === text.trim() ? line : `${characters.slice(0, EXCERPT_LENGTH - 1).join('').trimEnd()}…`;
}

/**
 * `messages` with the replies to `original` showing it as it is now (a new excerpt after an edit; no text once it is
 * deleted or hidden). The same array when none of them answers it.
 */
export function followOriginal<T extends Message>(messages: readonly T[], original: Message): readonly T[] {
  if (!messages.some((message) => message.replyTo?.seq === original.seq && message.roomId === original.roomId)) return messages;
  const { seq, author } = original;
  const replyTo = {
    seq,
    author,
    excerpt: original.deletedAt || original.hiddenAt ? '' : excerptOf(original.text),
    ...(original.deletedAt ? { deleted: true as const } : original.hiddenAt ? { hidden: true as const } : {}),
  };
  return messages.map((message) => (message.replyTo?.seq === seq && message.roomId === original.roomId ? { ...message, replyTo } : message));
}
