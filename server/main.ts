// The command line: `tsx server/main.ts [--workers N]` runs Parley until SIGINT/SIGTERM.
import path from 'node:path';
import type { Logger } from 'pino';
import { startCluster } from './cluster';
import { type Config, ConfigError, loadConfig } from './config';
import type { Repositories } from './db';
import { createLogger } from './logger';
import { startParley } from './start-up';

// tests and the benchmark import these from here
export { startParley, type Parley } from './start-up';

/** Runs Parley until SIGINT/SIGTERM, then shuts down in order and exits. */
export async function runUntilSignalled(start: (config: Config, log: Logger) => Promise<{ close(): Promise<void> }>): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
  const log = createLogger(config.logLevel);
  let running: { close(): Promise<void> };
  try {
    running = await start(config, log);
  } catch (error) {
    log.fatal(error instanceof Error && !/^Mongo/.test(error.name) ? error.message : { err: error }, 'Parley could not start');
    // let the log transport flush before leaving
    setTimeout(() => process.exit(1), 100);
    return;
  }
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    setTimeout(() => process.exit(1), config.shutdownTimeoutMs).unref();
    running.close().then(() => process.exit(0), () => process.exit(1));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

const MAX_WORKERS = 64;

/** `--workers N` (or `--workers=N`) from the command line: how many Parley processes to run; 1 when absent. */
export function workersOption(args: readonly string[]): number {
  const index = args.findIndex((arg) => arg === '--workers' || arg.startsWith('--workers='));
  if (index === -1) return 1;
  const value = args[index]?.includes('=') ? args[index]?.split('=')[1] : args[index + 1];
  const workers = Number(value);
  if (!Number.isInteger(workers) || workers < 1 || workers > MAX_WORKERS) {
    console.error(`--workers takes a whole number from 1 to ${MAX_WORKERS} (got ${value ?? 'nothing'})`);
    process.exit(1);
  }
  return workers;
}

/** Starts one Parley process, or with `--workers N` a cluster of N. */
export async function startFromCommandLine(config: Config, log: Logger, args: readonly string[]): Promise<{ url: string; repositories: Repositories; close(): Promise<void> }> {
  const workers = workersOption(args);
  return workers === 1 ? startParley(config, log) : startCluster(config, log, workers);
}

if (process.argv[1] && path.resolve(process.argv[1]).endsWith(path.join('server', 'main.ts'))) {
  void runUntilSignalled((config, log) => startFromCommandLine(config, log, process.argv.slice(2)));
}
