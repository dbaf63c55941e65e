// What the benchmark reads about this machine and its processes: from /proc (Linux), so it needs no extra tool.
import { execFileSync } from 'node:child_process';
import { constants } from 'node:fs';
import { access, readdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export interface MachineInfo {
  cpus: { model: string; count: number };
  memoryGiB: number;
  node: string;
  os: string;
  /** 1-minute load average when the run started: other work on the machine skews every number. */
  loadAverageAtStart: number;
}

export async function describeMachine(loadAverageAtStart: number): Promise<MachineInfo> {
  const cpus = os.cpus();
  const release = await readFile('/etc/os-release', 'utf8').catch(() => '');
  const pretty = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(release)?.[1];
  return {
    cpus: { model: cpus[0]?.model.trim() ?? 'unknown', count: cpus.length },
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    os: `${pretty ?? os.type()} (${os.platform()} ${os.release()}, ${os.arch()})`,
    loadAverageAtStart,
  };
}

/** Resident set size of a process in KiB (VmRSS in /proc/<pid>/status). */
export async function readRssKiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  if (!match) throw new Error(`no VmRSS for process ${pid}`);
  return Number(match[1]);
}

/** Whether an executable is on PATH (redis-server decides whether the two-node scenario can run). */
export async function isOnPath(program: string): Promise<boolean> {
  for (const folder of (process.env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    try {
      await access(path.join(folder, program), constants.X_OK);
      return true;
    } catch {
      // not in this folder
    }
  }
  return false;
}

// ---- CPU time by process: where the machine's two cores went during a run -----------------------------------

interface ProcessCpu {
  ppid: number;
  comm: string;
  /** user + system time, in clock ticks */
  ticks: number;
}

export interface CpuSnapshot {
  at: number;
  processes: Map<number, ProcessCpu>;
  /** Busy time of the whole machine (every process and the kernel's interrupt work), in clock ticks. */
  machineTicks: number;
}

let clockTicks: number | undefined;
function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100; // Linux's USER_HZ nearly everywhere
    }
  }
  return clockTicks;
}

/** CPU time so far of this process and all its descendants (FerretDB, Redis, the nodes, the workers); empty without /proc. */
export async function snapshotCpu(): Promise<CpuSnapshot> {
  // "cpu  user nice system idle iowait irq softirq steal …": everything but idle and iowait is work
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = ((await readFile('/proc/stat', 'utf8').catch(() => '')).split('\n')[0] ?? '')
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  const machineTicks = user + nice + system + irq + softirq + steal;
  const all = new Map<number, ProcessCpu>();
  const entries = await readdir('/proc').catch(() => [] as string[]);
  await Promise.all(
    entries
      .filter((name) => /^\d+$/.test(name))
      .map(async (name) => {
        const stat = await readFile(`/proc/${name}/stat`, 'utf8').catch(() => undefined);
        if (!stat) return; // gone meanwhile
        // "pid (comm) state ppid … utime stime …": comm may hold spaces and parentheses, so split after the last ')'
        const close = stat.lastIndexOf(')');
        const fields = stat.slice(close + 2).split(' ');
        all.set(Number(name), { comm: stat.slice(stat.indexOf('(') + 1, close), ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) });
      }),
  );
  const ours = new Map<number, ProcessCpu>();
  const isOurs = (pid: number): boolean => {
    for (let current: number | undefined = pid, depth = 0; current && depth < 16; current = all.get(current)?.ppid, depth += 1) {
      if (current === process.pid) return true;
    }
    return false;
  };
  for (const [pid, cpu] of all) if (isOurs(pid)) ours.set(pid, cpu);
  return { at: performance.now(), processes: ours, machineTicks };
}

/**
 * Cores used on average between two snapshots, by role (e.g. { parley: 0.9, database: 0.6, clients: 0.4 }), and
 * "elsewhere": the rest of the machine's busy time (other people's processes, the kernel's network work).
 */
export function cpuByRole(before: CpuSnapshot, after: CpuSnapshot, roleOf: (pid: number, comm: string) => string): Record<string, number> {
  const seconds = (after.at - before.at) / 1000;
  if (seconds <= 0) return {};
  const ticks = new Map<string, number>();
  let ours = 0;
  for (const [pid, now] of after.processes) {
    const used = now.ticks - (before.processes.get(pid)?.ticks ?? 0);
    if (used <= 0) continue;
    ours += used;
    const role = roleOf(pid, now.comm);
    ticks.set(role, (ticks.get(role) ?? 0) + used);
  }
  const elsewhere = after.machineTicks - before.machineTicks - ours;
  if (elsewhere > 0) ticks.set('elsewhere', elsewhere);
  return Object.fromEntries([...ticks].sort(([, a], [, b]) => b - a).map(([role, used]) => [role, Math.round((used / ticksPerSecond() / seconds) * 100) / 100]));
}
