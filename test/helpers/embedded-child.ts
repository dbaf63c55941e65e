// A parent process for the embedded database, for tests that kill it: prints the URI, then idles until killed.
import { loadConfig } from '../../server/config';
import { startEmbeddedDatabase } from '../../server/processes/embedded-database';

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: embedded-child.ts <data dir>');
const database = await startEmbeddedDatabase({ dataDir, cacheDir: loadConfig().cacheDir, log: (line) => process.stderr.write(`${line}\n`) });
process.stdout.write(`${database.uri}\n`);
// the running database keeps the event loop alive; nothing to do until the test kills us
