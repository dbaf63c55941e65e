import type { PresenceUser } from '../../sdk';
import { t } from './i18n';

interface OnlineListProps {
  users: readonly PresenceUser[];
  myId: string;
}

/** Who is in the room now, one chip per user; the strip scrolls, so it takes focus and arrow keys. */
export function OnlineList({ users, myId }: OnlineListProps) {
  return (
    <ul class="online-list" aria-label={t.online} tabIndex={0}>
      {users.map((user) => (
        // the avatar letter is drawn by CSS from data-initial, so the item's text is just the name
        <li key={user.id} class={user.id === myId ? 'online-user me' : 'online-user'} data-initial={initial(user.displayName)}>
          {user.displayName}
          {user.guest && <span class="guest-tag">({t.guestTag})</span>}
        </li>
      ))}
    </ul>
  );
}

function initial(name: string): string {
  return ([...name.trim()][0] ?? '?').toUpperCase();
}
