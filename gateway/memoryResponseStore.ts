/**
 * The in-process response store: an `lru-cache` bounded in bytes with a TTL per entry, plus a tag
 * index (tag -> tenant -> keys). The index follows the LRU through `dispose`, which lru-cache calls
 * whenever an entry leaves it (replaced, deleted, evicted for space, found expired), so the index
 * never points at an entry the cache no longer holds and never grows past what the cache holds.
 * Expired entries that nobody reads stay (and stay indexed) until they are evicted for space, as
 * lru-cache recommends; they are never served.
 */
import { LRUCache } from 'lru-cache';
import type { ResponseStore, StoredResponse } from './responseStore';

export interface MemoryResponseStoreOptions {
  maxBytes: number;
  maxEntryBytes: number;
  invalidationWindowMs: number;
  now: () => number;
}

interface MemoryEntry extends StoredResponse {
  tenant: string;
}

/** Invalidation records kept at most (oldest dropped first). */
const MAX_RECENT = 100_000;
/** Rough per-entry bookkeeping (LRU slots, index maps) counted against `maxBytes`. */
const ENTRY_OVERHEAD_BYTES = 256;
const ALL_TENANTS = '*';

function entrySize(key: string, entry: StoredResponse): number {
  let size = ENTRY_OVERHEAD_BYTES + Buffer.byteLength(entry.body, 'utf8') + key.length * 2;
  for (const tag of entry.tags) size += tag.length * 4 + key.length;
  return size;
}

export function createMemoryResponseStore(opts: MemoryResponseStoreOptions): ResponseStore {
  const index = new Map<string, Map<string, Set<string>>>();
  const recent = new Map<string, number>();
  let evictions = 0;

  const unindex = (key: string, entry: MemoryEntry): void => {
    for (const tag of entry.tags) {
      const byTenant = index.get(tag);
      const keys = byTenant?.get(entry.tenant);
      if (!byTenant || !keys) continue;
      keys.delete(key);
      if (keys.size === 0) byTenant.delete(entry.tenant);
      if (byTenant.size === 0) index.delete(tag);
    }
  };
  const addToIndex = (key: string, entry: MemoryEntry): void => {
    for (const tag of entry.tags) {
      let byTenant = index.get(tag);
      if (!byTenant) index.set(tag, (byTenant = new Map()));
      let keys = byTenant.get(entry.tenant);
      if (!keys) byTenant.set(entry.tenant, (keys = new Set()));
      keys.add(key);
    }
  };

  const lru = new LRUCache<string, MemoryEntry>({
    maxSize: opts.maxBytes,
    maxEntrySize: opts.maxEntryBytes,
    perf: { now: opts.now },
    // Read the clock on every check (no 1 ms cached "now" and its timer).
    ttlResolution: 0,
    dispose: (entry, key, reason) => {
      unindex(key, entry);
      if (reason === 'evict') evictions += 1;
    },
  });

  const recentKey = (tenant: string, tag: string): string => `${tenant}\n${tag}`;
  const invalidatedSince = (tenant: string, tags: readonly string[], startedAt: number): boolean =>
    tags.some((tag) => (recent.get(recentKey(tenant, tag)) ?? -Infinity) >= startedAt || (recent.get(recentKey(ALL_TENANTS, tag)) ?? -Infinity) >= startedAt);

  const remember = (tenant: string | undefined, tags: readonly string[], now: number): void => {
    for (const tag of tags) {
      const k = recentKey(tenant ?? ALL_TENANTS, tag);
      recent.delete(k);
      recent.set(k, now);
    }
    for (const [k, at] of recent) {
      if (at >= now - opts.invalidationWindowMs && recent.size <= MAX_RECENT) break;
      recent.delete(k);
    }
  };

  const keysTagged = (tags: readonly string[], tenant: string | undefined): Set<string> => {
    const found = new Set<string>();
    for (const tag of tags) {
      const byTenant = index.get(tag);
      if (!byTenant) continue;
      const sets = tenant === undefined ? [...byTenant.values()] : [byTenant.get(tenant)];
      for (const keys of sets) for (const key of keys ?? []) found.add(key);
    }
    return found;
  };

  return {
    get: (key) => {
      const entry = lru.get(key);
      return Promise.resolve(entry && { body: entry.body, tags: entry.tags, storedAt: entry.storedAt, ttlMs: entry.ttlMs });
    },
    set: (key, tenant, entry, startedAt) => {
      const size = entrySize(key, entry);
      if (size > opts.maxEntryBytes || (startedAt !== undefined && invalidatedSince(tenant, entry.tags, startedAt))) {
        lru.delete(key);
        return Promise.resolve(false);
      }
      const stored: MemoryEntry = { ...entry, tenant };
      // Index after `set`: replacing a key disposes (unindexes) the previous entry first.
      lru.set(key, stored, { ttl: entry.ttlMs, size });
      if (lru.peek(key) === stored) addToIndex(key, stored);
      return Promise.resolve(true);
    },
    invalidate: (tags, tenant, now) => {
      remember(tenant, tags, now);
      let removed = 0;
      for (const key of keysTagged(tags, tenant)) {
        if (lru.has(key)) removed += 1;
        lru.delete(key);
      }
      return Promise.resolve(removed);
    },
    clear: () => {
      lru.clear();
      index.clear();
      return Promise.resolve();
    },
    evictions: () => evictions,
    close: () => {
      lru.clear();
      index.clear();
      recent.clear();
      return Promise.resolve();
    },
  };
}
