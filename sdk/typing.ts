import type { PresenceUser } from './protocol';

/** How long "Ada is typing" lasts without another signal. */
export const TYPING_EXPIRY_MS = 5_000;
/** The least time between two typing signals a client sends. */
export const TYPING_THROTTLE_MS = 2_000;

/** Who is typing in a room: each entry expires after 5 s, or when that user's message arrives. */
export class TypingTracker {
  private readonly typing = new Map<string, { user: PresenceUser; timer: ReturnType<typeof setTimeout> }>();

  constructor(private readonly onChange: (users: PresenceUser[]) => void) {}

  started(user: PresenceUser): void {
    const known = this.typing.get(user.id);
    if (known) clearTimeout(known.timer);
    const timer = setTimeout(() => this.stopped(user.id), TYPING_EXPIRY_MS);
    this.typing.set(user.id, { user, timer });
    if (!known) this.emit();
  }

  stopped(userId: string): void {
    const known = this.typing.get(userId);
    if (!known) return;
    clearTimeout(known.timer);
    this.typing.delete(userId);
    this.emit();
  }

  /** Clears every timer: nothing fires after the room is left or the client closed. */
  dispose(): void {
    for (const { timer } of this.typing.values()) clearTimeout(timer);
    this.typing.clear();
  }

  private emit(): void {
    this.onChange([...this.typing.values()].map(({ user }) => user));
  }
}
