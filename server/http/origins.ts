import type { IncomingHttpHeaders } from 'node:http';

/**
 * The browser marks the request as sent by a page of our own origin (the widget app); page scripts cannot set
 * this header. The widget cookie (SameSite=None) counts only on such requests.
 */
export function isSameOrigin(headers: IncomingHttpHeaders): boolean {
  return headers['sec-fetch-site'] === 'same-origin';
}

/** Like isSameOrigin, also accepting an Origin header equal to ours (sent on POSTs and WebSocket handshakes). */
export function isOwnOrigin(headers: IncomingHttpHeaders, ownOrigin: string): boolean {
  return isSameOrigin(headers) || headers.origin === ownOrigin;
}

/** The origin browsers use to reach us: PUBLIC_URL when set, else what the request's Host says. */
export function ownOriginOf(publicUrl: string | undefined, headers: IncomingHttpHeaders, secure: boolean): string {
  if (publicUrl) return new URL(publicUrl).origin;
  return `${secure ? 'https' : 'http'}://${headers.host ?? 'localhost'}`;
}
