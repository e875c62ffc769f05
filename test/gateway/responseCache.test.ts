import { randomUUID } from 'node:crypto';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import Redis from 'ioredis';
import pino from 'pino';
import { canonicalJson, createResponseCache, ResponseCacheUnavailableError, type CacheKeyParts, type ResponseCache, type ResponseCacheOptions } from '../../gateway/responseCache';

const REDIS_URL = 'redis://127.0.0.1:6379';
const logger = pino({ level: 'silent' });
const caller = { tenant: 'acme', identity: 'anon', scopes: [] as string[] };
const parts = (over: Partial<CacheKeyParts> = {}): CacheKeyParts => ({ document: 'doc-hash-1', operationName: 'Q', variables: { id: '1' }, ...caller, ...over });
const body = (n: number | string) => JSON.stringify({ data: { salesOrder: { id: String(n) } } });

type Backend = 'memory' | 'redis';
const prefixes: string[] = [];

/** A cache on the backend with a clock the test moves. */
function setup(backend: Backend, over: Partial<ResponseCacheOptions> = {}) {
  const clock = { now: 1_700_000_000_000 };
  const keyPrefix = `lumina:test:rc:${randomUUID()}:`;
  if (backend === 'redis') prefixes.push(keyPrefix);
  const cache = createResponseCache({ logger, now: () => clock.now, ...(backend === 'redis' ? { redisUrl: REDIS_URL, keyPrefix } : {}), ...over });
  return { cache, clock, keyPrefix };
}

async function withCache(backend: Backend, fn: (c: ReturnType<typeof setup>) => Promise<void>, over: Partial<ResponseCacheOptions> = {}): Promise<void> {
  const c = setup(backend, over);
  try {
    await fn(c);
  } finally {
    await c.cache.clear().catch(() => undefined);
    await c.cache.close();
  }
}

async function store(cache: ResponseCache, p: CacheKeyParts, n: number | string, tags: string[], ttlMs = 60_000): Promise<string> {
  const key = cache.key(p);
  await cache.set(key, { body: body(n), ttlMs, tags });
  return key;
}

afterAll(async () => {
  const redis = new Redis(REDIS_URL);
  try {
    for (const prefix of prefixes) {
      const left = await redis.keys(`${prefix}*`);
      if (left.length > 0) await redis.del(...left);
      expect(left).toEqual([]);
    }
  } finally {
    await redis.quit();
  }
});

describe('response cache key', () => {
  const cache = createResponseCache({ logger });
  afterAll(() => cache.close());

  it('is the tenant and a sha256', () => {
    expect(cache.key(parts())).toMatch(/^acme:[0-9a-f]{64}$/);
  });

  it('does not depend on the order of object keys in the variables', () => {
    expect(cache.key(parts({ variables: { a: 1, b: { x: [1, { q: 1, p: 2 }], y: null } } })))
      .toBe(cache.key(parts({ variables: { b: { y: null, x: [1, { p: 2, q: 1 }] }, a: 1 } })));
  });

  it.each<[string, Partial<CacheKeyParts>]>([
    ['tenant', { tenant: 'other' }],
    ['identity', { identity: '0123456789abcdef0123456789abcdef' }],
    ['scopes', { scopes: ['sap:read'] }],
    ['document', { document: 'doc-hash-2' }],
    ['operation name', { operationName: 'Other' }],
    ['variables', { variables: { id: '2' } }],
    ['variable type', { variables: { id: 1 } }],
  ])('changes with the %s', (_label, change) => {
    expect(cache.key(parts(change))).not.toBe(cache.key(parts()));
  });

  it('changes with the order of array items', () => {
    expect(cache.key(parts({ variables: { id: ['1', '2'] } }))).not.toBe(cache.key(parts({ variables: { id: ['2', '1'] } })));
  });

  it('does not depend on the order or repetition of scopes', () => {
    expect(cache.key(parts({ scopes: ['b', 'a', 'b'] }))).toBe(cache.key(parts({ scopes: ['a', 'b'] })));
  });

  it('treats absent variables and operation name like empty ones', () => {
    expect(cache.key(parts({ variables: undefined, operationName: undefined }))).toBe(cache.key(parts({ variables: {}, operationName: null })));
  });

  it('refuses a tenant that is not a tenant id', () => {
    expect(() => cache.key(parts({ tenant: 'a:b' }))).toThrow(TypeError);
  });

  it('handles deeply nested and large variables without overflowing the stack (abuse)', () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 200_000; i += 1) deep = i % 2 ? [deep] : { k: deep };
    expect(cache.key(parts({ variables: { deep } }))).toMatch(/^acme:[0-9a-f]{64}$/);
    const wide = Object.fromEntries(Array.from({ length: 50_000 }, (_, i) => [`k${i}`, i]));
    expect(cache.key(parts({ variables: wide }))).toMatch(/^acme:[0-9a-f]{64}$/);
  });
});

