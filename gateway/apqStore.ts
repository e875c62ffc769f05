/**
 * Where automatic persisted queries (APQ) live: sha256 (lower-case hex) of a document -> its text.
 *
 * By default an in-process `lru-cache` bounded in bytes (each entry costs the UTF-8 length of the
 * text plus its hash). With `redisUrl` the documents live in Redis, shared by every gateway
 * replica, under `<keyPrefix><hash>` with `SET ... EX ttlSeconds` (Apollo Server's `apq:` layout).
 *
 * The store is a cache: Redis being down, slow or returning nonsense never fails a request. A
 * failed `get` is a miss (the client then registers the document again), a failed `set` is
 * dropped; both are logged once per outage. Keys that are not 64 lower-case hex digits and
 * documents above `maxEntryBytes` are never looked up or stored.
 */
import Redis from 'ioredis';
import { LRUCache } from 'lru-cache';
import type { Logger } from 'pino';

export interface ApqStoreOptions {
  /** `redis://` or `rediss://` URL; when set, documents are stored in Redis. @default undefined (in-process LRU) */
  redisUrl?: string;
  /** Budget of the in-process LRU, in bytes. @default 33_554_432 (32 MiB) */
  maxBytes?: number;
  /** Largest document stored, in UTF-8 bytes; larger ones are not stored. @default 1_048_576 (1 MiB) */
  maxEntryBytes?: number;
  /** How long a registered document is kept (Redis `EX`, LRU `ttl`). @default 86_400 (a day) */
  ttlSeconds?: number;
  /** Prefix of the Redis keys. @default 'apq:' */
  keyPrefix?: string;
  /** Redis command timeout; a slower answer counts as a miss. @default 500 */
  commandTimeoutMs?: number;
  logger: Logger;
}

export interface ApqStore {
  /** Where documents live. */
  readonly kind: 'memory' | 'redis';
  /** The document registered under `hash`, or undefined (unknown, expired, or the store failed). */
  get(hash: string): Promise<string | undefined>;
  /** Registers `query` under `hash`; the caller has checked that `hash` is sha256(query). Never rejects. */
  set(hash: string, query: string): Promise<void>;
  /** Releases the store (closes the Redis connection). */
  close(): Promise<void>;
}

export const DEFAULT_APQ_KEY_PREFIX = 'apq:';
const HASH = /^[0-9a-f]{64}$/;

function isHash(hash: unknown): hash is string {
  return typeof hash === 'string' && hash.length === 64 && HASH.test(hash);
}

function positive(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!Number.isSafeInteger(v) || v <= 0) throw new Error(`createApqStore: ${name} must be a positive integer (got ${String(value)})`);
  return v;
}

interface Limits {
  maxBytes: number;
  maxEntryBytes: number;
  ttlSeconds: number;
  commandTimeoutMs: number;
}

function createMemoryStore(limits: Limits): ApqStore {
  const cache = new LRUCache<string, string>({
    maxSize: limits.maxBytes,
    maxEntrySize: limits.maxEntryBytes + 64,
    sizeCalculation: (query, hash) => Buffer.byteLength(query, 'utf8') + hash.length,
    ttl: limits.ttlSeconds * 1_000,
  });
  return {
    kind: 'memory',
    get: (hash) => Promise.resolve(isHash(hash) ? cache.get(hash) : undefined),
    set: (hash, query) => {
      if (isHash(hash) && typeof query === 'string' && Buffer.byteLength(query, 'utf8') <= limits.maxEntryBytes) cache.set(hash, query);
      return Promise.resolve();
    },
    close: () => {
      cache.clear();
      return Promise.resolve();
    },
  };
}

function parseRedisUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error('REDIS_URL must be a redis:// or rediss:// URL (it is not a URL)');
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new Error(`REDIS_URL must be a redis:// or rediss:// URL (got the scheme '${url.protocol}')`);
  }
  return raw;
}

/** Logs the first failure of an outage, and the recovery, once each. */
function outageReporter(log: Logger): { failed(err: unknown, what: string): void; recovered(): void } {
  let down = false;
  return {
    failed(err, what) {
      if (!down) log.warn({ err, what }, 'APQ redis store failed; persisted queries miss until it is back');
      down = true;
    },
    recovered() {
      if (down) log.info('APQ redis store is back');
      down = false;
    },
  };
}

function createRedisStore(redisUrl: string, keyPrefix: string, limits: Limits, log: Logger): ApqStore {
  const redis = new Redis(parseRedisUrl(redisUrl), {
    keyPrefix,
    commandTimeout: limits.commandTimeoutMs,
    connectTimeout: Math.max(limits.commandTimeoutMs, 1_000),
    maxRetriesPerRequest: 1,
    // After a refused connection, `disconnect` keeps a timer this long for a socket that is gone.
    disconnectTimeout: limits.commandTimeoutMs,
  });
  const outage = outageReporter(log);
  redis.on('error', (err: unknown) => outage.failed(err, 'connection'));
  redis.on('ready', () => outage.recovered());
  let closed = false;
  return {
    kind: 'redis',
    async get(hash) {
      if (closed || !isHash(hash)) return undefined;
      try {
        const value = await redis.get(hash);
        return typeof value === 'string' ? value : undefined;
      } catch (err) {
        outage.failed(err, 'get');
        return undefined;
      }
    },
    async set(hash, query) {
      if (closed || !isHash(hash) || typeof query !== 'string' || Buffer.byteLength(query, 'utf8') > limits.maxEntryBytes) return;
      try {
        await redis.set(hash, query, 'EX', limits.ttlSeconds);
      } catch (err) {
        outage.failed(err, 'set');
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      if (redis.status !== 'ready') {
        redis.disconnect();
        return;
      }
      try {
        await redis.quit();
      } catch {
        redis.disconnect();
      }
    },
  };
}

/** Creates the APQ store: Redis when `redisUrl` is set, else an in-process LRU. Throws on bad options. */
export function createApqStore(opts: ApqStoreOptions): ApqStore {
  const limits: Limits = {
    maxBytes: positive('maxBytes', opts.maxBytes, 32 * 1024 * 1024),
    maxEntryBytes: positive('maxEntryBytes', opts.maxEntryBytes, 1024 * 1024),
    ttlSeconds: positive('ttlSeconds', opts.ttlSeconds, 86_400),
    commandTimeoutMs: positive('commandTimeoutMs', opts.commandTimeoutMs, 500),
  };
  const log = opts.logger.child({ component: 'apqStore' });
  if (opts.redisUrl) return createRedisStore(opts.redisUrl, opts.keyPrefix ?? DEFAULT_APQ_KEY_PREFIX, limits, log);
  return createMemoryStore(limits);
}
