import type { Logger } from 'pino';
import { z } from 'zod';
import type { DeleteRequest, EditRequest, Role, SendRequest, SendResult, UpdateResult } from '../../sdk/protocol';
import type { Repositories } from '../db';
import type { Metrics } from '../metrics';
import { type MessageDocument, presentMessage } from '../db/messages';
import { presentAttachment, type UploadsRepository } from '../db/uploads';
import { AppError, forbidden, invalidInput, notFound } from '../errors';
import { hasRank } from '../../sdk/roles';
import { EVERYONE, mayPost, type SiteSettingsCache } from '../moderation/site-settings';
import { cleanText, limits, OBJECT_ID_PATTERN, parseInput, roomIdSchema, seqSchema } from '../validation';
import { withAck } from './ack';
import type { SendBatcher } from './send-batcher';
import type { SendLimiter } from './send-limit';
import type { SiteWordFilters } from '../moderation/site-word-filters';
import type { SlowMode } from '../moderation/slow-mode';
import type { PrePublishHooks } from '../moderation/pre-publish';
import type { ReportDesk } from '../moderation/reports';
import type { Webhooks } from '../webhooks/webhooks';
import { posterOf } from '../db/rooms';
import type { Pins } from './pins';
import { assertJoined } from './rooms';
import { type ChatSocket, roomChannel } from './types';

const messageText = cleanText('message', limits.messageLength, { multiline: true });

/** Images one message may carry. */
export const MAX_ATTACHMENTS = 4;

/** Mentions of users a message may carry. */
export const MAX_MENTIONS = 20;

const sendSchema = z
  .strictObject({
    roomId: roomIdSchema,
    // empty only with attachments (checked below)
    text: cleanText('message', limits.messageLength, { multiline: true, mayBeEmpty: true }),
    clientMsgId: z.string({ error: 'clientMsgId must be a string' }).regex(/^[A-Za-z0-9_-]{8,64}$/, 'clientMsgId must be a UUID'),
    retry: z.boolean({ error: 'retry must be a boolean' }).optional(),
    // replies and mentions
    replyTo: seqSchema.optional(),
    mentions: z
      .array(z.string({ error: 'mentions must be user ids' }).regex(/^[A-Za-z0-9_-]{1,64}$/, 'mentions must be user ids'), { error: 'mentions must be a list of user ids' })
      .max(MAX_MENTIONS, `at most ${MAX_MENTIONS} mentions`)
      .optional(),
    attachments: z
      .array(z.string({ error: 'attachments must be upload ids' }).regex(OBJECT_ID_PATTERN, 'attachments must be upload ids'), { error: 'attachments must be a list of upload ids' })
      .max(MAX_ATTACHMENTS, `at most ${MAX_ATTACHMENTS} images per message`)
      .refine((ids) => new Set(ids).size === ids.length, 'an image is attached twice')
      .optional(),
  })
  .check((ctx) => {
    if (ctx.value.text === '' && !ctx.value.attachments?.length) ctx.issues.push({ code: 'custom', message: 'message is empty', path: ['text'], input: ctx.value.text });
  }) satisfies z.ZodType<SendRequest, unknown>;

const editSchema = z.strictObject({ roomId: roomIdSchema, seq: seqSchema, text: messageText }) satisfies z.ZodType<EditRequest, unknown>;
const deleteSchema = z.strictObject({ roomId: roomIdSchema, seq: seqSchema }) satisfies z.ZodType<DeleteRequest, unknown>;

