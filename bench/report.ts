// The benchmark's results: the JSON record, the targets met or missed, the integrity verdict, and the table.
import { droppedClients, type RunResult } from './load';
import { type BenchParameters, TARGETS } from './parameters';
import type { FanOutResult, FanOutRun } from './scenarios/fan-out';
import type { HistoryResult } from './scenarios/history';
import type { IdleResult } from './scenarios/idle';
import type { JoinScenarioResult } from './scenarios/join';
import type { SaturationResult } from './scenarios/saturation';
import type { TwoNodesResult } from './scenarios/two-nodes';
import { type LatencySummary, ratio } from './stats';
import type { MachineInfo } from './system';

export interface Scenarios {
  fanOut?: FanOutResult;
  saturation?: SaturationResult;
  idle?: IdleResult;
  history?: HistoryResult;
  join?: JoinScenarioResult;
  twoNodes?: TwoNodesResult | { skipped: string };
}

export interface TargetCheck {
  scenario: string;
  metric: string;
  target: string;
  value: number | null;
  met: boolean | null;
}

export interface Integrity {
  /** No loss, no duplicates, no wrong history answers: what makes the benchmark exit non-zero. */
  ok: boolean;
  lost: number;
  duplicated: number;
  problems: string[];
  /** Worth knowing, not a failure: failed sends and dropped clients outside the saturation search, strays. */
  warnings: string[];
}

export interface BenchResults {
  date: string;
  mode: 'full' | 'smoke';
  wallTimeMs: number;
  machine: MachineInfo;
  database: string;
  /** How it was measured, in words, so the numbers are not read for something else. */
  method: string[];
  serverEnv: Record<string, string>;
  parameters: BenchParameters;
  scenarios: Scenarios;
  targets: TargetCheck[];
  integrity: Integrity;
  /** The processes the benchmark started (servers, load generators); all stopped when it exits. */
  startedProcesses: Array<{ pid: number; role: string }>;
  /** CPU profiles written with --profile: file → process. */
  profiles?: Record<string, string>;
  /** Set when the benchmark itself broke; the scenarios before it are kept. */
  error?: string;
}

/** The names of the checks that depend on a scenario's sizes. */
const metrics = {
  page: (messages: number) => `page p99 at ${number(messages)} messages (ms)`,
  catchUp: (messages: number) => `catch-up p99 at ${number(messages)} messages (ms)`,
  pageGrowth: (first: number, last: number) => `page p50 at ${number(last)} ÷ at ${number(first)} messages`,
  rejoin: (sockets: number, messages: number) => `room:join p99 with ${number(sockets)} sockets in, ${number(messages)} messages (ms)`,
};

export function checkTargets(scenarios: Scenarios): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const atMost = (value: number | null | undefined, limit: number) => (value === null || value === undefined ? null : value <= limit);
  if (scenarios.fanOut) {
    const { run } = scenarios.fanOut.parley;
    checks.push({ scenario: 'fan-out', metric: 'delivery p99 (ms)', target: `≤ ${TARGETS.fanOutP99Ms}`, value: run.latency.p99Ms, met: atMost(run.latency.p99Ms, TARGETS.fanOutP99Ms) });
    checks.push({ scenario: 'fan-out', metric: 'lost + duplicated', target: '0', value: run.deliveries.lost + run.deliveries.duplicated, met: run.deliveries.lost + run.deliveries.duplicated === 0 });
  }
  if (scenarios.saturation) {
    const share = scenarios.saturation.ratio;
    checks.push({
      scenario: 'saturation',
      metric: 'persisted msg/s ÷ baseline broadcast msg/s',
      target: `≥ ${TARGETS.saturationShareOfBaseline}`,
      value: share,
      met: share === null ? false : share >= TARGETS.saturationShareOfBaseline,
    });
  }
  if (scenarios.idle) {
    const value = scenarios.idle.parley.perConnectionKB;
    checks.push({ scenario: 'idle', metric: 'RSS per idle authenticated connection (KB)', target: `≤ ${TARGETS.idleKBPerConnection}`, value, met: atMost(value, TARGETS.idleKBPerConnection) });
  }
  if (scenarios.history) {
    const { sizes, pageP50Growth } = scenarios.history;
    for (const size of sizes) {
      checks.push({ scenario: 'history', metric: metrics.page(size.messages), target: `≤ ${TARGETS.historyPageP99Ms}`, value: size.page.p99Ms, met: atMost(size.page.p99Ms, TARGETS.historyPageP99Ms) });
      checks.push({ scenario: 'history', metric: metrics.catchUp(size.messages), target: `≤ ${TARGETS.catchUpP99Ms}`, value: size.catchUp.p99Ms, met: atMost(size.catchUp.p99Ms, TARGETS.catchUpP99Ms) });
    }
    const [first, last] = [sizes[0], sizes.at(-1)];
    if (first && last && last !== first) {
      checks.push({ scenario: 'history', metric: metrics.pageGrowth(first.messages, last.messages), target: `≤ ${TARGETS.historyPageP50Growth}`, value: pageP50Growth, met: atMost(pageP50Growth, TARGETS.historyPageP50Growth) });
    }
  }
  if (scenarios.join) {
    const full = scenarios.join.steps.at(-1);
    if (full) {
      const value = full.rejoin.p99Ms;
      checks.push({ scenario: 'join', metric: metrics.rejoin(full.sockets, scenarios.join.messages), target: `≤ ${TARGETS.joinP99Ms}`, value, met: atMost(value, TARGETS.joinP99Ms) });
    }
  }
  return checks;
}

