/**
 * The storage contract behind the gateway's response cache (`responseCache.ts`), implemented in
 * memory (`memoryResponseStore.ts`) and on Redis (`redisResponseStore.ts`).
 *
 * Keys come from `cacheKey` (`<tenant>:<sha256>`), so a store always knows an entry's tenant. Every
 * entry is indexed under its tags per tenant: invalidating `{ tags, tenant }` removes exactly the
 * entries of that tenant holding one of the tags; without a tenant, those of every tenant.
 *
 * Invalidation race: a response computed from data read before an invalidation but stored after it
 * would be stale. An invalidation therefore also records, per (tenant or all tenants, tag), when it
 * happened; `set` with `startedAt` (when the request began) refuses an entry if one of its tags was
 * invalidated at or after that time. The record is kept for `invalidationWindowMs`.
 */

/** What a store keeps per entry. */
export interface StoredResponse {
  /** The serialized GraphQL response. */
  body: string;
  /** Entity tags (`SalesOrder:123`), deduplicated. */
  tags: string[];
  /** Epoch milliseconds. */
  storedAt: number;
  ttlMs: number;
}

export interface ResponseStore {
  /** The live entry, or undefined. Rejects when the backend fails. */
  get(key: string): Promise<StoredResponse | undefined>;
  /**
   * Stores (replacing) the entry; resolves false when it was refused (too large, or one of its tags
   * was invalidated at or after `startedAt`). Rejects when the backend fails.
   */
  set(key: string, tenant: string, entry: StoredResponse, startedAt?: number): Promise<boolean>;
  /** Removes the entries holding any of `tags` (of `tenant`, or of every tenant); resolves how many. */
  invalidate(tags: readonly string[], tenant: string | undefined, now: number): Promise<number>;
  clear(): Promise<void>;
  /** Entries dropped to stay within the size budget (memory store only; Redis evicts on its own). */
  evictions(): number;
  close(): Promise<void>;
}

/** The response cache's backend (Redis) failed, so an invalidation may not have happened. */
export class ResponseCacheUnavailableError extends Error {
  constructor(cause: unknown) {
    super('response cache unavailable', { cause });
    this.name = 'ResponseCacheUnavailableError';
  }
}

/** The tenant part of a key made by `cacheKey`; throws on anything else (a programming error). */
export function tenantOfKey(key: string): string {
  const m = /^([A-Za-z0-9_-]{1,64}):[0-9a-f]{64}$/.exec(key);
  if (!m?.[1]) throw new TypeError('not a response cache key (use responseCache.key())');
  return m[1];
}
