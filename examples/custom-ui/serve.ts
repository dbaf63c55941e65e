import { access } from 'node:fs/promises';
import path from 'node:path';
import { distDir } from '../../server/paths';
import { escapeAttribute, serveFolder, type StaticServer } from '../static-server';

export interface CustomUiOptions {
  /** 0 picks a free port. */
  port: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** The Parley backend the page talks to, e.g. http://localhost:3000. */
  backendUrl: string;
}

/** The page's address (e.g. http://127.0.0.1:3002/) and close(). */
export type CustomUi = StaticServer;

// as `npm run build` writes them
const FILES = ['index.html', 'app.js', 'style.css'];

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
    // images are downloaded with the session token and shown from blob: URLs
    "img-src 'self' data: blob:",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');

  return serveFolder({
    port: options.port,
    host: options.host,
    csp,
    headers: { 'Referrer-Policy': 'no-referrer' },
    folder,
    files: FILES,
    renderIndex: (html) => html.replaceAll(PLACEHOLDER_BACKEND, `content="${escapeAttribute(backendUrl)}"`),
  });
}

async function assertBuilt(folder: string): Promise<void> {
  for (const file of FILES) {
    try {
      await access(path.join(folder, file));
    } catch {
      throw new Error(`the custom UI is not built (${path.join(folder, file)} is missing): run \`npm run build\` first`);
    }
  }
}
