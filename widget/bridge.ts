/**
 * The postMessage contract between the loader (host page) and the app (iframe on the backend's origin).
 * Both sides check the sender's origin and window before reading a message; this file only checks its shape.
 */

/** A site's own user, signed by the site's server (data-user-id, data-user-name, data-user-hash). */
export interface Identity {
  userId: string;
  displayName: string;
  hash: string;
}

/**
 * Loader → app. `hello` tells the app which origin embeds it, so it can answer with an exact targetOrigin,
 * and carries the identity to sign in with, if the tag has one (never in the iframe's URL).
 */
export type HostMessage =
  | { type: 'parley:hello'; identity?: Identity }
  | { type: 'parley:open' }
  /** `window.Parley('identify', …)` after the app has started. */
  | { type: 'parley:identify'; identity: Identity };

/** Parse, don't trust: an identity only when every field is a non-empty string. */
export function readIdentity(value: unknown): Identity | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { userId, displayName, hash } = value as Record<string, unknown>;
  if (typeof userId !== 'string' || typeof displayName !== 'string' || typeof hash !== 'string') return undefined;
  return userId && displayName && hash ? { userId, displayName, hash } : undefined;
}

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
