// Builds the widget: the loader (dist/widget.js, plain DOM, runs on host pages) and the app (dist/widget/, runs in the iframe).
import { readFile } from 'node:fs/promises';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import esbuild from 'rollup-plugin-esbuild';

const plugins = () => [
  nodeResolve({ browser: true, extensions: ['.ts', '.tsx', '.mjs', '.js'] }),
  transformOnly(
    esbuild({
      target: 'es2020',
      jsx: 'automatic',
      jsxImportSource: 'preact',
      // no dev-only branches in what ships
      define: { 'process.env.NODE_ENV': '"production"' },
    }),
  ),
  terser({ ecma: 2020, compress: { passes: 2 }, format: { comments: false } }),
];

/**
 * Leaves resolving to node-resolve: esbuild's own resolver takes relative imports literally and so
 * ignores package.json "browser" maps, which pulled engine.io-client's Node transports into the bundle.
 */
function transformOnly(plugin) {
  const { resolveId: _ignored, ...rest } = plugin;
  return rest;
}

/** Copies static files next to the bundle, so the server serves one folder. */
const copy = (files) => ({
  name: 'copy',
  async generateBundle() {
    for (const [from, fileName] of Object.entries(files)) {
      this.addWatchFile(from);
      this.emitFile({ type: 'asset', fileName, source: await readFile(from) });
    }
  },
});

export default [
  {
    input: 'widget/loader/index.ts',
    output: { file: 'dist/widget.js', format: 'iife' },
    plugins: plugins(),
  },
  {
    input: 'widget/app/main.tsx',
    output: { dir: 'dist/widget', format: 'es', entryFileNames: 'app.js' },
    plugins: [...plugins(), copy({ 'widget/app/app.html': 'app.html', 'widget/app/app.css': 'app.css' })],
  },
];
