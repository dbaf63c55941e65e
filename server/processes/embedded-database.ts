import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { access, chmod, lstat, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { MongoClient } from 'mongodb';
import { projectRoot } from '../paths';
import { WATCHDOG } from './watchdog';

export interface EmbeddedDatabaseOptions {
  /** Where FerretDB keeps its SQLite files and its socket; created if missing, and made private (mode 0700). */
  dataDir: string;
  /** Where the FerretDB binary is built and kept (config's cacheDir, e.g. ~/.cache/parley). */
  cacheDir: string;
  log: (line: string) => void;
}

export interface EmbeddedDatabase {
  /** A Unix socket, the same for the same data folder: e.g. mongodb://%2Fsrv%2Fparley%2Fdata%2Fferretdb%2Fferretdb.sock/ */
  uri: string;
  dataDir: string;
  /** FerretDB's version, as reported by `buildInfo`. */
  version: string;
  /**
   * Says, in the lock, that this process is shutting down and exits within `exitsWithinMs`: a Parley started
   * meanwhile waits for the folder (that long, and its FerretDB's stop after it) instead of failing.
   */
  markStopping(exitsWithinMs: number): Promise<void>;
  /** Stops FerretDB and resolves once it has exited. */
  stop(): Promise<void>;
}

const FERRETDB_VERSION = 'v1.24.2';
// the folder scripts/install-ferretdb.sh builds into: the version and the revision of Parley's patch (the script's
// patch_revision); a build of another revision is in another folder, so a checkout never runs a stale binary
const FERRETDB_BUILD = `ferretdb-${FERRETDB_VERSION}-parley2`;
const INSTALL_SCRIPT = path.join(projectRoot(), 'scripts', 'install-ferretdb.sh');
const READY_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 5_000;
// a stopping Parley exits within its SHUTDOWN_TIMEOUT_MS (main.ts forces it), its FerretDB 3 s after that at most
const FERRETDB_STOP_MARGIN_MS = 5_000;
// for a lock that says it is stopping without saying by when
const STOPPING_OWNER_WAIT_MS = 15_000;
const LOCK_POLL_MS = 50;
// the driver takes a host ending in .sock for a socket path
const SOCKET_NAME = 'ferretdb.sock';
// sun_path holds 108 bytes on Linux and 104 on macOS, the final NUL included
const MAX_SOCKET_PATH_BYTES = process.platform === 'linux' ? 107 : 103;

/**
 * Starts FerretDB (SQLite backend) on a Unix socket in its data folder, building it once on first use. No TCP:
 * FerretDB has no authentication here, and the folder's mode 0700 is what keeps other local accounts out.
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
  await makePrivateFolder(dataDir, options.log);
  const lock = await acquireLock(dataDir, options.log);
  try {
    const socketPath = await socketPathFor(dataDir);
    await removeStaleSocket(socketPath);
    const database = await startFerretdb(binary, dataDir, socketPath, options.log);
    const owner: LockOwner = { pid: process.pid, uri: database.uri };
    await writeLock(lock, owner);
    return {
      ...database,
      markStopping: (exitsWithinMs) => writeLock(lock, { ...owner, stopping: true, exitsBy: Date.now() + exitsWithinMs }),
      stop: async () => {
        await database.stop();
        await rm(lock, { force: true });
      },
    };
  } catch (error) {
    await rm(lock, { force: true });
    throw error;
  }
}

/** Creates the folder, or makes an existing one (earlier versions left 0755) private to this user. */
async function makePrivateFolder(dir: string, log: (line: string) => void): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const { mode } = await stat(dir);
  if ((mode & 0o777) === 0o700) return;
  await chmod(dir, 0o700);
  if (mode & 0o077) log(`made ${dir} private to this user (mode 0700, was ${(mode & 0o777).toString(8)}): the embedded database has no password`);
}

/**
 * The socket's path: in the data folder, or, when that path is too long for a socket address, in a folder of
 * this user's under the temp dir (as tmux does), named after the data folder so that a restart finds it again.
 */