describe('canonicalJson', () => {
  it('is JSON.stringify with sorted keys', () => {
    const value = { b: [1, 'two', null, true, { d: 1, c: [] }], a: { z: 'é\u0000"', y: -0.5 }, e: {} };
    const text = canonicalJson(value);
    expect(JSON.parse(text)).toEqual(value);
    expect(text).toBe('{"a":{"y":-0.5,"z":"é\\u0000\\""},"b":[1,"two",null,true,{"c":[],"d":1}],"e":{}}');
  });

  it('follows JSON for undefined, functions, non-finite numbers and toJSON', () => {
    expect(canonicalJson({ u: undefined, f: () => 1, n: NaN, d: new Date(0), a: [undefined, () => 1] }))
      .toBe('{"a":[null,null],"d":"1970-01-01T00:00:00.000Z","n":null}');
    expect(canonicalJson(undefined)).toBe('null');
  });
});

describe.each<Backend>(['memory', 'redis'])('response cache (%s)', (backend) => {
  it('returns what was stored, with its tags and age', async () => {
    await withCache(backend, async ({ cache, clock }) => {
      const key = await store(cache, parts(), 1, ['SalesOrder:1']);
      clock.now += 2_500;
      expect(await cache.get(key)).toEqual({ body: body(1), tags: ['SalesOrder:1'], storedAt: clock.now - 2_500, ttlMs: 60_000, ageS: 2 });
      expect(await cache.get(cache.key(parts({ variables: { id: '2' } })))).toBeUndefined();
      expect(cache.stats()).toMatchObject({ hits: 1, misses: 1, sets: 1 });
    });
  });

  it('evicts exactly the entries tagged SalesOrder:1', async () => {
    await withCache(backend, async ({ cache }) => {
      const one = await store(cache, parts({ variables: { id: '1' } }), 1, ['SalesOrder:1', 'Contact:003A']);
      const two = await store(cache, parts({ variables: { id: '2' } }), 2, ['SalesOrder:2', 'Contact:003A']);
      expect(await cache.invalidate({ tags: ['SalesOrder:1'] })).toBe(1);
      expect(await cache.get(one)).toBeUndefined();
      expect((await cache.get(two))?.body).toBe(body(2));
      expect(await cache.invalidate({ tags: ['SalesOrder:1'] })).toBe(0);
      expect(cache.stats().invalidations).toBe(1);
    });
  });

  it('evicts every entry holding a shared tag, counting each once', async () => {
    await withCache(backend, async ({ cache }) => {
      const one = await store(cache, parts({ variables: { id: '1' } }), 1, ['SalesOrder:1', 'Contact:003A']);
      const two = await store(cache, parts({ variables: { id: '2' } }), 2, ['SalesOrder:2', 'Contact:003A']);
      expect(await cache.invalidate({ tags: ['Contact:003A', 'SalesOrder:1', 'SalesOrder:2'] })).toBe(2);
      expect(await cache.get(one)).toBeUndefined();
      expect(await cache.get(two)).toBeUndefined();
    });
  });

  it("leaves tenant B's entry when tenant A invalidates, and evicts both without a tenant", async () => {
    await withCache(backend, async ({ cache }) => {
      const a = await store(cache, parts({ tenant: 'tenantA' }), 'a', ['SalesOrder:1']);
      const b = await store(cache, parts({ tenant: 'tenantB' }), 'b', ['SalesOrder:1']);
      expect(a).not.toBe(b);
      expect(await cache.invalidate({ tags: ['SalesOrder:1'], tenant: 'tenantA' })).toBe(1);
      expect(await cache.get(a)).toBeUndefined();
      expect((await cache.get(b))?.body).toBe(body('b'));
      const a2 = await store(cache, parts({ tenant: 'tenantA' }), 'a', ['SalesOrder:1']);
      expect(await cache.invalidate({ tags: ['SalesOrder:1'] })).toBe(2);
      expect(await cache.get(a2)).toBeUndefined();
      expect(await cache.get(b)).toBeUndefined();
    });
  });

  it('never serves an entry to another identity or another set of scopes', async () => {
    await withCache(backend, async ({ cache }) => {
      await store(cache, parts({ identity: 'anon', scopes: ['sap:read'] }), 1, []);
      expect(await cache.get(cache.key(parts({ identity: '0123456789abcdef0123456789abcdef', scopes: ['sap:read'] })))).toBeUndefined();
      expect(await cache.get(cache.key(parts({ identity: 'anon', scopes: [] })))).toBeUndefined();
      expect(await cache.get(cache.key(parts({ identity: 'anon', scopes: ['sap:read'] })))).toBeDefined();
    });
  });

  it('refuses an entry whose tags were invalidated after its request began, and takes later ones', async () => {
    await withCache(backend, async ({ cache, clock }) => {
      const startedAt = clock.now;
      clock.now += 10;
      await cache.invalidate({ tags: ['SalesOrder:1'], tenant: 'acme' });
      const key = cache.key(parts());
      await cache.set(key, { body: body('stale'), ttlMs: 60_000, tags: ['SalesOrder:1'], startedAt });
      expect(await cache.get(key)).toBeUndefined();
      const otherTenant = cache.key(parts({ tenant: 'other' }));
      await cache.set(otherTenant, { body: body('other tenant'), ttlMs: 60_000, tags: ['SalesOrder:1'], startedAt });
      expect(await cache.get(otherTenant)).toBeDefined();
      clock.now += 10;
      await cache.set(key, { body: body('fresh'), ttlMs: 60_000, tags: ['SalesOrder:1'], startedAt: clock.now });
      expect((await cache.get(key))?.body).toBe(body('fresh'));
    });
  });

  it('refuses an entry begun before an all-tenant invalidation of one of its tags', async () => {
    await withCache(backend, async ({ cache, clock }) => {
      const startedAt = clock.now;
      await cache.invalidate({ tags: ['Account:001'] });
      const key = cache.key(parts());
      await cache.set(key, { body: body(1), ttlMs: 60_000, tags: ['SalesOrder:1', 'Account:001'], startedAt });
      expect(await cache.get(key)).toBeUndefined();
      await cache.set(key, { body: body(1), ttlMs: 60_000, tags: ['SalesOrder:1'], startedAt });
      expect(await cache.get(key)).toBeDefined();
    });
  });

  it('does not store a response with no TTL or over maxEntryBytes', async () => {
    await withCache(backend, async ({ cache }) => {
      const key = cache.key(parts());
      await cache.set(key, { body: body(1), ttlMs: 0, tags: [] });
      await cache.set(cache.key(parts({ document: 'x' })), { body: 'x'.repeat(2_000), ttlMs: 60_000, tags: [] });
      expect(await cache.get(key)).toBeUndefined();
      expect(await cache.get(cache.key(parts({ document: 'x' })))).toBeUndefined();
      expect(cache.stats().sets).toBe(0);
    }, { maxEntryBytes: 1_024 });
  });

  it('replaces an entry stored again under the same key', async () => {
    await withCache(backend, async ({ cache }) => {
      const key = await store(cache, parts(), 'old', ['SalesOrder:1']);
      await store(cache, parts(), 'new', ['SalesOrder:2']);
      expect(await cache.get(key)).toMatchObject({ body: body('new'), tags: ['SalesOrder:2'] });
      expect(await cache.invalidate({ tags: ['SalesOrder:2'] })).toBe(1);
    });
  });

  it('refuses a key it did not make', async () => {
    await withCache(backend, async ({ cache }) => {
      await expect(cache.set('not-a-key', { body: '{}', ttlMs: 1_000, tags: [] })).rejects.toThrow(TypeError);
      await expect(cache.invalidate({ tags: ['A:1'], tenant: 'bad tenant' })).rejects.toThrow(TypeError);
    });
  });

  it('clear() empties the cache', async () => {
    await withCache(backend, async ({ cache }) => {
      const key = await store(cache, parts(), 1, ['SalesOrder:1']);
      await cache.clear();
      expect(await cache.get(key)).toBeUndefined();
      expect(await cache.invalidate({ tags: ['SalesOrder:1'] })).toBe(0);
    });
  });
});

