import { spawn } from 'node:child_process';
import path from 'node:path';
import type { Parley } from '../../../server/main';
import { projectRoot } from '../../../server/paths';
import { newAccount, startTestServer } from '../../helpers/server';

let parley: Parley;
beforeAll(async () => {
  parley = await startTestServer();
});
afterAll(() => parley.close());

const EXIT_WITHIN_MS = 3_000;

describe('chat.close()', () => {
  it('releases every socket and timer: a Node process that used the SDK exits by itself', async () => {
    const root = projectRoot();
    const child = spawn(path.join(root, 'node_modules', '.bin', 'tsx'), ['test/fixtures/sdk-close.ts'], {
      cwd: root,
      env: { ...process.env, PARLEY_URL: parley.url, PARLEY_USERNAME: newAccount('closer').username },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    let closedAt = 0;
    child.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('closed')) closedAt = Date.now();
    });

    const exit = await new Promise<{ code: number | null; lingeredMs: number }>((resolve) => {
      const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      child.once('exit', (code) => {
        clearTimeout(killer);
        resolve({ code, lingeredMs: Date.now() - closedAt });
      });
    });
    expect({ code: exit.code, output: output.trim() }).toEqual({ code: 0, output: 'closed' });
    // tsx's own shutdown takes a moment; an open socket or timer would keep the process up far longer
    expect(exit.lingeredMs).toBeLessThan(EXIT_WITHIN_MS);
  }, 30_000);
});
