import type { PresenceUser } from '../protocol';

/** Who came or went, with a `presence` event. */
export interface PresenceChangeEvent {
  joined?: PresenceUser;
  left?: PresenceUser;
}

/** The room's online list, one entry per user. */
export interface Presence {
  readonly online: PresenceUser[];
  joined(user: PresenceUser): void;
  left(user: PresenceUser): void;
  /** The whole list, from a catch-up: announced only if it differs. */
  reset(online: readonly PresenceUser[]): void;
}

export function createPresence(online: readonly PresenceUser[], onChange: (online: PresenceUser[], change: PresenceChangeEvent) => void): Presence {
  const present = new Map<string, PresenceUser>();
  const fill = (users: readonly PresenceUser[]) => {
    for (const user of users) present.set(user.id, user);
  };
  const list = () => [...present.values()].sort((a, b) => a.displayName.localeCompare(b.displayName));
  fill(online);

  return {
    get online() {
      return list();
    },
    joined(user) {
      if (present.has(user.id)) return;
      present.set(user.id, user);
      onChange(list(), { joined: user });
    },
    left(user) {
      if (!present.delete(user.id)) return;
      onChange(list(), { left: user });
    },
    reset(users) {
      const same = users.length === present.size && users.every((user) => present.get(user.id)?.displayName === user.displayName);
      if (same) return;
      present.clear();
      fill(users);
      onChange(list(), {});
    },
  };
}
