// A chat bot in Node: signs in, joins one room and answers !help and !time (commands.ts).
// Run it: PARLEY_BOT_PASSWORD=… npx tsx examples/node-bot/bot.ts — see README.md beside it.
import { ChatError, createChatClient, type ChatClient, type Message, type Room, type User } from '@parley/sdk';
import { replyTo } from './commands';

interface BotConfig {
  url: string;
  site: string;
  roomId: string;
  username: string;
  password: string;
  displayName: string;
}

// close() releases the socket and every timer, so node exits by itself; this only guards against a hang
const EXIT_GRACE_MS = 3_000;

/** The bot's settings from the environment; an empty variable counts as unset. */
function readConfig(env: NodeJS.ProcessEnv): BotConfig | { problem: string } {
  const password = env.PARLEY_BOT_PASSWORD;
  if (!password) {
    return { problem: 'PARLEY_BOT_PASSWORD is not set: the password of the bot account (the first run creates the account with it)' };
  }
  return {
    url: env.PARLEY_URL || 'http://localhost:3000',
    site: env.PARLEY_SITE || 'demo',
    roomId: env.PARLEY_ROOM || 'general',
    username: env.PARLEY_BOT_USERNAME || 'timebot',
    password,
    displayName: env.PARLEY_BOT_NAME || 'Time Bot',
  };
}

// stdout carries only the `ready` line; everything else is a log line on stderr
function log(line: string): void {
  process.stderr.write(`${new Date().toISOString()} ${line}\n`);
}

function describeError(error: unknown): string {
  if (!(error instanceof ChatError)) return error instanceof Error ? error.message : String(error);
  const field = error.field ? ` (${error.field})` : '';
  const retry = error.retryAfterMs !== undefined ? `; retry after ${error.retryAfterMs} ms` : '';
  return `${error.code}${field}: ${error.message}${retry}`;
}

/** Logs in; on the first run there is no account yet, so it registers one. */
async function signIn(chat: ChatClient, config: BotConfig): Promise<User> {
  const { username, password, displayName } = config;
  try {
    return await chat.login({ username, password });
  } catch (error) {
    if (!(error instanceof ChatError) || error.code !== 'unauthorized') throw error;
  }
  // the server gives the same answer for "no such user" and "wrong password"; register tells them apart
  log(`login as "${username}" refused; registering the account (first run?)`);
  try {
    return await chat.register({ username, displayName, password });
  } catch (error) {
    if (error instanceof ChatError && error.code === 'conflict' && error.field === 'username') {
      throw new Error(`unable to sign in as "${username}"; the account exists and PARLEY_BOT_PASSWORD is not its password`, { cause: error });
    }
    if (error instanceof ChatError && error.code === 'conflict' && error.field === 'displayName') {
      throw new Error(`unable to register "${username}"; the display name "${displayName}" is taken, set PARLEY_BOT_NAME`, { cause: error });
    }
    throw error;
  }
}

/** Answers commands in the room; a failed reply is logged, never thrown. */
function answerCommands(room: Room, bot: User): void {
  room.on('message', (message: Message) => {
    if (message.author.id === bot.id) return; // its own replies, or another session of the same account
    const reply = replyTo(message.text);
    if (reply === null) return;
    const command = message.text.trim().toLowerCase();
    room.send(reply).then(
      () => log(`answered ${command} from ${message.author.displayName}`),
      (error: unknown) => log(`unable to answer ${command} from ${message.author.displayName}; ${describeError(error)}`),
    );
  });
}

async function main(): Promise<void> {
  const config = readConfig(process.env);
  if ('problem' in config) {
    log(config.problem);
    process.exitCode = 1;
    return;
  }

  const chat = createChatClient({ baseUrl: config.url, site: config.site });
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: closing`);
    chat.close();
    process.exitCode = 0;
    setTimeout(() => {
      log(`still running ${EXIT_GRACE_MS} ms after close; exiting anyway`);
      process.exit(0);
    }, EXIT_GRACE_MS).unref();
  };
  // `once`: a second Ctrl-C kills the process the default way
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);

  chat.on('status', (status) => log(`connection ${status}`));
  chat.on('error', (error) => log(`error: ${describeError(error)}`));
  chat.on('user', (user) => {
    // the session ended under us (expired, or the account was banned): nothing more to answer
    if (user === null && !stopping) {
      log('signed out by the server; exiting');
      stopping = true;
      chat.close();
      process.exitCode = 1;
    }
  });

  try {
    const user = await signIn(chat, config);
    // a signal during sign-in: close() ran before the session's socket was opened, so close again
    if (stopping) {
      chat.close();
      return;
    }
    log(`signed in as "${user.username}" (${user.displayName}) on site "${config.site}" at ${config.url}`);
    const room = await chat.join(config.roomId);
    if (stopping) {
      chat.close();
      return;
    }
    if (room.archived) log(`room "${room.id}" is archived: replies will be refused`);
    // only what arrives from now on: room.recent was said before the bot came in
    answerCommands(room, user);
    process.stdout.write(`ready ${room.id}\n`);
  } catch (error) {
    if (stopping) return;
    log(`unable to start; ${describeError(error)}`);
    chat.close();
    process.exitCode = 1;
  }
}

void main();
