import { spawn, type ChildProcessByStdio } from 'node:child_process';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { Message } from '@parley/sdk';
import type { Parley } from '../../../server/main';
import { projectRoot } from '../../../server/paths';
import { chatClients, waitUntil } from '../../helpers/chat';
import { newAccount, startTestServer } from '../../helpers/server';

// The example bot as its users run it: a real process started by tsx, against a real server, talked to by a
// member through the SDK. Its pure reply function is tested in test/unit/node-bot-commands.test.ts.

const READY_TIMEOUT_MS = 20_000; // tsx compiles the bot and the SDK on a cold start
const EXIT_TIMEOUT_MS = 5_000;

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

interface BotProcess {
  child: ChildProcessByStdio<null, Readable, Readable>;
  stdout(): string;
  stderr(): string;
  /** The room id of the `ready <roomId>` line; rejects with the bot's stderr if it exits or takes too long. */
  ready: Promise<string>;
  /** Once the process has exited and its output is read. */
  exited: Promise<Exit>;
}

const started: BotProcess[] = [];

function startBot(env: Record<string, string>): BotProcess {
  const root = projectRoot();
  // only the variables given here: none the developer's shell happens to have
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('PARLEY_')));
  const child = spawn(path.join(root, 'node_modules/.bin/tsx'), ['examples/node-bot/bot.ts'], {
    cwd: root,
    env: { ...inherited, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // a process group of its own, so afterAll can kill tsx and the node process it starts together
    detached: true,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<Exit>((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
  const ready = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the bot was not ready within ${READY_TIMEOUT_MS} ms; its stderr:\n${stderr}`)), READY_TIMEOUT_MS);
    child.stdout.on('data', () => {
      const line = /^ready (\S+)$/m.exec(stdout);
      if (line?.[1] === undefined) return;
      clearTimeout(timer);
      resolve(line[1]);
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`the bot exited (${code ?? signal}) before it was ready; its stderr:\n${stderr}`));
    });
  });
  ready.catch(() => undefined); // awaited by the tests that expect it; not an unhandled rejection for the others
  const bot = { child, stdout: () => stdout, stderr: () => stderr, ready, exited };
  started.push(bot);
  return bot;
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: () => string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(what())), ms)));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const ISO_TIME = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z/;

describe('examples/node-bot/bot.ts', () => {
  let parley: Parley;
  const clients = chatClients(() => parley);
  const account = newAccount('bot');
  const botEnv = () => ({
    PARLEY_URL: parley.url,
    PARLEY_SITE: 'demo',
    PARLEY_BOT_USERNAME: account.username,
    PARLEY_BOT_PASSWORD: account.password,
    PARLEY_BOT_NAME: account.displayName,
  });
  let bot: BotProcess;
  let member: Awaited<ReturnType<typeof clients.member>>;
  // everything the member sees in `general`, in seq order
  const heard: Message[] = [];
  let saidBeforeTheBot: Message;

  /** The bot's messages after `after` (a message's seq), in seq order. */
  const botMessagesAfter = (after: Message) => heard.filter((m) => m.author.displayName === account.displayName && m.seq > after.seq);

  /** Says `text` as the member and waits for the bot's next message after it. */
  async function ask(text: string, after?: Message): Promise<Message> {
    const asked = await member.room.send(text);
    const since = after ?? asked;
    await waitUntil(() => botMessagesAfter(asked).length > 0).catch(() => {
      throw new Error(`no reply to ${JSON.stringify(text)}; the bot's stderr:\n${bot.stderr()}`);
    });
    const [first] = botMessagesAfter(since);
    if (!first) throw new Error('unreachable: a reply was seen');
    return first;
  }

  beforeAll(async () => {
    parley = await startTestServer();
    member = await clients.member('member');
    member.room.on('message', (m) => heard.push(m));
    saidBeforeTheBot = await member.room.send('!time');
    bot = startBot(botEnv());
    await bot.ready;
  }, 60_000);

  afterAll(async () => {
    for (const { child } of started) {
      if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) continue;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // exited meanwhile
      }
    }
    clients.closeAll();
    await parley?.close();
  });

  it('registers its account on the first run, says so, and prints `ready <roomId>`', async () => {
    await expect(bot.ready).resolves.toBe('general');
    expect(bot.stdout()).toBe('ready general\n');
    expect(bot.stderr()).toMatch(/registering the account/);
  });

  it('answers !help with both commands, as its display name', async () => {
    const reply = await ask('!help');
    expect(reply.author.displayName).toBe(account.displayName);
    expect(reply.text).toContain('!help');
    expect(reply.text).toContain('!time');
  });

  it('answers !time with the current time in UTC as ISO 8601', async () => {
    const reply = await ask('!time');
    expect(reply.text).toMatch(new RegExp(`^It is ${ISO_TIME.source} \\(UTC\\)\\.$`));
    const stamp = ISO_TIME.exec(reply.text)?.[0] ?? '';
    expect(Math.abs(Date.parse(stamp) - Date.now())).toBeLessThan(60_000);
  });

  it('matches commands on the trimmed text, case-insensitive', async () => {
    expect((await ask('  !TIME  ')).text).toMatch(/^It is /);
  });

  // each check below sends a command last: the bot answers in seq order, so an answer to what came
  // before it would be the bot's first message after that, ahead of the command's reply

  it('ignores other messages', async () => {
    const hello = await member.room.send('hello');
    await member.room.send('!time please');
    expect((await ask('!help', hello)).text).toMatch(/^Commands: /);
  });

  it('ignores what was said before it joined (room.recent)', async () => {
    await ask('!help');
    // an answer to the !time said before it joined would come before anything the member said after `ready`
    const next = heard.find((m) => m.seq > saidBeforeTheBot.seq);
    expect(next?.author.id).toBe(member.user.id);
  });

  it('ignores messages from its own account', async () => {
    const self = clients.client();
    await self.login({ username: account.username, password: account.password });
    const own = await (await self.join('general')).send('!time');
    self.close();
    expect((await ask('!help', own)).text).toMatch(/^Commands: /);
  });

  it('stops on SIGTERM with exit code 0, leaving nothing open', async () => {
    bot.child.kill('SIGTERM');
    const exit = await withTimeout(bot.exited, EXIT_TIMEOUT_MS, () => `the bot did not exit on SIGTERM; its stderr:\n${bot.stderr()}`);
    expect(exit).toEqual({ code: 0, signal: null });
    // it exited because nothing was left running, not because the guard timer gave up
    expect(bot.stderr()).not.toMatch(/exiting anyway/);
  });

  it('logs in to its account on the next run, answers, and stops on SIGINT with exit code 0', async () => {
    bot = startBot(botEnv());
    await expect(bot.ready).resolves.toBe('general');
    expect(bot.stderr()).not.toMatch(/registering/);
    expect(bot.stderr()).toMatch(new RegExp(`signed in as "${account.username}"`));
    expect((await ask('!time')).text).toMatch(/^It is /);

    bot.child.kill('SIGINT');
    const exit = await withTimeout(bot.exited, EXIT_TIMEOUT_MS, () => `the bot did not exit on SIGINT; its stderr:\n${bot.stderr()}`);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(bot.stderr()).not.toMatch(/exiting anyway/);
  });

  it('exits with code 1 and says why when PARLEY_BOT_PASSWORD is missing', async () => {
    const { PARLEY_BOT_PASSWORD: _, ...withoutPassword } = botEnv();
    const failing = startBot(withoutPassword);
    const exit = await withTimeout(failing.exited, READY_TIMEOUT_MS, () => 'the bot did not exit without a password');
    expect(exit).toEqual({ code: 1, signal: null });
    expect(failing.stderr()).toMatch(/PARLEY_BOT_PASSWORD is not set/);
    expect(failing.stdout()).toBe('');
  });
});
