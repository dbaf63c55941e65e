import type { Message } from '../protocol';

// a later seq arriving first waits this long for the ones before it, then the room reads them from the server
const GAP_WAIT_MS = 1_000;
// seqs remembered below the newest, to drop a message that arrives twice
const SEEN_WINDOW = 1_000;

/**
 * The room's messages as listeners see them: each once, in seq order, whether it came by broadcast, ack or
 * catch-up.
 */
export interface Timeline {
  /** The highest seq delivered: where catch-up resumes, and what the next live message must follow. */
  readonly lastSeq: number;
  /** A new message from any path (broadcast, ack): delivered once, after every earlier seq. */
  receive(message: Message): void;
  /** An edited or deleted message. One not delivered yet is delivered in its latest form instead. */
  update(message: Message): void;
  /**
   * Runs `read` (which reads what came after `lastSeq` and hands it to `deliver`), one at a time; messages that
   * arrive live meanwhile wait, so listeners see one order.
   */
  catchUp(read: () => Promise<void>): Promise<void>;
  /** A message from the server's catch-up page: the page is the truth, a seq it skips was never stored. */
  deliver(message: Message): void;
  dispose(): void;
}

/** `onGap` hears of a seq still missing after a second: the room reads it from the server with `catchUp()`. */
export function createTimeline(
  recent: readonly Message[],
  onMessage: (message: Message) => void,
  onUpdate: (message: Message) => void,
  onGap: () => void,
): Timeline {
  let lastSeq = 0;
  // seqs already delivered
  const seen = new Set<number>();
  // messages that came before an earlier seq did, by seq
  const held = new Map<number, Message>();
  let gapTimer: ReturnType<typeof setTimeout> | undefined;
  let catchingUp: Promise<void> | null = null;
  let disposed = false;

  const markSeen = (seq: number) => {
    seen.add(seq);
    if (seq > lastSeq) lastSeq = seq;
    if (seen.size > 2 * SEEN_WINDOW) {
      for (const old of seen) if (old < lastSeq - SEEN_WINDOW) seen.delete(old);
    }
  };

  const deliver = (message: Message) => {
    held.delete(message.seq);
    if (seen.has(message.seq)) return;
    markSeen(message.seq);
    onMessage(message);
  };

  const flush = () => {
    if (catchingUp || disposed) return;
    for (let next = held.get(lastSeq + 1); next; next = held.get(lastSeq + 1)) deliver(next);
    // a seq below the last one that was given up as missing and came after all: late, but not lost
    for (const late of [...held.values()].filter((m) => m.seq <= lastSeq).sort((a, b) => a.seq - b.seq)) deliver(late);
    if (held.size === 0) {
      clearTimeout(gapTimer);
      gapTimer = undefined;
    } else {
      gapTimer ??= setTimeout(() => {
        gapTimer = undefined;
        onGap();
      }, GAP_WAIT_MS);
    }
  };

  for (const message of recent) markSeen(message.seq);

  return {
    get lastSeq() {
      return lastSeq;
    },
    receive(message) {
      if (seen.has(message.seq)) return;
      held.set(message.seq, message);
      flush();
    },
    update(message) {
      if (held.has(message.seq) || (message.seq > lastSeq && !seen.has(message.seq))) {
        held.set(message.seq, message);
        flush();
        return;
      }
      onUpdate(message);
    },
    catchUp(read) {
      catchingUp ??= read().finally(() => {
        catchingUp = null;
        flush();
      });
      return catchingUp;
    },
    deliver,
    dispose() {
      disposed = true;
      clearTimeout(gapTimer);
    },
  };
}
