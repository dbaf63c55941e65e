import type { IncomingHttpHeaders } from 'node:http';

/**
 * True when a browser request comes from a page of the backend itself (the widget app): the browser says so
 * in Sec-Fetch-Site, or in an Origin equal to ours. Page scripts can set neither header.
 */
export function isOwnOrigin(headers: IncomingHttpHeaders, ownOrigin: string): boolean {
  return headers['sec-fetch-site'] === 'same-origin' || headers.origin === ownOrigin;
}

/** The origin browsers use to reach us: PUBLIC_URL when set, else what the request's Host says. */
export function ownOriginOf(publicUrl: string | undefined, headers: IncomingHttpHeaders, secure: boolean): string {
  if (publicUrl) return new URL(publicUrl).origin;
  return `${secure ? 'https' : 'http'}://${headers.host ?? 'localhost'}`;
}
