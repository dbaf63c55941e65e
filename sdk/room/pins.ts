import type { PinnedMessage } from '../protocol';
import { type Connection, request, roomLeft } from './requests';

/**
 * A room's pinned messages: room info carries them (`RoomInfo.pinned`), so they are known from the join on, and
 * the room's `change` event tells when they change (a moderator pinned or unpinned one, a pinned message was edited,
 * hidden or deleted).
 *
 * @example
 * room.on('change', () => showPins(room.pinned));
 * await room.pin(message.seq); // moderators
 */
export interface Pins {
  /** The pinned messages, the most recently pinned first (at most 10), each with its author and an excerpt. */
  readonly pinned: PinnedMessage[];
  /** Moderators: pins a message (a room holds 10: an 11th is `conflict`); resolves with the room's pins. */
  pin(seq: number): Promise<PinnedMessage[]>;
  /** Moderators: unpins a message; resolves with the room's pins. */
  unpin(seq: number): Promise<PinnedMessage[]>;
}

/** Asks the server to pin or unpin; the room keeps the answer as its pins. */
export async function setPinned(connection: Connection, roomId: string, seq: number, pinned: boolean, disposed: boolean): Promise<PinnedMessage[]> {
  const operation = pinned ? 'pin message' : 'unpin message';
  if (disposed) throw roomLeft(operation);
  const { socket, requestTimeoutMs } = connection;
  return (await request(operation, () => socket.timeout(requestTimeoutMs).emitWithAck('message:pin', { roomId, seq, pinned }))).pinned;
}
