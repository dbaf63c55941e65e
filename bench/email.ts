// Email digests (npx tsx bench/email.ts [users]): a real Parley server on a temporary embedded database (or MONGODB_URI,
// in a database of its own) and a real SMTP server on loopback (smtp-server, taking every message). What noting a
// mention costs a send's acknowledgement, and when digests arrive: `users` people away, each mentioned once by one
// sender, with a 2 s quiet period and the default look every EMAIL_POLL_MS (5 s). Prints a Markdown table.
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { SMTPServer } from 'smtp-server';
import { createChatClient } from '../sdk';
import { localServer } from './local-server';

const USERS = Number(process.argv[2] ?? 100);
const PLAIN = 200;
const QUIET_MS = 2_000;

const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.ceil((p / 100) * values.length) - 1)]!;
const ms = (value: number) => `${value.toFixed(value < 10 ? 1 : 0)} ms`;

async function main(): Promise<void> {
  // the SMTP server notes when each recipient's email arrived
  const arrived = new Map<string, number>();
  const smtp = new SMTPServer({
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      stream.resume();
      stream.on('end', () => {
        for (const { address } of session.envelope.rcptTo) if (!arrived.has(address)) arrived.set(address, performance.now());
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  const server = localServer('email', {
    SMTP_URL: `smtp://127.0.0.1:${(smtp.server.address() as AddressInfo).port}`,
    EMAIL_DIGEST_QUIET_MS: String(QUIET_MS),
    RATE_LIMIT_MESSAGES_PER_USER: '1000000/10',
    RATE_LIMIT_MESSAGE_BURST_PER_USER: '1000000/10',
    RATE_LIMIT_REGISTRATIONS_PER_IP: '1000000/10',
  });
  const parley = await server.start();
  const rows: string[] = [];
  try {
    const register = async (prefix: string) => {
      const chat = createChatClient({ baseUrl: parley.url, site: 'demo' });
      const user = await chat.register({ username: `${prefix}${randomBytes(4).toString('hex')}`, displayName: `${prefix} ${randomBytes(4).toString('hex')}`, password: 'correct horse battery' });
      return { chat, user };
    };
    // the people away: an address each, signed out
    const away: Array<{ id: string; address: string }> = [];
    for (let i = 0; i < USERS; i++) {
      const { chat, user } = await register('away');
      const address = `${user.id}@mail.example`;
      const stored = (await parley.repositories.users.findById('demo', user.id))!;
      await parley.repositories.users.setPendingEmail(stored, address, {});
      await parley.repositories.users.confirmEmail('demo', user.id, address);
      chat.close();
      away.push({ id: user.id, address });
    }
    const { chat: sender } = await register('sender');
    const room = await sender.join('general');

    // acknowledgement times: plain messages, then one mention of someone away each (noted before the ack)
    const timed = async (send: () => Promise<unknown>) => {
      const started = performance.now();
      await send();
      return performance.now() - started;
    };
    const plain: number[] = [];
    for (let i = 0; i < PLAIN; i++) plain.push(await timed(() => room.send(`plain ${i}`)));
    const mentioned: number[] = [];
    const lastMention = new Map<string, number>();
    for (const { id, address } of away) {
      mentioned.push(await timed(() => room.send(`hello @someone`, { mentions: [id] })));
      lastMention.set(address, performance.now());
    }
    rows.push(`| ack of a plain message (${PLAIN}) | ${ms(percentile(plain, 50))} | ${ms(percentile(plain, 99))} |`);
    rows.push(`| ack of a message mentioning someone away (${USERS}): noted for their digest first | ${ms(percentile(mentioned, 50))} | ${ms(percentile(mentioned, 99))} |`);

    // each digest is due QUIET_MS after its mention; the lag is what comes after that (the look, the SMTP send)
    while (arrived.size < away.length) await new Promise((resolve) => setTimeout(resolve, 10));
    const lags = away.map(({ address }) => arrived.get(address)! - lastMention.get(address)! - QUIET_MS);
    rows.push(`| a digest's arrival after it fell due (${USERS} digests; looks every 5 s) | ${ms(percentile(lags, 50))} | ${ms(percentile(lags, 99))} (max ${ms(Math.max(...lags))}) |`);
    const first = Math.min(...arrived.values());
    const last = Math.max(...arrived.values());
    rows.push(`| ${USERS} digests, first to last arrival | ${ms(last - first)} | |`);
    sender.close();
  } finally {
    await parley.close();
    server.remove();
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
  }
  console.log(`| Email digests (${new Date().toISOString().slice(0, 10)}) | p50 | p99 |\n|---|---|---|\n${rows.join('\n')}`);
}

await main();
