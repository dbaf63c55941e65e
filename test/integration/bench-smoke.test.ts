import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { projectRoot } from '../../server/paths';
import type { BenchResults } from '../../bench/report';
import type { RunResult } from '../../bench/load';

// `npm run bench -- --smoke`: every scenario of the server benchmark end to end, scaled down, in a child process as a
// person would run it. Checks that it works, measures something everywhere and finds nothing lost or doubled; never
// how fast anything is, which depends on the machine and on what else runs on it.
const SMOKE_TIMEOUT_MS = 150_000;

let workDir: string;
let exit: { code: number | null; output: string };
let results: BenchResults;

beforeAll(async () => {
  workDir = await mkdtemp(path.join(os.tmpdir(), 'parley-bench-smoke-'));
  const out = path.join(workDir, 'bench.json');
  exit = await new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--smoke', '--out', out], {
      cwd: projectRoot(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const collect = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-50_000));
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const timer = setTimeout(() => child.kill('SIGINT'), SMOKE_TIMEOUT_MS - 10_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
  const written = await readFile(out, 'utf8').catch(() => undefined);
  if (written === undefined) throw new Error(`the smoke benchmark wrote no results (exit ${exit.code}):\n${exit.output}`);
  results = JSON.parse(written) as BenchResults;
}, SMOKE_TIMEOUT_MS);

afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

/** A load run measured something: messages were acked and delivered, with latencies. */
function expectMeasured(run: RunResult | undefined): void {
  expect(run?.acked).toBeGreaterThan(0);
  expect(run?.deliveries.delivered).toBeGreaterThan(0);
  expect(run?.deliveries.perSecond).toBeGreaterThan(0);
  expect(run?.latency.p99Ms).toEqual(expect.any(Number));
  expect(run?.ackLatency.p50Ms).toEqual(expect.any(Number));
}

describe('npm run bench -- --smoke', () => {
  it('exits 0 and writes its results', () => {
    if (exit.code !== 0) throw new Error(`the smoke benchmark exited with ${exit.code}:\n${exit.output}`);
    expect(results.mode).toBe('smoke');
    expect(results.error).toBeUndefined();
  });

  it('finds no delivery lost or duplicated, and no wrong history answer', () => {
    expect(results.integrity).toMatchObject({ ok: true, lost: 0, duplicated: 0, problems: [] });
    for (const run of [results.scenarios.fanOut?.parley.run, results.scenarios.fanOut?.parley.light, results.scenarios.fanOut?.baseline.run]) {
      expect(run?.deliveries).toMatchObject({ lost: 0, duplicated: 0 });
    }
  });

  it('measures fan-out against Parley and the bare baseline', () => {
    const fanOut = results.scenarios.fanOut;
    for (const side of [fanOut?.parley, fanOut?.baseline]) {
      expectMeasured(side?.run);
      expectMeasured(side?.light);
      expect(side?.connect.clients).toBe(results.parameters.fanOut.clients);
    }
    expect(fanOut?.ratio.p99).toEqual(expect.any(Number));
  });

  it('finds a sustained rate for Parley and the baseline', () => {
    const saturation = results.scenarios.saturation;
    for (const side of [saturation?.parley, saturation?.baseline]) {
      expect(side?.steps.length).toBeGreaterThan(0);
      for (const step of side?.steps ?? []) expectMeasured(step);
      expect(side?.highest?.persistedPerSecond).toBeGreaterThan(0);
    }
    expect(saturation?.ratio).toEqual(expect.any(Number));
  });

  it('measures idle memory per connection', () => {
    const idle = results.scenarios.idle;
    for (const side of [idle?.parley, idle?.baseline]) {
      expect(side?.sockets).toBe(results.parameters.idle.sockets);
      expect(side?.rssAfterKB).toBeGreaterThan(side?.rssBeforeKB ?? Infinity);
      expect(side?.perConnectionKB).toBeGreaterThan(0);
    }
  });

  it('times history pages, catch-ups and joins at every room size', () => {
    const history = results.scenarios.history;
    const sizes = results.parameters.history.sizes;
    expect(sizes.length).toBeGreaterThan(1);
    expect(history?.sizes.map((size) => size.messages)).toEqual(sizes);
    expect(history?.messages).toBe(sizes.at(-1));
    expect(history?.seedMs).toBeGreaterThan(0);
    expect(history?.connect.clients).toBe(1);
    for (const size of history?.sizes ?? []) {
      expect(size.seedMs).toBeGreaterThan(0);
      for (const timed of [size.page, size.catchUp, size.join]) {
        expect(timed.requests).toBeGreaterThan(0);
        expect(timed.p99Ms).toEqual(expect.any(Number));
        expect(timed.wrongAnswers).toBe(0);
      }
    }
    expect(history?.pageP50Growth).toEqual(expect.any(Number));
  });

  it('times joins into a room as it fills, and re-joins into the full room', () => {
    const join = results.scenarios.join;
    const { steps, messages } = results.parameters.join;
    expect(join?.messages).toBe(messages);
    expect(join?.steps.map((step) => step.sockets)).toEqual(steps);
    let before = 0;
    for (const step of join?.steps ?? []) {
      // a client dropped while connecting is reported, not fatal (see ConnectRequest.tolerateDrops)
      expect(step.connect.clients).toBeGreaterThan(0);
      expect(step.connect.clients).toBeLessThanOrEqual(step.sockets - before);
      expect(step.connect.joinLatency.p99Ms).toEqual(expect.any(Number));
      expect(step.connect.roomJoinLatency.p99Ms).toEqual(expect.any(Number));
      expect(step.rejoin.requests).toBeGreaterThan(0);
      expect(step.rejoin.p99Ms).toEqual(expect.any(Number));
      expect(step.rejoin.wrongAnswers).toBe(0);
      expect(step.rejoin.online).toBeGreaterThan(0);
      before = step.sockets;
    }
  });

  it('measures two nodes sharing Redis against one', () => {
    const twoNodes = results.scenarios.twoNodes;
    if (!twoNodes || 'skipped' in twoNodes) throw new Error(`the two-node scenario did not run: ${twoNodes ? twoNodes.skipped : 'missing'}`);
    expectMeasured(twoNodes.twoNodes.run);
    expect(twoNodes.twoNodes.servers).toBe(2);
    expect(twoNodes.ratioToOneNode.p99).toEqual(expect.any(Number));
  });

  it('records the machine, the database, the date and the targets', () => {
    expect(results.machine).toMatchObject({ node: process.version, cpus: { count: os.cpus().length } });
    expect(results.database).toMatch(/FerretDB|MongoDB/);
    expect(Date.parse(results.date)).not.toBeNaN();
    expect(results.targets.map((target) => target.scenario)).toEqual(expect.arrayContaining(['fan-out', 'saturation', 'idle', 'history', 'join']));
  });

  it('leaves none of the processes it started running', () => {
    expect(results.startedProcesses.map((started) => started.role)).toEqual(expect.arrayContaining(['clients', 'parley', 'baseline']));
    const alive = results.startedProcesses.filter(({ pid }) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    });
    expect(alive).toEqual([]);
  });
});
