import type { Logger } from 'pino';
import type { Ack } from '../../sdk/protocol';
import { invalidInput, notFound, statusOf, toErrorBody, unauthorized } from '../errors';
import type { HubSocket } from './types';

/**
 * Wraps a socket event handler: ignores events sent without an ack callback, turns every failure
 * into a typed `{ error }` ack, and never lets an exception reach Socket.IO.
 *
 * Socket.IO passes the ack as the last argument whatever came before it, so the callback is looked for there:
 * an event sent with no payload, or with extra arguments, gets `invalid_input` rather than no answer at all.
 *
 * `log` is the socket's logger (hub/index.ts binds socketId, siteId and userId), so a failure's line says whose it was.
 */
export function withAck<T extends object>(
  log: Logger,
  event: string,
  handler: (payload: unknown) => Promise<T>,
): (...args: unknown[]) => void {
  return (...args) => {
    const ack = args.at(-1);
    if (typeof ack !== 'function') return;
    const reply = ack as (response: Ack<T>) => void;
    if (args.length !== 2) {
      reply({ error: toErrorBody(invalidInput(undefined, 'send one JSON object and an ack')) });
      return;
    }
    handler(args[0]).then(
      (data) => reply({ ok: true, ...data }),
      (error: unknown) => {
        if (statusOf(error) >= 500) log.error({ err: error, event }, 'socket event failed');
        reply({ error: toErrorBody(error) });
      },
    );
  };
}

// what a reader's socket may not do: everything that writes
const SIGNED_IN_EVENTS = new Set(['message:send', 'message:edit', 'message:delete', 'message:report', 'typing:start', 'message:react', 'message:pin']);

/**
 * An event the protocol does not have, sent with an ack, is answered `not_found` instead of leaving the client to
 * time out; one a reader's socket may not send, `unauthorized`.
 */
export function answerUnknownEvents(socket: HubSocket): void {
  socket.onAny((event: string, ...args: unknown[]) => {
    if (socket.listeners(event as Parameters<HubSocket['listeners']>[0]).length > 0) return;
    const ack = args.at(-1);
    if (typeof ack !== 'function') return;
    const error = SIGNED_IN_EVENTS.has(event) ? unauthorized('sign in to chat') : notFound(`event "${event.slice(0, 64)}"`);
    (ack as (response: Ack<object>) => void)({ error: toErrorBody(error) });
  });
}
