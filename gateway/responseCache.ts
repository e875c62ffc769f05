/**
 * The gateway's response cache: whole GraphQL responses, keyed by what makes them differ and
 * tagged with the entities they contain (cache protocol, issue 4).
 *
 * - Key (`key()`): `<tenant>:<sha256>` where the hash is over a canonical JSON (object keys sorted,
 *   recursively) of the document hash, operation name, variables, tenant, caller identity and
 *   scopes (sorted, deduplicated). A response is therefore never served to another tenant, another
 *   credential or another set of scopes. The tenant is also kept in clear so the store can index
 *   the entry's tags per tenant.
 * - TTL: the caller passes `ttlMs` from `combinePolicies` (`cachePolicy.ts`), capped at `maxTtlMs`.
 * - Tags: `SalesOrder:123` ... from the subgraphs' `extensions.cacheTags`; `invalidate({ tags,
 *   tenant? })` evicts exactly the entries holding one of them (of that tenant, or of all).
 * - Backend: in memory (`memoryResponseStore.ts`, bounded by `maxBytes`), or Redis when `redisUrl`
 *   is set (`redisResponseStore.ts`, shared by gateway instances). A Redis failure on `get`/`set`
 *   is a miss / a skipped store with a warning; on `invalidate`/`clear` it rejects with
 *   `ResponseCacheUnavailableError`, because the caller must know stale entries may remain.
 */
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { isTenantId } from '../subgraphs/kit/tenant';
import { createMemoryResponseStore } from './memoryResponseStore';
import { createRedisResponseStore } from './redisResponseStore';
import { ResponseCacheUnavailableError, tenantOfKey, type ResponseStore } from './responseStore';

export { ResponseCacheUnavailableError } from './responseStore';

export interface ResponseCacheOptions {
  /** Memory budget of the in-process cache (bodies, tags, bookkeeping). @default 67_108_864 (64 MiB) */
  maxBytes?: number;
  /** Larger responses are not cached. @default 4_194_304 (4 MiB), at most `maxBytes` */
  maxEntryBytes?: number;
  /** Upper bound on an entry's TTL, whatever the hints say. @default 86_400_000 (1 day) */
  maxTtlMs?: number;
  /** Use Redis instead of memory, e.g. `redis://127.0.0.1:6379`. @default undefined (memory) */
  redisUrl?: string;
  /** Prefix of every Redis key. @default 'lumina:gateway:rc:' */
  keyPrefix?: string;
  /** Timeout of each Redis command. @default 500 */
  redisTimeoutMs?: number;
  /** How long an invalidation blocks storing responses computed before it (see `set`). @default 60_000 */
  invalidationWindowMs?: number;
  /** Clock (epoch ms) for `storedAt`, ages and the memory TTLs. @default Date.now */
  now?: () => number;
  logger: Logger;
}

export interface CacheKeyParts {
  /** Hash of the GraphQL document (e.g. the persisted-query sha256). */
  document: string;
  operationName?: string | null;
  variables?: unknown;
  tenant: string;
  /** From `callerFromHeaders`: `anon` or a hash of the credentials. */
  identity: string;
  scopes: readonly string[];
}

export interface CachedResponse {
  body: string;
  tags: string[];
  /** Epoch milliseconds. */
  storedAt: number;
  ttlMs: number;
  /** Whole seconds since it was stored (for the `Age` header). */
  ageS: number;
}

export interface CacheEntryInput {
  body: string;
  /** Time to live; 0 or less stores nothing. */
  ttlMs: number;
  /** Entity tags of everything in the response. */
  tags: readonly string[];
  /**
   * When the request began (epoch ms, same clock as `now`). When given, the entry is not stored if
   * one of its tags was invalidated at or after that moment: it may hold data from before the change.
   */
  startedAt?: number;
}

export interface InvalidationRequest {
  tags: readonly string[];
  /** Only this tenant's entries; all tenants when absent. */
  tenant?: string;
}

export interface ResponseCacheStats {
  hits: number;
  misses: number;
  /** Entries stored. */
  sets: number;
  /** Entries dropped to stay within `maxBytes` (memory only). */
  evictions: number;
  /** Entries removed by `invalidate`. */
  invalidations: number;
}

export interface ResponseCache {
  key(parts: CacheKeyParts): string;
  get(key: string): Promise<CachedResponse | undefined>;
  set(key: string, entry: CacheEntryInput): Promise<void>;
  /** Resolves how many entries were removed. */
  invalidate(request: InvalidationRequest): Promise<number>;
  clear(): Promise<void>;
  stats(): ResponseCacheStats;
  close(): Promise<void>;
}

class Raw {
  constructor(readonly text: string) {}
}

