// The console's calls to /api/console: same-origin JSON with the console's cookie; failures as ConsoleError.
import type {
  AcceptInviteRequest,
  ConsoleAccount,
  ConsoleAccountResponse,
  ConsoleInviteLinkResponse,
  ConsoleInviteRequest,
  ConsoleInviteResponse,
  ConsoleTeamResponse,
  ConsoleLoginRequest,
  ConsoleSiteResponse,
  CreateSiteRequest,
  ErrorBody,
  UpdateConsoleSiteRequest,
} from '../sdk/protocol';
import { t } from './i18n';

export class ConsoleError extends Error {
  constructor(
    readonly code: ErrorBody['code'],
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

/** What went wrong, next to the field it is about when there is one. */
export interface Failure {
  message: string;
  field?: string | undefined;
}
export const failureOf = (error: unknown): Failure => (error instanceof ConsoleError ? { message: error.message, field: error.field } : { message: t.somethingWrong });

/**
 * One same-origin JSON call with the console's cookie: to /api/console/…, or to a site's own API (/api/sites/:id/…),
 * where a console account acts with the chat rank named like its role on the site.
 */
export async function callApi<T>(method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      credentials: 'same-origin',
      headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ConsoleError('network', 'the server cannot be reached');
  }
  const text = await response.text();
  const parsed: unknown = text ? JSON.parse(text) : undefined;
  if (!response.ok) {
    const error = (parsed as { error?: ErrorBody } | undefined)?.error;
    throw new ConsoleError(error?.code ?? 'internal', error?.message ?? `HTTP ${response.status}`, error?.field);
  }
  return parsed as T;
}

const call = <T>(method: string, path: string, body?: unknown) => callApi<T>(method, `/api/console/${path}`, body);

/** A call to the site's own API, e.g. `siteCall('acme', 'GET', 'rooms')`. */
export const siteCall = <T>(siteId: string, method: string, path: string, body?: unknown) =>
  callApi<T>(method, `/api/sites/${encodeURIComponent(siteId)}/${path}`, body, { 'x-parley-console': '1' });

export const api = {
  me: async (): Promise<ConsoleAccount | null> => {
    try {
      return (await call<ConsoleAccountResponse>('GET', 'me')).account;
    } catch (error) {
      if (error instanceof ConsoleError && error.code === 'unauthorized') return null;
      throw error;
    }
  },
  login: async (input: ConsoleLoginRequest) => (await call<ConsoleAccountResponse>('POST', 'login', input)).account,
  logout: () => call<void>('POST', 'logout'),
  invite: async (token: string) => (await call<ConsoleInviteResponse>('GET', `invites/${encodeURIComponent(token)}`)).invite,
  accept: async (token: string, input: AcceptInviteRequest) => (await call<ConsoleAccountResponse>('POST', `invites/${encodeURIComponent(token)}/accept`, input)).account,
  createSite: async (input: CreateSiteRequest) => (await call<ConsoleAccountResponse>('POST', 'sites', input)).account,
  site: async (id: string) => (await call<ConsoleSiteResponse>('GET', `sites/${encodeURIComponent(id)}`)).site,
  updateSite: async (id: string, change: UpdateConsoleSiteRequest) => (await call<ConsoleSiteResponse>('PATCH', `sites/${encodeURIComponent(id)}`, change)).site,
  team: async (id: string) => (await call<ConsoleTeamResponse>('GET', `sites/${encodeURIComponent(id)}/team`)).team,
  inviteToTeam: (id: string, input: ConsoleInviteRequest) => call<ConsoleInviteLinkResponse>('POST', `sites/${encodeURIComponent(id)}/invites`, input),
  removeFromTeam: (id: string, accountId: string) => call<void>('DELETE', `sites/${encodeURIComponent(id)}/team/${encodeURIComponent(accountId)}`),
  deleteSite: (id: string, confirm: string) => call<void>('DELETE', `sites/${encodeURIComponent(id)}?confirm=${encodeURIComponent(confirm)}`),
};
