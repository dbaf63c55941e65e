// The proof-of-work solver: loaded with import() by register() and guest() only when the server asks for a proof,
// so apps that never sign anyone up do not carry it (in the widget it is a lazy chunk of its own). Web Crypto only:
// the same code runs in browsers and in Node ≥ 20.
import type { ProofOfWorkChallenge } from './protocol';

// digests computed at once: awaiting them one by one costs more than the hashing
const BATCH = 64;

const hex = (buffer: ArrayBuffer) => Array.from(new Uint8Array(buffer), (byte) => byte.toString(16).padStart(2, '0')).join('');

/**
 * Finds the number whose SHA-256 of `salt + number` is the challenge (ALTCHA's format) and answers the proof to send:
 * base64 of `{ algorithm, challenge, number, salt, signature }`. Throws when no number up to `maxnumber` fits.
 */
export async function solve({ algorithm, challenge, maxnumber, salt, signature }: ProofOfWorkChallenge): Promise<string> {
  const encoder = new TextEncoder();
  for (let start = 0; start <= maxnumber; start += BATCH) {
    const numbers = Array.from({ length: Math.min(BATCH, maxnumber - start + 1) }, (_, i) => start + i);
    const digests = await Promise.all(numbers.map((n) => crypto.subtle.digest(algorithm, encoder.encode(salt + n))));
    const found = digests.findIndex((digest) => hex(digest) === challenge);
    if (found >= 0) return btoa(JSON.stringify({ algorithm, challenge, number: numbers[found], salt, signature }));
  }
  throw new Error('the proof-of-work challenge has no solution');
}
