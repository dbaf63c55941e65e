import { request } from 'node:http';
import type { Parley } from '../../../server/main';
import { startTestServer } from '../../helpers/server';

// The app page carries its site's frame-ancestors: a browser may keep it, but must ask again before each use, and
// the answer "unchanged" (304) must mean the framing rule too, so a removed origin loses the chat at its next load.
let parley: Parley;
const shop = 'https://shop.example';
const other = 'https://other.example';

beforeAll(async () => {
  parley = await startTestServer();
});
afterAll(() => parley.close());

let sites = 0;
/** A site of its own per test, allowing `origins`. */
async function newSite(origins: string[]): Promise<string> {
  sites += 1;
  const id = `cache${sites}`;
  await parley.repositories.sites.create({ id, name: id, allowedOrigins: origins });
  return id;
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Raw HTTP, as a browser revalidates: fetch() would add `cache-control: no-cache` to a conditional request. */
function appPage(site: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(`${parley.url}/widget/app?site=${site}`, { headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const etag = (answer: Answer) => String(answer.headers.etag);
const frameAncestors = (answer: Answer) => /frame-ancestors ([^;]*)/.exec(String(answer.headers['content-security-policy']))?.[1];

describe('GET /widget/app?site=…', () => {
  it('may be stored but is revalidated before every use: no max-age, no stale-while-revalidate', async () => {
    const response = await appPage(await newSite([shop]));
    expect(response.status).toBe(200);
    expect(response.headers['cache-control']).toBe('no-cache');
    expect(response.headers.etag).toMatch(/^"[A-Za-z0-9_-]{27}"$/);
  });

  it('answers a matching If-None-Match with 304 while the allowed origins are unchanged', async () => {
    const site = await newSite([shop]);
    const first = await appPage(site);
    const again = await appPage(site, { 'if-none-match': etag(first) });
    expect(again.status).toBe(304);
    expect(again.body).toBe('');
    expect(frameAncestors(again)).toBe(`'self' ${shop}`);
  });

  it('answers the old ETag with 200 and the new frame-ancestors once an origin is removed', async () => {
    const site = await newSite([shop, other]);
    const before = await appPage(site);
    expect(frameAncestors(before)).toBe(`'self' ${shop} ${other}`);

    await parley.repositories.sites.updateOrigins(site, { remove: [shop] });
    const after = await appPage(site, { 'if-none-match': etag(before) });
    expect(after.status).toBe(200);
    expect(frameAncestors(after)).toBe(`'self' ${other}`);
    expect(etag(after)).not.toBe(etag(before));
    expect(after.body).toContain('<div id="app">');
  });

  it('answers the old ETag with 200 once an origin is added, and once the site is removed', async () => {
    const site = await newSite([]);
    const before = await appPage(site);
    expect(frameAncestors(before)).toBe("'self'");

    await parley.repositories.sites.updateOrigins(site, { add: [shop] });
    const added = await appPage(site, { 'if-none-match': etag(before) });
    expect(added.status).toBe(200);
    expect(frameAncestors(added)).toBe(`'self' ${shop}`);

    await parley.repositories.sites.remove(site);
    const removed = await appPage(site, { 'if-none-match': etag(added) });
    expect(removed.status).toBe(200);
    expect(frameAncestors(removed)).toBe("'self'");
  });

  it('gives sites with different origins different ETags for the same page', async () => {
    const [one, two] = await Promise.all([appPage(await newSite([shop])), appPage(await newSite([other]))]);
    expect(etag(one)).not.toBe(etag(two));
  });
});
