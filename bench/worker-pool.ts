// The primary's side of the load generators: forks the worker processes and runs typed commands on them.
import { type ChildProcess, fork } from 'node:child_process';
import path from 'node:path';
import { projectRoot } from '../server/paths';
import type { CommandMessage, CommandName, ReplyMessage, WorkerCommands } from './worker-protocol';

const READY_TIMEOUT_MS = 30_000;

interface Pending {
  resolve: (result: unknown) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

class WorkerProcess {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private exitReason: string | undefined;
  readonly exited: Promise<void>;

  constructor(
    readonly index: number,
    private readonly child: ChildProcess,
  ) {
    child.on('message', (message: ReplyMessage) => {
      if ('ready' in message) return;
      const waiting = this.pending.get(message.id);
      if (!waiting) return;
      this.pending.delete(message.id);
      clearTimeout(waiting.timer);
      if ('error' in message) waiting.reject(new Error(`worker ${index}: ${message.error}`));
      else waiting.resolve(message.result);
    });
    // a send racing the worker's exit; the exit handler below rejects what waits
    child.on('error', () => undefined);
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        this.exitReason = `worker ${index} exited (${signal ?? code})`;
        for (const waiting of this.pending.values()) {
          clearTimeout(waiting.timer);
          waiting.reject(new Error(this.exitReason));
        }
        this.pending.clear();
        resolve();
      }),
    );
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  run<Name extends CommandName>(command: Name, request: WorkerCommands[Name]['request'], timeoutMs: number): Promise<WorkerCommands[Name]['result']> {
    if (this.exitReason || !this.child.connected) return Promise.reject(new Error(this.exitReason ?? `worker ${this.index} is shutting down`));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`worker ${this.index}: ${command} took longer than ${timeoutMs} ms`));
      }, timeoutMs);
      // the reply to `id` answers this command: its result has this command's type
      this.pending.set(id, { resolve: resolve as (result: unknown) => void, reject, timer });
      this.child.send({ id, command, request } as CommandMessage);
    });
  }

  async stop(): Promise<void> {
    if (this.exitReason) return;
    // closing the IPC channel makes the worker exit by itself (see client-worker.ts); SIGKILL if it does not
    const kill = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    if (this.child.connected) this.child.disconnect();
    await this.exited;
    clearTimeout(kill);
  }
}

export class WorkerPool {
  private constructor(readonly workers: readonly WorkerProcess[]) {}

  /** Forks `count` workers (`node --import tsx bench/client-worker.ts <index>`) and waits until each is ready. */
  static async start(count: number): Promise<WorkerPool> {
    const root = projectRoot();
    const started = Array.from({ length: count }, (_, index) => {
      const child = fork(path.join(root, 'bench', 'client-worker.ts'), [String(index)], {
        cwd: root,
        execArgv: ['--import', 'tsx'],
        // the worker's own errors reach the bench's stderr; its stdout stays quiet
        stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      });
      return { worker: new WorkerProcess(index, child), child };
    });
    const pool = new WorkerPool(started.map(({ worker }) => worker));
    try {
      await Promise.all(
        started.map(
          ({ worker, child }) =>
            new Promise<void>((resolve, reject) => {
              const timer = setTimeout(() => reject(new Error(`worker ${worker.index} was not ready within ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS);
              child.on('message', (message: ReplyMessage) => {
                if ('ready' in message) {
                  clearTimeout(timer);
                  resolve();
                }
              });
              void worker.exited.then(() => {
                clearTimeout(timer);
                reject(new Error(`worker ${worker.index} exited before it was ready`));
              });
            }),
        ),
      );
    } catch (error) {
      await pool.stop();
      throw error;
    }
    return pool;
  }

  get size(): number {
    return this.workers.length;
  }

  get pids(): number[] {
    return this.workers.map((worker) => worker.pid);
  }

  /** Runs one command on every worker, each with its own request; resolves with the results in worker order. */
  all<Name extends CommandName>(command: Name, requestOf: (worker: number) => WorkerCommands[Name]['request'], timeoutMs: number): Promise<Array<WorkerCommands[Name]['result']>> {
    return Promise.all(this.workers.map((worker) => worker.run(command, requestOf(worker.index), timeoutMs)));
  }

  /** Runs one command on one worker. */
  one<Name extends CommandName>(worker: number, command: Name, request: WorkerCommands[Name]['request'], timeoutMs: number): Promise<WorkerCommands[Name]['result']> {
    const target = this.workers[worker];
    if (!target) throw new Error(`no worker ${worker}`);
    return target.run(command, request, timeoutMs);
  }

  async stop(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.stop()));
  }
}
