/**
 * The Redis rate-limit store against the real test Redis: two stores stand for two gateway
 * replicas sharing one bucket; refunds, refills (injected `now`), key expiry, the script loaded
 * again after Redis forgot it, and fail-open when Redis cannot be reached.
 */
import pino from 'pino';
import { createRateLimiter, type RateLimitStore } from '../../gateway/rateLimiter';
import { createRedisRateLimitStore } from '../../gateway/redisRateLimitStore';
import { TEST_REDIS_URL, closedPort, redisScratch, type RedisScratch } from './redisScratch';

const LIMIT = { ratePerS: 1, burst: 3 };
const T0 = 1_700_000_000_000;

function captureLogger(): { logger: pino.Logger; warnings: () => number } {
  const lines: { level: number }[] = [];
  const logger = pino({ level: 'info' }, { write: (l: string) => void lines.push(JSON.parse(l) as { level: number }) });
  return { logger, warnings: () => lines.filter((l) => l.level === 40).length };
}


describe('Redis rate limit store shared by gateway replicas', () => {
  let scratch: RedisScratch;
  let a: RateLimitStore;
  let b: RateLimitStore;
  const { logger, warnings } = captureLogger();

  beforeAll(async () => {
    scratch = redisScratch('rate-limit');
    await scratch.connect();
    a = createRedisRateLimitStore({ url: TEST_REDIS_URL, prefix: scratch.keyPrefix, logger });
    b = createRedisRateLimitStore({ url: TEST_REDIS_URL, prefix: scratch.keyPrefix, logger });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await scratch?.cleanup();
  });

  it('takes from one bucket whichever replica asks, and refuses the take that overdraws it', async () => {
    expect(await a.take('shared', LIMIT, 2, T0)).toEqual({ ok: true, retryAfterMs: 0, remaining: 1 });
    expect(await b.take('shared', LIMIT, 1, T0)).toEqual({ ok: true, retryAfterMs: 0, remaining: 0 });
    expect(await a.take('shared', LIMIT, 1, T0)).toEqual({ ok: false, retryAfterMs: 1_000, remaining: 0 });
    expect(await b.take('shared', LIMIT, 1, T0 + 250)).toEqual({ ok: false, retryAfterMs: 750, remaining: 0 });
    expect(warnings()).toBe(0);
  });

  it('refills at ratePerS by the injected clock, and a clock behind the bucket refills nothing', async () => {
    await a.take('refill', LIMIT, 3, T0);
    expect((await b.take('refill', LIMIT, 1, T0 + 1_000)).ok).toBe(true);
    expect((await a.take('refill', LIMIT, 1, T0 + 500)).ok).toBe(false);
    expect(await a.take('refill', LIMIT, 1, T0 + 60_000)).toEqual({ ok: true, retryAfterMs: 0, remaining: 2 });
  });

  it('gives refunded tokens back to every replica, never above burst', async () => {
    await a.take('refund', LIMIT, 3, T0);
    await b.refund('refund', LIMIT, 1, T0);
    expect((await a.take('refund', LIMIT, 1, T0)).ok).toBe(true);
    expect((await a.take('refund', LIMIT, 1, T0)).ok).toBe(false);
    await b.refund('refund', LIMIT, 10, T0);
    expect(await a.take('refund', LIMIT, 3, T0)).toEqual({ ok: true, retryAfterMs: 0, remaining: 0 });
  });

  it('lets a bucket expire once it would be full again, so idle buckets cost no memory', async () => {
    await a.take('ttl', LIMIT, 2, T0);
    const ttl = await scratch.raw.pttl(`${scratch.keyPrefix}ttl`);
    expect(ttl).toBeGreaterThan(1_000);
    expect(ttl).toBeLessThanOrEqual(3_000);
  });

  it('limits two rate limiters (two gateways) together per client', async () => {
    const perClient = { ratePerS: 0.001, burst: 2 };
    const g1 = createRateLimiter({ perTenant: null, perClient, store: a, now: () => T0 });
    const g2 = createRateLimiter({ perTenant: null, perClient, store: b, now: () => T0 });
    expect(await g1.take('acme', 'alice')).toEqual({ ok: true });
    expect(await g2.take('acme', 'alice')).toEqual({ ok: true });
    expect(await g1.take('acme', 'alice')).toMatchObject({ ok: false, scope: 'client' });
    expect(await g2.take('acme', 'bob')).toEqual({ ok: true });
  });

  it('loads the script again when Redis has forgotten it (EVALSHA falls back to EVAL)', async () => {
    await scratch.raw.script('FLUSH');
    expect(await a.take('flushed', LIMIT, 1, T0)).toEqual({ ok: true, retryAfterMs: 0, remaining: 2 });
    expect(await b.take('flushed', LIMIT, 1, T0)).toEqual({ ok: true, retryAfterMs: 0, remaining: 1 });
  });
});

describe('Redis rate limit store when Redis is unreachable', () => {
  it('allows every request (fail open) and logs the outage once per interval', async () => {
    const { logger, warnings } = captureLogger();
    let clock = 0;
    const store = createRedisRateLimitStore({ url: `redis://127.0.0.1:${await closedPort()}`, logger, clock: () => clock });
    try {
      for (let i = 0; i < 5; i += 1) expect(await store.take('down', LIMIT, 3, T0)).toEqual({ ok: true, retryAfterMs: 0, remaining: 3 });
      await expect(store.refund('down', LIMIT, 1, T0)).resolves.toBeUndefined();
      expect(warnings()).toBe(1);
      clock = 60_000;
      await store.take('down', LIMIT, 1, T0);
      expect(warnings()).toBe(2);
    } finally {
      await store.close();
    }
  });

  it('fails fast at start naming REDIS_URL when the URL is not a redis URL', () => {
    const { logger } = captureLogger();
    expect(() => createRedisRateLimitStore({ url: 'http://127.0.0.1:6379', logger })).toThrow(/REDIS_URL/);
  });
});
