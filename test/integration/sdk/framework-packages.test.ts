import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Parley } from '../../../server/main';
import { projectRoot } from '../../../server/paths';
import { newAccount, startTestServer } from '../../helpers/server';

// @parley/react and @parley/vue as a developer gets them: packed with npm, installed from the tarballs (with the SDK's,
// and React, React DOM and Vue as their peers) into a project of its own, then used from ESM and CommonJS in Node:
// rendered on the server (the widget must touch no browser global there), the Vue composables chatting against a real
// server, and the types checked strictly. In a browser: test/e2e/framework-packages.test.ts.
const run = promisify(execFile);
const ROOT = projectRoot();

let parley: Parley;
let workDir: string;
const packed: Record<string, string[]> = {};
beforeAll(async () => {
  for (const dir of ['packages/react', 'packages/vue', 'sdk']) {
    if (!existsSync(path.join(ROOT, dir, 'dist', 'index.js'))) throw new Error(`${dir}/dist is missing: run \`npm run build\` first`);
  }
  parley = await startTestServer();
  workDir = await mkdtemp(path.join(os.tmpdir(), 'parley-frameworks-consumer-'));
  const tarballs: string[] = [];
  for (const dir of ['sdk', 'packages/react', 'packages/vue']) {
    const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', workDir], { cwd: path.join(ROOT, dir) });
    const [report] = JSON.parse(stdout) as Array<{ name: string; filename: string; files: Array<{ path: string }> }>;
    tarballs.push(path.join(workDir, report!.filename));
    packed[report!.name] = report!.files.map((file) => file.path).sort();
  }
  await writeFile(path.join(workDir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, version: '1.0.0' }));
  // the same versions the project builds with (React's types too, as a TypeScript project has them)
  const own = (name: string) => `${name}@${(require(path.join(ROOT, 'package.json')) as { devDependencies: Record<string, string> }).devDependencies[name]}`;
  await run('npm', ['install', ...tarballs, own('react'), own('react-dom'), own('@types/react'), own('vue'), '--no-audit', '--no-fund', '--prefer-offline', '--no-package-lock'], { cwd: workDir });
}, 180_000);
afterAll(async () => {
  await parley?.close();
  if (workDir && !process.env.KEEP_WORKDIR) await rm(workDir, { recursive: true, force: true });
});

const node = async (file: string, source: string, env: Record<string, string> = {}) => {
  await writeFile(path.join(workDir, file), source);
  const { stdout } = await run(process.execPath, [file], { cwd: workDir, env: { ...process.env, ...env }, timeout: 30_000 });
  return JSON.parse(stdout) as unknown;
};