async function socketPathFor(dataDir: string): Promise<string> {
  const inDataDir = path.join(dataDir, SOCKET_NAME);
  if (Buffer.byteLength(inDataDir) <= MAX_SOCKET_PATH_BYTES) return inDataDir;

  const { uid } = os.userInfo();
  const dir = path.join(os.tmpdir(), `parley-${uid}`);
  const name = `ferretdb-${createHash('sha256').update(dataDir).digest('hex').slice(0, 16)}.sock`;
  const socketPath = path.join(dir, name);
  if (Buffer.byteLength(socketPath) > MAX_SOCKET_PATH_BYTES) {
    throw new Error(`unable to start the embedded database; both ${inDataDir} and ${socketPath} are too long for a Unix socket, set DATA_DIR to a shorter path`);
  }
  try {
    await mkdir(dir, { mode: 0o700 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  // the temp dir is shared: anyone could have made this folder first, or a symlink by its name
  const folder = await lstat(dir);
  if (!folder.isDirectory() || folder.uid !== uid || (folder.mode & 0o077) !== 0) {
    throw new Error(`unable to start the embedded database; ${dir} (for its socket, as ${inDataDir} is too long) is not a folder private to this user, set DATA_DIR to a shorter path`);
  }
  return socketPath;
}

/**
 * Removes the socket a killed FerretDB left. One that its watchdog is still stopping is waited for: closing
 * removes its socket path, even if a new FerretDB has bound it since.
 */
async function removeStaleSocket(socketPath: string): Promise<void> {
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  while (await socketAnswers(socketPath)) {
    if (Date.now() > deadline) throw new Error(`unable to start the embedded database; something still answers on ${socketPath}`);
    await sleep(100);
  }
  await rm(socketPath, { force: true });
}

/** Whether something accepts connections on the Unix socket at `socketPath`. */
export function socketAnswers(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(socketPath);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

// One FerretDB per data folder: two over the same SQLite files corrupt each other's metadata.
const LOCK_FILE = 'parley-embedded.lock';

interface LockOwner {
  pid: number;
  uri?: string;
  /** Set when its owner begins shutting down: the folder is free once the lock is gone or the owner dead. */
  stopping?: boolean;
  /** When a stopping owner exits at the latest (ms since the epoch): its shutdown deadline. */
  exitsBy?: number;
}

/** The URI of the embedded database another process runs over this folder, if one does and is not stopping (the site CLI uses it). */
export async function findRunningEmbeddedDatabase(dataDir: string): Promise<string | undefined> {
  const owner = await readLock(path.join(path.resolve(dataDir), LOCK_FILE));
  return owner && isAlive(owner.pid) && !owner.stopping ? owner.uri : undefined;
}

/**
 * Takes the folder's lock. A live owner fails the start, unless it said it is stopping: that one is waited for
 * (a restart right after Ctrl-C) until the deadline it wrote, plus its FerretDB's stop. A dead owner's lock is
 * stale and removed.
 */
async function acquireLock(dataDir: string, log: (line: string) => void): Promise<string> {
  const file = path.join(dataDir, LOCK_FILE);
  let giveUpAt: number | undefined;
  for (;;) {
    try {
      await writeFile(file, JSON.stringify({ pid: process.pid } satisfies LockOwner), { flag: 'wx' });
      return file;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = await readLock(file);
    if (!owner) {
      // just created by another starter, its pid not written yet; or a leftover nobody can read
      if (await isOlderThan(file, 2_000)) await rm(file, { force: true });
      else await sleep(LOCK_POLL_MS);
      continue;
    }
    if (!isAlive(owner.pid)) {
      // its owner died without cleaning up (SIGKILL): the watchdog has stopped its FerretDB, so the folder is free
      await rm(file, { force: true });
      continue;
    }
    if (!owner.stopping) {
      throw new Error(`the embedded database in ${dataDir} is in use by another Parley process (pid ${owner.pid}); stop it, or set DATA_DIR to another folder`);
    }
    if (giveUpAt === undefined) {
      giveUpAt = owner.exitsBy === undefined ? Date.now() + STOPPING_OWNER_WAIT_MS : Math.max(owner.exitsBy, Date.now()) + FERRETDB_STOP_MARGIN_MS;
      log(`waiting for the Parley process that is stopping (pid ${owner.pid}) to release ${dataDir}…`);
    } else if (Date.now() > giveUpAt) {
      throw new Error(`the embedded database in ${dataDir} is still held by a Parley process that is stopping (pid ${owner.pid}) past its shutdown deadline; stop it, or set DATA_DIR to another folder`);
    }
    await sleep(LOCK_POLL_MS);
  }
}

/** Replaces the lock's content in one step (write, then rename): a reader never sees it half written. */
async function writeLock(file: string, owner: LockOwner): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, JSON.stringify(owner));
  await rename(temporary, file);
}

async function isOlderThan(file: string, ms: number): Promise<boolean> {
  try {
    return Date.now() - (await stat(file)).mtimeMs > ms;
  } catch {
    return true; // gone already
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
  const binary = path.join(cacheDir, FERRETDB_BUILD, 'ferretdb');
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

async function startFerretdb(binary: string, dataDir: string, socketPath: string, log: (line: string) => void): Promise<Omit<EmbeddedDatabase, 'markStopping'>> {
  const args = [
    '--handler=sqlite',
    `--sqlite-url=file:${dataDir}/`, // FerretDB requires the trailing slash
    '--listen-addr=', // no TCP listener: anyone on the machine could connect to it, and there is no password
    `--listen-unix=${socketPath}`,
    '--debug-addr=-', // no HTTP listener for metrics either (its default, 127.0.0.1:8088, would also clash between instances)
    `--state-dir=${dataDir}`,
    '--telemetry=disable',
    '--log-level=warn',
  ];
  // umask 077: its socket and SQLite files are private too, should the folder's mode ever be loosened
  const child = spawn('/bin/sh', ['-c', `umask 077\n${WATCHDOG}`, 'ferretdb', binary, ...args], {
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

  const uri = `mongodb://${encodeURIComponent(socketPath)}/`;
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
