import { createHmac } from 'node:crypto';
import { jwtVerify, SignJWT } from 'jose';

/** What a link in an email lets its holder do: confirm an address, or turn digests off. */
export type LinkUse = 'verify' | 'unsubscribe';

export interface LinkClaims {
  use: LinkUse;
  siteId: string;
  userId: string;
  /** verify: the address the link was sent to. */
  address?: string;
}

// a confirmation link works for a day; an unsubscribe link as long as the session keys stay (old emails keep working)
const VERIFY_LIFETIME = '24h';
const AUDIENCE = 'parley-email';

/**
 * The links emails carry: `<base>/email/<use>?token=<JWT>`, HS256 under a key derived from each session key (the
 * first signs, all verify: rotation keeps old links working until their key is dropped). The token names the site
 * and the user, never a session.
 */
export class EmailLinks {
  private readonly keys: Uint8Array[];

  /** `baseUrl`: where browsers reach Parley (asked when a link is made: a server on port 0 knows it once listening). */
  constructor(
    private readonly baseUrl: () => string,
    sessionKeys: readonly string[],
  ) {
    this.keys = sessionKeys.map((key) => new Uint8Array(createHmac('sha256', key).update('parley email links').digest()));
  }

  async url(claims: LinkClaims): Promise<string> {
    const jwt = new SignJWT({ use: claims.use, site: claims.siteId, ...(claims.address ? { email: claims.address } : {}) })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(claims.userId)
      .setAudience(AUDIENCE)
      .setIssuedAt();
    if (claims.use === 'verify') jwt.setExpirationTime(VERIFY_LIFETIME);
    const token = await jwt.sign(this.keys[0]!);
    return `${this.baseUrl()}/email/${claims.use}?token=${token}`;
  }

  /** The claims of a token made for `use`, or null when it is not one (forged, expired, for the other use). */
  async read(token: string, use: LinkUse): Promise<LinkClaims | null> {
    for (const key of this.keys) {
      try {
        const { payload } = await jwtVerify(token, key, { algorithms: ['HS256'], audience: AUDIENCE });
        const { use: used, site, email, sub } = payload as { use?: unknown; site?: unknown; email?: unknown; sub?: unknown };
        if (used !== use || typeof site !== 'string' || typeof sub !== 'string') return null;
        if (use === 'verify' && typeof email !== 'string') return null;
        return { use, siteId: site, userId: sub, ...(typeof email === 'string' ? { address: email } : {}) };
      } catch {
        // another key may have signed it
      }
    }
    return null;
  }
}

const MAX_PAGE_LENGTH = 2_048;

/**
 * The page a chat is shown on, as kept for a digest's link back: an http(s) address on one of the site's allowed
 * origins (or Parley's own), without its query and fragment (which may hold what the page's owner meant to keep);
 * undefined for anything else.
 */
export function chatPage(value: unknown, allowedOrigins: readonly string[], ownOrigin: string): string | undefined {
  if (typeof value !== 'string' || value.length > MAX_PAGE_LENGTH) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  if (url.origin !== ownOrigin && !allowedOrigins.includes(url.origin)) return undefined;
  return url.origin + url.pathname;
}
