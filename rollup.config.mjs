// Builds the widget: the loader (dist/widget.js, plain DOM, runs on host pages) and the app (dist/widget/, runs in the iframe);
// the SDK package (sdk/dist/: ESM, CommonJS and one .d.ts each); the React and Vue packages (packages/*/dist/); and the
// examples built for the browser (dist/custom-ui/, dist/react-example/, dist/vue-example/).
import { readFile, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import { transform } from 'esbuild';
import { dts } from 'rollup-plugin-dts';
import esbuild from 'rollup-plugin-esbuild';

/**
 * ES2022 keeps the SDK's #private fields native (terser then shortens their names; lowered, each would be a WeakMap):
 * the browsers the app needs anyway (constructed style sheets: Safari 16.4, Chrome 73, Firefox 101) have them all.
 */
const plugins = () => [
  nodeResolve({ browser: true, extensions: ['.ts', '.tsx', '.mjs', '.js'] }),
  transformOnly(
    esbuild({
      target: 'es2022',
      jsx: 'automatic',
      jsxImportSource: 'preact',
      // no dev-only branches in what ships
      define: { 'process.env.NODE_ENV': '"production"' },
    }),
  ),
  // `unsafe`: terser may assume the built-ins are the standard ones (none is patched here): about 70 B of the app
  terser({ ecma: 2022, compress: { passes: 2, unsafe: true }, format: { comments: false } }),
];

/**
 * Leaves resolving to node-resolve: esbuild's own resolver takes relative imports literally and so
 * ignores package.json "browser" maps, which pulled engine.io-client's Node transports into the bundle.
 */
function transformOnly(plugin) {
  const { resolveId: _ignored, ...rest } = plugin;
  return rest;
}

/** Resolves the SDK's package name to its source, as tsconfig.json "paths" does for tsc and tsx. */
const sdkSource = () => ({
  name: 'sdk-source',
  resolveId: (source) => (source === '@parley/sdk' ? fileURLToPath(new URL('./sdk/index.ts', import.meta.url)) : null),
});

/**
 * Copies static files next to the bundle, so the server serves one folder; style sheets minified by esbuild (the
 * sources keep their comments; what ships does not: about 500 B gzipped of the widget app's budget).
 */
const copy = (files) => ({
  name: 'copy',
  async generateBundle() {
    for (const [from, fileName] of Object.entries(files)) {
      this.addWatchFile(from);
      const source = await readFile(from);
      const css = fileName.endsWith('.css') && !fileName.endsWith('.min.css') && !from.endsWith('.min.css');
      this.emitFile({ type: 'asset', fileName, source: css ? (await transform(source.toString(), { loader: 'css', minify: true })).code : source });
    }
  },
});

/**
 * Leaves engine.io-client's WebTransport transport out of the app: Parley serves long-polling and WebSocket only,
 * and the SDK asks for those two (sdk/client.ts), so the client never builds one. About 400 B gzipped of the budget.
 */
const noWebTransport = () => ({
  name: 'no-webtransport',
  load: (id) => (id.replaceAll('\\', '/').endsWith('/engine.io-client/build/esm/transports/webtransport.js') ? 'export class WT {}' : null),
});

/**
 * Leaves socket.io's binary packets out of the app: Parley's socket events carry JSON only (images go over HTTP), and
 * the server never sends a binary packet, so the parser's binary detection, (de)construction and engine.io's base64
 * decoding are dead weight (about 1 KB gzipped of the budget). Were a binary packet ever to arrive, decoding it throws,
 * which socket.io-client treats as a broken connection: it reconnects, and the SDK catches up by seq.
 */
const noBinaryPackets = () => {
  const stubs = {
    '/socket.io-parser/build/esm/is-binary.js': 'export const isBinary = () => false; export const hasBinary = () => false;',
    '/socket.io-parser/build/esm/binary.js':
      "export function deconstructPacket() { throw new Error('binary packets are not used'); } export const reconstructPacket = deconstructPacket;",
    '/engine.io-parser/build/esm/contrib/base64-arraybuffer.js':
      "export const encode = () => { throw new Error('binary packets are not used'); }; export const decode = encode;",
  };
  return {
    name: 'no-binary-packets',
    load: (id) => Object.entries(stubs).find(([file]) => id.replaceAll('\\', '/').endsWith(file))?.[1] ?? null,
  };
};

/** Empties a folder as a build starts: lazy chunks carry a hash in their names, so each build would add, never replace. */
const clean = (dir) => ({
  name: 'clean',
  buildStart: () => rm(dir, { recursive: true, force: true }),
});

export default [
  {
    input: 'widget/loader/index.ts',
    output: { file: 'dist/widget.js', format: 'iife' },
    plugins: plugins(),
  },
  {
    input: 'widget/app/main.tsx',
    // what few visitors need (a language's catalog) is an import() of its own: a chunk the server serves as immutable
    output: { dir: 'dist/widget', format: 'es', entryFileNames: 'app.js', chunkFileNames: 'chunks/[name]-[hash].js' },
    plugins: [clean('dist/widget/chunks'), noWebTransport(), noBinaryPackets(), ...plugins(), copy({ 'widget/app/app.html': 'app.html', 'widget/app/app.css': 'app.css' })],
  },
  {
    // the @parley/sdk package: readable code (the app's bundler minifies), socket.io-client left to the installer
    input: 'sdk/index.ts',
    external: ['socket.io-client'],
    // the proof-of-work solver stays a file of its own that register() and guest() import when a server asks
    output: [
      { dir: 'sdk/dist', format: 'es', entryFileNames: 'index.js', chunkFileNames: '[name].js' },
      { dir: 'sdk/dist', format: 'cjs', entryFileNames: 'index.cjs', chunkFileNames: '[name].cjs' },
    ],
    plugins: [nodeResolve({ extensions: ['.ts'] }), transformOnly(esbuild({ target: 'es2022' }))],
  },
  {
    // one declaration file per module format, so TypeScript's node16 resolution is happy with either
    input: 'sdk/index.ts',
    output: [
      { file: 'sdk/dist/index.d.ts', format: 'es' },
      { file: 'sdk/dist/index.d.cts', format: 'es' },
    ],
    plugins: [dts()],
  },
  // @parley/react and @parley/vue: readable code, their framework and @parley/sdk left to the installer, ESM and
  // CommonJS with one declaration file each
  ...['react', 'vue'].flatMap((name) => [
    {
      input: `packages/${name}/src/index.ts`,
      external: [name, '@parley/sdk'],
      output: [
        { file: `packages/${name}/dist/index.js`, format: 'es' },
        { file: `packages/${name}/dist/index.cjs`, format: 'cjs' },
      ],
      plugins: [nodeResolve({ extensions: ['.ts'] }), transformOnly(esbuild({ target: 'es2022' }))],
    },
    {
      input: `packages/${name}/src/index.ts`,
      external: [name, '@parley/sdk'],
      output: [
        { file: `packages/${name}/dist/index.d.ts`, format: 'es' },
        { file: `packages/${name}/dist/index.d.cts`, format: 'es' },
      ],
      plugins: [dts({ compilerOptions: { paths: {} } })],
    },
  ]),
  {
    // the site owners' console (dist/console/): loaded at /console/ only, never by host pages
    input: 'console/main.tsx',
    // the Overview's chart library is a chunk of its own: only that page downloads it
    output: { dir: 'dist/console', format: 'es', entryFileNames: 'console.js', chunkFileNames: 'chunks/[name]-[hash].js' },
    plugins: [
      clean('dist/console/chunks'),
      ...plugins(),
      copy({ 'console/index.html': 'index.html', 'console/console.css': 'console.css', 'node_modules/uplot/dist/uPlot.min.css': 'uplot.css' }),
    ],
  },
  {
    // examples/custom-ui: a page of its own built only on the SDK
    input: 'examples/custom-ui/app.ts',
    output: { dir: 'dist/custom-ui', format: 'es', entryFileNames: 'app.js' },
    plugins: [sdkSource(), ...plugins(), copy({ 'examples/custom-ui/index.html': 'index.html', 'examples/custom-ui/style.css': 'style.css' })],
  },
];
