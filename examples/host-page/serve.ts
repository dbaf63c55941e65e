import { createHmac } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { projectRoot } from '../../server/paths';

export interface HostPageOptions {
  /** 0 picks a free port. */
  port: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** The Parley backend the page embeds, e.g. http://localhost:3000. */
  backendUrl: string;
  /**
   * Sign this visitor in as the site's own user, as a site's server would when it renders the page:
   * adds data-user-id, data-user-name and data-user-hash (HMAC-SHA256 of the id under the site's secret).
   */
  identity?: { userId: string; name: string; identitySecret: string };
}

export interface HostPage {
  /** The page's address, e.g. http://127.0.0.1:3001/ */
  url: string;
  close(): Promise<void>;
}

// the only files served: a fixed map, so no request path ever reaches the file system
const files: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/index.html': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/site.css': { file: 'site.css', type: 'text/css; charset=utf-8' },
};

// the address written in index.html, as a site owner would paste it
const PLACEHOLDER_BACKEND = 'http://localhost:3000';

/**
 * Serves the example shop page on its own origin, embedding the widget from `backendUrl`.
 *
 * @example
 * const page = await serveHostPage({ port: 0, backendUrl: parley.url });
 * await browserPage.goto(page.url);
 * await page.close();
 */
export async function serveHostPage(options: HostPageOptions): Promise<HostPage> {
  const host = options.host ?? '127.0.0.1';
  const backendUrl = options.backendUrl.replace(/\/+$/, '');
  const backendOrigin = new URL(backendUrl).origin;
  const folder = path.join(projectRoot(), 'examples', 'host-page');
  // as strict as a careful site would be: the widget must need nothing beyond its own origin
  const csp = [
    "default-src 'self'",
    `script-src 'self' ${backendOrigin}`,
    "style-src 'self'",
    `frame-src ${backendOrigin}`,
    "img-src 'self' data:",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "object-src 'none'",
  ].join('; ');

  const server = createServer((request, response) => {
    const entry = files[pathnameOf(request.url)];
    if (request.method !== 'GET' && request.method !== 'HEAD') return end(response, 405, 'method not allowed', { Allow: 'GET, HEAD' });
    if (!entry) return end(response, 404, 'not found');

    readFile(path.join(folder, entry.file), 'utf8').then(
      (text) => {
        const body = entry.file === 'index.html' ? renderPage(text, backendUrl, options.identity) : text;
        response.writeHead(200, {
          'Content-Type': entry.type,
          'Content-Length': Buffer.byteLength(body),
          'Content-Security-Policy': csp,
          'Cache-Control': 'no-store',
          'X-Content-Type-Options': 'nosniff',
        });
        response.end(request.method === 'HEAD' ? undefined : body);
      },
      () => end(response, 500, 'cannot read the example page'),
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

function renderPage(html: string, backendUrl: string, identity: HostPageOptions['identity']): string {
  const page = html.replaceAll(PLACEHOLDER_BACKEND, backendUrl);
  if (!identity) return page;
  const hash = createHmac('sha256', identity.identitySecret).update(identity.userId).digest('hex');
  const attributes = `data-user-id="${escapeAttribute(identity.userId)}" data-user-name="${escapeAttribute(identity.name)}" data-user-hash="${hash}"`;
  return page.replace('data-site="demo"', `data-site="demo" ${attributes}`);
}

const escapeAttribute = (value: string) =>
  value.replace(/[&"<>]/g, (c) => ({ '&': '&amp;', '"': '&quot;', '<': '&lt;', '>': '&gt;' })[c] ?? c);

function pathnameOf(url = '/'): string {
  try {
    return new URL(url, 'http://host-page.invalid').pathname;
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
