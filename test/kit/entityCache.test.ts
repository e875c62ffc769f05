import { createEntityCache, entityCacheKey, envTypeName, loadEntityCacheOptions } from '../../subgraphs/kit/entityCache';

function clock(): { now: () => number; advance(ms: number): void } {
  let t = 1_000;
  return { now: () => t, advance: (ms) => { t += ms; } };
}

describe('entity cache', () => {
  it('keys entries by tenant, type and key', () => {
    const cache = createEntityCache();
    cache.set('default', 'SalesOrder', '1', { id: '1' }, { tags: ['SalesOrder:1'] });
    expect(entityCacheKey('default', 'SalesOrder', '1')).toBe('default\u0000SalesOrder:1');
    expect(cache.get('default', 'SalesOrder', '1')).toEqual({ value: { id: '1' } });
    expect(cache.get('acme', 'SalesOrder', '1')).toBeUndefined();
    expect(cache.get('default', 'Contact', '1')).toBeUndefined();
    expect(cache.stats()).toEqual(expect.objectContaining({ hits: 1, misses: 2, entries: 1 }));
  });

  it('evicts exactly the entries tagged SalesOrder:1, in every tenant when none is named', () => {
    const cache = createEntityCache();
    for (const tenant of ['default', 'acme']) {
      cache.set(tenant, 'SalesOrder', '1', { id: '1' }, { tags: ['SalesOrder:1'] });
      cache.set(tenant, 'SalesOrder', '2', { id: '2' }, { tags: ['SalesOrder:2'] });
    }
    expect(cache.invalidate({ tags: ['SalesOrder:1'] })).toBe(2);
    expect(cache.peek('default', 'SalesOrder', '1')).toBeUndefined();
    expect(cache.peek('acme', 'SalesOrder', '1')).toBeUndefined();
    expect(cache.peek('default', 'SalesOrder', '2')).toBeDefined();
    expect(cache.peek('acme', 'SalesOrder', '2')).toBeDefined();
    expect(cache.invalidate({ tags: ['SalesOrder:1'] })).toBe(0);
  });

  it("evicts only the named tenant's entries when a tenant is given", () => {
    const cache = createEntityCache();
    cache.set('default', 'SalesOrder', '1', { id: '1' }, { tags: ['SalesOrder:1'] });
    cache.set('acme', 'SalesOrder', '1', { id: '1' }, { tags: ['SalesOrder:1'] });
    expect(cache.invalidate({ tags: ['SalesOrder:1'], tenant: 'acme' })).toBe(1);
    expect(cache.peek('acme', 'SalesOrder', '1')).toBeUndefined();
    expect(cache.peek('default', 'SalesOrder', '1')).toBeDefined();
  });

  it('drops an entry carrying several tags through any one of them, and counts it once', () => {
    const cache = createEntityCache();
    const ada = { id: '003A', email: 'ada@example.com' };
    cache.set('default', 'Contact', '003A', ada, { tags: ['Contact:003A', 'Contact:email:ada@example.com'] });
    cache.set('default', 'Contact', 'email:ada@example.com', ada, { tags: ['Contact:003A', 'Contact:email:ada@example.com'] });
    cache.set('default', 'BusinessPartner', 'email:ada@example.com', ['17'], { tags: ['Contact:email:ada@example.com', 'BusinessPartner:17'] });
    expect(cache.invalidate({ tags: ['Contact:003A'] })).toBe(2);
    expect(cache.peek('default', 'BusinessPartner', 'email:ada@example.com')).toBeDefined();
    expect(cache.invalidate({ tags: ['Contact:email:ada@example.com', 'BusinessPartner:17'] })).toBe(1);
    expect(cache.stats()).toEqual(expect.objectContaining({ invalidations: 3, entries: 0 }));
  });

  it('forgets the old tags of an entry that is set again', () => {
    const cache = createEntityCache();
    cache.set('default', 'Contact', '003A', { email: 'old@example.com' }, { tags: ['Contact:003A', 'Contact:email:old@example.com'] });
    cache.set('default', 'Contact', '003A', { email: 'new@example.com' }, { tags: ['Contact:003A', 'Contact:email:new@example.com'] });
    expect(cache.invalidate({ tags: ['Contact:email:old@example.com'] })).toBe(0);
    expect(cache.invalidate({ tags: ['Contact:email:new@example.com'] })).toBe(1);
  });

  it('expires entries after their type TTL, and never stores a type whose TTL is 0', () => {
    const t = clock();
    const cache = createEntityCache({ now: t.now, defaultTtlMs: 60_000, ttlMsByType: { Message: 15_000, Skip: 0 } });
    cache.set('default', 'Message', 'm', { id: 'm' }, { tags: ['Message:m'] });
    cache.set('default', 'Contact', 'c', { id: 'c' }, { tags: ['Contact:c'] });
    cache.set('default', 'Skip', 's', { id: 's' }, { tags: ['Skip:s'] });
    expect(cache.peek('default', 'Skip', 's')).toBeUndefined();
    t.advance(15_001);
    expect(cache.get('default', 'Message', 'm')).toBeUndefined();
    expect(cache.get('default', 'Contact', 'c')).toBeDefined();
    t.advance(45_000);
    expect(cache.get('default', 'Contact', 'c')).toBeUndefined();
    expect(cache.stats()).toEqual(expect.objectContaining({ expirations: 2, entries: 0 }));
    expect(cache.invalidate({ tags: ['Message:m', 'Contact:c'] })).toBe(0);
  });

  it('honours a per-entry TTL (a short negative entry)', () => {
    const t = clock();
    const cache = createEntityCache({ now: t.now });
    cache.set('default', 'User', 'email:x@example.com', null, { tags: ['Contact:email:x@example.com'], ttlMs: 1_000 });
    expect(cache.get('default', 'User', 'email:x@example.com')).toEqual({ value: null });
    t.advance(1_001);
    expect(cache.get('default', 'User', 'email:x@example.com')).toBeUndefined();
  });

  it('stays under maxBytes by dropping the least recently used entries, and unindexes them', () => {
    const value = { text: 'x'.repeat(1_000) };
    const cache = createEntityCache({ maxBytes: 4_500 });
    for (const id of ['1', '2', '3', '4']) cache.set('default', 'SalesOrder', id, value, { tags: [`SalesOrder:${id}`] });
    cache.get('default', 'SalesOrder', '1');
    cache.set('default', 'SalesOrder', '5', value, { tags: ['SalesOrder:5'] });
    expect(cache.peek('default', 'SalesOrder', '2')).toBeUndefined();
    expect(cache.peek('default', 'SalesOrder', '1')).toBeDefined();
    const stats = cache.stats();
    expect(stats.evictions).toBe(1);
    expect(stats.bytes).toBeLessThanOrEqual(4_500);
    expect(cache.invalidate({ tags: ['SalesOrder:2'] })).toBe(0);
  });

  it('does not store a value larger than the whole cache', () => {
    const cache = createEntityCache({ maxBytes: 1_024 });
    cache.set('default', 'SalesOrder', 'big', { text: 'x'.repeat(2_000) }, { tags: ['SalesOrder:big'] });
    expect(cache.peek('default', 'SalesOrder', 'big')).toBeUndefined();
    expect(cache.stats()).toEqual(expect.objectContaining({ entries: 0, bytes: 0 }));
  });

  it('does nothing when disabled', () => {
    const cache = createEntityCache({ enabled: false });
    cache.set('default', 'SalesOrder', '1', { id: '1' }, { tags: ['SalesOrder:1'] });
    expect(cache.get('default', 'SalesOrder', '1')).toBeUndefined();
    expect(cache.invalidate({ tags: ['SalesOrder:1'] })).toBe(0);
    expect(cache.stats()).toEqual(expect.objectContaining({ hits: 0, misses: 0, entries: 0 }));
  });
});

