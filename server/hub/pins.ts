import type { Logger } from 'pino';
import { z } from 'zod';
import type { Author, Message, PinRequest, PinResult } from '../../sdk/protocol';
import { hasRank } from '../../sdk/roles';
import type { Repositories } from '../db';
import { excerptOf } from '../../sdk/room/replies';
import { type PinDocument, presentRoom, type RoomDocument } from '../db/rooms';
import { conflict, forbidden, notFound } from '../errors';
import type { SiteSettingsCache } from '../moderation/site-settings';
import { parseInput, roomIdSchema, seqSchema } from '../validation';
import { withAck } from './ack';
import { assertJoined } from './rooms';
import type { SendLimiter } from './send-limit';
import { type ChatServer, type ChatSocket, roomChannel } from './types';

/** A room holds at most this many pins: an 11th is refused (unpin one first), as Discord refuses a 51st. */
export const MAX_PINS = 10;

const pinSchema = z.strictObject({
  roomId: roomIdSchema,
  seq: seqSchema,
  pinned: z.boolean({ error: 'pinned must be a boolean' }),
}) satisfies z.ZodType<PinRequest, unknown>;

/**
 * Pinned messages: moderators pin and unpin over the socket (`message:pin`); the pins live on the room document and
 * go out with room info, so a join shows them with no read of the messages. A pinned message that is edited, hidden,
 * shown again or deleted changes its pin (a deleted one is unpinned), wherever that happened: the hub tells `Pins`
 * of every message update it broadcasts.
 */
export class Pins {
  constructor(
    private readonly repositories: Repositories,
    private readonly siteSettings: SiteSettingsCache,
    private readonly io: ChatServer,
    private readonly log: Logger,
  ) {}

  /** Pins or unpins the room's message `seq` as `actor` (a moderator: checked by the caller); answers the pins after. */
  async pin(siteId: string, actor: Author, { roomId, seq, pinned }: PinRequest): Promise<PinResult> {
    const { messages, rooms, moderation } = this.repositories;
    const message = pinned ? await messages.findBySeq(siteId, roomId, seq) : null;
    if (pinned) {
      if (!message) throw notFound('message');
      if (message.deletedAt) throw forbidden('the message was deleted');
      if (message.hiddenAt) throw forbidden('the message is hidden pending review');
    }
    const result = await rooms.changePins(siteId, roomId, (pins) => {
      const there = pins.some((pin) => pin.seq === seq);
      if (!pinned) return there ? pins.filter((pin) => pin.seq !== seq) : undefined;
      if (there) return undefined;
      if (pins.length >= MAX_PINS) throw conflict('seq', `a room holds at most ${MAX_PINS} pinned messages; unpin one first`);
      const { author, text } = message!;
      const pin: PinDocument = { seq, author: { id: author.id, displayName: author.displayName }, excerpt: excerptOf(text), pinnedAt: new Date() };
      return [pin, ...pins];
    });
    if (!result) throw notFound('room');
    const { room, changed } = result;
    if (changed) {
      const targetUserId = message?.author.id ?? (await messages.findBySeq(siteId, roomId, seq))?.author.id;
      await moderation.record({ siteId, action: pinned ? 'message.pin' : 'message.unpin', actor, roomId, seq, ...(targetUserId ? { targetUserId } : {}) });
      await this.announce(siteId, room);
    }
    return { pinned: (await this.present(siteId, room)).pinned ?? [] };
  }

  /**
   * A message changed (edited, hidden, shown again, deleted): its pin, if it has one, follows — deleted is unpinned,
   * hidden keeps no excerpt. One read of the room by `_id`; a write and a `room:updated` only for a pinned message.
   */
  async messageChanged(siteId: string, message: Message): Promise<void> {
    const { seq, roomId } = message;
    const room = await this.repositories.rooms.find(siteId, roomId);
    if (!room?.pinned?.some((pin) => pin.seq === seq)) return;
    const result = await this.repositories.rooms.changePins(siteId, roomId, (pins) => {
      const index = pins.findIndex((pin) => pin.seq === seq);
      if (index < 0) return undefined;
      if (message.deletedAt) return pins.filter((pin) => pin.seq !== seq);
      const old = pins[index]!;
      const { hidden: _, ...shown } = old;
      const pin: PinDocument = message.hiddenAt ? { ...old, excerpt: '', hidden: true } : { ...shown, excerpt: excerptOf(message.text) };
      if (pin.excerpt === old.excerpt && pin.hidden === old.hidden) return undefined;
      return pins.map((entry, k) => (k === index ? pin : entry));
    });
    if (result?.changed) await this.announce(siteId, result.room);
  }

  /** messageChanged, for the hub's broadcasts: a failure is logged, never the broadcast's. */
  follow(siteId: string, message: Message): void {
    this.messageChanged(siteId, message).catch((error: unknown) => this.log.warn({ err: error, siteId, roomId: message.roomId, seq: message.seq }, 'updating a pin failed'));
  }

  private async present(siteId: string, room: RoomDocument) {
    return presentRoom(room, (await this.siteSettings.get(siteId)).access);
  }

  /** `room:updated` to everyone in the room, the actor's sockets too, on every node. */
  private async announce(siteId: string, room: RoomDocument): Promise<void> {
    this.io.to(roomChannel(siteId, room.roomId)).emit('room:updated', await this.present(siteId, room));
  }
}

/** message:pin — moderators and above, in a joined room; counted against the message limit like a delete. */
export function registerPinHandlers(socket: ChatSocket, { repositories, pins, sendLimiter }: { repositories: Repositories; pins: Pins; sendLimiter: SendLimiter }, log: Logger): void {
  const { siteId, user } = socket.data;
  socket.on(
    'message:pin',
    withAck(log, 'message:pin', async (payload): Promise<PinResult> => {
      const request = parseInput(pinSchema, payload);
      assertJoined(socket, request.roomId);
      await sendLimiter.consume(siteId, user.id);
      // the role is read now, not at connect time: a revoked moderator loses the power at once
      const role = (await repositories.users.findById(siteId, user.id))?.role;
      if (!role || !hasRank(role, 'moderator')) throw forbidden('only moderators pin messages');
      return pins.pin(siteId, { id: user.id, displayName: user.displayName }, request);
    }),
  );
}
