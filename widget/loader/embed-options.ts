import { ACCENT, type AppSettings, type Identity, LOCALE, ROOM, readIdentity } from '../bridge';

/**
 * `window.ParleySettings`, set before the tag: the tag's data-* options under their dataset names
 * (`data-z-index` → `zIndex`, `data-user-token` → `userToken`). An attribute on the tag wins over the same key here.
 *
 * @example
 * window.ParleySettings = { site: 'acme', position: 'left', accent: '#0f766e', locale: 'es' };
 */
export interface ParleySettings {
  site?: string;
  room?: string;
  position?: 'right' | 'left';
  accent?: string;
  locale?: string;
  title?: string;
  zIndex?: number | string;
  open?: boolean | 'true' | 'false';
  launcher?: 'visible' | 'hidden';
  sound?: boolean | 'true' | 'false';
  /** A signed identity token from your server (recommended; see docs/embedding.md, "Sign your own users in"). */
  userToken?: string;
  userId?: string;
  userName?: string;
  userHash?: string;
}

export interface EmbedOptions {
  /** The site id. */
  site: string;
  /** The backend's origin: where the loader itself was served from. */
  origin: string;
  /** The site's own user (userToken, or userId, userName and userHash), when the site signs its users in. */
  identity?: Identity | undefined;
  /** What the app applies inside the iframe; the loader uses locale and accent too. */
  settings: AppSettings;
  position: 'right' | 'left';
  zIndex?: number | undefined;
  /** Open the panel as the page loads. */
  open: boolean;
  /** No launcher: the site opens the chat from its own button with `Parley('open')`. */
  launcherHidden: boolean;
}

const BOOLEAN = /^(true|false)$/;
// every option's form, as text: a value from the tag is a string, one from ParleySettings may be a boolean or a number
// already. The app reads room, locale, title, accent and sound again (readSettings in bridge.ts), as it trusts no one;
// the loader checks them with these rules so that a bad one is dropped here, with a warning on the page's console.
const RULES: Record<string, RegExp> = {
  position: /^(right|left)$/,
  // browsers clamp a z-index to 32 bits
  zIndex: /^-?\d{1,10}$/,
  open: BOOLEAN,
  sound: BOOLEAN,
  launcher: /^(visible|hidden)$/,
  room: ROOM,
  locale: LOCALE,
  accent: ACCENT,
  title: /^[^]{1,80}$/,
};

/**
 * Reads the embedding script tag and `window.ParleySettings`; drops a bad value with a console warning.
 * Call it while the loader's first run is on the stack: `document.currentScript` is null afterwards,
 * hence the fallback to the last loader tag.
 */
export function readEmbedOptions(): EmbedOptions | undefined {
  // the loader is a classic script, never an SVG one
  const script = (document.currentScript as HTMLScriptElement | null) ?? [...document.querySelectorAll<HTMLScriptElement>('script[src$="/widget.js"]')].pop();
  const global: unknown = window.ParleySettings;
  const raw: Record<string, unknown> = { ...(typeof global === 'object' ? global : {}), ...script?.dataset };
  const site = typeof raw.site === 'string' && raw.site.trim();
  if (!script || !site) {
    console.warn('[parley] data-site is missing');
    return undefined;
  }
  const ignore = (key: string) => {
    console.warn(`[parley] ignoring ${key}: ${String(raw[key])}`);
    delete raw[key];
  };
  for (const [key, rule] of Object.entries(RULES)) if (raw[key] !== undefined && !rule.test(String(raw[key]))) ignore(key);

  // room, locale, title, accent and sound, as the app will read them (the rules above made them strings, if present)
  const { room, locale, title, accent, sound } = raw as Record<string, string | undefined>;
  const settings: AppSettings = { room, locale, title, accent, sound: sound !== undefined && String(sound) === 'true' };

  const identity = readIdentity({ token: raw.userToken, userId: raw.userId, displayName: raw.userName, hash: raw.userHash });
  // a token, or all three or none
  if (!identity && (raw.userId || raw.userName || raw.userHash)) ignore('userHash');

  return {
    site,
    origin: new URL(script.src).origin,
    settings,
    identity,
    position: raw.position === 'left' ? 'left' : 'right',
    zIndex: raw.zIndex === undefined ? undefined : Number(raw.zIndex),
    open: String(raw.open) === 'true',
    launcherHidden: raw.launcher === 'hidden',
  };
}
