import { createHmac, timingSafeEqual } from 'node:crypto';

/** The header Parley signs its outgoing calls with (the pre-publish hook; webhooks later). */
export const SIGNATURE_HEADER = 'Parley-Signature';

/** How far a signature's time may be from the receiver's clock before it is refused (replays). */
export const SIGNATURE_TOLERANCE_S = 300;

const digest = (secret: string, timestamp: number, body: string) => createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');

/**
 * The `Parley-Signature` value for a body sent at `nowS` (seconds since the epoch): `t=<seconds>,v1=<hex>`, where
 * v1 is HMAC-SHA256 of `<t>.<body>` under the secret — the scheme Stripe's webhooks made common, so receivers
 * can verify it in a few lines in any language.
 */
export function sign(secret: string, body: string, nowS = Math.floor(Date.now() / 1000)): string {
  return `t=${nowS},v1=${digest(secret, nowS, body)}`;
}

/**
 * Whether `header` signs `body` under `secret`, at most `toleranceS` from `nowS`; any of several `v1` values may
 * match (a secret being rotated). Compared in constant time.
 */
export function verify(secret: string, header: string | undefined, body: string, toleranceS = SIGNATURE_TOLERANCE_S, nowS = Math.floor(Date.now() / 1000)): boolean {
  if (!header) return false;
  const parts = header.split(',').map((part) => part.trim().split('='));
  const timestamp = Number(parts.find(([key]) => key === 't')?.[1]);
  if (!Number.isSafeInteger(timestamp) || Math.abs(nowS - timestamp) > toleranceS) return false;
  const expected = Buffer.from(digest(secret, timestamp, body), 'hex');
  return parts.some(([key, value]) => {
    if (key !== 'v1' || !value || !/^[0-9a-f]{64}$/.test(value)) return false;
    return timingSafeEqual(Buffer.from(value, 'hex'), expected);
  });
}
