import type { Message, PresenceUser } from '../protocol';

/**
 * Mentions: who a message mentions is a list of user ids (`message.mentions`, plus 'here' for `@here` and `@everyone`),
 * so renames break none. A room tells you when a new message mentions you, and suggests whom to mention.
 *
 * @example
 * room.on('mention', (m) => notify(`${m.author.displayName} mentioned you`));
 * const people = room.mentionCandidates('ad');   // online first, then recent authors
 * await room.send(`@${people[0].displayName} see above`, { mentions: [people[0].id] });
 */
export interface Mentions {
  /** Whether the message mentions you (by id, or `@here`). */
  mentionsMe(message: Message): boolean;
  /**
   * Whom to suggest for an `@` being typed: users whose display name starts with `prefix` (any case or accents),
   * those online first, then recent authors in the room; never you; at most 8.
   */
  mentionCandidates(prefix: string): PresenceUser[];
}

const MAX_CANDIDATES = 8;
// recent authors remembered per room, for suggestions
const MAX_AUTHORS = 100;

const folded = (text: string) => text.normalize('NFKD').replace(/\p{M}+/gu, '').toLowerCase();

export interface MentionTracker extends Mentions {
  /** A message was delivered: remember its author; true when it mentions me (and is not mine). */
  delivered(message: Message): boolean;
}

export function createMentions(me: () => string | undefined, online: () => readonly PresenceUser[], recent: readonly Message[]): MentionTracker {
  const authors = new Map<string, PresenceUser>();
  const remember = ({ author }: Message) => {
    authors.delete(author.id);
    authors.set(author.id, { id: author.id, displayName: author.displayName });
    if (authors.size > MAX_AUTHORS) authors.delete(authors.keys().next().value!);
  };
  for (const message of recent) remember(message);
  const mentionsMe = (message: Message) => {
    const id = me();
    return !!id && !!message.mentions && (message.mentions.includes(id) || message.mentions.includes('here'));
  };
  return {
    mentionsMe,
    delivered(message) {
      remember(message);
      return message.author.id !== me() && mentionsMe(message);
    },
    mentionCandidates(prefix) {
      const wanted = folded(prefix);
      const self = me();
      const picked = new Map<string, PresenceUser>();
      // newest authors first after those online
      for (const user of [...online(), ...[...authors.values()].reverse()]) {
        if (user.id !== self && !picked.has(user.id) && folded(user.displayName).startsWith(wanted)) picked.set(user.id, { id: user.id, displayName: user.displayName });
        if (picked.size === MAX_CANDIDATES) break;
      }
      return [...picked.values()];
    },
  };
}
