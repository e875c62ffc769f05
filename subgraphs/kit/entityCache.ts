/**
 * The cross-request entity cache every subgraph puts in front of its by-key DataLoaders
 * (`cachedBatch.ts`). One per process, shared by all requests, and keyed by tenant: an entry's key
 * is `<tenant>\u0000<Type>:<key>` (e.g. `default\u0000SalesOrder:5000001`,
 * `default\u0000Contact:email:ada@example.com`), so tenant B never reads tenant A's entry.
 *
 * - Bounded in bytes (lru-cache `maxSize`; an entry weighs its value's JSON byte length plus its key
 *   and tags), least recently used entries go first.
 * - A TTL per type (`ttlMsByType`, else `defaultTtlMs`); a type whose TTL is 0 is never stored.
 * - Tagged: every entry carries the cache tags of the entities it holds (`cacheTags.ts`), and a tag
 *   index maps each tag to the entries carrying it, so `invalidate({ tags, tenant? })` evicts exactly
 *   those entries (in one tenant, or in all when `tenant` is absent).
 * - Values are shared between requests: callers must treat them as immutable.
 *
 * Configuration from the environment with `loadEntityCacheOptions` (keys in the README).
 */
import { LRUCache } from 'lru-cache';
import type { Logger } from 'pino';
import { envBool, envInt, type Env } from './envConfig';

export interface EntityCacheOptions {
  /** `false` turns the cache into a no-op (every lookup misses, nothing is stored). @default true */
  enabled?: boolean;
  /** Most bytes held (sum of the entries' weights). @default 67_108_864 (64 MiB) */
  maxBytes?: number;
  /** TTL per entity type, in ms; 0 means the type is not cached. @default {} */
  ttlMsByType?: Readonly<Record<string, number>>;
  /** TTL of types not in `ttlMsByType`, in ms. @default 60_000 */
  defaultTtlMs?: number;
  /** @default none (nothing is logged) */
  logger?: Logger;
  /** Clock for TTLs (tests); ms. @default performance.now */
  now?: () => number;
}

export interface EntityCacheStats {
  hits: number;
  misses: number;
  /** Entries dropped to stay under `maxBytes`. */
  evictions: number;
  /** Entries dropped because their TTL ran out (counted when noticed). */
  expirations: number;
  /** Entries removed by `invalidate`. */
  invalidations: number;
  entries: number;
  bytes: number;
}

export interface SetEntryOptions {
  /** Cache tags of the entities the value holds. */
  tags: readonly string[];
  /** Overrides the type's TTL (e.g. a shorter one for a cached "not found"). */
  ttlMs?: number;
}

export interface InvalidateRequest {
  tags: readonly string[];
  /** Only this tenant's entries; absent = every tenant. */
  tenant?: string | undefined;
}

export interface EntityCache {
  readonly enabled: boolean;
  /** The entry (`{ value }`, which may hold a cached null) or undefined on a miss. */
  get<V>(tenant: string, type: string, key: string): { value: V } | undefined;
  /** Like `get` but counts nothing and does not refresh recency. */
  peek<V>(tenant: string, type: string, key: string): { value: V } | undefined;
  set(tenant: string, type: string, key: string, value: unknown, opts: SetEntryOptions): void;
  /** Evicts every entry carrying one of `tags` (in `tenant`, or all tenants); returns how many. */
  invalidate(req: InvalidateRequest): number;
  /** The TTL a type's entries get, in ms (0 = not cached). */
  ttlFor(type: string): number;
  stats(): EntityCacheStats;
  clear(): void;
}

interface Entry {
  value: unknown;
  tags: readonly string[];
  size: number;
}

export const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;
export const DEFAULT_TTL_MS = 60_000;

/** `<tenant>\u0000<Type>:<key>`: the NUL cannot occur in a (validated) tenant id. */
export function entityCacheKey(tenant: string, type: string, key: string): string {
  return `${tenant}\u0000${type}:${key}`;
}

function weigh(key: string, value: unknown, tags: readonly string[]): number | null {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch {
    return null;
  }
  if (json === undefined) return null;
  return Buffer.byteLength(json) + key.length + tags.reduce((n, t) => n + t.length, 0);
}