/** message:send, message:edit and message:delete — validate, persist, then ack and broadcast. */
export function registerMessageHandlers(
  socket: ChatSocket,
  {
    repositories,
    sendLimiter,
    sends,
    wordFilters,
    siteSettings,
    prePublish,
    slowMode,
    reports,
    pins,
    webhooks,
    onMessageStored,
  }: {
    repositories: Repositories;
    sendLimiter: SendLimiter;
    sends: SendBatcher;
    wordFilters: SiteWordFilters;
    siteSettings: SiteSettingsCache;
    prePublish: PrePublishHooks;
    slowMode: SlowMode;
    reports: ReportDesk;
    /** Outbound webhooks: each new, edited or deleted message is queued before it is acknowledged. */
    webhooks: Webhooks;
    /** Each new message, once (email digests): awaited before the ack. */
    onMessageStored?: ((siteId: string, message: MessageDocument) => Promise<void>) | undefined;
    /** Pinned messages: a pin follows its message's edits and deletes. */
    pins: Pick<Pins, 'follow'>;
  },
  log: Logger,
  metrics: Pick<Metrics, 'messageStored' | 'sendAcked'>,
): void {
  const { siteId, user } = socket.data;
  const { messages, rooms, users, moderation, uploads } = repositories;

  /**
   * Throws unless the user may post this text in the room: a guest only where the room takes guests' messages, and
   * links or `@everyone` only from the ranks the site allows them. Checked with the rank the socket was opened with;
   * a refusal asks the database again, so a user promoted since is not refused.
   */
  async function assertMayPost(roomId: string, text: string): Promise<void> {
    const check = async (role: Role) => {
      await siteSettings.assertMayPost(siteId, role, text);
      if (hasRank(role, 'member')) return;
      const [room, settings] = await Promise.all([rooms.find(siteId, roomId), siteSettings.get(siteId)]);
      if (room && !mayPost(room.access ?? settings.access, role)) {
        throw new AppError('forbidden', 'only members post in this room; sign up to chat', undefined, undefined, 'read-only');
      }
    };
    try {
      await check(user.role);
    } catch (error) {
      const stored = (await users.findById(siteId, user.id))?.role;
      if (!stored || stored === user.role) throw error;
      await check(stored);
    }
  }

  const authorOf = () => ({ id: user.id, displayName: user.displayName, role: user.role });

  /**
   * The mentions a message stores: the ids given, each a user of this site (one read by `_id`; an unknown one is
   * refused), once each, and 'here' when the text mentions everyone (which assertMayPost allowed for this rank).
   */
  async function mentionsOf(ids: readonly string[], text: string): Promise<string[]> {
    const unique = [...new Set(ids)];
    if (unique.length > 0 && (await users.findByIds(siteId, unique)).length !== unique.length) throw invalidInput('mentions', 'mentions must be users of this site');
    return [...unique, ...(EVERYONE.test(text) ? ['here'] : [])];
  }

  socket.on(
    'message:send',
    withAck(log, 'message:send', async (payload): Promise<SendResult> => {
      const receivedAt = performance.now();
      const { roomId, text: sent, clientMsgId, retry, replyTo, mentions: mentioned, attachments: attached = [] } = parseInput(sendSchema, payload);
      assertJoined(socket, roomId);
      if (retry) {
        // the first attempt may have been stored and acked into a lost connection: answer with it, take no seq
        const stored = await messages.findSent(siteId, roomId, user.id, clientMsgId);
        if (stored) {
          metrics.sendAcked(receivedAt);
          return { message: presentMessage(stored) };
        }
      }
      await sendLimiter.consume(siteId, user.id);
      // a refused word costs a send like any other message: refusals are no way around the limit
      const { text, held } = await wordFilters.apply(siteId, sent);
      await assertMayPost(roomId, text);
      const reply = replyTo === undefined ? undefined : await repositories.replies.to(siteId, roomId, replyTo);
      const mentions = await mentionsOf(mentioned ?? [], text);
      const poster = posterOf(siteId, user.id, users);
      const giveTurnBack = await slowMode.take(siteId, roomId, poster).catch(async (error: unknown) => {
        // a copy of a send already stored (sent again without `retry`) is answered with it, not refused
        const stored = await messages.findSent(siteId, roomId, user.id, clientMsgId);
        if (stored) return stored;
        throw error;
      });
      if (typeof giveTurnBack !== 'function') return { message: presentMessage(giveTurnBack) };
      // the site's own check last, once everything of ours said yes: a refusal gives the turn back, and a copy of a
      // send already stored (sent again without `retry`) is answered with it, whatever the hook says this time
      const checked = await prePublish.check({ siteId, roomId, author: authorOf(), text }).catch(async (error: unknown) => {
        await giveTurnBack();
        const stored = await messages.findSent(siteId, roomId, user.id, clientMsgId);
        if (stored) return stored;
        throw error;
      });
      if (typeof checked !== 'string') return { message: presentMessage(checked) };
      // the images last: claimed for this send (a retry of it may claim them again), given back if it is not stored
      const claimedBy = `${roomId}:${clientMsgId}`;
      const claim = attached.length === 0 ? { uploads: [] } : await uploads.claim(siteId, user.id, attached, claimedBy, roomId);
      if ('refused' in claim) {
        await giveTurnBack();
        throw refusedAttachment(claim.refused);
      }
      const attachments = claim.uploads.map(presentAttachment);
      // persist, then broadcast (in seq order), then ack: an ack means the message is on disk
      let announced = false;
      const stored = await sends
        .commit({ siteId, roomId, author: { id: user.id, displayName: user.displayName }, moderator: poster.moderator, hidden: held !== undefined, text: checked, clientMsgId, replyTo: reply, mentions, attachments }, (message) => {
          // counted where it is announced: once per stored message, however many sends (retries) share it
          announced = true;
          metrics.messageStored();
          socket.to(roomChannel(siteId, roomId)).emit('message:new', presentMessage(message));
        })
        .catch(async (error: unknown) => {
          // not stored (refused, or no database): slow mode must not hold a message that never was against them
          await giveTurnBack();
          await uploads.release(attached, claimedBy).catch(() => undefined);
          throw error;
        });
      await uploads.attached(attached, stored.seq);
      // held by the word filter: stored hidden, in the moderators' queue (a repeat files the same report again)
      if (held && stored.hiddenAt) await reports.hold(siteId, stored, held);
      const message = presentMessage(stored);
      // by the send that stored it, once: queued before the ack, like the message
      if (announced) {
        await webhooks.emit(siteId, 'message.created', { message });
        await onMessageStored?.(siteId, stored);
      }
      metrics.sendAcked(receivedAt);
      return { message };
    }),
  );

  socket.on(
    'message:edit',
    withAck(log, 'message:edit', async (payload): Promise<UpdateResult> => {
      const { roomId, seq, text: sent } = parseInput(editSchema, payload);
      assertJoined(socket, roomId);
      // an edit is stored and broadcast like a message: it counts against the same limit, and is filtered the same
      await sendLimiter.consume(siteId, user.id);
      const { text, held } = await wordFilters.apply(siteId, sent);
      await assertMayPost(roomId, text);
      await rooms.assertWritable(siteId, roomId, posterOf(siteId, user.id, users));
      const checked = await prePublish.check({ siteId, roomId, seq, author: authorOf(), text });
      const edited = await messages.edit(siteId, roomId, seq, user.id, checked, held !== undefined);
      if (!edited) throw await whyNot(seq, roomId, 'edit');
      if (held) await reports.hold(siteId, edited, held);
      const result = broadcastUpdate(roomId, edited);
      await webhooks.emit(siteId, 'message.updated', result);
      return result;
    }),
  );

  socket.on(
    'message:delete',
    withAck(log, 'message:delete', async (payload): Promise<UpdateResult> => {
      const { roomId, seq } = parseInput(deleteSchema, payload);
      assertJoined(socket, roomId);
      await sendLimiter.consume(siteId, user.id);
      const message = await messages.findBySeq(siteId, roomId, seq);
      if (!message) throw notFound('message');
      if (message.deletedAt) return { message: presentMessage(message) };
      const own = message.author.id === user.id;
      // the role is read now, not at connect time: a revoked moderator loses the power at once
      const role = own ? user.role : (await users.findById(siteId, user.id))?.role;
      if (!own && !(role && hasRank(role, 'moderator'))) throw forbidden('you can only delete your own messages');
      if (own) await rooms.assertWritable(siteId, roomId, posterOf(siteId, user.id, users));
      const deleted = await messages.delete(siteId, roomId, seq, user.id, own ? user.id : undefined);
      if (!deleted) throw await whyNot(seq, roomId, 'delete');
      await removeAttachments(uploads, message, log);
      if (!own) {
        await moderation.record({
          siteId,
          action: 'message.delete',
          actor: { id: user.id, displayName: user.displayName },
          roomId,
          seq,
          targetUserId: message.author.id,
        });
      }
      const result = broadcastUpdate(roomId, deleted);
      await webhooks.emit(siteId, 'message.deleted', result);
      return result;
    }),
  );

  function broadcastUpdate(roomId: string, message: MessageDocument): UpdateResult {
    const presented = presentMessage(message);
    socket.to(roomChannel(siteId, roomId)).emit('message:updated', presented);
    pins.follow(siteId, presented);
    return { message: presented };
  }

  /** Why an edit or delete matched nothing: no such message, someone else's, or already deleted. */
  async function whyNot(seq: number, roomId: string, operation: 'edit' | 'delete'): Promise<Error> {
    const message = await messages.findBySeq(siteId, roomId, seq);
    if (!message) return notFound('message');
    if (message.author.id !== user.id) return forbidden(`you can only ${operation} your own messages`);
    return forbidden(`the message was deleted`);
  }
}

/** An upload a send may not attach: why, for the sender. */
const refusedAttachment = (refused: 'not_found' | 'taken'): AppError =>
  refused === 'taken' ? invalidInput('attachments', 'an image is already attached to another message') : invalidInput('attachments', 'attachments must be your own uploads');

/**
 * Deletes the images of a deleted message. A failure is logged, not thrown: the message is deleted either way (the
 * log names the images left, for an operator).
 */
export async function removeAttachments(uploads: Pick<UploadsRepository, 'remove'>, message: Pick<MessageDocument, 'attachments'>, log: Logger): Promise<void> {
  const ids = message.attachments?.map((attachment) => attachment.id) ?? [];
  await uploads.remove(ids).catch((error: unknown) => log.warn({ err: error, uploads: ids }, 'deleting the images of a deleted message failed'));
}
