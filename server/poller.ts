/**
 * A background look repeated every `everyMs` (and on demand: `kick()`), one at a time on this node: a kick during a
 * look makes one more after it. Webhook deliveries and email digests look at their queues this way.
 */
export class Poller {
  private timer: NodeJS.Timeout | undefined;
  private looking: Promise<void> | undefined;
  private again = false;
  private stoppedFlag = false;
  // callers of nextLook(): resolved by the next look that begins after they asked
  private waiters: Array<() => void> = [];

  constructor(
    private readonly look: () => Promise<void>,
    private readonly everyMs: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  get stopped(): boolean {
    return this.stoppedFlag;
  }

  /** Looks every `everyMs`, and once now. */
  start(): void {
    this.timer = setInterval(() => this.kick(), this.everyMs);
    this.timer.unref();
    this.kick();
  }

  /** Takes no more looks and waits for the one under way. */
  async stop(): Promise<void> {
    this.stoppedFlag = true;
    clearInterval(this.timer);
    await this.looking;
    for (const resolve of this.waiters.splice(0)) resolve();
  }

  /** Looks now (one look at a time: a call during one makes one more after it). */
  kick(): void {
    if (this.stoppedFlag) return;
    if (this.looking) {
      this.again = true;
      return;
    }
    const waiting = this.waiters.splice(0);
    this.looking = this.look()
      .catch(this.onError)
      .finally(() => {
        for (const resolve of waiting) resolve();
        this.looking = undefined;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  /** Resolves after a whole look that began after this call (tests: "it looked, and did nothing"). */
  nextLook(): Promise<void> {
    return new Promise((resolve) => {
      this.waiters.push(resolve);
      this.kick();
    });
  }
}
