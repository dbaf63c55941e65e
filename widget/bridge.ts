/**
 * The postMessage contract between the loader (host page) and the app (iframe on the backend's origin).
 * Both sides check the sender's origin and window before reading a message; this file only checks its shape.
 */

/** Loader → app. `hello` tells the app which origin embeds it, so it can answer with an exact targetOrigin. */
export type HostMessage = { type: 'parley:hello' } | { type: 'parley:open' };

/**
 * App → loader. `ready` is posted to any origin (it carries nothing): the loader shows the panel only after it,
 * because a frame the browser refused (frame-ancestors: unknown site, origin not allowed) never sends it.
 */
export type AppMessage = { type: 'parley:ready' } | { type: 'parley:close' };

/** Parse, don't trust: the message's type when it is one of `known`, else undefined. */
export function readMessageType<T extends string>(data: unknown, known: readonly T[]): T | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const type: unknown = (data as { type?: unknown }).type;
  return known.find((candidate) => candidate === type);
}
