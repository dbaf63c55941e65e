import type { Identity } from '../bridge';

export interface EmbedOptions {
  /** The site id from `data-site`. */
  site: string;
  /** The backend's origin: where the loader itself was served from. */
  origin: string;
  /** From data-user-id, data-user-name and data-user-hash, when the site signs its own users in. */
  identity?: Identity;
}

/**
 * Reads the embedding script tag. Call it while the loader's first run is on the stack:
 * `document.currentScript` is null afterwards, hence the fallback to the last matching tag.
 */
export function readEmbedOptions(): EmbedOptions | undefined {
  const current = document.currentScript;
  const script =
    current instanceof HTMLScriptElement
      ? current
      : [...document.querySelectorAll<HTMLScriptElement>('script[src$="/widget.js"][data-site]')].pop();
  const site = script?.dataset.site?.trim();
  if (!script || !site) {
    console.warn('[parley] add data-site="<your site id>" to the widget script tag');
    return undefined;
  }
  const { userId, userName, userHash } = script.dataset;
  const identity = userId && userName && userHash ? { userId, displayName: userName, hash: userHash } : undefined;
  return { site, origin: new URL(script.src).origin, ...(identity ? { identity } : {}) };
}
