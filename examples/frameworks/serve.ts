// The React and Vue examples (examples/react/, examples/vue/), bundled with esbuild and served on an origin of their
// own. `npx tsx examples/frameworks/main.ts [backend URL]` serves them; tests import serveFrameworkExamples.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { projectRoot } from '../../server/paths';
import { MIME, serveStatic, type StaticServer } from '../static-server';

export const FRAMEWORKS = ['react', 'vue'] as const;
export type Framework = (typeof FRAMEWORKS)[number];

const root = projectRoot();

/** One example's app as a browser loads it: one minified ES module (its framework, the package and the SDK in it). */
export async function bundleExample(framework: Framework): Promise<string> {
  const entry = path.join(root, 'examples', framework, framework === 'react' ? 'app.tsx' : 'app.ts');
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: 'esm',
    target: 'es2022',
    minify: true,
    jsx: 'automatic',
    // the packages by name, from their sources, as a project that installed them would import them
    alias: {
      '@parley/sdk': path.join(root, 'sdk', 'index.ts'),
      '@parley/react': path.join(root, 'packages', 'react', 'src', 'index.ts'),
      '@parley/vue': path.join(root, 'packages', 'vue', 'src', 'index.ts'),
    },
    define: { 'process.env.NODE_ENV': '"production"', __VUE_OPTIONS_API__: 'false', __VUE_PROD_DEVTOOLS__: 'false', __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: 'false' },
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}

/** Each example's app size, minified and gzipped (level 9): the report BENCHMARKS.md quotes. */
export async function exampleSizes(): Promise<Record<Framework, number>> {
  const sizes = await Promise.all(FRAMEWORKS.map(async (framework) => [framework, gzipSync(await bundleExample(framework), { level: 9 }).length] as const));
  return Object.fromEntries(sizes) as Record<Framework, number>;
}

/** Serves `/react/` and `/vue/` (each with `?server=<backendUrl>` in the address printed) on `port` (0: a free one). */
export async function serveFrameworkExamples(options: { port: number; backendUrl: string; host?: string }): Promise<StaticServer & { pages: Record<Framework, string> }> {
  const backendOrigin = new URL(options.backendUrl).origin;
  const bundles = Object.fromEntries(await Promise.all(FRAMEWORKS.map(async (framework) => [framework, await bundleExample(framework)] as const))) as Record<Framework, string>;
  const server = await serveStatic({
    port: options.port,
    host: options.host,
    // the widget and the SDK need the backend's origin for scripts, frames and connections, nothing else
    csp: [`default-src 'self'`, `script-src 'self' ${backendOrigin}`, `frame-src ${backendOrigin}`, `connect-src 'self' ${backendOrigin} ${backendOrigin.replace(/^http/, 'ws')}`, "base-uri 'none'", "object-src 'none'"].join('; '),
    route(pathname) {
      const [, framework, file] = /^\/(react|vue)\/(index\.html|app\.js)?$/.exec(pathname) ?? [];
      if (!framework) return undefined;
      if (file === 'app.js') return { type: MIME.js, body: () => bundles[framework as Framework] };
      return { type: MIME.html, body: () => readFile(path.join(root, 'examples', framework, 'index.html'), 'utf8') };
    },
  });
  const pages = Object.fromEntries(FRAMEWORKS.map((framework) => [framework, `${server.url}${framework}/?server=${encodeURIComponent(options.backendUrl)}`])) as Record<Framework, string>;
  return { ...server, pages };
}
