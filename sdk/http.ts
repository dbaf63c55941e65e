import { ChatError, parseErrorBody } from './errors';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface HttpClient {
  /** Calls `/api/sites/:site/<path>` and resolves with the parsed JSON body (undefined for 204). */
  request<T>(method: HttpMethod, path: string, body?: object): Promise<T>;
}

/** `omit` sends the session as a bearer token only; `same-origin` also lets the browser send the server's cookies. */
export function createHttpClient(
  baseUrl: string,
  site: string,
  getToken: () => string | null,
  credentials: 'omit' | 'same-origin' = 'omit',
): HttpClient {
  const root = `${baseUrl.replace(/\/+$/, '')}/api/sites/${encodeURIComponent(site)}`;

  return {
    async request<T>(method: HttpMethod, path: string, body?: object): Promise<T> {
      const headers: Record<string, string> = { accept: 'application/json' };
      if (body !== undefined) headers['content-type'] = 'application/json';
      const token = getToken();
      if (token) headers.authorization = `Bearer ${token}`;

      let response: Response;
      try {
        response = await fetch(`${root}/${path}`, {
          method,
          headers,
          body: body === undefined ? undefined : JSON.stringify(body),
          credentials,
        });
      } catch (cause) {
        throw new ChatError('network', `unable to reach the chat server; ${describe(cause)}`, { cause });
      }

      if (response.status === 204) return undefined as T;
      const parsed: unknown = await response.json().catch(() => undefined);
      if (response.ok) return parsed as T;
      const error = parseErrorBody(parsed);
      if (error) throw ChatError.fromBody(error);
      throw new ChatError(response.status >= 500 ? 'unavailable' : 'internal', `unexpected response ${response.status}`);
    },
  };
}

function describe(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