export function createEntityCache(opts: EntityCacheOptions = {}): EntityCache {
  const enabled = opts.enabled ?? true;
  const defaultTtl = opts.defaultTtlMs ?? DEFAULT_TTL_MS;
  const ttlByType = opts.ttlMsByType ?? {};
  const counters = { hits: 0, misses: 0, evictions: 0, expirations: 0, invalidations: 0 };
  const byTag = new Map<string, Set<string>>();

  const unindex = (key: string, entry: Entry): void => {
    for (const tag of entry.tags) {
      const keys = byTag.get(tag);
      if (!keys) continue;
      keys.delete(key);
      if (keys.size === 0) byTag.delete(tag);
    }
  };
  const lru = new LRUCache<string, Entry>({
    maxSize: opts.maxBytes ?? DEFAULT_MAX_BYTES,
    sizeCalculation: (e) => e.size,
    ttlAutopurge: false,
    ...(opts.now ? { perf: { now: opts.now }, ttlResolution: 0 } : {}),
    dispose: (entry, key, reason) => {
      unindex(key, entry);
      if (reason === 'evict') counters.evictions += 1;
      if (reason === 'expire') counters.expirations += 1;
    },
  });
  const ttlFor = (type: string): number => ttlByType[type] ?? defaultTtl;

  function read<V>(tenant: string, type: string, key: string, count: boolean): { value: V } | undefined {
    if (!enabled) return undefined;
    const k = entityCacheKey(tenant, type, key);
    const entry = count ? lru.get(k) : lru.peek(k);
    if (count) counters[entry ? 'hits' : 'misses'] += 1;
    return entry ? { value: entry.value as V } : undefined;
  }

  return {
    enabled,
    get: (tenant, type, key) => read(tenant, type, key, true),
    peek: (tenant, type, key) => read(tenant, type, key, false),
    set(tenant, type, key, value, { tags, ttlMs }) {
      const ttl = ttlMs ?? ttlFor(type);
      if (!enabled || ttl <= 0) return;
      const k = entityCacheKey(tenant, type, key);
      const size = weigh(k, value, tags);
      if (size === null) {
        opts.logger?.warn({ type }, 'entity cache: value is not serialisable, not cached');
        return;
      }
      const uniqueTags = [...new Set(tags)];
      lru.set(k, { value, tags: uniqueTags, size: Math.max(1, size) }, { ttl });
      if (!lru.has(k)) return; // larger than the whole cache
      for (const tag of uniqueTags) {
        const keys = byTag.get(tag) ?? new Set<string>();
        keys.add(k);
        byTag.set(tag, keys);
      }
    },
    invalidate({ tags, tenant }) {
      const prefix = tenant === undefined ? null : `${tenant}\u0000`;
      let evicted = 0;
      for (const tag of new Set(tags)) {
        const keys = byTag.get(tag);
        if (!keys) continue;
        for (const k of [...keys]) {
          if (prefix !== null && !k.startsWith(prefix)) continue;
          const live = lru.has(k);
          lru.delete(k);
          if (live) evicted += 1;
        }
      }
      counters.invalidations += evicted;
      if (evicted > 0) opts.logger?.debug({ tags: tags.length, tenant, evicted }, 'entity cache invalidated');
      return evicted;
    },
    ttlFor,
    stats: () => ({ ...counters, entries: lru.size, bytes: lru.calculatedSize }),
    clear: () => lru.clear(),
  };
}

/** `SalesOrder` → `SALES_ORDER` (the env spelling of a type name). */
export function envTypeName(type: string): string {
  return type.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

/**
 * Reads `ENTITY_CACHE` (`false` disables), `ENTITY_CACHE_MAX_BYTES`, `ENTITY_CACHE_TTL_MS` and, for
 * each type in `typeTtlDefaults`, `ENTITY_CACHE_TTL_<TYPE>_MS` (`SalesOrder` → `SALES_ORDER`),
 * falling back to the type's default there. Fails fast naming the key.
 */
export function loadEntityCacheOptions(env: Env, typeTtlDefaults: Readonly<Record<string, number>> = {}): EntityCacheOptions {
  const defaultTtlMs = envInt(env, 'ENTITY_CACHE_TTL_MS', DEFAULT_TTL_MS, 1, 86_400_000);
  const ttlMsByType: Record<string, number> = {};
  for (const [type, fallback] of Object.entries(typeTtlDefaults)) {
    ttlMsByType[type] = envInt(env, `ENTITY_CACHE_TTL_${envTypeName(type)}_MS`, fallback, 0, 86_400_000);
  }
  return {
    enabled: envBool(env, 'ENTITY_CACHE', true),
    maxBytes: envInt(env, 'ENTITY_CACHE_MAX_BYTES', DEFAULT_MAX_BYTES, 1024, 2 ** 40),
    defaultTtlMs,
    ttlMsByType,
  };
}
