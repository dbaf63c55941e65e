import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../server/config';
import { type EmbeddedDatabase, startEmbeddedDatabase } from '../../server/processes/embedded-database';

declare global {
  // shared between global setup and teardown, which run in the same process
  var parleyTestDatabase: EmbeddedDatabase | undefined;
}

/** Starts one real database for the run, unless MONGODB_URI points at one already. */
export default async function globalSetup(): Promise<void> {
  if (process.env.MONGODB_URI) {
    process.env.PARLEY_TEST_MONGODB_URI = process.env.MONGODB_URI;
    return;
  }
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'parley-test-db-'));
  const database = await startEmbeddedDatabase({ dataDir, cacheDir: loadConfig().cacheDir, log: (line) => process.stderr.write(`${line}\n`) });
  globalThis.parleyTestDatabase = database;
  process.env.PARLEY_TEST_MONGODB_URI = database.uri;
}
