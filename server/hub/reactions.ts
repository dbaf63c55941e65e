import type { Logger } from 'pino';
import { z } from 'zod';
import type { ReactRequest, Role, UpdateResult } from '../../sdk/protocol';
import { hasRank } from '../../sdk/roles';
import type { RateLimit } from '../config';
import type { Repositories } from '../db';
import type { Webhooks } from '../webhooks/webhooks';
import { presentMessage } from '../db/messages';
import { MAX_REACTIONS } from '../db/reactions';
import { posterOf } from '../db/rooms';
import { AppError, conflict, forbidden, notFound, rateLimited, unavailable } from '../errors';
import type { LimitName } from '../metrics';
import { mayPost, type SiteSettingsCache } from '../moderation/site-settings';
import type { RedisClient } from '../redis';
import { parseInput, roomIdSchema, seqSchema } from '../validation';
import { withAck } from './ack';
import { assertJoined } from './rooms';
import { sharedLimiter } from './send-limit';
import { type ChatSocket, roomChannel } from './types';
import { RateLimiterRes } from 'rate-limiter-flexible';

// one emoji as Unicode lists them (RGI: flags, keycaps, skin tones, ZWJ sequences); `v` flag, built at run time so
// the compiler's ES2022 target does not refuse the literal
const ONE_EMOJI = new RegExp('^\\p{RGI_Emoji}$', 'v');
// the longest RGI emoji (a subdivision flag, a family) is 14 UTF-16 units; some slack, and nothing like a sentence
const MAX_EMOJI_LENGTH = 32;

/** The emoji as stored, or null when `value` is not exactly one emoji. A bare "❤" is the same reaction as "❤️". */
export function parseEmoji(value: string): string | null {
  if (value.length === 0 || value.length > MAX_EMOJI_LENGTH) return null;
  if (ONE_EMOJI.test(value)) return value;
  const presented = `${value}\uFE0F`;
  return ONE_EMOJI.test(presented) ? presented : null;
}

const reactSchema = z.strictObject({
  roomId: roomIdSchema,
  seq: seqSchema,
  emoji: z
    .string({ error: 'emoji must be a string' })
    .transform((value, ctx) => parseEmoji(value) ?? (ctx.addIssue({ code: 'custom', message: 'emoji must be a single emoji' }), z.NEVER)),
}) satisfies z.ZodType<ReactRequest, unknown>;

export interface ReactionLimiter {
  /** Counts one reaction added or taken back by this user; throws `rate_limited` with retryAfterMs past the limit. */
  consume(siteId: string, userId: string): Promise<void>;
}

/** Per-user limit on reactions (a toggle is stored and broadcast like an edit), shared by every node like the send limit. */
export function createReactionLimiter(limit: RateLimit, redis?: RedisClient, onRefused: (limit: LimitName) => void = () => undefined): ReactionLimiter {
  const limiter = sharedLimiter('react', limit, redis);
  return {
    async consume(siteId, userId) {
      try {
        await limiter.consume(`${siteId}/${userId}`);
      } catch (error) {
        if (error instanceof RateLimiterRes) {
          onRefused('reactions');
          throw rateLimited('reactions', error.msBeforeNext);
        }
        throw unavailable('unable to check the limit on reactions; try again');
      }
    },
  };
}

/**
 * message:react — toggles the user's reaction on a message of a joined room: validate, check they may post there,
 * write it, then ack and broadcast the whole message once (only when it changed).
 */
export function registerReactionHandlers(
  socket: ChatSocket,
  { repositories, siteSettings, limiter, webhooks }: { repositories: Repositories; siteSettings: SiteSettingsCache; limiter: ReactionLimiter; webhooks: Webhooks },
  log: Logger,
): void {
  const { siteId, user } = socket.data;
  const { reactions, rooms, users } = repositories;

  /**
   * Throws unless the user may post in the room now: a guest only where the room takes guests' messages (readers never
   * get here), nobody in an archived room, a paused one (moderators aside) or one they are muted in. A guest's
   * refusal asks the database again, so a user promoted since is not refused.
   */
  async function assertMayReact(roomId: string): Promise<void> {
    const mayPostAs = async (role: Role) => {
      if (hasRank(role, 'member')) return true;
      const [room, settings] = await Promise.all([rooms.find(siteId, roomId), siteSettings.get(siteId)]);
      return !room || mayPost(room.access ?? settings.access, role);
    };
    if (!(await mayPostAs(user.role))) {
      const stored = (await users.findById(siteId, user.id))?.role;
      if (!stored || stored === user.role || !(await mayPostAs(stored))) {
        throw new AppError('forbidden', 'only members react in this room; sign up to chat', undefined, undefined, 'read-only');
      }
    }
    await rooms.assertWritable(siteId, roomId, posterOf(siteId, user.id, users));
  }

  socket.on(
    'message:react',
    withAck(log, 'message:react', async (payload): Promise<UpdateResult> => {
      const { roomId, seq, emoji } = parseInput(reactSchema, payload);
      assertJoined(socket, roomId);
      await limiter.consume(siteId, user.id);
      await assertMayReact(roomId);
      const toggled = await reactions.toggle(siteId, roomId, seq, user.id, emoji);
      switch (toggled.outcome) {
        case 'not_found':
          throw notFound('message');
        case 'deleted':
          throw forbidden('the message was deleted');
        case 'hidden':
          throw forbidden('the message is hidden pending review');
        case 'full':
          throw conflict('emoji', `a message takes at most ${MAX_REACTIONS} different reactions`);
      }
      const message = presentMessage(toggled.message);
      // one broadcast per change: a toggle that changed nothing (it raced another tab of the same user) is only answered
      if (toggled.outcome === 'changed') {
        socket.to(roomChannel(siteId, roomId)).emit('message:updated', message);
        const reactions = message.reactions ?? [];
        const added = reactions.some((reaction) => reaction.emoji === emoji && reaction.userIds.includes(user.id));
        await webhooks.emit(siteId, 'reaction.changed', { roomId, seq, emoji, user: { id: user.id, displayName: user.displayName }, added, reactions });
      }
      return { message };
    }),
  );
}
