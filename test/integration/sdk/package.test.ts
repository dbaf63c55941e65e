import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Parley } from '../../../server/main';
import { projectRoot } from '../../../server/paths';
import { newAccount, startTestServer } from '../../helpers/server';

const run = promisify(execFile);
const ROOT = projectRoot();
const SDK_DIR = path.join(ROOT, 'sdk');

let parley: Parley;
let workDir: string;
let tarball: string;
let packed: string[];
beforeAll(async () => {
  if (!existsSync(path.join(SDK_DIR, 'dist', 'index.js'))) throw new Error('sdk/dist is missing: run `npm run build` first');
  parley = await startTestServer();
  workDir = await mkdtemp(path.join(os.tmpdir(), 'parley-sdk-consumer-'));
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', workDir], { cwd: SDK_DIR });
  const [report] = JSON.parse(stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
  tarball = path.join(workDir, report!.filename);
  packed = report!.files.map((file) => file.path).sort();
  // a project of a developer's own, installing the tarball as they would install it from the registry
  await writeFile(path.join(workDir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, version: '1.0.0' }));
  await run('npm', ['install', tarball, '--no-audit', '--no-fund', '--prefer-offline', '--no-package-lock'], { cwd: workDir });
}, 120_000);
afterAll(async () => {
  await parley?.close();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

/** A script that signs up, joins, sends and prints the stored message's seq; `load` is how it gets the SDK. */
const consumer = (load: string) => `${load}
const chat = createChatClient({ baseUrl: process.env.PARLEY_URL, site: 'demo' });
(async () => {
  const account = JSON.parse(process.env.PARLEY_ACCOUNT);
  await chat.register(account);
  const room = await chat.join('general');
  const sent = await room.send('from the packed SDK');
  // the email and data calls are files of their own, loaded when first used
  const email = await chat.emailSettings();
  const data = await chat.exportData();
  if (email.notify !== true || data.messages.length !== 1) throw new Error('email or data calls failed');
  const error = await chat.join('Bad Id').catch((e) => e);
  console.log(JSON.stringify({ seq: sent.seq, text: sent.text, isChatError: error instanceof ChatError, code: error.code }));
  chat.close();
})();
`;

describe('the @parley/sdk package', () => {
  it('packs only the built files, package.json, README and LICENSE', () => {
    expect(packed).toEqual([
      'LICENSE',
      'README.md',
      'dist/email.cjs',
      'dist/email.js',
      'dist/index.cjs',
      'dist/index.d.cts',
      'dist/index.d.ts',
      'dist/index.js',
      'dist/privacy.cjs',
      'dist/privacy.js',
      'dist/proof-of-work.cjs',
      'dist/proof-of-work.js',
      'package.json',
    ]);
  });

  it.each([
    ['ESM', 'consumer.mjs', "import { createChatClient, ChatError } from '@parley/sdk';"],
    ['CommonJS', 'consumer.cjs', "const { createChatClient, ChatError } = require('@parley/sdk');"],
  ])('installs from the tarball and works as %s in Node', async (_format, file, load) => {
    await writeFile(path.join(workDir, file), consumer(load));
    const env = { ...process.env, PARLEY_URL: parley.url, PARLEY_ACCOUNT: JSON.stringify(newAccount('packed')) };
    const { stdout } = await run(process.execPath, [file], { cwd: workDir, env, timeout: 20_000 });
    expect(JSON.parse(stdout)).toEqual({ seq: expect.any(Number), text: 'from the packed SDK', isChatError: true, code: 'invalid_input' });
  }, 30_000);

  it('ships types that TypeScript resolves from ESM and CommonJS (node16), strictly', async () => {
    const uses = `
const chat = createChatClient({ baseUrl: 'http://localhost:3000', site: 'demo' });
export async function use(): Promise<number> {
  const room = await chat.join('general');
  room.on('message', (m) => { const seq: number = m.seq; void seq; });
  // @ts-expect-error: rooms have no such event
  room.on('nope', () => undefined);
  const code: 'invalid_input' | 'unauthorized' | 'forbidden' | 'not_found' | 'conflict' | 'rate_limited' | 'unavailable' | 'network' | 'internal' = new ChatError('network', 'x').code;
  void code;
  return (await room.send('typed')).seq;
}
`;
    await writeFile(path.join(workDir, 'typed-esm.mts'), `import { createChatClient, ChatError } from '@parley/sdk';\n${uses}`);
    await writeFile(path.join(workDir, 'typed-cjs.cts'), `import sdk = require('@parley/sdk');\nconst { createChatClient, ChatError } = sdk;\n${uses}`);
    await writeFile(
      path.join(workDir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { module: 'node16', moduleResolution: 'node16', target: 'es2022', strict: true, noEmit: true, types: [], lib: ['es2022', 'dom'] },
        files: ['typed-esm.mts', 'typed-cjs.cts'],
      }),
    );
    const tsc = path.join(ROOT, 'node_modules', '.bin', 'tsc');
    const result = await run(tsc, ['-p', 'tsconfig.json'], { cwd: workDir }).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? String(error) }));
    expect(result.stdout).toBe('');
  }, 60_000);
});
