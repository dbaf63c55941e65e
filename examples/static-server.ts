import { readFile } from 'node:fs/promises';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

/** One file a static server answers with. */
export interface StaticFile {
  type: string;
  /** The body; read at each request, so an edited file shows on reload. */
  body(): Promise<string> | string;
  /** Overrides the server's Content-Security-Policy for this file. */
  csp?: string;
}

export interface StaticServerOptions {
  /** 0 picks a free port. */
  port: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Sent with every file, unless the file has its own. */
  csp: string;
  /** The file for a path, or undefined for 404. A lookup, never a file-system path built from the request. */
  route(pathname: string): StaticFile | undefined;
  /** Headers sent with every file, besides the content type, CSP, no-store and nosniff. */
  headers?: Record<string, string>;
}

export interface StaticServer {
  /** e.g. http://127.0.0.1:3001/ */
  url: string;
  close(): Promise<void>;
}

export const MIME = {
  html: 'text/html; charset=utf-8',
  css: 'text/css; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
} as const;

/** The small HTTP server the example pages (and the tests' host pages) run on: GET/HEAD of known files only. */
export async function serveStatic(options: StaticServerOptions): Promise<StaticServer> {
  const host = options.host ?? '127.0.0.1';
  const server = createServer((request, response) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return end(response, 405, 'method not allowed', { Allow: 'GET, HEAD' });
    const file = options.route(pathnameOf(request.url));
    if (!file) return end(response, 404, 'not found');
    Promise.resolve()
      .then(() => file.body())
      .then(
        (body) => {
          response.writeHead(200, {
            'Content-Type': file.type,
            'Content-Length': Buffer.byteLength(body),
            'Content-Security-Policy': file.csp ?? options.csp,
            'Cache-Control': 'no-store',
            'X-Content-Type-Options': 'nosniff',
            ...options.headers,
          });
          response.end(request.method === 'HEAD' ? undefined : body);
        },
        () => end(response, 500, 'cannot read the file'),
      );
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });

  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${urlHost(host)}:${port}/`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // keep-alive connections from a browser would hold close() open
        server.closeAllConnections();
      }),
  };
}

/**
 * Serves the named files of one folder (`index.html` also at `/`), typed by extension; `renderIndex` rewrites
 * index.html on its way out (the backend's address, an identity).
 */
export function serveFolder(
  options: Omit<StaticServerOptions, 'route'> & { folder: string; files: string[]; renderIndex?: (html: string) => string },
): Promise<StaticServer> {
  const { folder, files, renderIndex = (html) => html, ...rest } = options;
  return serveStatic({
    ...rest,
    route: (pathname) => {
      const name = pathname === '/' ? 'index.html' : pathname.slice(1);
      const type = MIME[name.split('.').pop() as keyof typeof MIME];
      // a fixed list: no request path ever reaches the file system
      if (!files.includes(name) || !type) return undefined;
      return {
        type,
        body: async () => {
          const text = await readFile(path.join(folder, name), 'utf8');
          return name === 'index.html' ? renderIndex(text) : text;
        },
      };
    },
  });
}

export const escapeAttribute = (value: string) =>
  value.replace(/[&"<>]/g, (c) => ({ '&': '&amp;', '"': '&quot;', '<': '&lt;', '>': '&gt;' })[c] ?? c);

function pathnameOf(url = '/'): string {
  try {
    return new URL(url, 'http://static.invalid').pathname;
  } catch {
    return '';
  }
}

function end(response: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', ...headers });
  response.end(text);
}

/** A host as it appears in a URL: a wildcard becomes loopback, an IPv6 address gets brackets. */
function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}
