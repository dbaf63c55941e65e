import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The project directory: the nearest parent of the working directory whose package.json is Parley's.
 * Found from the working directory rather than the module's URL, so it holds under tsx (ESM) and jest (CommonJS) alike.
 */
export function projectRoot(from = process.cwd()): string {
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'parley') return dir;
    if (dir === path.dirname(dir)) throw new Error('run Parley from inside its project directory (no package.json named "parley" found)');
  }
}

/** The built widget: `npm run build` writes it here. */
export const distDir = () => path.join(projectRoot(), 'dist');
