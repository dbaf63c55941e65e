import { ChatError, parseErrorBody } from './errors';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface HttpClient {
  /** `<baseUrl>/api/sites/<site>/` */
  readonly root: string;
  /** Calls `/api/sites/:site/<path>` and resolves with the parsed JSON body (undefined for 204). */
  request<T>(method: HttpMethod, path: string, body?: object): Promise<T>;
  /** Like request, with bytes as the body (an upload), resolving with the response itself (a download). */
  raw(method: HttpMethod, path: string, body?: Blob | ArrayBuffer | Uint8Array): Promise<Response>;
}

/** `omit` sends the session as a bearer token only; `same-origin` also lets the browser send the server's cookies. */
export function createHttpClient(
  baseUrl: string,
  site: string,
  getToken: () => string | null,
  credentials: 'omit' | 'same-origin' = 'omit',
): HttpClient {
  const root = `${baseUrl.replace(/\/+$/, '')}/api/sites/${encodeURIComponent(site)}/`;

  async function call(method: HttpMethod, path: string, body?: BodyInit, json?: boolean): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = json ? 'application/json' : 'application/octet-stream';
    const token = getToken();
    if (token) headers.authorization = `Bearer ${token}`;

    let response: Response;
    try {
      response = await fetch(root + path, { method, headers, body, credentials });
    } catch (cause) {
      throw new ChatError('network', `unable to reach the chat server; ${describe(cause)}`, { cause });
    }
    if (response.ok) return response;
    const error = parseErrorBody(await response.json().catch(() => undefined));
    if (error) throw ChatError.fromBody(error);
    throw new ChatError(response.status >= 500 ? 'unavailable' : 'internal', `unexpected response ${response.status}`);
  }

  return {
    root,
    async request<T>(method: HttpMethod, path: string, body?: object): Promise<T> {
      const response = await call(method, path, body && JSON.stringify(body), true);
      return (response.status === 204 ? undefined : await response.json().catch(() => undefined)) as T;
    },
    raw: (method, path, body) => call(method, path, body as BodyInit | undefined),
  };
}

function describe(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
