import http from 'node:http';
import https from 'node:https';
import { RequestFilteringHttpAgent, RequestFilteringHttpsAgent } from 'request-filtering-agent';

/** What a receiver answered: its status and the start of its body. */
export interface OutboundAnswer {
  status: number;
  body: Buffer;
}

/**
 * Calls to the sites' own endpoints (the pre-publish hook, webhooks): to public addresses only unless the operator
 * allows private ones (HOOKS_ALLOW_PRIVATE), checked when each connection is made, so a name that resolves to a
 * private address later is refused too; no redirect is followed; the whole exchange is bounded in time and size.
 */
export class OutboundHttp {
  private readonly agents: { http: http.Agent; https: https.Agent };

  constructor(allowPrivate: boolean) {
    const filtering = { allowPrivateIPAddress: allowPrivate, keepAlive: true };
    this.agents = { http: new RequestFilteringHttpAgent(filtering), https: new RequestFilteringHttpsAgent(filtering) };
  }

  /**
   * POSTs `body` as JSON; resolves with any answer that arrives within `timeoutMs`, its body cut at `maxBytes` (then
   * the connection is dropped), and rejects when none does (refused, reset, timed out).
   */
  post(target: string, body: string, headers: Record<string, string>, timeoutMs: number, maxBytes: number): Promise<OutboundAnswer> {
    const url = new URL(target);
    const secure = url.protocol === 'https:';
    const request = (secure ? https : http).request;
    return new Promise((resolve, reject) => {
      const req = request(url, {
        method: 'POST',
        agent: secure ? this.agents.https : this.agents.http,
        headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...headers },
      });
      // the whole exchange, connecting included, within the time
      const timer = setTimeout(() => req.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      req.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      req.on('response', (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const done = () => {
          clearTimeout(timer);
          resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).subarray(0, maxBytes) });
        };
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          chunks.push(chunk);
          // enough of it: the rest is not read
          if (size > maxBytes) {
            response.removeAllListeners('end');
            done();
            response.destroy();
          }
        });
        response.on('end', done);
        response.on('error', (error) => req.destroy(error));
      });
      req.end(body);
    });
  }

  /** Closes the connections kept open (shutdown). */
  close(): void {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }
}
