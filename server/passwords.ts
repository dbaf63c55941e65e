import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

// scrypt N=2^15, r=8, p=1 (32 MiB): one hash costs ~120 ms on our 2-core machine (BENCHMARKS.md), inside the
// 50–150 ms we aim for; hashes record their parameters, so raising N later keeps old hashes valid
const N = 2 ** 15;
const r = 8;
const p = 1;
const KEY_LENGTH = 64;
const MAX_MEM = 64 * 1024 * 1024;

function derive(password: string, salt: Buffer, n: number, rr: number, pp: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFC'), salt, KEY_LENGTH, { N: n, r: rr, p: pp, maxmem: MAX_MEM }, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );
}

/** `scrypt$N$r$p$salt$hash`, so the cost can rise later without breaking stored hashes. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, N, r, p);
  return ['scrypt', N, r, p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/**
 * Checks a password against a stored hash in constant time. A missing or malformed hash (an identified user has
 * none) costs the same scrypt as a real one: answering sooner would tell which accounts have no password.
 */
export async function verifyPassword(password: string, stored: string | undefined): Promise<boolean> {
  const [scheme, n, rr, pp, salt, hash] = (stored ?? '').split('$');
  if (scheme !== 'scrypt' || !n || !rr || !pp || !salt || !hash) return verifyAgainstDummy(password);
  const expected = Buffer.from(hash, 'base64url');
  const actual = await derive(password, Buffer.from(salt, 'base64url'), Number(n), Number(rr), Number(pp));
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** Spent when there is no password to check, so timing does not reveal which usernames exist or have one. */
let dummyHash: Promise<string> | undefined;
async function verifyAgainstDummy(password: string): Promise<false> {
  dummyHash ??= hashPassword('parley-dummy-password');
  await verifyPassword(password, await dummyHash);
  return false;
}
