import { randomBytes } from 'node:crypto';
import type { CommandStartedEvent } from 'mongodb';
import type { DestinationStream } from 'pino';
import { loadConfig } from '../../server/config';
import { startParley, type Parley } from '../../server/start-up';
import { createLogger } from '../../server/logger';
import { type ParleyProcess, startParleyProcess } from '../../scripts/parley-process';

export interface TestServerOptions {
  /** Receives the server's JSON log lines instead of stdout (set LOG_LEVEL in `env` to see more than nothing). */
  logDestination?: DestinationStream;
  /** Sees every command the server sends its database. */
  onCommand?: (command: CommandStartedEvent) => void;
}

/** A real Parley server on a free port, over the run's real database, in a database of its own. */
export async function startTestServer(env: Record<string, string> = {}, options: TestServerOptions = {}): Promise<Parley> {
  return startTestServerOn('127.0.0.1', env, options);
}

/** Like startTestServer, but `url` is the given hostname: e2e tests use localhost, a different site from 127.0.0.1. */
export async function startTestServerOn(
  hostname: '127.0.0.1' | 'localhost',
  env: Record<string, string> = {},
  options: TestServerOptions = {},
): Promise<Parley> {
  const config = loadConfig({ ...testEnv(), PORT: '0', ...env });
  const parley = await startParley(config, createLogger(config.logLevel, false, options.logDestination), options.onCommand ? { onCommand: options.onCommand } : {});
  return { ...parley, url: `http://${hostname}:${parley.port}` };
}

/** A real Parley server as a process of its own (`server/main.ts`), with the same test settings as startTestServer. */
export function startTestProcess(env: Record<string, string> = {}, args: string[] = []): Promise<ParleyProcess> {
  // errors at least: a process that fails to start says why
  return startParleyProcess({ ...testEnv(), LOG_LEVEL: process.env.PARLEY_TEST_LOG_LEVEL ?? 'error', ...env }, { args });
}

/** The environment of a test server: the run's database, a database name of its own, and limits tests can live with. */
function testEnv(): Record<string, string> {
  const uri = process.env.PARLEY_TEST_MONGODB_URI;
  if (!uri) throw new Error('the test database is not running (jest globalSetup)');
  return {
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    MONGODB_URI: uri,
    MONGODB_DB: `test-${randomBytes(6).toString('hex')}`,
    LOG_LEVEL: process.env.PARLEY_TEST_LOG_LEVEL ?? 'silent',
    // every test account comes from 127.0.0.1: limits are tested on their own (rate-limits.test.ts)
    RATE_LIMIT_REGISTRATIONS_PER_IP: '10000/3600',
    RATE_LIMIT_LOGIN_FAILURES_PER_IP: '10000/3600',
    RATE_LIMIT_CHALLENGES_PER_IP: '10000/600',
    // catch-up tests send hundreds of messages from one user
    RATE_LIMIT_MESSAGES_PER_USER: '100000/10',
    // …and join, catch up and page through history many times; the room request limits are tested on their own
    RATE_LIMIT_ROOM_REQUESTS_PER_SOCKET: '100000/10',
    RATE_LIMIT_ROOM_REQUESTS_PER_USER: '100000/10',
    // short, so tests see a closed tab leave quickly; presence.test.ts tests the grace period itself
    PRESENCE_GRACE_MS: '100',
    // hundreds of sign-ups over raw HTTP: proof-of-work.test.ts and the widget's tests (app.test.ts) turn it on
    PROOF_OF_WORK: 'off',
    // hooks under test listen on 127.0.0.1, over plain http
    HOOKS_ALLOW_PRIVATE: 'true',
  };
}

let counter = 0;
/** A unique, valid account for one test. */
export function newAccount(prefix = 'user') {
  counter += 1;
  const id = `${prefix}${counter}${randomBytes(3).toString('hex')}`;
  return { username: id, displayName: `${prefix} ${counter} ${id.slice(-4)}`, password: 'correct horse battery' };
}
