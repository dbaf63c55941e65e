import type { PresenceUser } from '../protocol';
import type { Connection } from './requests';

// how long "Ada is typing" lasts without another signal
const TYPING_EXPIRY_MS = 5_000;
// the least time between two typing signals a client sends
const TYPING_THROTTLE_MS = 2_000;

/** Typing signals: yours, at most one per 2 s, and who else is typing, each until 5 s pass or their message arrives. */
export interface Typing {
  /** Tells the others that you are typing, unless it did so less than 2 s ago. */
  send(): void;
  /** Someone else started typing (from the server). */
  started(user: PresenceUser): void;
  stopped(userId: string): void;
  /** Clears every timer: nothing fires after the room is left or the client closed. */
  dispose(): void;
}

export function createTyping({ socket, requestTimeoutMs }: Connection, roomId: string, onChange: (users: PresenceUser[]) => void): Typing {
  const typing = new Map<string, { user: PresenceUser; timer: ReturnType<typeof setTimeout> }>();
  let lastSent = -Infinity;
  let disposed = false;
  const changed = () => onChange([...typing.values()].map(({ user }) => user));

  const stopped = (userId: string) => {
    const known = typing.get(userId);
    if (!known) return;
    clearTimeout(known.timer);
    typing.delete(userId);
    changed();
  };

  return {
    send() {
      const now = Date.now();
      if (now - lastSent < TYPING_THROTTLE_MS || !socket.connected || disposed) return;
      lastSent = now;
      // a hint, not a promise: a lost one only hides "is typing" for a moment
      socket
        .timeout(requestTimeoutMs)
        .emitWithAck('typing:start', { roomId })
        .catch(() => undefined);
    },
    started(user) {
      const known = typing.get(user.id);
      if (known) clearTimeout(known.timer);
      const timer = setTimeout(() => stopped(user.id), TYPING_EXPIRY_MS);
      typing.set(user.id, { user, timer });
      if (!known) changed();
    },
    stopped,
    dispose() {
      disposed = true;
      for (const { timer } of typing.values()) clearTimeout(timer);
      typing.clear();
    },
  };
}
