import { createClient } from 'redis';
import type { ErrorResponse } from '../../../sdk/protocol';
import type { Parley } from '../../../server/main';
import { type RedisProcess, startRedis } from '../../../server/processes/redis-server';
import { newAccount, startTestServer } from '../../helpers/server';

// A server with REDIS_URL, over a redis-server of this file's own that is stopped and started again on its port.
let redis: RedisProcess;
let parley: Parley;
beforeAll(async () => {
  redis = await startRedis();
  parley = await startTestServer({ REDIS_URL: redis.url });
}, 30_000);
afterAll(async () => {
  await parley?.close();
  await redis?.stop();
});

const probe = async (path: string) => {
  const started = Date.now();
  const response = await fetch(`${parley.url}${path}`);
  return { status: response.status, body: (await response.json()) as unknown, ms: Date.now() - started };
};

describe('GET /healthz and GET /readyz', () => {
  it('are 200 { ok: true } while the database and Redis answer', async () => {
    expect(await probe('/healthz')).toMatchObject({ status: 200, body: { ok: true } });
    expect(await probe('/readyz')).toMatchObject({ status: 200, body: { ok: true } });
  });

  it('/readyz gives up on a Redis that hangs after 2 s: 503, not a hung probe', async () => {
    const admin = createClient({ url: redis.url });
    await admin.connect();
    try {
      // every client's commands wait for 3 s, the server's PING too
      await admin.sendCommand(['CLIENT', 'PAUSE', '3000', 'ALL']);
      const hung = await probe('/readyz');
      expect(hung.status).toBe(503);
      expect((hung.body as ErrorResponse).error).toEqual({ code: 'unavailable', message: 'not ready: Redis did not answer' });
      // it waited for its 2 s cap (Redis stays paused for 3 s, so a 503 means the cap, not Redis, ended the wait)
      expect(hung.ms).toBeGreaterThanOrEqual(1_900);
    } finally {
      await admin.sendCommand(['CLIENT', 'UNPAUSE']).catch(() => undefined);
      await admin.quit();
    }
    expect((await probe('/readyz')).status).toBe(200);
  });

  it('/readyz answers 503 unavailable naming Redis while Redis is down, within the 2 s cap, and 200 again once it is back', async () => {
    const port = Number(new URL(redis.url).port);
    await redis.stop();

    const down = await probe('/readyz');
    expect(down.status).toBe(503);
    expect((down.body as ErrorResponse).error).toEqual({ code: 'unavailable', message: 'not ready: Redis did not answer' });
    expect(down.ms).toBeLessThan(3_000);
    // the process itself is still up
    expect((await probe('/healthz')).status).toBe(200);

    redis = await startRedis({ port });
    const deadline = Date.now() + 15_000;
    let status = 0;
    while (status !== 200 && Date.now() < deadline) {
      status = (await probe('/readyz')).status;
      if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(status).toBe(200);
    // and the node works again: a sign-up goes through
    const registered = await fetch(`${parley.url}/api/sites/demo/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(newAccount('ready')),
    });
    expect(registered.status).toBe(201);
  }, 30_000);
});
