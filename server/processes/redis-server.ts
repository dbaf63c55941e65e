import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { findFreePort, WATCHDOG } from './watchdog';

export interface RedisProcess {
  url: string;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 10_000;

/**
 * A redis-server (Debian's, installed by .ci/run) on a free port, in memory only, that stops with this process
 * even when it is killed: for tests, the benchmark and `npm start -- --workers N`. `port`: to restart one in place.
 */
export async function startRedis(options: { port?: number } = {}): Promise<RedisProcess> {
  const port = options.port ?? (await findFreePort());
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'yes'];
  const child = spawn('/bin/sh', ['-c', WATCHDOG, 'redis-server', 'redis-server', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin.on('error', () => {}); // EPIPE once the shell is gone is expected
  child.stdout.resume(); // the watchdog prints redis-server's pid there; stopping needs only stdin
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const stop = async () => {
    child.stdin.end(); // the watchdog stops redis-server (SIGTERM, then SIGKILL after 3 s)
    await exited;
  };

  // the watchdog sends the program's output to stderr
  let output = '';
  const ready = new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stderr }).on('line', (line) => {
      output += `${line}\n`;
      if (line.includes('Ready to accept connections')) resolve();
    });
    void exited.then(() =>
      reject(new Error(/not found/.test(output) ? 'cannot run redis-server (apt-get install redis-server)' : `redis-server exited:\n${output}`)),
    );
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`redis-server did not start within ${READY_TIMEOUT_MS} ms:\n${output}`)), READY_TIMEOUT_MS);
  });
  try {
    await Promise.race([ready, timeout]);
  } catch (error) {
    await stop();
    throw error;
  } finally {
    clearTimeout(timer);
  }
  return { url: `redis://127.0.0.1:${port}`, stop };
}
