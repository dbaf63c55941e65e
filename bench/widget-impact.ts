// What the widget costs the page that embeds it: layout shifts and long main-thread tasks, measured in Chromium on
// the example host page with and without the tag. `npx tsx bench/widget-impact.ts [runs]`; writes bench/results/.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { serveHostPage } from '../examples/host-page/serve';
import { loadConfig } from '../server/config';
import { createLogger } from '../server/logger';
import { startParley } from '../server/start-up';
import { launchChromium } from '../test/helpers/browser';

interface Sample {
  cls: number;
  longTasks: number;
  longestTaskMs: number;
  loadMs: number;
}

// registered before any page script runs; buffered, so entries from before the observer count too
const OBSERVE = `
  window.__impact = { cls: 0, tasks: [] };
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) if (!entry.hadRecentInput) window.__impact.cls += entry.value;
  }).observe({ type: 'layout-shift', buffered: true });
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) window.__impact.tasks.push(entry.duration);
  }).observe({ type: 'longtask', buffered: true });
`;

async function sample(page: Page, url: string, withTag: boolean, open: boolean): Promise<Sample> {
  await page.addInitScript(OBSERVE);
  await page.goto(url, { waitUntil: 'load' });
  if (withTag) await page.getByRole('button', { name: 'Open chat' }).waitFor();
  if (open) {
    await page.getByRole('button', { name: 'Open chat' }).click();
    await page.frameLocator('iframe[title="Parley chat"]').getByLabel('Username').waitFor();
  }
  // let late shifts and tasks land
  await page.waitForTimeout(1_000);
  return page.evaluate(() => {
    const impact = (window as unknown as { __impact: { cls: number; tasks: number[] } }).__impact;
    const [navigation] = performance.getEntriesByType('navigation') as PerformanceNavigationTiming[];
    return {
      cls: impact.cls,
      longTasks: impact.tasks.length,
      longestTaskMs: Math.max(0, ...impact.tasks),
      loadMs: navigation ? navigation.loadEventEnd - navigation.startTime : NaN,
    };
  });
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

async function main(): Promise<void> {
  const runs = Number(process.argv[2] ?? 7);
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'parley-bench-'));
  const config = loadConfig({ ...process.env, PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'error' });
  const parley = await startParley(config, createLogger('error', false));
  const backendUrl = `http://localhost:${parley.port}`;
  const page = await serveHostPage({ port: 0, backendUrl });
  // the same page, server and CSP, only without the one tag
  const bare = await serveHostPage({ port: 0, backendUrl, widget: false });
  await parley.repositories.sites.updateOrigins('demo', { add: [new URL(page.url).origin] });
  const browser = await launchChromium();
  const scenarios = [
    { name: 'without the tag', withTag: false, open: false },
    { name: 'with the tag (launcher only)', withTag: true, open: false },
    { name: 'with the tag, panel opened', withTag: true, open: true },
  ];
  const results: Array<{ scenario: string; samples: Sample[] }> = [];
  try {
    for (const scenario of scenarios) {
      const samples: Sample[] = [];
      for (let run = 0; run < runs; run++) {
        const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
        samples.push(await sample(await context.newPage(), scenario.withTag ? page.url : bare.url, scenario.withTag, scenario.open));
        await context.close();
      }
      results.push({ scenario: scenario.name, samples });
    }
  } finally {
    await browser.close();
    await page.close();
    await bare.close();
    await parley.close();
    await rm(dataDir, { recursive: true, force: true });
  }

  console.log(`\nHost page impact, ${runs} runs each (median; max over runs in brackets)\n`);
  console.log('| scenario | CLS | long tasks (> 50 ms) | longest task | load event |');
  console.log('|---|---:|---:|---:|---:|');
  for (const { scenario, samples } of results) {
    const col = (pick: (s: Sample) => number, digits: number, unit = '') =>
      `${median(samples.map(pick)).toFixed(digits)}${unit} [${Math.max(...samples.map(pick)).toFixed(digits)}${unit}]`;
    console.log(`| ${scenario} | ${col((s) => s.cls, 4)} | ${col((s) => s.longTasks, 0)} | ${col((s) => s.longestTaskMs, 0, ' ms')} | ${col((s) => s.loadMs, 0, ' ms')} |`);
  }
  const folder = path.join('bench', 'results');
  await mkdir(folder, { recursive: true });
  const file = path.join(folder, `widget-impact-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  await writeFile(file, JSON.stringify({ date: new Date().toISOString(), node: process.version, cpus: os.cpus().length, runs, results }, null, 2));
  console.log(`\nwrote ${file}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
