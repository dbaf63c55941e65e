import type { Logger } from 'pino';
import { z } from 'zod';
import type { SendRequest, SendResult } from '../../sdk/protocol';
import type { Repositories } from '../db';
import { presentMessage } from '../db/messages';
import { notFound } from '../errors';
import { cleanText, limits, parseInput, roomIdSchema } from '../validation';
import { withAck } from './ack';
import type { SendLimiter } from './send-limit';
import { assertJoined } from './rooms';
import { type ChatSocket, roomChannel } from './types';

const sendSchema = z.strictObject({
  roomId: roomIdSchema,
  text: cleanText('message', limits.messageLength, { multiline: true }),
  clientMsgId: z.string({ error: 'clientMsgId must be a string' }).regex(/^[A-Za-z0-9_-]{8,64}$/, 'clientMsgId must be a UUID'),
}) satisfies z.ZodType<SendRequest, unknown>;

/** message:send — validate, persist, then ack and broadcast. */
export function registerMessageHandlers(socket: ChatSocket, repositories: Repositories, sendLimiter: SendLimiter, log: Logger): void {
  const { siteId, user } = socket.data;

  socket.on(
    'message:send',
    withAck(log, 'message:send', async (payload): Promise<SendResult> => {
      const { roomId, text, clientMsgId } = parseInput(sendSchema, payload);
      assertJoined(socket, roomId);
      await sendLimiter.consume(siteId, user.id);
      // a retry consumes a seq that stays unused: seqs are strictly increasing, not gap-free
      const seq = await repositories.rooms.nextSeq(siteId, roomId);
      if (seq === null) throw notFound('room');
      // persist before broadcast: an ack means the message is on disk
      const stored = presentMessage(
        await repositories.messages.insert({
          siteId,
          roomId,
          seq,
          author: { id: user.id, displayName: user.displayName },
          text,
          clientMsgId,
          createdAt: new Date(),
        }),
      );
      socket.to(roomChannel(siteId, roomId)).emit('message:new', stored);
      return { message: stored };
    }),
  );
}
