import { request } from 'node:http';
import type { Parley } from '../../../server/main';
import { startTestServer } from '../../helpers/server';

let parley: Parley;
beforeAll(async () => {
  parley = await startTestServer();
});
afterAll(() => parley.close());

/** Raw HTTP, so compression and 304s are seen as the browser sees them (fetch would undo them). */
function get(path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; length: number }> {
  return new Promise((resolve, reject) => {
    const req = request(`${parley.url}${path}`, { headers }, (res) => {
      let length = 0;
      res.on('data', (chunk: Buffer) => (length += chunk.length));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, length }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('security headers', () => {
  it('puts helmet-style headers and a do-nothing CSP on API responses, and no HSTS over plain HTTP', async () => {
    const { headers } = await get('/api/sites/demo/me');
    expect(headers['x-content-type-options']).toBe('nosniff');
    expect(headers['referrer-policy']).toBe('no-referrer');
    expect(headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(headers['content-security-policy']).toBe("default-src 'none';frame-ancestors 'none';base-uri 'none'");
    expect(headers['strict-transport-security']).toBeUndefined();
  });

  it('sends HSTS when the request came over TLS through a trusted proxy', async () => {
    const proxied = await startTestServer({ TRUST_PROXY: 'true' });
    try {
      const response = await fetch(`${proxied.url}/healthz`, { headers: { 'x-forwarded-proto': 'https' } });
      expect(response.headers.get('strict-transport-security')).toBe('max-age=31536000; includeSubDomains');
    } finally {
      await proxied.close();
    }
  });

  it('lets the widget app page be framed only through frame-ancestors', async () => {
    const { headers } = await get('/widget/app?site=demo');
    expect(headers['x-frame-options']).toBeUndefined();
    expect(headers['content-security-policy']).toMatch(/script-src 'self'.*frame-ancestors 'self'/);
  });
});

describe('GET /widget.js', () => {
  it('is JavaScript anyone may load, cached briefly under a stable URL with an ETag', async () => {
    const { status, headers } = await get('/widget.js');
    expect(status).toBe(200);
    expect(headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(headers['cross-origin-resource-policy']).toBe('cross-origin');
    expect(headers['cache-control']).toBe('public, max-age=300, stale-while-revalidate=86400');
    expect(headers.etag).toMatch(/^"[A-Za-z0-9_-]{27}"$/);
  });

  it('answers a matching If-None-Match with 304 and no body', async () => {
    const { headers } = await get('/widget.js');
    const again = await get('/widget.js', { 'if-none-match': String(headers.etag) });
    expect(again.status).toBe(304);
    expect(again.length).toBe(0);
  });

  it('is compressed for clients that accept it', async () => {
    const plain = await get('/widget/app.js');
    const gzip = await get('/widget/app.js', { 'accept-encoding': 'gzip' });
    const brotli = await get('/widget/app.js', { 'accept-encoding': 'br' });
    expect(gzip.headers['content-encoding']).toBe('gzip');
    expect(brotli.headers['content-encoding']).toBe('br');
    expect(gzip.length).toBeLessThan(plain.length / 2);
  });
});
