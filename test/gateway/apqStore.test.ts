import { createHash } from 'node:crypto';
import pino from 'pino';
import { TEST_REDIS_URL as REDIS_URL, closedPort, redisScratch } from './redisScratch';
import { createApqStore, type ApqStore } from '../../gateway/apqStore';

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
const doc = (n: number, pad = 0): { hash: string; query: string } => {
  const query = `query Q${n} { teams { id ${'displayName '.repeat(pad)}} }`;
  return { hash: sha256(query), query };
};

function captureLogger(): { logger: pino.Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info' }, { write: (l: string) => void lines.push(JSON.parse(l) as Record<string, unknown>) });
  return { logger, lines };
}


describe('APQ store in process (lru-cache)', () => {
  const { logger } = captureLogger();

  it('returns a registered document by its hash and misses unknown hashes', async () => {
    const store = createApqStore({ logger });
    const a = doc(1);
    await store.set(a.hash, a.query);
    expect(store.kind).toBe('memory');
    expect(await store.get(a.hash)).toBe(a.query);
    expect(await store.get(doc(2).hash)).toBeUndefined();
    await store.close();
  });

  it('evicts the least recently used document when the byte budget is exceeded', async () => {
    const [a, b, c] = [doc(1, 10), doc(2, 10), doc(3, 10)];
    const entryBytes = Buffer.byteLength(a.query) + 64;
    const store = createApqStore({ logger, maxBytes: entryBytes * 2 + 10 });
    await store.set(a.hash, a.query);
    await store.set(b.hash, b.query);
    expect(await store.get(a.hash)).toBe(a.query); // a is now the most recently used
    await store.set(c.hash, c.query);
    expect(await store.get(b.hash)).toBeUndefined();
    expect(await store.get(a.hash)).toBe(a.query);
    expect(await store.get(c.hash)).toBe(c.query);
  });

  it('does not store documents above maxEntryBytes, nor keys that are not sha256 hex', async () => {
    const store = createApqStore({ logger, maxEntryBytes: 100 });
    const big = doc(1, 20);
    await store.set(big.hash, big.query);
    expect(await store.get(big.hash)).toBeUndefined();
    const small = doc(2);
    await store.set(small.hash.toUpperCase(), small.query);
    await store.set('__proto__', small.query);
    expect(await store.get(small.hash.toUpperCase())).toBeUndefined();
    expect(await store.get('__proto__')).toBeUndefined();
    expect(await store.get('x'.repeat(1_000_000))).toBeUndefined();
  });

  it('refuses nonsense options at creation, naming the option', () => {
    expect(() => createApqStore({ logger, maxBytes: 0 })).toThrow(/maxBytes must be a positive integer/);
    expect(() => createApqStore({ logger, ttlSeconds: 1.5 })).toThrow(/ttlSeconds must be a positive integer/);
    expect(() => createApqStore({ logger, redisUrl: 'http://127.0.0.1:6379' })).toThrow(/REDIS_URL must be a redis:\/\/ or rediss:\/\/ URL/);
    expect(() => createApqStore({ logger, redisUrl: 'not a url' })).toThrow(/REDIS_URL must be a redis:\/\//);
  });
});

describe('APQ store on Redis', () => {
  const scratch = redisScratch('apq');
  const { keyPrefix, raw } = scratch;
  const stores: ApqStore[] = [];
  const open = (extra: { ttlSeconds?: number; maxEntryBytes?: number } = {}): ApqStore => {
    const store = createApqStore({ logger: captureLogger().logger, redisUrl: REDIS_URL, keyPrefix, ...extra });
    stores.push(store);
    return store;
  };

  beforeAll(() => scratch.connect());
  afterAll(async () => {
    for (const s of stores) await s.close();
    await scratch.cleanup();
  });

  it('shares documents between gateway replicas under <keyPrefix><hash> with EX ttlSeconds', async () => {
    const a = doc(1);
    await open({ ttlSeconds: 120 }).set(a.hash, a.query);
    expect(await open().get(a.hash)).toBe(a.query);
    expect(await raw.get(`${keyPrefix}${a.hash}`)).toBe(a.query);
    const ttl = await raw.ttl(`${keyPrefix}${a.hash}`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(120);
  });

  it('uses the apq: key prefix by default, as Apollo Server does', async () => {
    const a = doc(Date.now());
    const store = createApqStore({ logger: captureLogger().logger, redisUrl: REDIS_URL });
    try {
      await store.set(a.hash, a.query);
      expect(await raw.get(`apq:${a.hash}`)).toBe(a.query);
    } finally {
      await raw.del(`apq:${a.hash}`);
      await store.close();
    }
  });

  it('misses unknown hashes and does not store documents above maxEntryBytes', async () => {
    const store = open({ maxEntryBytes: 50 });
    const big = doc(2, 10);
    await store.set(big.hash, big.query);
    expect(await store.get(big.hash)).toBeUndefined();
    expect(await raw.exists(`${keyPrefix}${big.hash}`)).toBe(0);
    expect(await store.get(doc(3).hash)).toBeUndefined();
  });

  it('degrades to misses with one logged warning when Redis is unreachable, never rejecting', async () => {
    const { logger, lines } = captureLogger();
    const store = createApqStore({ logger, redisUrl: `redis://127.0.0.1:${await closedPort()}`, keyPrefix, commandTimeoutMs: 200 });
    try {
      const a = doc(4);
      await expect(store.set(a.hash, a.query)).resolves.toBeUndefined();
      await expect(store.get(a.hash)).resolves.toBeUndefined();
      await expect(store.get(a.hash)).resolves.toBeUndefined();
      const warnings = lines.filter((l) => l.msg === 'APQ redis store failed; persisted queries miss until it is back');
      expect(warnings).toHaveLength(1);
      expect(warnings[0]?.level).toBe(40);
    } finally {
      await store.close();
    }
  });

  it('misses after close instead of throwing, and closes twice without error', async () => {
    const store = open();
    const a = doc(5);
    await store.set(a.hash, a.query);
    await store.close();
    await store.close();
    expect(await store.get(a.hash)).toBeUndefined();
    await expect(store.set(a.hash, a.query)).resolves.toBeUndefined();
  });
});
