import type { Logger } from 'pino';
import type { Ack } from '../../sdk/protocol';
import { statusOf, toErrorBody } from '../errors';

/**
 * Wraps a socket event handler: ignores events sent without an ack callback, turns every failure
 * into a typed `{ error }` ack, and never lets an exception reach Socket.IO.
 */
export function withAck<T extends object>(
  log: Logger,
  event: string,
  handler: (payload: unknown) => Promise<T>,
): (payload: unknown, ack: unknown) => void {
  return (payload, ack) => {
    if (typeof ack !== 'function') return;
    const reply = ack as (response: Ack<T>) => void;
    handler(payload).then(
      (data) => reply({ ok: true, ...data }),
      (error: unknown) => {
        if (statusOf(error) >= 500) log.error({ err: error, event }, 'socket event failed');
        reply({ error: toErrorBody(error) });
      },
    );
  };
}
