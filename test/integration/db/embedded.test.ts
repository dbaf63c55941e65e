import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { MongoClient } from 'mongodb';
import { loadConfig } from '../../../server/config';
import { projectRoot } from '../../../server/paths';
import { type EmbeddedDatabase, socketAnswers, startEmbeddedDatabase } from '../../../server/processes/embedded-database';
import { waitUntil } from '../../helpers/chat';

const PROJECT_DIR = projectRoot();
const CHILD_SCRIPT = path.join(PROJECT_DIR, 'test', 'helpers', 'embedded-child.ts');
const start = (dataDir: string) => startEmbeddedDatabase({ dataDir, cacheDir: loadConfig().cacheDir, log: () => {} });

/** The socket path of a mongodb://%2F…%2Fferretdb.sock/ URI. */
function socketPathOf(uri: string): string {
  const host = /^mongodb:\/\/([^/]+\.sock)\/$/.exec(uri)?.[1];
  if (!host) throw new Error(`not a Unix socket URI: ${uri}`);
  return decodeURIComponent(host);
}


async function readAndWrite(uri: string): Promise<void> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 5_000 });
  try {
    const db = client.db('embedded-test');
    await expect(db.command({ ping: 1 })).resolves.toMatchObject({ ok: 1 });
    const notes = db.collection<{ _id: string; text: string }>('notes');
    await notes.insertOne({ _id: 'a', text: 'hello' });
    await expect(notes.findOne({ _id: 'a' })).resolves.toEqual({ _id: 'a', text: 'hello' });
  } finally {
    await client.close();
  }
}

const modeOf = (file: string) => statSync(file).mode & 0o777;

/** The FerretDB processes serving this data folder, from their command lines. */
function ferretdbPids(dataDir: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
        return argv[0]!.endsWith('/ferretdb') && argv.includes(`--state-dir=${dataDir}`);
      } catch {
        return false; // exited meanwhile
      }
    })
    .map(Number);
}

/** The inodes of a process's open sockets, from /proc/<pid>/fd. */
function socketInodes(pid: number): Set<string> {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const inode = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1];
      if (inode) inodes.add(inode);
    } catch {
      // closed meanwhile
    }
  }
  return inodes;
}

/** The TCP ports (IPv4 and IPv6) a process listens on: listening sockets of /proc/net/tcp{,6} whose inode it holds. */
function listeningTcpPorts(pid: number): number[] {
  const inodes = socketInodes(pid);
  const ports: number[] = [];
  for (const table of ['tcp', 'tcp6']) {
    for (const line of readFileSync(`/proc/${pid}/net/${table}`, 'utf8').trim().split('\n').slice(1)) {
      const [, local, , state, , , , , , inode] = line.trim().split(/\s+/);
      if (state === '0A' && inodes.has(inode!)) ports.push(parseInt(local!.split(':')[1]!, 16)); // 0A: LISTEN
    }
  }
  return ports;
}

/** The Unix socket paths a process listens on, from /proc/net/unix. */
function listeningUnixSockets(pid: number): string[] {
  const inodes = socketInodes(pid);
  const paths: string[] = [];
  for (const line of readFileSync(`/proc/${pid}/net/unix`, 'utf8').trim().split('\n').slice(1)) {
    const [, , , flags, , , inode, socketPath] = line.trim().split(/\s+/);
    // flag 0x10000: accepting connections
    if (socketPath && inodes.has(inode!) && parseInt(flags!, 16) & 0x10000) paths.push(socketPath);
  }
  return paths;
}

/** Tries the socket as another local account (nobody); resolves with the error code, or 'connected'. */
function connectAsNobody(socketPath: string): Promise<string> {
  const probe = "require('net').connect(process.argv[1]).on('connect', () => { console.log('connected'); process.exit(0) }).on('error', (e) => console.log(e.code))";
  const child = spawn(process.execPath, ['-e', probe, socketPath], { uid: 65534, gid: 65534, cwd: '/', stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`the probe exited with code ${code} without an answer`)));
  });
}

