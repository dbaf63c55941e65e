import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import path from 'node:path';
import type { Parley } from '../../../server/main';
import { startTestServer } from '../../helpers/server';

// The app's lazy chunks (its language catalogs), as the built app.js asks for them: `npm test` builds first.
let parley: Parley;
let chunks: string[];

beforeAll(async () => {
  const app = readFileSync(path.join('dist', 'widget', 'app.js'), 'utf8');
  chunks = [...app.matchAll(/import\("\.\/chunks\/([^"]+)"\)/g)].map((match) => match[1]!);
  if (chunks.length === 0) throw new Error('dist/widget/app.js imports no chunk; run `npm run build`');
  parley = await startTestServer();
});
afterAll(() => parley?.close());

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Raw HTTP: the path goes out exactly as written (fetch would resolve `..` before sending it). */
function get(rawPath: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const { hostname, port } = new URL(parley.url);
    const req = request({ hostname, port, path: rawPath, headers }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (part: Buffer) => parts.push(part));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('GET /widget/chunks/:file', () => {
  it('serves each chunk app.js imports as same-origin JavaScript, cached for a year under its hashed name', async () => {
    for (const chunk of chunks) {
      const { status, headers, body } = await get(`/widget/chunks/${chunk}`);
      expect(status).toBe(200);
      expect(headers['content-type']).toBe('text/javascript; charset=utf-8');
      expect(headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(headers['cross-origin-resource-policy']).toBe('same-origin');
      expect(headers.etag).toMatch(/^"[A-Za-z0-9_-]{27}"$/);
      expect(body).toBe(readFileSync(path.join('dist', 'widget', 'chunks', chunk), 'utf8'));
    }
  });

  it('answers a matching If-None-Match with 304 and no body', async () => {
    const first = await get(`/widget/chunks/${chunks[0]}`);
    const again = await get(`/widget/chunks/${chunks[0]}`, { 'if-none-match': String(first.headers.etag) });
    expect(again.status).toBe(304);
    expect(again.body).toBe('');
  });

  it.each([
    ['an unknown name', '/widget/chunks/nope-AAAAAAAA.js'],
    ['a name without its hash', '/widget/chunks/es.js'],
    ['a file of another type', '/widget/chunks/app.css'],
    ['no name', '/widget/chunks/'],
    ['a literal ..', '/widget/chunks/../app.js'],
    ['an encoded slash', '/widget/chunks/..%2Fapp.js'],
    ['an encoded slash, twice up', '/widget/chunks/..%2F..%2Fwidget.js'],
    ['encoded dots and slash', '/widget/chunks/%2e%2e%2fapp.js'],
    ['an encoded backslash', '/widget/chunks/..%5Capp.js'],
    ['a double-encoded slash', '/widget/chunks/..%252Fapp.js'],
    ['an encoded NUL', '/widget/chunks/app.js%00.js'],
  ])('is a JSON 404 for %s', async (_case, rawPath) => {
    const { status, headers, body } = await get(rawPath);
    expect(status).toBe(404);
    expect(headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(body)).toEqual({ error: { code: 'not_found', message: expect.any(String) } });
  });

  it('matches the path case-sensitively', async () => {
    expect((await get(`/widget/CHUNKS/${chunks[0]}`)).status).toBe(404);
    expect((await get(`/widget/chunks/${chunks[0]!.toUpperCase()}`)).status).toBe(404);
  });
});
