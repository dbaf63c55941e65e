import type { Logger } from 'pino';
import { z } from 'zod';
import type { ReportRequest, ReportResult } from '../../sdk/protocol';
import { REPORT_REASONS, type ReportDesk } from '../moderation/reports';
import { cleanText, parseInput, roomIdSchema, seqSchema } from '../validation';
import { withAck } from './ack';
import { assertJoined } from './rooms';
import type { SendLimiter } from './send-limit';
import type { ChatSocket } from './types';

const reportSchema = z.strictObject({
  roomId: roomIdSchema,
  seq: seqSchema,
  reason: z.enum(REPORT_REASONS, { error: `reason must be one of ${REPORT_REASONS.join(', ')}` }),
  details: cleanText('details', 500, { multiline: true }).optional(),
}) satisfies z.ZodType<ReportRequest, unknown>;

/** message:report — a member reports someone else's message in a room they are in. */
export function registerReportHandlers(socket: ChatSocket, { reports, sendLimiter }: { reports: ReportDesk; sendLimiter: SendLimiter }, log: Logger): void {
  const { siteId, user } = socket.data;
  socket.on(
    'message:report',
    withAck(log, 'message:report', async (payload): Promise<ReportResult> => {
      const request = parseInput(reportSchema, payload);
      assertJoined(socket, request.roomId);
      // a report is written and may hide a message: it counts like a message
      await sendLimiter.consume(siteId, user.id);
      const report = await reports.file(siteId, { id: user.id, displayName: user.displayName }, request);
      return { report: { roomId: report.roomId, seq: report.seq, reason: report.reason, createdAt: report.createdAt.toISOString() } };
    }),
  );
}