describe('response cache in memory', () => {
  it('expires an entry after its TTL and forgets its tags', async () => {
    await withCache('memory', async ({ cache, clock }) => {
      const key = await store(cache, parts(), 1, ['SalesOrder:1'], 5_000);
      clock.now += 5_000;
      expect(await cache.get(key)).toBeDefined();
      clock.now += 1;
      expect(await cache.get(key)).toBeUndefined();
      expect(await cache.invalidate({ tags: ['SalesOrder:1'] })).toBe(0);
    });
  });

  it('caps a TTL at maxTtlMs', async () => {
    await withCache('memory', async ({ cache, clock }) => {
      const key = await store(cache, parts(), 1, [], 3_600_000);
      expect((await cache.get(key))?.ttlMs).toBe(1_000);
      clock.now += 1_001;
      expect(await cache.get(key)).toBeUndefined();
    }, { maxTtlMs: 1_000 });
  });

  it('evicts the least recently used entries to stay within maxBytes and counts them', async () => {
    await withCache('memory', async ({ cache }) => {
      const big = 'x'.repeat(3_000);
      const keys = ['1', '2', '3', '4'].map((id) => cache.key(parts({ variables: { id } })));
      for (const [i, key] of keys.entries()) {
        await cache.set(key, { body: big, ttlMs: 60_000, tags: [`SalesOrder:${i + 1}`] });
        if (i === 1) await cache.get(keys[0] as string);
      }
      expect(await cache.get(keys[1] as string)).toBeUndefined();
      expect(await cache.get(keys[0] as string)).toBeDefined();
      expect(await cache.get(keys[3] as string)).toBeDefined();
      expect(cache.stats().evictions).toBeGreaterThanOrEqual(1);
      expect(await cache.invalidate({ tags: ['SalesOrder:2'] })).toBe(0);
    }, { maxBytes: 12_000 });
  });

  it('unindexes the old tags of a replaced entry', async () => {
    await withCache('memory', async ({ cache }) => {
      const key = await store(cache, parts(), 'old', ['SalesOrder:1']);
      await store(cache, parts(), 'new', ['SalesOrder:2']);
      expect(await cache.invalidate({ tags: ['SalesOrder:1'] })).toBe(0);
      expect((await cache.get(key))?.body).toBe(body('new'));
    });
  });
});