export function checkIntegrity(scenarios: Scenarios): Integrity {
  const integrity: Integrity = { ok: true, lost: 0, duplicated: 0, problems: [], warnings: [] };
  const problem = (text: string) => {
    integrity.ok = false;
    integrity.problems.push(text);
  };
  const check = (where: string, run: RunResult, { overloadExpected }: { overloadExpected: boolean }) => {
    const { lost, late, duplicated, missedByDropped, unexpected } = run.deliveries;
    integrity.lost += lost;
    integrity.duplicated += duplicated;
    if (lost > 0) problem(`${where}: ${number(lost)} deliveries lost`);
    if (duplicated > 0) problem(`${where}: ${number(duplicated)} deliveries duplicated`);
    if (late > 0) integrity.warnings.push(`${where}: ${number(late)} deliveries still on their way when the wait for them ended`);
    if (unexpected > 0) integrity.warnings.push(`${where}: ${number(unexpected)} deliveries of messages whose send was not acked`);
    // the saturation search pushes until something gives: failed sends and dropped clients are how it ends
    if (overloadExpected) return;
    if (run.failed > 0) integrity.warnings.push(`${where}: ${number(run.failed)} sends failed (${run.failureSamples.join('; ')})`);
    const dropped = droppedClients(run);
    if (dropped > 0) {
      const reasons = Object.entries(run.dropped).map(([reason, count]) => `${count} ${reason}`);
      integrity.warnings.push(`${where}: ${number(dropped)} clients dropped (${reasons.join(', ')}), missing ${number(missedByDropped)} deliveries`);
    }
  };
  const fanOutRun = (where: string, side: FanOutRun) => {
    check(`${where}, warm-up`, side.warmUp, { overloadExpected: false });
    check(`${where} at ${side.light.offeredPerSecond} msg/s`, side.light, { overloadExpected: false });
    check(`${where} at ${side.run.offeredPerSecond} msg/s`, side.run, { overloadExpected: false });
  };
  if (scenarios.fanOut) {
    fanOutRun('fan-out (Parley)', scenarios.fanOut.parley);
    fanOutRun('fan-out (baseline)', scenarios.fanOut.baseline);
  }
  if (scenarios.saturation) {
    for (const [side, run] of [['Parley', scenarios.saturation.parley] as const, ['baseline', scenarios.saturation.baseline] as const]) {
      check(`saturation (${side}), warm-up`, run.warmUp, { overloadExpected: false });
      for (const step of run.steps) check(`saturation (${side}) at ${step.offeredPerSecond} msg/s`, step, { overloadExpected: true });
    }
  }
  const wrongAnswers = (what: string, timed: { wrongAnswers: number; wrongAnswerSamples: string[] }) => {
    if (timed.wrongAnswers > 0) problem(`${what}: ${timed.wrongAnswers} wrong answers (${timed.wrongAnswerSamples.join('; ')})`);
  };
  for (const size of scenarios.history?.sizes ?? []) {
    const at = `at ${number(size.messages)} messages`;
    wrongAnswers(`history pages ${at}`, size.page);
    wrongAnswers(`catch-up ${at}`, size.catchUp);
    wrongAnswers(`joins ${at}`, size.join);
  }
  for (const step of scenarios.join?.steps ?? []) wrongAnswers(`re-joins with ${number(step.sockets)} sockets in the room`, step.rejoin);
  const joinDrops = scenarios.join?.steps.at(-1)?.connect.dropped ?? {};
  if (Object.keys(joinDrops).length > 0) {
    const reasons = Object.entries(joinDrops).map(([reason, count]) => `${count} ${reason}`);
    integrity.warnings.push(`join: clients dropped while the room filled (${reasons.join(', ')}): the load generators fell behind; the room held fewer sockets than it says`);
  }
  if (scenarios.twoNodes && 'twoNodes' in scenarios.twoNodes) fanOutRun('two nodes', scenarios.twoNodes.twoNodes);
  return integrity;
}

