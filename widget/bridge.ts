/**
 * The postMessage contract between the loader (host page) and the app (iframe on the backend's origin).
 * Both sides check the sender's origin and window before reading a message; the readers here check its shape.
 */

/**
 * A site's own user, vouched for by the site's server: a signed identity token (data-user-token), or the legacy
 * id, name and hash (data-user-id, data-user-name, data-user-hash). The body of the SDK's `identify()`.
 */
export type Identity = { token: string } | { userId: string; displayName: string; hash: string };

/** What the host page chose (data-* attributes or window.ParleySettings) that the app applies inside the iframe. */
export interface AppSettings {
  /** The room to open; default `general`. */
  room?: string;
  /** BCP 47 tag (`es`, `zh-CN`); default the browser's language, then English. */
  locale?: string;
  /** The panel's title; default the room's name. */
  title?: string;
  /** `#rgb` or `#rrggbb`; default Parley's blue. */
  accent?: string;
  /** Play a short sound for a message that arrives while the panel is closed or the tab hidden; default off. */
  sound?: boolean;
}

/** A new message, as the host page's `Parley('on', 'message', cb)` listeners get it: no ids beyond the seq. */
export interface MessageSummary {
  roomId: string;
  seq: number;
  author: string;
  text: string;
  /** ISO 8601. */
  createdAt: string;
  /** Sent by the signed-in user (from this or another tab). */
  own: boolean;
}

/**
 * Loader → app. `hello` tells the app which origin embeds it, so it can answer with an exact targetOrigin,
 * and carries the settings and the identity to sign in with, if the tag has one (never in the iframe's URL).
 */
export type HostMessage =
  | { type: 'parley:hello'; settings: AppSettings; identity?: Identity; page?: string }
  /** The panel was opened (launcher, `Parley('open')`): the app may focus, and counts nothing as unread. */
  | { type: 'parley:open' }
  /** The panel was closed from the host side (launcher, Esc on the launcher, `Parley('close')`). */
  | { type: 'parley:close' }
  /** `window.Parley('identify', …)` after the app has started. */
  | { type: 'parley:identify'; identity: Identity }
  /** `window.Parley('logout')`. */
  | { type: 'parley:logout' };

/**
 * App → loader. `ready` is posted to any origin (it carries nothing): the loader shows the panel only after it,
 * because a frame the browser refused (frame-ancestors: unknown site, origin not allowed) never sends it.
 * Everything else goes to the exact origin the hello came from.
 */
export type AppMessage =
  | { type: 'parley:ready' }
  /** The user closed the panel from inside (the minimise button, Esc). */
  | { type: 'parley:close' }
  /**
   * Messages not seen yet: counted while the panel is closed or the tab hidden, 0 once they are seen; `mentions`: how
   * many of them mention the user (by id, or @here).
   */
  | { type: 'parley:unread'; count: number; mentions?: number }
  | { type: 'parley:message'; message: MessageSummary }
  /**
   * Whether a user is signed in now. The loader remembers it (host localStorage) to load the app when the page is
   * idle next time, so the unread badge works before the panel is opened.
   */
  | { type: 'parley:session'; signedIn: boolean };

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;
const optionalString = (value: unknown, max = 200) => (typeof value === 'string' && value.length > 0 && value.length <= max ? value : undefined);

/** Parse, don't trust: a token, else the legacy identity when all three of its fields are non-empty strings. */
export function readIdentity(value: unknown): Identity | undefined {
  if (!isObject(value)) return undefined;
  const { token, userId, displayName, hash } = value;
  if (token && typeof token === 'string') return { token };
  if (typeof userId !== 'string' || typeof displayName !== 'string' || typeof hash !== 'string') return undefined;
  return userId && displayName && hash ? { userId, displayName, hash } : undefined;
}

export const ACCENT = /^#(?:[0-9a-f]{3}){1,2}$/i;
export const ROOM = /^[a-z0-9-]{1,40}$/;
export const LOCALE = /^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$/;

/** Parse, don't trust: keeps each setting only when it is well-formed; anything else is dropped, never thrown. */
export function readSettings(value: unknown): AppSettings {
  if (!isObject(value)) return {};
  const settings: AppSettings = {};
  const room = optionalString(value.room, 40);
  if (room && ROOM.test(room)) settings.room = room;
  const locale = optionalString(value.locale, 35);
  if (locale && LOCALE.test(locale)) settings.locale = locale;
  const title = optionalString(value.title, 80);
  if (title) settings.title = title;
  const accent = optionalString(value.accent, 7);
  if (accent && ACCENT.test(accent)) settings.accent = accent;
  if (typeof value.sound === 'boolean') settings.sound = value.sound;
  return settings;
}

/** Parse, don't trust: the message's type when it is one of `known`, else undefined. */
export function readMessageType<T extends string>(data: unknown, known: readonly T[]): T | undefined {
  if (!isObject(data)) return undefined;
  const type: unknown = data.type;
  return known.find((candidate) => candidate === type);
}

/** Parse, don't trust: a well-formed message summary, else undefined. */
export function readMessageSummary(value: unknown): MessageSummary | undefined {
  if (!isObject(value)) return undefined;
  const { roomId, seq, author, text, createdAt, own } = value;
  if (typeof roomId !== 'string' || typeof seq !== 'number' || typeof author !== 'string') return undefined;
  if (typeof text !== 'string' || typeof createdAt !== 'string' || typeof own !== 'boolean') return undefined;
  return { roomId, seq, author, text, createdAt, own };
}