describe('response cache on redis', () => {
  it('stores entries with a PX TTL and tag sets that live as long as their longest entry', async () => {
    await withCache('redis', async ({ cache, keyPrefix }) => {
      const redis = new Redis(REDIS_URL);
      try {
        const key = await store(cache, parts(), 1, ['SalesOrder:1'], 30_000);
        await store(cache, parts({ variables: { id: 'x' } }), 2, ['SalesOrder:1'], 90_000);
        await store(cache, parts({ variables: { id: 'y' } }), 3, ['SalesOrder:1'], 10_000);
        const entryTtl = await redis.pttl(`${keyPrefix}e:${key}`);
        expect(entryTtl).toBeGreaterThan(0);
        expect(entryTtl).toBeLessThanOrEqual(30_000);
        const tagTtl = await redis.pttl(`${keyPrefix}tag:acme:SalesOrder:1`);
        expect(tagTtl).toBeGreaterThan(30_000);
        expect(tagTtl).toBeLessThanOrEqual(90_000);
        expect(await redis.scard(`${keyPrefix}tag:acme:SalesOrder:1`)).toBe(3);
      } finally {
        await redis.quit();
      }
    });
  });

  it('is shared by two gateway instances: one invalidates what the other stored', async () => {
    const keyPrefix = `lumina:test:rc:${randomUUID()}:`;
    prefixes.push(keyPrefix);
    const a = createResponseCache({ logger, redisUrl: REDIS_URL, keyPrefix });
    const b = createResponseCache({ logger, redisUrl: REDIS_URL, keyPrefix });
    try {
      const key = await store(a, parts(), 1, ['SalesOrder:1']);
      expect((await b.get(key))?.body).toBe(body(1));
      expect(await b.invalidate({ tags: ['SalesOrder:1'], tenant: 'acme' })).toBe(1);
      expect(await a.get(key)).toBeUndefined();
    } finally {
      await a.clear();
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('treats a malformed entry as a miss', async () => {
    await withCache('redis', async ({ cache, keyPrefix }) => {
      const redis = new Redis(REDIS_URL);
      try {
        const key = cache.key(parts());
        await redis.set(`${keyPrefix}e:${key}`, '{"body":7', 'PX', 10_000);
        expect(await cache.get(key)).toBeUndefined();
        await redis.set(`${keyPrefix}e:${key}`, '{"body":7}', 'PX', 10_000);
        expect(await cache.get(key)).toBeUndefined();
        expect(cache.stats().misses).toBe(2);
      } finally {
        await redis.quit();
      }
    });
  });

  it('clear() removes only its own prefix', async () => {
    await withCache('redis', async ({ cache, keyPrefix }) => {
      const redis = new Redis(REDIS_URL);
      const neighbour = `${keyPrefix.slice(0, -1)}-neighbour`;
      try {
        await redis.set(neighbour, 'keep', 'PX', 10_000);
        await store(cache, parts(), 1, ['SalesOrder:1']);
        await cache.clear();
        expect(await redis.keys(`${keyPrefix}*`)).toEqual([]);
        expect(await redis.get(neighbour)).toBe('keep');
      } finally {
        await redis.del(neighbour);
        await redis.quit();
      }
    });
  });

  it('degrades to misses when redis does not answer, and says so when an invalidation cannot happen', async () => {
    const sockets = new Set<net.Socket>();
    const blackHole = net.createServer((s) => { sockets.add(s); s.on('error', () => undefined); });
    await new Promise<void>((r) => blackHole.listen(0, '127.0.0.1', () => r()));
    const cache = createResponseCache({ logger, redisUrl: `redis://127.0.0.1:${(blackHole.address() as AddressInfo).port}`, redisTimeoutMs: 100 });
    try {
      const key = cache.key(parts());
      await cache.set(key, { body: body(1), ttlMs: 60_000, tags: ['SalesOrder:1'] });
      expect(await cache.get(key)).toBeUndefined();
      await expect(cache.invalidate({ tags: ['SalesOrder:1'] })).rejects.toBeInstanceOf(ResponseCacheUnavailableError);
      expect(cache.stats()).toMatchObject({ hits: 0, misses: 1, sets: 0 });
    } finally {
      const closing = cache.close();
      for (const s of sockets) s.destroy();
      await closing;
      await new Promise<void>((r) => blackHole.close(() => r()));
    }
  });
});
