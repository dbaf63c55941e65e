// How fast the console's pages open: each page in a fresh Chromium context (a cold cache, as a site owner's first
// visit), from navigation until its content is on screen, and the bytes it downloaded. The site has a few rooms,
// users and 2,000 messages. `npx tsx bench/console-load.ts [runs]`; writes bench/results/.
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { createSite, type Repositories } from '../server/db';
import type { NewMessage } from '../server/db/messages';
import { loadConfig } from '../server/config';
import { createLogger } from '../server/logger';
import { startParley } from '../server/start-up';
import { launchChromium } from '../test/helpers/browser';
import { signInToConsole } from '../test/helpers/console';

interface Sample {
  /** Navigation start to the page's content visible. */
  readyMs: number;
  /** Bytes over the wire (compressed), every response of the page. */
  bytes: number;
}

/** Each page the benchmark opens, and what on it says it is ready. */
const PAGES: Array<{ name: string; hash: string; ready: (page: Page) => Promise<void> }> = [
  { name: 'sites list', hash: '#/', ready: (page) => page.getByRole('heading', { name: 'Your sites' }).waitFor() },
  { name: 'Overview', hash: '#/sites/SITE/overview', ready: (page) => page.locator('canvas').waitFor() },
  { name: 'Install', hash: '#/sites/SITE/install', ready: (page) => page.getByRole('button', { name: 'Copy the snippet' }).waitFor() },
  { name: 'Settings', hash: '#/sites/SITE/settings', ready: (page) => page.getByRole('form', { name: 'Word filter' }).waitFor() },
  { name: 'Rooms', hash: '#/sites/SITE/rooms', ready: (page) => page.getByRole('row').filter({ hasText: 'general' }).waitFor() },
  { name: 'People', hash: '#/sites/SITE/people', ready: (page) => page.getByRole('row').filter({ hasText: 'User 19' }).waitFor() },
  { name: 'Moderation', hash: '#/sites/SITE/moderation', ready: (page) => page.getByText(/entries shown|entry shown|No entries/).first().waitFor() },
  { name: 'Transcripts', hash: '#/sites/SITE/transcripts', ready: (page) => page.getByRole('button', { name: 'Read', exact: true }).waitFor() },
];

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

async function main(): Promise<void> {
  const runs = Number(process.argv[2] ?? 7);
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'parley-bench-'));
  const config = loadConfig({ ...process.env, PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'error', PROOF_OF_WORK: 'off' });
  const parley = await startParley(config, createLogger('error', false));
  const url = `http://localhost:${parley.port}`;
  const siteId = `bench-${randomBytes(3).toString('hex')}`;
  await createSite(parley.repositories, { id: siteId, name: 'Bench shop', allowedOrigins: [] });
  await seed(parley.repositories, siteId);
  const owner = await signInToConsole({ ...parley, url }, siteId, 'owner');
  const browser = await launchChromium();
  const results: Array<{ page: string; samples: Sample[] }> = [];
  try {
    for (const each of PAGES) {
      const samples: Sample[] = [];
      for (let run = 0; run < runs; run++) {
        const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
        await owner.addTo(context);
        const page = await context.newPage();
        let bytes = 0;
        page.on('response', (response) => {
          void response.request().sizes().then(
            (sizes) => (bytes += sizes.responseBodySize + sizes.responseHeadersSize),
            () => undefined,
          );
        });
        const started = Date.now();
        await page.goto(`${url}/console/${each.hash.replace('SITE', siteId)}`);
        await each.ready(page);
        const readyMs = Date.now() - started;
        await page.waitForLoadState('networkidle');
        samples.push({ readyMs, bytes });
        await context.close();
      }
      results.push({ page: each.name, samples });
    }
  } finally {
    await browser.close();
    await parley.close();
    await rm(dataDir, { recursive: true, force: true });
  }

  console.log(`\nConsole pages, cold cache, ${runs} runs each (median; max over runs in brackets)\n`);
  console.log('| page | content on screen | downloaded |');
  console.log('|---|---:|---:|');
  for (const { page, samples } of results) {
    const ready = samples.map((s) => s.readyMs);
    const bytes = samples.map((s) => s.bytes);
    console.log(`| ${page} | ${median(ready)} ms [${Math.max(...ready)} ms] | ${(median(bytes) / 1024).toFixed(1)} KB |`);
  }
  const folder = path.join('bench', 'results');
  await mkdir(folder, { recursive: true });
  const file = path.join(folder, `console-load-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  await writeFile(file, JSON.stringify({ date: new Date().toISOString(), node: process.version, cpus: os.cpus().length, runs, results }, null, 2));
  console.log(`\nwrote ${file}`);
}

/** A site with something to show: two rooms, 20 users, 2,000 messages over the last two days. */
async function seed(repositories: Repositories, siteId: string): Promise<void> {
  await repositories.rooms.create(siteId, 'support', 'Support');
  const authors: Array<{ id: string; displayName: string }> = [];
  for (let i = 0; i < 20; i++) {
    const user = await repositories.users.insert({ siteId, username: `user${i}`, displayName: `User ${i}`, passwordHash: 'not a hash' });
    authors.push({ id: user._id.toHexString(), displayName: user.displayName });
  }
  const count = 1_000;
  const startsAt = Date.now() - 2 * 24 * 60 * 60 * 1000;
  for (const roomId of ['general', 'support']) {
    const messages: NewMessage[] = Array.from({ length: count }, (_, i) => ({
      siteId,
      roomId,
      seq: i + 1,
      author: authors[i % authors.length]!,
      text: `message ${i + 1}: a line of history about the length of a chat message`,
      clientMsgId: `seed-${roomId}-${i + 1}`,
      createdAt: new Date(startsAt + i * 150_000),
    }));
    await repositories.messages.insertMany(messages);
    await repositories.rooms.repairSeq(siteId, roomId, count);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
