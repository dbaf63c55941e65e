import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../server/paths';

// The server is what ships: tools (scripts/) and the benchmark (bench/) may use it, never the other way round.
const serverDir = path.join(projectRoot(), 'server');
const FORBIDDEN = ['scripts', 'bench'].map((dir) => path.join(projectRoot(), dir));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(file);
    return /\.(ts|tsx|js|mjs)$/.test(entry.name) ? [file] : [];
  });
}

/** Every module specifier: static and type imports, re-exports, dynamic import() and require(). */
function specifiers(source: string): string[] {
  const patterns = [/\b(?:import|export)\b[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]/g, /\bimport\s*['"]([^'"]+)['"]/g, /\b(?:import|require)\s*\(\s*['"]([^'"]+)['"]\s*\)/g];
  return patterns.flatMap((pattern) => [...source.matchAll(pattern)].map((match) => match[1]!));
}

describe('server/ imports', () => {
  it('finds the modules it checks', () => {
    expect(specifiers(`import a from './a';\nimport type { B } from "../b";\nexport { c } from './c';\nimport './d';\nawait import('./e');`)).toEqual(['./a', '../b', './c', './d', './e']);
  });

  it('imports nothing from scripts/ or bench/', () => {
    const offenders = sourceFiles(serverDir).flatMap((file) =>
      specifiers(readFileSync(file, 'utf8'))
        .filter((specifier) => specifier.startsWith('.'))
        .filter((specifier) => FORBIDDEN.some((dir) => path.resolve(path.dirname(file), specifier).startsWith(dir + path.sep)))
        .map((specifier) => `${path.relative(projectRoot(), file)} imports ${specifier}`),
    );
    expect(offenders).toEqual([]);
  });
});