describe('loadEntityCacheOptions', () => {
  it('defaults to 64 MiB, 60 s, enabled, and the types given', () => {
    expect(loadEntityCacheOptions({}, { SalesOrder: 30_000 })).toEqual({
      enabled: true, maxBytes: 67_108_864, defaultTtlMs: 60_000, ttlMsByType: { SalesOrder: 30_000 },
    });
  });

  it('reads ENTITY_CACHE, the size, the default TTL and a TTL per type', () => {
    expect(loadEntityCacheOptions({
      ENTITY_CACHE: 'false', ENTITY_CACHE_MAX_BYTES: '1048576', ENTITY_CACHE_TTL_MS: '5000', ENTITY_CACHE_TTL_SALES_ORDER_MS: '0', ENTITY_CACHE_TTL_OTHER_MS: 'x',
    }, { SalesOrder: 30_000, BusinessPartner: 60_000 })).toEqual({
      enabled: false, maxBytes: 1_048_576, defaultTtlMs: 5_000, ttlMsByType: { SalesOrder: 0, BusinessPartner: 60_000 },
    });
    expect(envTypeName('BusinessPartner')).toBe('BUSINESS_PARTNER');
  });

  it.each([
    ['ENTITY_CACHE', 'no'],
    ['ENTITY_CACHE_MAX_BYTES', '12'],
    ['ENTITY_CACHE_TTL_MS', '0'],
    ['ENTITY_CACHE_TTL_SALES_ORDER_MS', '-1'],
  ])('fails fast naming %s', (key, value) => {
    expect(() => loadEntityCacheOptions({ [key]: value }, { SalesOrder: 30_000 })).toThrow(new RegExp(`^${key} must`));
  });
});