describe('the @parley/react and @parley/vue packages', () => {
  it('pack only their built files, package.json, README and LICENSE', () => {
    const files = ['LICENSE', 'README.md', 'dist/index.cjs', 'dist/index.d.cts', 'dist/index.d.ts', 'dist/index.js', 'package.json'];
    expect(packed['@parley/react']).toEqual(files);
    expect(packed['@parley/vue']).toEqual(files);
  });

  it.each([
    ['ESM', 'react.mjs', "import { createElement } from 'react';\nimport { renderToString } from 'react-dom/server';\nimport * as parley from '@parley/react';"],
    ['CommonJS', 'react.cjs', "const { createElement } = require('react');\nconst { renderToString } = require('react-dom/server');\nconst parley = require('@parley/react');"],
  ])('React: render on the server as %s, touching no browser global', async (_format, file, load) => {
    const answer = await node(
      file,
      `${load}
const html = renderToString(createElement(parley.ParleyWidget, { server: 'https://chat.example.com', site: 'demo' }));
console.log(JSON.stringify({ html, exports: Object.keys(parley).sort() }));`,
    );
    expect(answer).toEqual({ html: '', exports: ['ParleyWidget', 'useChat', 'useMessages', 'usePresence', 'useRoom', 'useTyping'] });
  }, 40_000);

  it.each([
    ['ESM', 'vue.mjs', "import { createSSRApp, effectScope, h } from 'vue';\nimport { renderToString } from 'vue/server-renderer';\nimport * as parley from '@parley/vue';"],
    ['CommonJS', 'vue.cjs', "const { createSSRApp, effectScope, h } = require('vue');\nconst { renderToString } = require('vue/server-renderer');\nconst parley = require('@parley/vue');"],
  ])('Vue: render on the server as %s, and chat through the composables against a real server', async (_format, file, load) => {
    const answer = await node(
      file,
      `${load}
(async () => {
  const html = await renderToString(createSSRApp({ render: () => h(parley.ParleyWidget, { server: 'https://chat.example.com', site: 'demo' }) }));
  const scope = effectScope();
  const state = scope.run(() => {
    const { chat, user } = parley.useChat({ baseUrl: process.env.PARLEY_URL, site: 'demo' });
    const room = parley.useRoom(chat, 'general');
    return { chat, user, room, messages: parley.useMessages(room), online: parley.usePresence(room) };
  });
  const until = async (test) => { for (let i = 0; i < 300 && !test(); i++) await new Promise((r) => setTimeout(r, 20)); if (!test()) throw new Error('timed out'); };
  const account = JSON.parse(process.env.PARLEY_ACCOUNT);
  await state.chat.register(account);
  await until(() => state.room.value);
  await state.room.value.send('from the packed Vue package');
  await until(() => state.messages.value.some((m) => m.text === 'from the packed Vue package'));
  await until(() => state.online.value.some((u) => u.displayName === account.displayName));
  const result = { html, user: state.user.value.username, sent: state.messages.value.at(-1).text };
  scope.stop();
  console.log(JSON.stringify(result));
})().catch((error) => { console.error(error); process.exit(1); });`,
      { PARLEY_URL: parley.url, PARLEY_ACCOUNT: JSON.stringify(newAccount('vuepkg')) },
    );
    expect(answer).toEqual({ html: '<!---->', user: expect.stringMatching(/^vuepkg/), sent: 'from the packed Vue package' });
  }, 40_000);

  it('ship types that TypeScript checks strictly from ESM and CommonJS (node16)', async () => {
    const react = `
export function App(props: { token?: string }) {
  const { chat, user } = useChat({ baseUrl: 'http://localhost:3000', site: 'demo' });
  const room = useRoom(chat, 'general');
  const messages = useMessages(room);
  const seqs: number[] = messages.map((m) => m.seq);
  const names: string[] = usePresence(room).map((u) => u.displayName);
  const { notifyTyping } = useTyping(room);
  void [seqs, names, notifyTyping, user?.displayName];
  // @ts-expect-error: site is required
  void createElement(ParleyWidget, { server: 'https://chat.example.com' });
  return createElement(ParleyWidget, { server: 'https://chat.example.com', site: 'demo', userToken: props.token, onUnread: (count: number) => void count });
}
`;
    const vue = `
export function setup() {
  const { chat, user } = useChat({ baseUrl: 'http://localhost:3000', site: 'demo' });
  const room = useRoom(chat, () => 'general');
  const seqs: number[] = useMessages(room).value.map((m) => m.seq);
  void [seqs, user.value?.displayName, usePresence(room).value.length, useTyping(room).notifyTyping, ParleyWidget];
}
`;
    await writeFile(path.join(workDir, 'typed-react.mts'), `import { createElement } from 'react';\nimport { ParleyWidget, useChat, useMessages, usePresence, useRoom, useTyping } from '@parley/react';\n${react}`);
    await writeFile(path.join(workDir, 'typed-react.cts'), `import react = require('react');\nimport parley = require('@parley/react');\nconst { createElement } = react;\nconst { ParleyWidget, useChat, useMessages, usePresence, useRoom, useTyping } = parley;\n${react}`);
    await writeFile(path.join(workDir, 'typed-vue.mts'), `import { ParleyWidget, useChat, useMessages, usePresence, useRoom, useTyping } from '@parley/vue';\n${vue}`);
    await writeFile(path.join(workDir, 'typed-vue.cts'), `import parley = require('@parley/vue');\nconst { ParleyWidget, useChat, useMessages, usePresence, useRoom, useTyping } = parley;\n${vue}`);
    await writeFile(
      path.join(workDir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { module: 'node16', moduleResolution: 'node16', target: 'es2022', strict: true, noEmit: true, skipLibCheck: true, types: [], lib: ['es2022', 'dom'] },
        files: ['typed-react.mts', 'typed-react.cts', 'typed-vue.mts', 'typed-vue.cts'],
      }),
    );
    const tsc = path.join(ROOT, 'node_modules', '.bin', 'tsc');
    const result = await run(tsc, ['-p', 'tsconfig.json'], { cwd: workDir }).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? String(error) }));
    expect(result.stdout).toBe('');
  }, 60_000);
});