function writeValue(value: unknown, out: string[], work: unknown[]): void {
  let v = value;
  if (v !== null && typeof v === 'object' && typeof (v as { toJSON?: unknown }).toJSON === 'function') v = (v as { toJSON(): unknown }).toJSON();
  if (typeof v === 'bigint') v = v.toString();
  if (v === null || typeof v !== 'object') {
    out.push(JSON.stringify(v) ?? 'null');
    return;
  }
  if (Array.isArray(v)) {
    out.push('[');
    work.push(new Raw(']'));
    for (let i = v.length - 1; i >= 0; i -= 1) work.push(v[i] === undefined ? null : v[i], ...(i > 0 ? [new Raw(',')] : []));
    return;
  }
  const record = v as Record<string, unknown>;
  const keys = Object.keys(record).filter((k) => record[k] !== undefined && typeof record[k] !== 'function' && typeof record[k] !== 'symbol').sort();
  out.push('{');
  work.push(new Raw('}'));
  for (let i = keys.length - 1; i >= 0; i -= 1) {
    const k = keys[i] as string;
    work.push(record[k], new Raw(`${i > 0 ? ',' : ''}${JSON.stringify(k)}:`));
  }
}

/**
 * JSON with object keys sorted at every level, so equal values give equal text whatever the key
 * order. Iterative: arbitrarily deep (but acyclic) values cannot overflow the stack.
 */
export function canonicalJson(value: unknown): string {
  const out: string[] = [];
  const work: unknown[] = [value];
  while (work.length > 0) {
    const item = work.pop();
    if (item instanceof Raw) out.push(item.text);
    else writeValue(item, out, work);
  }
  return out.join('');
}

/** The cache key of a request: `<tenant>:<sha256 hex>` (see the file comment). */
export function cacheKey(parts: CacheKeyParts): string {
  if (!isTenantId(parts.tenant)) throw new TypeError('cache key: invalid tenant');
  const canonical = canonicalJson({
    v: 1,
    document: parts.document,
    operationName: parts.operationName ?? null,
    variables: parts.variables ?? {},
    tenant: parts.tenant,
    identity: parts.identity,
    scopes: [...new Set(parts.scopes)].sort(),
  });
  return `${parts.tenant}:${createHash('sha256').update(canonical, 'utf8').digest('hex')}`;
}

function createStore(opts: ResponseCacheOptions, log: Logger): ResponseStore {
  const maxBytes = opts.maxBytes ?? 67_108_864;
  const maxEntryBytes = Math.min(opts.maxEntryBytes ?? 4_194_304, maxBytes);
  const invalidationWindowMs = opts.invalidationWindowMs ?? 60_000;
  if (!Number.isSafeInteger(maxBytes) || maxBytes <= 0) throw new TypeError('response cache: maxBytes must be a positive integer');
  if (opts.redisUrl) {
    return createRedisResponseStore({
      url: opts.redisUrl, keyPrefix: opts.keyPrefix ?? 'lumina:gateway:rc:', commandTimeoutMs: opts.redisTimeoutMs ?? 500,
      maxEntryBytes, invalidationWindowMs, logger: log,
    });
  }
  return createMemoryResponseStore({ maxBytes, maxEntryBytes, invalidationWindowMs, now: opts.now ?? Date.now });
}

export function createResponseCache(opts: ResponseCacheOptions): ResponseCache {
  const now = opts.now ?? Date.now;
  const maxTtlMs = opts.maxTtlMs ?? 86_400_000;
  const log = opts.logger.child({ component: 'responseCache' });
  const store = createStore(opts, log);
  const counts = { hits: 0, misses: 0, sets: 0, invalidations: 0 };
  const unavailable = (err: unknown, what: string): ResponseCacheUnavailableError => {
    log.warn({ err }, `response cache ${what} failed`);
    return new ResponseCacheUnavailableError(err);
  };

  return {
    key: cacheKey,
    async get(key) {
      try {
        const entry = await store.get(key);
        if (entry) {
          counts.hits += 1;
          return { ...entry, ageS: Math.max(0, Math.floor((now() - entry.storedAt) / 1000)) };
        }
      } catch (err) {
        log.warn({ err }, 'response cache read failed; treating it as a miss');
      }
      counts.misses += 1;
      return undefined;
    },
    async set(key, entry) {
      const tenant = tenantOfKey(key);
      const ttlMs = Math.min(Math.floor(entry.ttlMs), maxTtlMs);
      if (!(ttlMs > 0)) return;
      const stored = { body: entry.body, tags: [...new Set(entry.tags)], storedAt: now(), ttlMs };
      try {
        if (await store.set(key, tenant, stored, entry.startedAt)) counts.sets += 1;
      } catch (err) {
        log.warn({ err }, 'response cache write failed; response not cached');
      }
    },
    async invalidate({ tags, tenant }) {
      if (tenant !== undefined && !isTenantId(tenant)) throw new TypeError('invalidate: invalid tenant');
      try {
        const removed = await store.invalidate([...new Set(tags)], tenant, now());
        counts.invalidations += removed;
        return removed;
      } catch (err) {
        throw unavailable(err, 'invalidation');
      }
    },
    async clear() {
      try {
        await store.clear();
      } catch (err) {
        throw unavailable(err, 'clear');
      }
    },
    stats: () => ({ ...counts, evictions: store.evictions() }),
    close: () => store.close(),
  };
}
