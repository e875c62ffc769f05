/**
 * A scratch key space in the test Redis (127.0.0.1:6379): a unique key prefix and a raw client, with
 * `cleanup()` deleting every key under the prefix and closing the client. Tests use it for the
 * Redis-backed stores so runs never see each other's keys and leave nothing behind.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import Redis from 'ioredis';

export const TEST_REDIS_URL = 'redis://127.0.0.1:6379';

export interface RedisScratch {
  keyPrefix: string;
  raw: Redis;
  connect(): Promise<void>;
  cleanup(): Promise<void>;
}

export function redisScratch(label: string): RedisScratch {
  const keyPrefix = `test:${label}:${randomUUID()}:`;
  const raw = new Redis(TEST_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  return {
    keyPrefix,
    raw,
    connect: () => raw.connect(),
    async cleanup() {
      const keys = await raw.keys(`${keyPrefix}*`);
      if (keys.length > 0) await raw.del(...keys);
      await raw.quit();
    },
  };
}

/** A TCP port that refuses connections (bound, then closed): a Redis that is down. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}
