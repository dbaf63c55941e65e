import { readFileSync } from 'node:fs';
import { build } from 'esbuild';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

// `npm test` builds first, so these read what ships. Budgets sit a little above today's sizes (BENCHMARKS.md):
// raising one is a decision to write down, not a side effect.
const budgets = [
  { name: 'the loader, widget.js,', files: ['widget.js'], gzipBytes: 4_000 }, // every host page pays for it
  // Preact + socket.io-client + SDK + UI + styles, loaded only in the iframe
  { name: 'the app, app.js + app.css,', files: ['widget/app.js', 'widget/app.css'], gzipBytes: 35_000 },
];

const read = (file: string) => readFileSync(path.join('dist', file));

describe('the built widget', () => {
  it.each(budgets)('keeps $name under $gzipBytes bytes gzipped', ({ files, gzipBytes }) => {
    const total = files.reduce((sum, file) => sum + gzipSync(read(file), { level: 9 }).length, 0);
    expect(total).toBeLessThanOrEqual(gzipBytes);
  });

  it.each(['widget.js', 'widget/app.js'])('ships %s without dev-only code paths', (file) => {
    const source = read(file).toString('utf8');
    expect(source).not.toMatch(/process\.env|NODE_ENV/);
    expect(source).not.toMatch(/sourceMappingURL/);
  });
});

/** The SDK as an app's bundler would ship it: minified for browsers, with or without socket.io-client. */
async function minifiedSdk(external: string[]): Promise<Uint8Array> {
  const result = await build({
    entryPoints: ['sdk/index.ts'],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2020',
    write: false,
    external,
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  const [file] = result.outputFiles;
  if (!file) throw new Error('esbuild wrote nothing');
  return file.contents;
}

describe('the SDK, minified and gzipped', () => {
  it('stays under 19,000 bytes with socket.io-client included', async () => {
    expect(gzipSync(await minifiedSdk([]), { level: 9 }).length).toBeLessThanOrEqual(19_000);
  });

  it('stays under 6 KB on its own', async () => {
    expect(gzipSync(await minifiedSdk(['socket.io-client']), { level: 9 }).length).toBeLessThanOrEqual(6_000);
  });
});
