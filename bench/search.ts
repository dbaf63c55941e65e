// Search in a room on the embedded database at 100,000 messages (npx tsx bench/search.ts [messages]): the server's own
// search code (server/db/search.ts) against a FerretDB of its own in a temporary folder, seeded directly with the
// driver; with MONGODB_URI set, against that MongoDB instead (its database bench_search is dropped first and after). What one request costs (it stops at SEARCH_BUDGET), and what it costs to search the whole room, request
// after request, for a word that is common, rare, and absent. Prints a Markdown table for BENCHMARKS.md.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import pino from 'pino';
import { loadConfig } from '../server/config';
import { type MessageDocument, messageKey } from '../server/db/messages';
import { MessageSearch, SEARCH_BUDGET, searchWords } from '../server/db/search';
import { startEmbeddedDatabase } from '../server/processes/embedded-database';

const MESSAGES = Number(process.argv[2] ?? 100_000);
const SITE = 'bench';
const ROOM = 'search';
const CHUNK = 1_000;
const PAGE = 20;
const RUNS = 5;

// chat-like text: 6–16 words from a small vocabulary; "common" in every 10th message, "quokka" in 5 spread out
const VOCABULARY = 'the a to and of in is it you that for on with this we are be have at not but what can so just like will do about from your all there'.split(' ');
function textOf(seq: number): string {
  const words = Array.from({ length: 6 + (seq % 11) }, (_, k) => VOCABULARY[(seq * 7 + k * 13) % VOCABULARY.length]!);
  if (seq % 10 === 0) words.push('common');
  if (seq % Math.floor(MESSAGES / 5) === 1) words.push('quokka');
  return `${words.join(' ')} ${seq}`;
}

const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.ceil((p / 100) * values.length) - 1)]!;
const ms = (value: number) => `${value.toFixed(value < 10 ? 1 : 0)} ms`;

async function main(): Promise<void> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'parley-bench-search-'));
  const config = loadConfig({ ...process.env, NODE_ENV: 'test' });
  const external = process.env.MONGODB_URI;
  const embedded = external ? undefined : await startEmbeddedDatabase({ dataDir, cacheDir: config.cacheDir, log: () => undefined });
  const client = await new MongoClient(external ?? embedded!.uri).connect();
  try {
    const db = client.db('bench_search');
    await db.dropDatabase();
    const messages = db.collection<MessageDocument>('messages');
    const seedStart = performance.now();
    for (let first = 1; first <= MESSAGES; first += CHUNK) {
      const seqs = Array.from({ length: Math.min(CHUNK, MESSAGES - first + 1) }, (_, k) => first + k);
      await messages.insertMany(
        seqs.map((seq) => ({
          _id: messageKey(SITE, ROOM, seq),
          siteId: SITE,
          roomId: ROOM,
          seq,
          author: { id: `user${seq % 50}`, displayName: `User ${seq % 50}` },
          text: textOf(seq),
          clientMsgId: `seed-${seq}-bench`,
          createdAt: new Date(Date.UTC(2026, 0, 1) + seq * 1000),
        })),
      );
    }
    const seedMs = performance.now() - seedStart;
    const search = new MessageSearch(db);
    await search.prepare(pino({ level: 'silent' }));

    const rows: string[] = [];
    for (const [label, query] of [
      ['common word (1 in 10 messages)', 'common'],
      ['rare word (5 in the room)', 'quokka'],
      ['absent word', 'zebra'],
    ] as const) {
      const words = searchWords(query);
      const firstRequest: number[] = [];
      const whole: number[] = [];
      let requests = 0;
      let found = 0;
      let scannedFirst = 0;
      for (let run = 0; run < RUNS; run += 1) {
        let before = MESSAGES + 1;
        let total = 0;
        requests = 0;
        found = 0;
        for (;;) {
          const start = performance.now();
          const page = await search.find(SITE, ROOM, words, before, PAGE);
          const took = performance.now() - start;
          if (requests === 0) {
            firstRequest.push(took);
            scannedFirst = page.scanned;
          }
          total += took;
          requests += 1;
          found += page.messages.length;
          if (page.next === null) break;
          before = page.next;
        }
        whole.push(total);
      }
      rows.push(
        `| ${label} | ${scannedFirst.toLocaleString('en')} | ${ms(percentile(firstRequest, 50))} | ${ms(Math.max(...firstRequest))} | ${requests} | ${found} | ${(percentile(whole, 50) / 1000).toFixed(1)} s |`,
      );
    }
    const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
    console.log(`Search in a room, ${external ? 'MongoDB' : 'embedded FerretDB'}${search.usesTextIndex ? ' (text index)' : ''}, ${MESSAGES.toLocaleString('en')} messages (seeded in ${(seedMs / 1000).toFixed(0)} s); ${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} × ${cpu}, Node ${process.version}; budget ${SEARCH_BUDGET.messages} messages or ${SEARCH_BUDGET.ms} ms per request, pages of ${PAGE}, ${RUNS} runs\n`);
    console.log('| Query | Messages read by the first request | First request p50 | First request max | Requests to reach the room\'s start | Matches | Whole room, all requests (p50) |');
    console.log('| --- | --- | --- | --- | --- | --- | --- |');
    for (const row of rows) console.log(row);
  } finally {
    if (external) await client.db('bench_search').dropDatabase();
    await client.close();
    await embedded?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
