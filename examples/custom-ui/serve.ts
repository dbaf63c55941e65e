import { access, readFile } from 'node:fs/promises';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { distDir } from '../../server/paths';

export interface CustomUiOptions {
  /** 0 picks a free port. */
  port: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** The Parley backend the page talks to, e.g. http://localhost:3000. */
  backendUrl: string;
}

export interface CustomUi {
  /** The page's address, e.g. http://127.0.0.1:3002/ */
  url: string;
  close(): Promise<void>;
}

// the only files served, as `npm run build` writes them: a fixed map, so no request path ever reaches the file system
const files: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/index.html': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/style.css': { file: 'style.css', type: 'text/css; charset=utf-8' },
};

// the address written in index.html, replaced by the real one
const PLACEHOLDER_BACKEND = 'content="http://localhost:3000"';

/**
 * Serves the custom UI example (dist/custom-ui/) on its own origin, talking to the backend at `backendUrl`.
 *
 * @example
 * const page = await serveCustomUi({ port: 0, backendUrl: parley.url });
 * await browserPage.goto(page.url);
 * await page.close();
 */
export async function serveCustomUi(options: CustomUiOptions): Promise<CustomUi> {
  const host = options.host ?? '127.0.0.1';
  const backendUrl = options.backendUrl.replace(/\/+$/, '');
  const backendOrigin = new URL(backendUrl).origin;
  const folder = path.join(distDir(), 'custom-ui');
  await assertBuilt(folder);
  // the page runs only its own script and style; the SDK may reach the backend, by polling (http) and websocket (ws)
  const csp = [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    `connect-src ${backendOrigin} ${backendOrigin.replace(/^http/, 'ws')}`,
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');

  const server = createServer((request, response) => {
    const entry = files[pathnameOf(request.url)];
    if (request.method !== 'GET' && request.method !== 'HEAD') return end(response, 405, 'method not allowed', { Allow: 'GET, HEAD' });
    if (!entry) return end(response, 404, 'not found');

    readFile(path.join(folder, entry.file), 'utf8').then(
      (text) => {
        const body = entry.file === 'index.html' ? text.replaceAll(PLACEHOLDER_BACKEND, `content="${escapeAttribute(backendUrl)}"`) : text;
        response.writeHead(200, {
          'Content-Type': entry.type,
          'Content-Length': Buffer.byteLength(body),
          'Content-Security-Policy': csp,
          'Cache-Control': 'no-store',
          'X-Content-Type-Options': 'nosniff',
          'Referrer-Policy': 'no-referrer',
        });
        response.end(request.method === 'HEAD' ? undefined : body);
      },
      () => end(response, 500, 'cannot read the custom UI; run `npm run build`'),
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

async function assertBuilt(folder: string): Promise<void> {
  const needed = [...new Set(Object.values(files).map((entry) => entry.file))];
  for (const file of needed) {
    try {
      await access(path.join(folder, file));
    } catch {
      throw new Error(`the custom UI is not built (${path.join(folder, file)} is missing): run \`npm run build\` first`);
    }
  }
}

const escapeAttribute = (value: string) =>
  value.replace(/[&"<>]/g, (c) => ({ '&': '&amp;', '"': '&quot;', '<': '&lt;', '>': '&gt;' })[c] ?? c);

function pathnameOf(url = '/'): string {
  try {
    return new URL(url, 'http://custom-ui.invalid').pathname;
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