describe('startEmbeddedDatabase({ dataDir })', () => {
  let dataDir: string;
  let database: EmbeddedDatabase | undefined;
  let child: ChildProcess | undefined;

  beforeEach(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'parley-embedded-'));
  });

  afterEach(async () => {
    await database?.stop();
    child?.kill('SIGKILL');
    database = child = undefined;
    await rm(dataDir, { recursive: true, force: true });
  });

  it('serves MongoDB reads and writes on a Unix socket in its data folder until stop()', async () => {
    database = await start(dataDir);
    const socketPath = path.join(dataDir, 'ferretdb.sock');
    expect(database.uri).toBe(`mongodb://${encodeURIComponent(socketPath)}/`);
    expect(database.version).toBe('v1.24.2');
    await readAndWrite(database.uri);

    await database.stop();
    expect(existsSync(socketPath)).toBe(false);
    await expect(socketAnswers(socketPath)).resolves.toBe(false);
  }, 60_000);

  it('listens on no TCP port, only on its socket', async () => {
    database = await start(dataDir);
    const pids = ferretdbPids(dataDir);
    expect(pids).toHaveLength(1);
    expect(listeningTcpPorts(pids[0]!)).toEqual([]);
    expect(listeningUnixSockets(pids[0]!)).toEqual([socketPathOf(database.uri)]);

    // the same reading finds a port this process listens on
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      expect(listeningTcpPorts(process.pid)).toContain((server.address() as net.AddressInfo).port);
    } finally {
      server.close();
    }
  }, 60_000);

  it('creates a missing data folder with mode 0700', async () => {
    const nested = path.join(dataDir, 'data', 'ferretdb');
    database = await start(nested);
    expect(modeOf(nested)).toBe(0o700);
    expect(statSync(socketPathOf(database.uri)).mode & 0o077).toBe(0);
  }, 60_000);

  it('makes a data folder an earlier version left 0755 private (0700), and keeps its data', async () => {
    database = await start(dataDir);
    await readAndWrite(database.uri);
    await database.stop();
    await chmod(dataDir, 0o755);

    const lines: string[] = [];
    database = await startEmbeddedDatabase({ dataDir, cacheDir: loadConfig().cacheDir, log: (line) => lines.push(line) });
    expect(modeOf(dataDir)).toBe(0o700);
    expect(lines.join('\n')).toMatch(/private to this user/);
    const client = new MongoClient(database.uri);
    try {
      await expect(client.db('embedded-test').collection('notes').countDocuments()).resolves.toBe(1);
    } finally {
      await client.close();
    }
  }, 60_000);

  (process.getuid?.() === 0 ? it : it.skip)('keeps other local accounts away from its socket', async () => {
    database = await start(dataDir);
    const socketPath = socketPathOf(database.uri);
    await expect(socketAnswers(socketPath)).resolves.toBe(true);
    await expect(connectAsNobody(socketPath)).resolves.toBe('EACCES');
  }, 60_000);

  it('puts its socket in a private folder under the temp dir when the data folder path is too long for one, the same at each start', async () => {
    const deep = path.join(dataDir, 'd'.repeat(100));
    database = await start(deep);
    const socketPath = socketPathOf(database.uri);
    expect(path.dirname(socketPath)).toBe(path.join(os.tmpdir(), `parley-${os.userInfo().uid}`));
    expect(modeOf(path.dirname(socketPath))).toBe(0o700);
    await readAndWrite(database.uri);

    await database.stop();
    database = await start(deep);
    expect(socketPathOf(database.uri)).toBe(socketPath);
    await expect(socketAnswers(socketPath)).resolves.toBe(true);
  }, 60_000);

  it('starts over a socket file a killed FerretDB left behind', async () => {
    // a listener SIGKILLed leaves its socket file, as a FerretDB killed outright would
    const socketPath = path.join(dataDir, 'ferretdb.sock');
    const squatter = spawn(process.execPath, ['-e', "require('net').createServer().listen(process.argv[1], () => console.log('listening'))", socketPath]);
    await new Promise((resolve) => createInterface({ input: squatter.stdout }).once('line', resolve));
    const exited = new Promise((resolve) => squatter.once('exit', resolve));
    squatter.kill('SIGKILL');
    await exited;
    expect(existsSync(socketPath)).toBe(true);

    database = await start(dataDir);
    expect(socketPathOf(database.uri)).toBe(socketPath);
    await readAndWrite(database.uri);
  }, 60_000);

  describe('a folder locked by a live Parley process', () => {
    // this test process stands in for the other Parley: its pid is alive
    const lockOf = (owner: object) => writeFile(path.join(dataDir, 'parley-embedded.lock'), JSON.stringify({ pid: process.pid, ...owner }));

    it('that is running: the start fails at once, saying so', async () => {
      await lockOf({});
      await expect(start(dataDir)).rejects.toThrow(`the embedded database in ${dataDir} is in use by another Parley process (pid ${process.pid})`);
    }, 60_000);

    it('that is stopping: the start waits, saying so, and starts once the lock is released', async () => {
      await lockOf({ stopping: true, exitsBy: Date.now() + 60_000 });
      const lines: string[] = [];
      const starting = startEmbeddedDatabase({ dataDir, cacheDir: loadConfig().cacheDir, log: (line) => lines.push(line) });
      await waitUntil(() => lines.some((line) => line.startsWith(`waiting for the Parley process that is stopping (pid ${process.pid})`)), 30_000);
      await rm(path.join(dataDir, 'parley-embedded.lock'));
      database = await starting;
      await readAndWrite(database.uri);
    }, 60_000);

    it('that is stopping past its shutdown deadline (and the time its database takes to stop): the start gives up', async () => {
      await lockOf({ stopping: true, exitsBy: Date.now() - 10_000 });
      await expect(start(dataDir)).rejects.toThrow(/is still held by a Parley process that is stopping \(pid \d+\) past its shutdown deadline/);
    }, 60_000);
  });

  it('stops when its parent process is SIGKILLed, and starts again over the same folder on the same socket', async () => {
    child = spawn(process.execPath, ['--import', 'tsx/esm', CHILD_SCRIPT, dataDir], {
      cwd: PROJECT_DIR,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const stderr: string[] = [];
    createInterface({ input: child.stderr! }).on('line', (line) => stderr.push(line));
    const uri = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child!.stdout! }).once('line', resolve);
      child!.once('exit', (code) => reject(new Error(`embedded-child exited with code ${code}:\n${stderr.join('\n')}`)));
    });
    const socketPath = socketPathOf(uri);
    expect(await socketAnswers(socketPath)).toBe(true);
    expect(ferretdbPids(dataDir)).toHaveLength(1);

    // watched through /proc, not by connecting: a connection makes FerretDB log, and once its parent is dead that
    // write alone (SIGPIPE) would stop it, hiding whether the watchdog works
    child.kill('SIGKILL');
    await waitUntil(() => ferretdbPids(dataDir).length === 0, 10_000);
    expect(existsSync(socketPath)).toBe(false);

    database = await start(dataDir);
    expect(database.uri).toBe(uri);
    await readAndWrite(database.uri);
  }, 60_000);
});
