import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

// `npm test` builds first, so these read what ships. Budgets sit a little above today's sizes (BENCHMARKS.md):
// raising one is a decision to write down, not a side effect.
const budgets = [
  { file: 'widget.js', gzipBytes: 2_500 }, // the loader every host page pays for
  { file: 'widget/app.js', gzipBytes: 28_000 }, // Preact + socket.io-client + SDK + app, loaded only in the iframe
  { file: 'widget/app.css', gzipBytes: 3_000 },
];

const read = (file: string) => readFileSync(path.join('dist', file));

describe('the built widget', () => {
  it.each(budgets)('keeps $file under $gzipBytes bytes gzipped', ({ file, gzipBytes }) => {
    expect(gzipSync(read(file), { level: 9 }).length).toBeLessThanOrEqual(gzipBytes);
  });

  it.each(['widget.js', 'widget/app.js'])('ships %s without dev-only code paths', (file) => {
    const source = read(file).toString('utf8');
    expect(source).not.toMatch(/process\.env|NODE_ENV/);
    expect(source).not.toMatch(/sourceMappingURL/);
  });
});
