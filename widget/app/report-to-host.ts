import type { HostBridge } from './host-bridge';
import type { ChatStore } from './store';

/**
 * Tells the host page about messages: each new one, the unread count (messages from others that arrive while the
 * panel is closed or the tab hidden; 0 once the panel is open and visible) with how many of them mention the user
 * (by id, or @here), and whether a user is signed in.
 * With `sound`, a message from others that nobody sees plays a short chime.
 */
export function reportToHost(bridge: HostBridge, store: ChatStore, options: { sound: boolean }): () => void {
  let unread = 0;
  let mentions = 0;
  let signedIn: boolean | undefined;
  const seen = () => bridge.open && document.visibilityState === 'visible';
  const setUnread = (count: number, mentioned: number) => {
    if (count === unread && mentioned === mentions) return;
    unread = count;
    mentions = mentioned;
    bridge.postUnread(count, mentioned);
  };
  const onSeen = () => {
    if (seen()) setUnread(0, 0);
  };
  const stopMessages = store.onMessage((message, own) => {
    bridge.postMessage({
      roomId: message.roomId,
      seq: message.seq,
      author: message.author.displayName,
      text: message.text,
      createdAt: message.createdAt,
      own,
    });
    if (own || seen()) return;
    // the room that delivered it knows whether it mentions the user
    setUnread(unread + 1, mentions + (store.joined().mentionsMe(message) ? 1 : 0));
    // the chime is a lazy chunk: most sites leave the sound off
    if (options.sound) void import('./chime').then(({ chime }) => chime());
  });
  const stopSession = store.subscribe(() => {
    const { view, user } = store.getState();
    // "starting" and "unreachable" say nothing about the session yet
    if (view !== 'auth' && view !== 'room') return;
    const now = user !== null;
    if (now === signedIn) return;
    signedIn = now;
    bridge.postSession(now);
    if (!now) setUnread(0, 0);
  });
  const stopToggle = bridge.onToggle(onSeen);
  document.addEventListener('visibilitychange', onSeen);

  return () => {
    stopMessages();
    stopSession();
    stopToggle();
    document.removeEventListener('visibilitychange', onSeen);
  };
}
