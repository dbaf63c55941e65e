import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { MongoClient } from 'mongodb';
import { projectRoot } from '../paths';

export interface EmbeddedDatabaseOptions {
  /** Where FerretDB keeps its SQLite files; created if missing. */
  dataDir: string;
  /** Where the FerretDB binary is built and kept (config's cacheDir, e.g. ~/.cache/parley). */
  cacheDir: string;
  log: (line: string) => void;
  /** A fixed port (to restart a database in place); default: a free one. */
  port?: number;
}

export interface EmbeddedDatabase {
  /** e.g. mongodb://127.0.0.1:41234/ */
  uri: string;
  dataDir: string;
  /** FerretDB's version, as reported by `buildInfo`. */
  version: string;
  /** Stops FerretDB and resolves once it has exited. */
  stop(): Promise<void>;
}

const FERRETDB_VERSION = 'v1.24.2';
const INSTALL_SCRIPT = path.join(projectRoot(), 'scripts', 'install-ferretdb.sh');
const READY_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 5_000;
const PORT_ATTEMPTS = 3;

/**
 * Runs a program ("$@"; ferretdb here, redis-server in scripts/redis-process.ts) so that it stops with Node, even when Node is SIGKILLed: Node holds the write end of
 * this shell's stdin, and the kernel closes it when Node dies. A background reader waits for that EOF and stops
 * the program; the foreground waits for it, so an early crash ends the shell too. The first stdout line is
 * the program's pid (for the last-resort SIGKILL); its own output all goes to stderr.
 */
export const WATCHDOG = `
exec 3<&0 </dev/null
"$@" >&2 3<&- &
pid=$!
echo "$pid"
{
  while read -r line; do :; done
  kill -TERM "$pid" 2>/dev/null || exit 0
  n=0
  while kill -0 "$pid" 2>/dev/null && [ "$n" -lt 30 ]; do sleep 0.1; n=$((n + 1)); done
  kill -KILL "$pid" 2>/dev/null
} <&3 >/dev/null 2>&1 &
exec 3<&-
wait "$pid"
`;

/**
 * Starts FerretDB (SQLite backend) on a free local port, building it once on first use.
 *
 * @example
 * const database = await startEmbeddedDatabase({ dataDir: 'data', cacheDir: config.cacheDir, log: console.log });
 * const client = new MongoClient(database.uri);
 * // …
 * await database.stop();
 */
export async function startEmbeddedDatabase(options: EmbeddedDatabaseOptions): Promise<EmbeddedDatabase> {
  const dataDir = path.resolve(options.dataDir);
  const binary = await findOrInstallFerretdb(options.cacheDir, options.log);
  await mkdir(dataDir, { recursive: true });
  const lock = await acquireLock(dataDir);
  try {
    for (let attempt = 1; ; attempt++) {
      const port = options.port ?? (await findFreePort());
      try {
        const database = await startFerretdb(binary, dataDir, port, options.log);
        await writeFile(lock, JSON.stringify({ pid: process.pid, uri: database.uri } satisfies LockOwner));
        return {
          ...database,
          stop: async () => {
            await database.stop();
            await rm(lock, { force: true });
          },
        };
      } catch (error) {
        // another process may take the port between findFreePort() and ferretdb's bind
        if (options.port === undefined && attempt < PORT_ATTEMPTS && error instanceof Error && error.message.includes('address already in use')) continue;
        throw error;
      }
    }
  } catch (error) {
    await rm(lock, { force: true });
    throw error;
  }
}

// One FerretDB per data folder: two over the same SQLite files corrupt each other's metadata.
const LOCK_FILE = 'parley-embedded.lock';

interface LockOwner {
  pid: number;
  uri?: string;
}

/** The URI of the embedded database another process runs over this folder, if one does (the site CLI uses it). */
export async function findRunningEmbeddedDatabase(dataDir: string): Promise<string | undefined> {
  const owner = await readLock(path.join(path.resolve(dataDir), LOCK_FILE));
  return owner && isAlive(owner.pid) ? owner.uri : undefined;
}

async function acquireLock(dataDir: string): Promise<string> {
  const file = path.join(dataDir, LOCK_FILE);
  for (;;) {
    try {
      await writeFile(file, JSON.stringify({ pid: process.pid } satisfies LockOwner), { flag: 'wx' });
      return file;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = await readLock(file);
      if (owner && isAlive(owner.pid)) {
        throw new Error(`the embedded database in ${dataDir} is in use by another Parley process (pid ${owner.pid}); stop it, or set DATA_DIR to another folder`);
      }
      // its owner died without cleaning up (SIGKILL): the watchdog has stopped its FerretDB, so the folder is free
      await rm(file, { force: true });
    }
  }
}

