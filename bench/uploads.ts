// Images (npx tsx bench/uploads.ts [stored]): a real Parley server on a temporary embedded database (or MONGODB_URI,
// in a database of its own), over HTTP on loopback. What an upload costs by size (the server decodes, re-encodes
// and thumbnails each), and what serving a thumbnail and an original costs with `stored` images already in the
// database (their records and chunks are read by `_id`, so the count should not matter). Prints a Markdown table.
import { randomBytes } from 'node:crypto';
import sharp from 'sharp';
import { createChatClient } from '../sdk';
import { localServer } from './local-server';

const STORED = Number(process.argv[2] ?? 10_000);
const RUNS = 15;

const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.ceil((p / 100) * values.length) - 1)]!;
const ms = (value: number) => `${value.toFixed(value < 10 ? 1 : 0)} ms`;

/** A photo-like JPEG: noise compresses badly, as photos do, so the size is what a camera would send. */
async function photo(width: number, height: number): Promise<Buffer> {
  const noise = await sharp(randomBytes(Math.ceil(width / 4) * Math.ceil(height / 4) * 3), { raw: { width: Math.ceil(width / 4), height: Math.ceil(height / 4), channels: 3 } })
    .resize(width, height)
    .png()
    .toBuffer();
  return sharp(noise).jpeg({ quality: 90 }).withMetadata({ exif: { IFD0: { Make: 'Bench' } } }).toBuffer();
}

async function main(): Promise<void> {
  const server = localServer('uploads', { RATE_LIMIT_UPLOADS_PER_USER: '1000000/60', RATE_LIMIT_UPLOAD_MB_PER_USER: '1000000/60' });
  const parley = await server.start();
  try {
    let token: string | null = null;
    const chat = createChatClient({ baseUrl: parley.url, site: 'demo', storage: { get: () => token, set: (value) => void (token = value) } });
    await chat.register({ username: `bench${randomBytes(3).toString('hex')}`, displayName: `Bench ${randomBytes(3).toString('hex')}`, password: 'correct horse battery' });
    await parley.repositories.sites.setSettings('demo', { access: 'members', postingRights: { links: 'guest', mentionEveryone: 'moderator' }, guestBanHours: 24, uploadMaxMB: 20, emailDigests: true, retentionDays: 0 });

    const rows: string[] = [];
    for (const [label, width, height] of [
      ['1,280 × 960 JPEG', 1280, 960],
      ['4,000 × 3,000 JPEG (a phone photo)', 4000, 3000],
    ] as const) {
      const bytes = await photo(width, height);
      const times: number[] = [];
      for (let run = 0; run < RUNS; run++) {
        const start = performance.now();
        await chat.upload(new Blob([new Uint8Array(bytes)]), 'bench.jpg');
        times.push(performance.now() - start);
      }
      rows.push(`| upload ${label}, ${(bytes.length / 1024 / 1024).toFixed(1)} MB | ${ms(percentile(times, 50))} | ${ms(percentile(times, 95))} |`);
    }

    // many stored images: small ones, to seed quickly
    const small = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#39c' } }).png().toBuffer();
    const seedStart = performance.now();
    let last = await chat.upload(new Blob([new Uint8Array(small)]));
    const already = 2 * RUNS;
    for (let i = already + 1; i < STORED; i += 8) {
      const batch = await Promise.all(Array.from({ length: Math.min(8, STORED - i) }, () => chat.upload(new Blob([new Uint8Array(small)]))));
      last = batch.at(-1) ?? last;
    }
    const seedS = (performance.now() - seedStart) / 1000;
    const big = await chat.upload(new Blob([new Uint8Array(await photo(4000, 3000))]), 'big.jpg');
    for (const [label, attachment, variant] of [
      ['GET a thumbnail', last, 'thumbnail'],
      ['GET a 4,000 × 3,000 original', big, 'original'],
    ] as const) {
      const times: number[] = [];
      for (let run = 0; run < RUNS * 4; run++) {
        const start = performance.now();
        await chat.download(attachment, variant);
        times.push(performance.now() - start);
      }
      rows.push(`| ${label}, ${STORED.toLocaleString('en')} images stored | ${ms(percentile(times, 50))} | ${ms(percentile(times, 95))} |`);
    }
    chat.close();
    console.log(`${STORED.toLocaleString('en')} images stored in ${seedS.toFixed(0)} s (8 at a time); ${RUNS} uploads and ${RUNS * 4} downloads per row\n`);
    console.log('| what | p50 | p95 |\n|---|---:|---:|');
    for (const row of rows) console.log(row);
  } finally {
    await parley.close();
    server.remove();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