// ---- the table ---------------------------------------------------------------------------------------------

const number = (value: number | null | undefined, digits = 0) =>
  value === null || value === undefined || Number.isNaN(value) ? '–' : value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const ms = (value: number | null | undefined) => number(value, value !== null && value !== undefined && value < 10 ? 2 : 1);
const percentiles = (latency: LatencySummary) => `${ms(latency.p50Ms)} / ${ms(latency.p95Ms)} / ${ms(latency.p99Ms)}`;
const lostDuplicated = (run: RunResult) => `${number(run.deliveries.lost)} / ${number(run.deliveries.duplicated)}`;
const times = (value: number | null) => (value === null ? '' : `${number(value, 2)}×`);
const verdict = (met: boolean | null | undefined) => (met === null || met === undefined ? '' : met ? 'met' : 'MISSED');
const cores = (cpu: Record<string, number>) =>
  Object.entries(cpu)
    .filter(([, used]) => used >= 0.01)
    .map(([role, used]) => `${role} ${number(used, 2)}`)
    .join(', ');

interface Row {
  label: string;
  parley?: string;
  baseline?: string;
  ratio?: string;
  target?: string;
  verdict?: string;
}

function rows(results: BenchResults): Row[] {
  const { scenarios } = results;
  const table: Row[] = [];
  const withTarget = (row: Row, scenario: string, metric: string): Row => {
    const check = results.targets.find((candidate) => candidate.scenario === scenario && candidate.metric === metric);
    return check ? { ...row, target: check.target, verdict: verdict(check.met) } : row;
  };
  const pair = (first: LatencySummary, second?: LatencySummary) => ({
    parley: `${ms(first.p50Ms)} / ${ms(first.p99Ms)}`,
    ...(second ? { baseline: `${ms(second.p50Ms)} / ${ms(second.p99Ms)}` } : {}),
  });
  const trouble = (run: RunResult) => `${number(droppedClients(run))} / ${number(run.failed)} / ${number(run.deliveries.late)}`;

  /** The rows of one load run, side by side with another (the baseline, or one node); `targeted` adds the targets. */
  const runRows = (title: string, first: RunResult, second: RunResult | undefined, targeted: boolean) => {
    table.push({ label: title });
    const maybe = (row: Row, metric: string) => (targeted ? withTarget(row, 'fan-out', metric) : row);
    table.push({ label: '    deliveries/s', parley: number(first.deliveries.perSecond), ...(second ? { baseline: number(second.deliveries.perSecond), ratio: times(ratio(first.deliveries.perSecond, second.deliveries.perSecond)) } : {}) });
    table.push(
      maybe(
        { label: '    latency p50 / p95 / p99 (ms)', parley: percentiles(first.latency), ...(second ? { baseline: percentiles(second.latency), ratio: times(ratio(first.latency.p99Ms, second.latency.p99Ms)) } : {}) },
        'delivery p99 (ms)',
      ),
    );
    table.push(maybe({ label: '    lost / duplicated', parley: lostDuplicated(first), ...(second ? { baseline: lostDuplicated(second) } : {}) }, 'lost + duplicated'));
    table.push({ label: '    clients dropped / sends failed / late', parley: trouble(first), ...(second ? { baseline: trouble(second) } : {}) });
    table.push({ label: '    send → ack p50 / p99 (ms)', ...pair(first.ackLatency, second?.ackLatency) });
    table.push({ label: '    generator behind schedule, max (ms)', parley: ms(first.maxSendLagMs), ...(second ? { baseline: ms(second.maxSendLagMs) } : {}) });
    table.push({ label: `    CPU cores: ${cores(first.cpuCores)}${second ? ` | ${cores(second.cpuCores)}` : ''}` });
  };

  if (scenarios.fanOut) {
    const { parley, baseline } = scenarios.fanOut;
    const load = results.parameters.fanOut;
    table.push({ label: `1 fan-out: ${number(parley.clients)} clients (${number(parley.users)} users), one room, ${load.senders} senders` });
    runRows(`  at ${load.ratePerSecond} msg/s for ${load.durationMs / 1000} s${results.mode === 'full' ? " (the issue's load)" : ''}`, parley.run, baseline.run, true);
    runRows(`  at ${load.lightRatePerSecond} msg/s for ${load.lightDurationMs / 1000} s (a load this machine can drive)`, parley.light, baseline.light, false);
    table.push({ label: '  connect + join p50 / p99 (ms)', ...pair(parley.connect.joinLatency, baseline.connect.joinLatency) });
    table.push({ label: '  connecting all clients (s)', parley: number(parley.connect.elapsedMs / 1000, 1), baseline: number(baseline.connect.elapsedMs / 1000, 1) });
    table.push({ label: `  CPU cores while connecting: ${cores(parley.connect.cpuCores)} | ${cores(baseline.connect.cpuCores)}` });
  }
  if (scenarios.saturation) {
    const { parley, baseline, ratio: share } = scenarios.saturation;
    const limits = results.parameters.saturation;
    table.push({ label: `2 saturation: ${parley.clients} clients, ${limits.senders} senders, ×${limits.factor} every ${limits.stepMs / 1000} s until p99 > ${limits.p99LimitMs} ms or loss` });
    const best = (run: typeof parley) => (run.highest ? `${number(run.highest.persistedPerSecond)}${run.unsaturated ? ' (not saturated)' : ''}` : 'none held');
    table.push(withTarget({ label: '  highest sustained persisted msg/s', parley: best(parley), baseline: best(baseline), ratio: times(share) }, 'saturation', 'persisted msg/s ÷ baseline broadcast msg/s'));
    table.push({ label: '  … its deliveries/s', parley: number(parley.highest?.deliveriesPerSecond), baseline: number(baseline.highest?.deliveriesPerSecond) });
    table.push({ label: '  … its delivery p99 (ms)', parley: ms(parley.highest?.p99Ms), baseline: ms(baseline.highest?.p99Ms) });
    const stop = (run: typeof parley) => {
      const step = run.steps.find((candidate) => !candidate.passed);
      return step ? `failed at ${number(step.offeredPerSecond)} msg/s (${step.failures.join('; ')})` : `held every step up to ${number(run.steps.at(-1)?.offeredPerSecond)} msg/s`;
    };
    table.push({ label: `  Parley ${stop(parley)}` });
    table.push({ label: `  baseline ${stop(baseline)}` });
    // who ran out of CPU: the server, its database, or the clients that receive everything
    const busiest = (run: typeof parley) => run.steps.find((step) => !step.passed) ?? run.steps.at(-1);
    table.push({ label: `  CPU cores at that step, Parley: ${cores(busiest(parley)?.cpuCores ?? {})}` });
    table.push({ label: `  CPU cores at that step, baseline: ${cores(busiest(baseline)?.cpuCores ?? {})}` });
  }
  if (scenarios.idle) {
    const { parley, baseline, ratio: perConnection } = scenarios.idle;
    table.push({ label: `4 idle: ${number(parley.sockets)} authenticated sockets (${number(parley.users)} users) in ${number(parley.rooms)} rooms` });
    table.push(withTarget({ label: '  RSS per connection (KB)', parley: number(parley.perConnectionKB, 1), baseline: number(baseline.perConnectionKB, 1), ratio: times(perConnection) }, 'idle', 'RSS per idle authenticated connection (KB)'));
    table.push({ label: '  RSS before → after (MB)', parley: `${number(parley.rssBeforeKB / 1024)} → ${number(parley.rssAfterKB / 1024)}`, baseline: `${number(baseline.rssBeforeKB / 1024)} → ${number(baseline.rssAfterKB / 1024)}` });
    table.push({ label: '  connect + join p50 / p99 (ms)', ...pair(parley.connect.joinLatency, baseline.connect.joinLatency) });
    table.push({ label: '  connecting all sockets (s)', parley: number(parley.connect.elapsedMs / 1000, 1), baseline: number(baseline.connect.elapsedMs / 1000, 1) });
    table.push({ label: `  CPU cores while connecting: ${cores(parley.connect.cpuCores)} | ${cores(baseline.connect.cpuCores)}` });
  }
  if (scenarios.history) {
    const { sizes, seedChunk, seedMs, pageP50Growth, connect } = scenarios.history;
    table.push({ label: `5 history: one room, grown to ${sizes.map((size) => number(size.messages)).join(' → ')} messages; seeding took ${number(seedMs / 1000, 1)} s in all (${number(seedChunk)} to an insertMany)` });
    for (const size of sizes) {
      const { page, catchUp, join } = size;
      table.push({ label: `  ${number(size.messages)} messages (the last ${number(size.messages - (sizes[sizes.indexOf(size) - 1]?.messages ?? 0))} seeded in ${number(size.seedMs / 1000, 1)} s, ${number(size.seededPerSecond)} a second)` });
      table.push(withTarget({ label: `    page of ${page.limit} p50 / p99 (ms), ${number(page.requests)} requests`, parley: `${ms(page.p50Ms)} / ${ms(page.p99Ms)}` }, 'history', metrics.page(size.messages)));
      table.push(withTarget({ label: `    catch-up of ${catchUp.messages} p50 / p99 (ms), ${number(catchUp.requests)} joins`, parley: `${ms(catchUp.p50Ms)} / ${ms(catchUp.p99Ms)}` }, 'history', metrics.catchUp(size.messages)));
      table.push({ label: `    join, newest ${join.messages} p50 / p99 (ms), ${number(join.requests)} leave + joins`, parley: `${ms(join.p50Ms)} / ${ms(join.p99Ms)}` });
    }
    const [first, last] = [sizes[0], sizes.at(-1)];
    if (first && last && last !== first) {
      table.push(
        withTarget(
          { label: `  page p50 (ms), ${number(first.messages)} → ${number(last.messages)} messages`, parley: `${ms(first.page.p50Ms)} → ${ms(last.page.p50Ms)}`, ratio: times(pageP50Growth) },
          'history',
          metrics.pageGrowth(first.messages, last.messages),
        ),
      );
    }
    table.push({ label: `  first connect + join, newest page (ms), at ${number(first?.messages)} messages`, parley: ms(connect.joinLatency.p50Ms) });
  }
  if (scenarios.join) {
    const { steps, messages, users, seedMs, seededBy } = scenarios.join;
    table.push({ label: `7 join: ${number(steps.at(-1)?.sockets)} sockets of ${number(users)} users into one room of ${number(messages)} messages (seeded in ${number(seedMs / 1000, 1)} s by ${seededBy})` });
    let before = 0;
    for (const step of steps) {
      const dropped = Object.values(step.connect.dropped).reduce((sum, count) => sum + count, 0);
      table.push({
        label: `  ${number(before)} → ${number(step.sockets)} sockets, connected in ${number(step.connect.elapsedMs / 1000, 1)} s (${number(step.connect.handshakeRetries)} handshakes retried, ${number(dropped)} clients dropped so far; generators held up ${ms(step.connect.maxGeneratorDelayMs)} ms at most)`,
      });
      table.push({ label: '    connect + join, as the room fills, p50 / p99 (ms)', parley: `${ms(step.connect.joinLatency.p50Ms)} / ${ms(step.connect.joinLatency.p99Ms)}` });
      table.push({ label: '    … the room:join alone p50 / p99 (ms)', parley: `${ms(step.connect.roomJoinLatency.p50Ms)} / ${ms(step.connect.roomJoinLatency.p99Ms)}` });
      table.push(
        withTarget(
          { label: `    re-join (newest ${step.rejoin.messages} + ${number(step.rejoin.online)} online) p50 / p99 (ms), ${number(step.rejoin.requests)} re-joins`, parley: `${ms(step.rejoin.p50Ms)} / ${ms(step.rejoin.p99Ms)}` },
          'join',
          metrics.rejoin(step.sockets, messages),
        ),
      );
      table.push({ label: `    CPU cores while connecting: ${cores(step.connect.cpuCores)}` });
      before = step.sockets;
    }
  }
  if (scenarios.twoNodes) {
    if ('skipped' in scenarios.twoNodes) {
      table.push({ label: `6 two nodes + Redis: skipped (${scenarios.twoNodes.skipped})` });
    } else {
      const { twoNodes } = scenarios.twoNodes;
      const oneNode = scenarios.fanOut?.parley;
      const load = results.parameters.twoNodes;
      table.push({ label: `6 two nodes + Redis: scenario 1 split evenly over two nodes; columns: two nodes | one node (scenario 1) | ratio` });
      runRows(`  at ${load.ratePerSecond} msg/s for ${load.durationMs / 1000} s`, twoNodes.run, oneNode?.run, false);
      runRows(`  at ${load.lightRatePerSecond} msg/s for ${load.lightDurationMs / 1000} s`, twoNodes.light, oneNode?.light, false);
      table.push({ label: '  connect + join p50 / p99 (ms)', ...pair(twoNodes.connect.joinLatency, oneNode?.connect.joinLatency) });
      table.push({ label: '  connecting all clients (s)', parley: number(twoNodes.connect.elapsedMs / 1000, 1), ...(oneNode ? { baseline: number(oneNode.connect.elapsedMs / 1000, 1) } : {}) });
    }
  }
  return table;
}

