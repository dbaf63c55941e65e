import type { Message } from '../../sdk';
import { fill, plural, t } from './i18n';

/**
 * A message's reactions: one toggle button per emoji with its count, pressed when it is one of mine. Adding another
 * emoji goes through the message's menu and the emoji picker (lazy chunks); these are what every message shows.
 */
export function ReactionChips({ message, myId, onToggle }: { message: Message; myId: string; onToggle: ((emoji: string) => void) | undefined }) {
  if (!message.reactions) return null;
  return (
    <p class="reactions">
      {message.reactions.map(({ emoji, count, userIds }) => (
        <button
          type="button"
          class="reaction"
          // a reader (no account) sees the counts, and cannot press them
          disabled={!onToggle}
          aria-pressed={userIds.includes(myId)}
          aria-label={fill(plural(t.reactedWith, count), { emoji })}
          onClick={() => onToggle?.(emoji)}
        >
          {emoji} {count}
        </button>
      ))}
    </p>
  );
}
