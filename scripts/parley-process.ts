// A Parley node as its own Node process (`server/main.ts`), for the multi-node tests and the benchmark.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { findFreePort } from '../server/processes/watchdog';
import { projectRoot } from '../server/paths';

export interface ParleyProcess {
  url: string;
  port: number;
  pid: number;
  /** Everything the process printed so far (JSON log lines), for failure messages. */
  output(): string;
  /** SIGTERM (graceful) or SIGKILL (a crash); resolves with the exit code once the process is gone. */
  stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<number | null>;
  /** Resolves when the process exits by itself or is stopped. */
  exited: Promise<number | null>;
}

// a deadline for a start that hangs, not a speed check: on a busy two-core machine a start has taken over 30 s
const READY_TIMEOUT_MS = 120_000;
// nodes behind one load balancer sign cookies with the same keys: one set for every process started from here
const sessionKeys = randomBytes(32).toString('base64url');

/**
 * Starts `server/main.ts` with `env` added to this process's environment, on `env.PORT` or a free port, and
 * resolves once `/readyz` answers 200 (`nodeArgs`, e.g. `--cpu-prof`, go to node; `args`, e.g. `--workers 2`, to Parley;
 * `onOutput` sees the output so far as it grows, while starting too). Rejects with the process's output when it exits or is not ready in time.
 */
export async function startParleyProcess(
  env: Record<string, string>,
  options: { nodeArgs?: string[]; args?: string[]; onOutput?: (text: string) => void } = {},
): Promise<ParleyProcess> {
  const root = projectRoot();
  const port = env.PORT ? Number(env.PORT) : await findFreePort();
  const child: ChildProcess = spawn(process.execPath, [...(options.nodeArgs ?? []), '--import', 'tsx', path.join(root, 'server', 'main.ts'), ...(options.args ?? [])], {
    cwd: root,
    env: { ...process.env, NODE_ENV: 'production', HOST: '127.0.0.1', LOG_LEVEL: 'warn', SESSION_KEYS: sessionKeys, ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
    options.onOutput?.(output);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;

  const deadline = Date.now() + READY_TIMEOUT_MS;
  let ready = false;
  while (!ready) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the Parley process exited (${child.exitCode ?? child.signalCode}):\n${output}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the Parley process was not ready within ${READY_TIMEOUT_MS} ms:\n${output}`);
    }
    ready = await fetch(`${url}/readyz`).then(
      (response) => response.ok,
      () => false,
    );
    if (!ready) await new Promise((resolve) => setTimeout(resolve, 100));
  }

  return {
    url,
    port,
    pid: child.pid ?? 0,
    output: () => output,
    exited,
    stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
