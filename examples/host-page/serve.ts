import { createHmac } from 'node:crypto';
import path from 'node:path';
import { projectRoot } from '../../server/paths';
import { escapeAttribute, serveFolder, type StaticServer } from '../static-server';

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
  /** false serves the same page without the widget's tag: the baseline of bench/widget-impact.ts. Default true. */
  widget?: boolean;
}

/** The page's address (e.g. http://127.0.0.1:3001/) and close(). */
export type HostPage = StaticServer;

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

  return serveFolder({
    port: options.port,
    host: options.host,
    csp,
    folder,
    files: ['index.html', 'site.css', 'site.js'],
    renderIndex: (html) => {
      const page = renderPage(html, backendUrl, options.identity);
      return options.widget === false ? page.replace(/<script[^>]*\/widget\.js[^>]*><\/script>\s*/, '') : page;
    },
  });
}

function renderPage(html: string, backendUrl: string, identity: HostPageOptions['identity']): string {
  const page = html.replaceAll(PLACEHOLDER_BACKEND, backendUrl);
  if (!identity) return page;
  const hash = createHmac('sha256', identity.identitySecret).update(identity.userId).digest('hex');
  const attributes = `data-user-id="${escapeAttribute(identity.userId)}" data-user-name="${escapeAttribute(identity.name)}" data-user-hash="${hash}"`;
  return page.replace('data-site="demo"', `data-site="demo" ${attributes}`);
}
