/**
 * A small cross-request cache: entries expire after `ttlMs`, and beyond `maxEntries` the least
 * recently used entry is dropped (a Map keeps insertion order; a hit re-inserts the key).
 */
export interface BoundedCacheOptions {
  /** Lifetime of an entry; 0 disables caching. */
  ttlMs: number;
  /** Most entries kept. */
  maxEntries: number;
  /** @default Date.now */
  now?: () => number;
}

export interface BoundedCache<V> {
  /** The value, or undefined when absent or expired (a cached `null` is a hit). */
  get(key: string): V | undefined;
  set(key: string, value: V): void;
  readonly size: number;
}

export function createBoundedCache<V>(opts: BoundedCacheOptions): BoundedCache<V> {
  const now = opts.now ?? Date.now;
  const entries = new Map<string, { value: V; expiresAt: number }>();
  return {
    get(key) {
      const e = entries.get(key);
      if (!e) return undefined;
      entries.delete(key);
      if (e.expiresAt <= now()) return undefined;
      entries.set(key, e);
      return e.value;
    },
    set(key, value) {
      if (opts.ttlMs <= 0) return;
      entries.delete(key);
      entries.set(key, { value, expiresAt: now() + opts.ttlMs });
      while (entries.size > opts.maxEntries) {
        const oldest = entries.keys().next();
        if (oldest.done) break;
        entries.delete(oldest.value);
      }
    },
    get size() {
      return entries.size;
    },
  };
}