/** The readable summary printed at the end of a run. */
export function formatReport(results: BenchResults, file: string): string {
  const lines: string[] = [];
  const minutes = Math.floor(results.wallTimeMs / 60_000);
  const seconds = Math.round((results.wallTimeMs % 60_000) / 1000);
  lines.push(`Parley server benchmark (${results.mode}) · ${results.date} · ${minutes} min ${seconds} s`);
  const { machine } = results;
  lines.push(`machine   ${machine.cpus.count} × ${machine.cpus.model}, ${machine.memoryGiB} GiB, Node ${machine.node}, ${machine.os}; load average ${machine.loadAverageAtStart} at the start`);
  lines.push(`database  ${results.database}`);
  for (const line of results.method) lines.push(`method    ${line}`);
  lines.push('');

  const table = rows(results);
  const header: Row = { label: 'scenario / metric', parley: 'Parley', baseline: 'baseline', ratio: 'ratio', target: 'target', verdict: '' };
  const columns = ['parley', 'baseline', 'ratio', 'target'] as const;
  // section titles and notes (label only) may run past the label column
  const measured = table.filter((row) => columns.some((column) => row[column] !== undefined));
  const width = (key: keyof Row) => Math.max(...[header, ...measured].map((row) => (row[key] ?? '').length));
  const labelWidth = width('label');
  const format = (row: Row) =>
    columns.some((column) => row[column] !== undefined) || row === header
      ? [row.label.padEnd(labelWidth), ...columns.map((column) => (row[column] ?? '').padStart(width(column))), row.verdict ?? ''].join('   ').trimEnd()
      : row.label;
  lines.push(format(header));
  for (const row of table) lines.push(format(row));
  lines.push('');

  const missed = results.targets.filter((check) => check.met === false);
  lines.push(missed.length === 0 ? 'targets: all met' : `targets missed: ${missed.map((check) => `${check.scenario}: ${check.metric} = ${check.value ?? '–'} (target ${check.target})`).join('; ')}`);
  lines.push(results.integrity.ok ? 'integrity: no delivery lost or duplicated at any connected client, no wrong history answer' : `INTEGRITY PROBLEMS: ${results.integrity.problems.join('; ')}`);
  for (const warning of results.integrity.warnings) lines.push(`warning: ${warning}`);
  const problems = serverProblems(results.scenarios);
  if (problems.length > 0) lines.push(`server log warnings: ${problems.join('; ')}`);
  if (results.error) lines.push(`THE BENCHMARK DID NOT FINISH: ${results.error}`);
  if (results.profiles) {
    lines.push('CPU profiles of the Parley processes (open in Chrome DevTools → Performance, or VS Code):');
    for (const [profile, owner] of Object.entries(results.profiles)) lines.push(`  ${profile}  (${owner})`);
  }
  lines.push(`results: ${file}`);
  return lines.join('\n');
}

function serverProblems(scenarios: Scenarios): string[] {
  const found: string[] = [];
  const add = (where: string, problems: readonly string[]) => {
    for (const problem of problems) found.push(`${where}: ${problem}`);
  };
  if (scenarios.fanOut) add('fan-out', scenarios.fanOut.parley.serverProblems);
  if (scenarios.saturation) add('saturation', scenarios.saturation.parley.serverProblems);
  if (scenarios.history) add('history', scenarios.history.serverProblems);
  // the join scenario may have run on the history scenario's node: what that logged is listed once
  if (scenarios.join) add('join', scenarios.join.serverProblems.filter((problem) => !scenarios.history?.serverProblems.includes(problem)));
  if (scenarios.twoNodes && 'twoNodes' in scenarios.twoNodes) add('two nodes', scenarios.twoNodes.twoNodes.serverProblems);
  return found;
}
