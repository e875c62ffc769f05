/**
 * Puts the entity cache in front of a DataLoader batch function: keys the cache holds are answered
 * from it, the rest go to the real batch function in ONE call, and what it returns is stored with
 * its cache tags. Errors are never stored; "not found" (null) only when the caller opts in with a
 * short `negativeTtlMs`. Keys whose `keyOf` is null (malformed) always reach the batch function,
 * which answers them (usually with a BAD_USER_INPUT per key).
 *
 * The DataLoader itself stays per request (its own per-request cache and batching are unchanged);
 * this wrapper is made per request too, bound to the request's tenant.
 */
import type { EntityCache } from './entityCache';

/** The entity cache and the tenant a request's loaders read and fill. */
export interface TenantCache {
  entityCache: EntityCache;
  tenant: string;
}

/** A batch function's answers: one value, null ("not found") or Error per key. `V` may include null. */
export type BatchFn<K, V> = (keys: readonly K[]) => PromiseLike<ArrayLike<V | Error>>;

export interface CachedBatchOptions<K, V> {
  cache: EntityCache;
  tenant: string;
  /** Entity type: the key's namespace and TTL (`ENTITY_CACHE_TTL_<TYPE>_MS`), e.g. `Contact`. */
  type: string;
  /** The normalised cache key of a loader key (e.g. `003…` or `email:ada@example.com`), or null when it has none. */
  keyOf: (key: K) => string | null;
  /** Cache tags of a loaded value; `value` is null only for a cached "not found" (`negativeTtlMs`). */
  tagsOf: (value: V, cacheKey: string) => readonly string[];
  /** Store "not found" answers for this long (ms). @default undefined (nulls are not stored) */
  negativeTtlMs?: number;
}

export function cachedBatch<K, V>(opts: CachedBatchOptions<K, V>, batch: BatchFn<K, V>): (keys: readonly K[]) => Promise<Array<V | Error>> {
  const { cache, tenant, type } = opts;
  return async (keys) => {
    const out = new Array<V | Error>(keys.length);
    const cacheKeys = keys.map((k) => (cache.enabled ? opts.keyOf(k) : null));
    const misses: number[] = [];
    keys.forEach((_k, i) => {
      const ck = cacheKeys[i];
      const hit = ck === null || ck === undefined ? undefined : cache.get<V>(tenant, type, ck);
      if (hit) out[i] = hit.value;
      else misses.push(i);
    });
    if (misses.length === 0) return out;
    const loaded = await batch(misses.map((i) => keys[i] as K));
    if (loaded.length !== misses.length) throw new Error(`${type} batch function returned ${loaded.length} results for ${misses.length} keys`);
    misses.forEach((i, j) => {
      const value = loaded[j] as V | Error;
      out[i] = value;
      const ck = cacheKeys[i];
      if (ck === null || ck === undefined || value instanceof Error || value === undefined) return;
      if (value !== null) cache.set(tenant, type, ck, value, { tags: opts.tagsOf(value, ck) });
      else if (opts.negativeTtlMs) cache.set(tenant, type, ck, null, { tags: opts.tagsOf(value, ck), ttlMs: opts.negativeTtlMs });
    });
    return out;
  };
}
