import type { Logger } from 'pino';
import { createClient } from 'redis';

export type RedisClient = ReturnType<typeof createClient>;

/**
 * Connects to Redis (REDIS_URL) and fails fast when nothing answers. After that the client reconnects by itself;
 * while Redis is away, cross-node delivery pauses and the send limit answers `unavailable`, nothing crashes.
 */
export async function connectRedis(url: string, log: Logger): Promise<RedisClient> {
  const client = createClient({
    url,
    socket: {
      connectTimeout: 5_000,
      // 100 ms doubling to 5 s, forever: a Redis restart must not need a Parley restart
      reconnectStrategy: (retries) => Math.min(100 * 2 ** retries, 5_000),
    },
  });
  let down = false;
  client.on('error', (error: unknown) => {
    if (!down) log.warn({ err: error }, 'Redis connection lost; reconnecting');
    down = true;
  });
  client.on('ready', () => {
    if (down) log.info('Redis connection back');
    down = false;
  });
  await client.connect();
  return client;
}
