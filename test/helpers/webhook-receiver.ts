import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WebhookEvent } from '../../sdk/protocol';

/** One request the receiver got. */
export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  event: WebhookEvent;
  /** Its `Parley-Delivery` and `Parley-Attempt`. */
  delivery: string;
  attempt: string;
}

/** How to answer a request: a status (after `delayMs`), or not at all (`'hang'` keeps it open, `'drop'` resets it). */
export type Answer = { status: number; delayMs?: number; body?: string } | 'hang' | 'drop';

/**
 * A real HTTP server on loopback that receives webhooks and answers as the test says (by default 200). Every request
 * is recorded when it arrives, before it is answered.
 */
export async function startWebhookReceiver(answer: (request: Received, index: number) => Answer = () => ({ status: 200 })) {
  const received: Received[] = [];
  const hanging = new Set<ServerResponse>();
  let answerWith = answer;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const request: Received = {
        headers: req.headers,
        body,
        event: JSON.parse(body) as WebhookEvent,
        delivery: String(req.headers['parley-delivery']),
        attempt: String(req.headers['parley-attempt']),
      };
      received.push(request);
      const how = answerWith(request, received.length - 1);
      if (how === 'drop') return void req.socket.destroy();
      if (how === 'hang') return void hanging.add(res);
      setTimeout(() => res.writeHead(how.status, { 'content-type': 'text/plain' }).end(how.body ?? `answered ${how.status}`), how.delayMs ?? 0);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks?token=secret-in-query`,
    received,
    /** Answers from now on this way. */
    answer(next: (request: Received, index: number) => Answer) {
      answerWith = next;
    },
    /** Ends the requests kept hanging. */
    release(status = 200) {
      for (const res of hanging) res.writeHead(status).end();
      hanging.clear();
    },
    hanging: () => hanging.size,
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type WebhookReceiver = Awaited<ReturnType<typeof startWebhookReceiver>>;
