import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { MongoClient } from 'mongodb';
import { loadConfig } from '../../../server/config';
import { projectRoot } from '../../../server/paths';
import { type EmbeddedDatabase, startEmbeddedDatabase } from '../../../server/db/embedded';

const PROJECT_DIR = projectRoot();
const CHILD_SCRIPT = path.join(PROJECT_DIR, 'test', 'helpers', 'embedded-child.ts');

function acceptsConnections(uri: string): Promise<boolean> {
  const { hostname, port } = new URL(uri);
  return new Promise((resolve) => {
    const socket = net.connect(Number(port), hostname);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

// binding is the probe: a connection probe makes FerretDB log, and once its parent is dead that write alone
// (SIGPIPE) would stop it, hiding whether the watchdog works
function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

async function waitUntilPortIsFree(port: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await portIsFree(port)) return true;
    await sleep(100);
  }
  return false;
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

  it('serves MongoDB reads and writes until stop() and frees the port after', async () => {
    database = await startEmbeddedDatabase({ dataDir, cacheDir: loadConfig().cacheDir, log: () => {} });
    expect(database.uri).toMatch(/^mongodb:\/\/127\.0\.0\.1:\d+\/$/);
    expect(database.version).toBe('v1.24.2');

    const client = new MongoClient(database.uri);
    try {
      const db = client.db('embedded-test');
      await expect(db.command({ ping: 1 })).resolves.toMatchObject({ ok: 1 });
      const notes = db.collection<{ _id: string; text: string }>('notes');
      await notes.insertOne({ _id: 'a', text: 'hello' });
      await expect(notes.findOne({ _id: 'a' })).resolves.toEqual({ _id: 'a', text: 'hello' });
    } finally {
      await client.close();
    }

    await database.stop();
    await expect(acceptsConnections(database.uri)).resolves.toBe(false);
  }, 60_000);

  it('stops when its parent process is SIGKILLed', async () => {
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
    expect(await acceptsConnections(uri)).toBe(true);

    child.kill('SIGKILL');
    expect(await waitUntilPortIsFree(Number(new URL(uri).port), 10_000)).toBe(true);
    expect(await acceptsConnections(uri)).toBe(false);
  }, 60_000);
});
