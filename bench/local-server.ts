import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { type Config, loadConfig } from '../server/config';
import { type Parley, startParley } from '../server/start-up';

/**
 * A real Parley for a one-file benchmark (bench/uploads.ts, bench/webhooks.ts, bench/email.ts): on a temporary embedded database (or
 * MONGODB_URI, in a database of its own named after `name`), on loopback, quiet, with sign-up's proof of work off and
 * `env` on top. `start()` may be called again after `close()`: the same data. `remove()` deletes the temporary folder.
 */
export function localServer(name: string, env: Record<string, string> = {}) {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), `parley-bench-${name}-`));
  const config: Config = loadConfig({
    ...process.env,
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    MONGODB_DB: `bench_${name}_${randomBytes(4).toString('hex')}`,
    PROOF_OF_WORK: 'off',
    LOG_LEVEL: 'silent',
    ...env,
  });
  return {
    start: (): Promise<Parley> => startParley(config, pino({ level: 'silent' })),
    remove: () => rmSync(dataDir, { recursive: true, force: true }),
  };
}