async function readLock(file: string): Promise<LockOwner | undefined> {
  try {
    const owner = JSON.parse(await readFile(file, 'utf8')) as LockOwner;
    return typeof owner.pid === 'number' ? owner : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function findOrInstallFerretdb(cacheDir: string, log: (line: string) => void): Promise<string> {
  const binary = path.join(cacheDir, `ferretdb-${FERRETDB_VERSION}`, 'ferretdb');
  try {
    await access(binary, constants.X_OK);
    return binary;
  } catch {
    return runInstaller(cacheDir, log);
  }
}

/** Runs the install script, relaying its progress so a first start never looks hung. */
function runInstaller(cacheDir: string, log: (line: string) => void): Promise<string> {
  const started = Date.now();
  const seconds = () => Math.round((Date.now() - started) / 1000);
  log(`building FerretDB ${FERRETDB_VERSION} into ${cacheDir} (first run only, takes a few minutes)…`);
  let step = '';
  const heartbeat = setInterval(() => {
    log(`building FerretDB ${FERRETDB_VERSION} (first run only, takes a few minutes)… ${seconds()} s${step && `, ${step}`}`);
  }, 10_000);

  const installer = spawn('bash', [INSTALL_SCRIPT], {
    env: { ...process.env, PARLEY_CACHE_DIR: cacheDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout: string[] = [];
  createInterface({ input: installer.stdout }).on('line', (line) => stdout.push(line));
  const stderr: string[] = [];
  createInterface({ input: installer.stderr }).on('line', (line) => {
    stderr.push(line);
    if (stderr.length > 20) stderr.shift();
    // go names hundreds of modules and packages, one a line: the heartbeat shows the latest; anything else is news
    const download = /^go: (downloading .*)$/.exec(line);
    if (download) step = download[1]!;
    else if (/^\S+$/.test(line)) step = `compiling ${line}`;
    else log(`FerretDB build: ${line}`);
  });

  return new Promise((resolve, reject) => {
    installer.on('error', (error) => {
      clearInterval(heartbeat);
      reject(new Error(`unable to run ${INSTALL_SCRIPT}; ${error.message}`));
    });
    installer.on('close', (code) => {
      clearInterval(heartbeat);
      const binary = stdout.at(-1);
      if (code === 0 && binary) {
        log(`built FerretDB ${FERRETDB_VERSION} in ${seconds()} s`);
        resolve(binary);
      } else if (code === 3 && stderr.length > 0) {
        // the script's own one-sentence explanation (e.g. Go is missing)
        reject(new Error(stderr.at(-1)));
      } else {
        reject(new Error(`unable to build FerretDB ${FERRETDB_VERSION}; the installer exited with code ${code}:\n${stderr.join('\n')}`));
      }
    });
  });
}

/** A free TCP port on 127.0.0.1, for a child server that must be told its port (FerretDB, redis-server in tests). */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function startFerretdb(binary: string, dataDir: string, port: number, log: (line: string) => void): Promise<EmbeddedDatabase> {
  const args = [
    '--handler=sqlite',
    `--sqlite-url=file:${dataDir}/`, // FerretDB requires the trailing slash
    `--listen-addr=127.0.0.1:${port}`,
    '--debug-addr=-', // the default 127.0.0.1:8088 would clash between instances
    `--state-dir=${dataDir}`,
    '--telemetry=disable',
    '--log-level=warn',
  ];
  const child = spawn('/bin/sh', ['-c', WATCHDOG, 'ferretdb', binary, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: false,
  });
  child.stdin.on('error', () => {}); // EPIPE once the shell is gone is expected

  let ferretdbPid: number | undefined;
  createInterface({ input: child.stdout }).once('line', (line) => (ferretdbPid = Number(line) || undefined));
  const stderrTail: string[] = [];
  createInterface({ input: child.stderr }).on('line', (line) => {
    stderrTail.push(line);
    if (stderrTail.length > 20) stderrTail.shift();
    // clientconn warns about every failed command (even the driver's endSessions on close), which the client already has; its errors (panics) still count
    if (/\t(ERROR|DPANIC|PANIC|FATAL)/.test(line) || (/\tWARN/.test(line) && !/\tclientconn\//.test(line))) log(`FerretDB: ${line}`);
  });

  // 'close' comes after ferretdb too has exited: it holds the stderr pipe until then
  let exitStatus: string | undefined;
  const closed = new Promise<void>((resolve) =>
    child.on('close', (code, signal) => {
      exitStatus = signal ? `signal ${signal}` : `code ${code}`;
      child.stdin.end(); // releases the watchdog's reader when ferretdb exited on its own
      resolve();
    }),
  );

  const stop = async () => {
    if (exitStatus) return;
    child.stdin.end();
    // the watchdog itself escalates to SIGKILL after 3 s; this covers a watchdog that is stuck or gone
    const escalation = setTimeout(() => killQuietly([child.pid, ferretdbPid]), STOP_TIMEOUT_MS);
    await closed;
    clearTimeout(escalation);
  };

  const uri = `mongodb://127.0.0.1:${port}/`;
  try {
    const version = await waitUntilReady(uri, () => exitStatus !== undefined);
    return { uri, dataDir, version, stop };
  } catch (error) {
    const exitedEarly = exitStatus !== undefined;
    await stop();
    if (!exitedEarly || stderrTail.length === 0) throw error;
    throw new Error(`unable to start FerretDB; it exited with ${exitStatus}:\n${stderrTail.join('\n')}`);
  }
}

/** Pings until FerretDB answers, then returns its version. */
async function waitUntilReady(uri: string, hasExited: () => boolean): Promise<string> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    const client = new MongoClient(uri, { directConnection: true, serverSelectionTimeoutMS: 1_000 });
    try {
      const admin = client.db('admin');
      await admin.command({ ping: 1 });
      const info = await admin.command({ buildInfo: 1 });
      return String(info.ferretdbVersion ?? info.version);
    } catch (error) {
      if (hasExited()) throw new Error('FerretDB exited before it was ready');
      if (Date.now() > deadline) throw new Error(`unable to start FerretDB; it did not answer within ${READY_TIMEOUT_MS / 1000} s`, { cause: error });
      await sleep(100);
    } finally {
      await client.close();
    }
  }
}

function killQuietly(pids: Array<number | undefined>): void {
  for (const pid of pids) {
    try {
      if (pid) process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
