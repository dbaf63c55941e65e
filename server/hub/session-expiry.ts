import type { Logger } from 'pino';
import type { SessionStore } from '../db/sessions';
import { sessionOfSocket } from './auth';
import type { ChatSocket } from './types';

// setTimeout holds at most ~24.8 days; a later deadline is checked then, and again
const MAX_TIMER_MS = 2 ** 31 - 1;
// past the deadline, so the check never runs a moment early
const MARGIN_MS = 250;

/**
 * A socket lives as long as its session, as an HTTP request would be refused once the session is over: at the
 * session's deadline the socket reads the session again (HTTP or another socket may have pushed it back) and ends,
 * with `session:ended { reason: 'expired' }`, when it is gone. Every event the socket sends counts as use and
 * pushes the idle deadline back, at most one write a minute (SessionStore.touch).
 */
export function endWithSession(socket: ChatSocket, sessions: SessionStore, idleMs: number, log: Logger): void {
  const session = sessionOfSocket.get(socket);
  if (!session) return;
  let timer: NodeJS.Timeout | undefined;

  const end = () => {
    socket.emit('session:ended', { reason: 'expired' });
    socket.disconnect(true);
  };
  const checkAt = (deadline: Date) => {
    clearTimeout(timer);
    timer = setTimeout(check, Math.min(MAX_TIMER_MS, Math.max(0, deadline.getTime() - Date.now()) + MARGIN_MS));
    timer.unref();
  };
  const check = () => {
    if (!socket.connected) return;
    sessions.find(session.token).then(
      (found) => {
        if (!found) return end();
        session.idleUntil = found.expiresAt;
        checkAt(found.endsAt);
      },
      // no database for a moment: look again soon rather than end a session that may be alive
      (error: unknown) => {
        log.warn({ err: error }, 'unable to check whether a session has ended');
        checkAt(new Date(Date.now() + 5_000));
      },
    );
  };

  let touching = false;
  socket.use((_event, next) => {
    next();
    if (touching) return;
    touching = true;
    sessions
      .touch(session.token, idleMs, session.idleUntil)
      .then(
        (idleUntil) => {
          if (idleUntil) session.idleUntil = idleUntil;
        },
        (error: unknown) => log.warn({ err: error }, 'unable to push the session deadline back'),
      )
      .finally(() => (touching = false));
  });
  socket.once('disconnect', () => clearTimeout(timer));
  checkAt(session.endsAt);
}
