import { MIME, serveStatic } from '../../examples/static-server';

/** A host website on an origin of its own, where each test puts the page it needs. */
export interface HostPages {
  /** e.g. http://127.0.0.1:41234 */
  origin: string;
  /**
   * Serves `files` (name → text; `.html`, `.js`, `.css`) in a folder of their own and returns the folder's address:
   * `index.html` is served there, and the page loads the others by relative URL. Scripts must be files: the CSP
   * forbids inline ones, as a careful site's would.
   */
  add(files: Record<string, string>, options?: { csp?: string }): string;
  close(): Promise<void>;
}

const types: Record<string, string> = MIME;

/**
 * Serves host pages on http://127.0.0.1:<free port> under the strict CSP of issue 6 (plus `'self'` scripts, for the
 * page's own files): `default-src 'self'; script-src 'self' BACKEND; frame-src BACKEND; style-src 'self'`.
 * Only what tests added is served: no request path reaches the file system.
 *
 * @example
 * const pages = await serveHostPages(parley.url);
 * await page.goto(pages.add({ 'index.html': html }));
 */
export async function serveHostPages(backendUrl: string): Promise<HostPages> {
  const backend = new URL(backendUrl).origin;
  const defaultCsp = `default-src 'self'; script-src 'self' ${backend}; frame-src ${backend}; style-src 'self'`;
  const routes = new Map<string, { body: string; type: string; csp: string }>();
  let folders = 0;

  const server = await serveStatic({
    port: 0,
    csp: defaultCsp,
    route: (pathname) => {
      const route = routes.get(pathname);
      return route && { type: route.type, csp: route.csp, body: () => route.body };
    },
  });
  const origin = new URL(server.url).origin;

  return {
    origin,
    add(files, options = {}) {
      folders += 1;
      const folder = `/page-${folders}/`;
      for (const [name, body] of Object.entries(files)) {
        const type = types[name.split('.').pop() ?? ''];
        if (!type || name.includes('/')) throw new Error(`cannot serve ${name}: a .html, .js or .css file name`);
        routes.set(folder + (name === 'index.html' ? '' : name), { body, type, csp: options.csp ?? defaultCsp });
      }
      return origin + folder;
    },
    close: () => server.close(),
  };
}
