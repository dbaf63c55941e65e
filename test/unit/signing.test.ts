import { createHmac } from 'node:crypto';
import { sign, verify } from '../../server/signing';

// The signature of Parley's outgoing calls, as a receiver checks it. Time is passed as an argument.
const SECRET = 'whsec_test_secret';
const BODY = JSON.stringify({ type: 'message.pre-publish', text: 'hello' });
const NOW = 1_800_000_000;

describe('Parley-Signature', () => {
  it('is t=<seconds>,v1=<HMAC-SHA256 of "t.body">, which anyone can recompute', () => {
    const header = sign(SECRET, BODY, NOW);
    const expected = createHmac('sha256', SECRET).update(`${NOW}.${BODY}`).digest('hex');
    expect(header).toBe(`t=${NOW},v1=${expected}`);
    expect(verify(SECRET, header, BODY, 300, NOW)).toBe(true);
  });

  it('fails for another body, another secret, a stale or future time, and garbage', () => {
    const header = sign(SECRET, BODY, NOW);
    expect(verify(SECRET, header, `${BODY} `, 300, NOW)).toBe(false);
    expect(verify('another secret', header, BODY, 300, NOW)).toBe(false);
    expect(verify(SECRET, header, BODY, 300, NOW + 301)).toBe(false);
    expect(verify(SECRET, header, BODY, 300, NOW - 301)).toBe(false);
    for (const garbage of [undefined, '', 't=', 'v1=abc', `t=${NOW}`, `t=${NOW},v1=${'0'.repeat(64)}`, `t=x,v1=${'a'.repeat(64)}`, `t=${NOW},v1=zz`]) {
      expect(verify(SECRET, garbage, BODY, 300, NOW)).toBe(false);
    }
  });

  it('accepts any of several v1 values (a secret being rotated)', () => {
    const old = sign('old secret', BODY, NOW).split(',')[1];
    expect(verify(SECRET, `${sign(SECRET, BODY, NOW)},${old}`, BODY, 300, NOW)).toBe(true);
    expect(verify('old secret', `${sign(SECRET, BODY, NOW)},${old}`, BODY, 300, NOW)).toBe(true);
  });
});
