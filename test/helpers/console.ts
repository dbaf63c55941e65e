import { randomBytes } from 'node:crypto';
import type { BrowserContext } from 'playwright-core';
import type { ConsoleRole } from '../../sdk/protocol';
import type { Parley } from '../../server/main';

/** A console account signed in, as a browser holds it: its cookie, and calls sent as the console's pages send them. */
export interface ConsoleSignIn {
  accountId: string;
  email: string;
  password: string;
  /** `parley.console=<value>`, for a Cookie header. */
  cookie: string;
  /**
   * A same-origin JSON call with the console's cookie (and its header for the site API), e.g.
   * `call('GET', '/api/sites/acme/moderation')`. The body is parsed when it is JSON.
   */
  call<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T; headers: Headers }>;
  /** Puts the cookie in a Chromium context, so its pages at `${parley.url}/console/` are signed in. */
  addTo(context: BrowserContext): Promise<void>;
}

/**
 * A new console account with `role` on the site, signed in through the console's real invite flow (an operator's
 * invite link, accepted with a password).
 */
export async function signInToConsole(parley: Parley, siteId: string, role: ConsoleRole): Promise<ConsoleSignIn> {
  const email = `${role}-${randomBytes(4).toString('hex')}@example.com`;
  const password = `a long password ${randomBytes(4).toString('hex')}`;
  const { token } = await parley.repositories.consoleAccounts.invite({ siteId, role, email, invitedBy: 'operator' });
  const accepted = await fetch(`${parley.url}/api/console/invites/${token}/accept`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: parley.url, 'sec-fetch-site': 'same-origin' },
    body: JSON.stringify({ password }),
  });
  if (accepted.status !== 201) throw new Error(`the invite was not accepted: ${accepted.status} ${await accepted.text()}`);
  const cookies = accepted.headers.getSetCookie().map((line) => line.split(';')[0] ?? '');
  const cookie = cookies.filter((pair) => pair.startsWith('parley.console')).join('; ');
  const { account } = (await accepted.json()) as { account: { id: string } };
  return {
    accountId: account.id,
    email,
    password,
    cookie,
    async call<T>(method: string, path: string, body?: unknown) {
      const response = await fetch(`${parley.url}${path}`, {
        method,
        headers: {
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          // what Chromium sends with the console's own requests
          origin: parley.url,
          'sec-fetch-site': 'same-origin',
          'x-parley-console': '1',
          cookie,
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      const json = (response.headers.get('content-type') ?? '').includes('json') && text ? (JSON.parse(text) as T) : (text as T);
      return { status: response.status, body: json, headers: response.headers };
    },
    async addTo(context) {
      const url = new URL(parley.url);
      await context.addCookies(
        cookies.map((pair) => {
          const [name = '', value = ''] = pair.split('=');
          return { name, value, domain: url.hostname, path: '/', httpOnly: true, sameSite: 'Strict' as const };
        }),
      );
    },
  };
}
