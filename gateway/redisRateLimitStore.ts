/**
 * The rate-limit buckets on Redis, shared by every gateway replica (`RateLimitStore` of
 * `rateLimiter.ts`), so N gateways enforce one limit per tenant and client instead of N.
 *
 * - One hash per bucket, `<prefix><bucket key>` with fields `t` (tokens, a float) and `at` (ms of
 *   the last update). `take` and `refund` are one Lua script each call (refill, then take or give
 *   back), so concurrent gateways never lose an update. The script runs by `EVALSHA`, falling back
 *   to `EVAL` when Redis does not know it yet (ioredis `defineCommand`).
 * - The token math is the in-process store's: `tokens = min(burst, tokens + elapsedMs * ratePerS / 1000)`;
 *   a clock behind the bucket's `at` refills nothing (replicas with skewed clocks err towards limiting).
 * - Every write sets `PEXPIRE` to the time the bucket needs to be full again (plus a second): a
 *   missing bucket is a full one, so idle buckets cost no memory.
 * - Redis unreachable, slow (above `commandTimeoutMs`) or answering nonsense: the request is
 *   ALLOWED (fail open: rate limiting must not take the graph down with it), logged at most once
 *   per `outageLogIntervalMs`. While the connection is known to be down, takes do not wait for
 *   Redis at all. ioredis reconnects in the background; the first `ready` ends the outage.
 *
 * Keys are plain (no cluster hash tags): one Redis (or a primary with replicas), not Redis Cluster.
 */
import Redis from 'ioredis';
import type { Logger } from 'pino';
import type { RateLimitStore, TakeResult, TokenBucketLimit } from './rateLimiter';

export interface RedisRateLimitStoreOptions {
  /** `redis://` or `rediss://` URL; ignored when `redis` is given. @default undefined (then `redis` is required) */
  url?: string;
  /** A client to use instead of connecting to `url`; the store does not close it. @default undefined */
  redis?: Redis;
  /** Prefix of the bucket keys. @default 'lumina:gateway:rl:' */
  prefix?: string;
  /** How long a take waits for Redis before allowing the request. @default 250 */
  commandTimeoutMs?: number;
  /** At most one outage warning per this many ms. @default 60_000 */
  outageLogIntervalMs?: number;
  /** Clock of the outage log throttle (the buckets use the `now` the limiter passes). @default Date.now */
  clock?: () => number;
  logger: Logger;
}

export const DEFAULT_RATE_LIMIT_PREFIX = 'lumina:gateway:rl:';

/**
 * KEYS[1] bucket; ARGV: ratePerS, burst, cost, now (ms), mode ('take' | 'refund').
 * Returns { ok (1|0), retryAfterMs, whole tokens left }.
 */
const BUCKET_SCRIPT = `
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local need = math.min(tonumber(ARGV[3]), burst)
local now = tonumber(ARGV[4])
local b = redis.call('HMGET', KEYS[1], 't', 'at')
local tokens = tonumber(b[1])
local at = tonumber(b[2])
if tokens == nil or at == nil then
  tokens = burst
  at = now
else
  tokens = math.min(burst, tokens + math.max(0, now - at) * rate / 1000)
  at = math.max(now, at)
end
local ok = 1
local retry = 0
if ARGV[5] == 'refund' then
  tokens = math.min(burst, tokens + need)
elseif tokens + 1e-9 >= need then
  tokens = math.max(0, tokens - need)
else
  ok = 0
  retry = math.ceil((need - tokens) * 1000 / rate)
end
redis.call('HSET', KEYS[1], 't', string.format('%.17g', tokens), 'at', string.format('%.17g', at))
redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) * 1000 / rate) + 1000)
return { ok, retry, math.floor(tokens) }
`;

interface BucketRedis extends Redis {
  luminaRateBucket(key: string, ratePerS: string, burst: string, cost: string, now: string, mode: 'take' | 'refund'): Promise<unknown>;
}

function parseUrl(raw: string): string {
  if (!/^rediss?:\/\/./.test(raw)) throw new Error('REDIS_URL must be a redis:// or rediss:// URL (rate limit store)');
  return raw;
}

function toResult(raw: unknown): TakeResult {
  if (!Array.isArray(raw) || raw.length !== 3 || !raw.every((n) => typeof n === 'number')) throw new Error('unexpected rate limit script answer');
  const [ok, retryAfterMs, remaining] = raw as [number, number, number];
  return { ok: ok === 1, retryAfterMs: ok === 1 ? 0 : Math.max(1, retryAfterMs), remaining };
}

/** Tracks whether Redis is reachable, and logs the outage at most once per interval. */
function outageTracker(log: Logger, intervalMs: number, clock: () => number): { down: boolean; failed(err: unknown, what: string): void; recovered(): void } {
  let lastLog = -Infinity;
  const state = {
    down: false,
    failed(err: unknown, what: string) {
      state.down = true;
      const t = clock();
      if (t - lastLog < intervalMs) return;
      lastLog = t;
      log.warn({ err, what }, 'rate limit redis store failed; requests are allowed without rate limits until it is back');
    },
    recovered() {
      if (state.down) log.info('rate limit redis store is back');
      state.down = false;
    },
  };
  return state;
}

/** Creates the Redis bucket store. Throws at once on a missing or malformed `url`. */
export function createRedisRateLimitStore(opts: RedisRateLimitStoreOptions): RateLimitStore {
  const prefix = opts.prefix ?? DEFAULT_RATE_LIMIT_PREFIX;
  const timeoutMs = opts.commandTimeoutMs ?? 250;
  const log = opts.logger.child({ component: 'rateLimitStore' });
  const outage = outageTracker(log, opts.outageLogIntervalMs ?? 60_000, opts.clock ?? Date.now);
  const owned = opts.redis === undefined;
  if (owned && opts.url === undefined) throw new Error('createRedisRateLimitStore: url (REDIS_URL) or redis is required');
  const redis = (opts.redis ?? new Redis(parseUrl(opts.url ?? ''), {
    commandTimeout: timeoutMs,
    connectTimeout: Math.max(timeoutMs, 1_000),
    maxRetriesPerRequest: 1,
    disconnectTimeout: 0,
  })) as BucketRedis;
  if (typeof redis.luminaRateBucket !== 'function') redis.defineCommand('luminaRateBucket', { numberOfKeys: 1, lua: BUCKET_SCRIPT });
  const onError = (err: unknown): void => outage.failed(err, 'connection');
  const onReady = (): void => outage.recovered();
  redis.on('error', onError);
  redis.on('ready', onReady);
  let closed = false;

  const run = async (key: string, limit: TokenBucketLimit, cost: number, now: number, mode: 'take' | 'refund'): Promise<TakeResult | undefined> => {
    if (closed) return undefined;
    if (outage.down && redis.status !== 'ready') {
      outage.failed(new Error(`redis connection is ${redis.status}`), mode);
      return undefined;
    }
    try {
      return toResult(await redis.luminaRateBucket(`${prefix}${key}`, String(limit.ratePerS), String(limit.burst), String(cost), String(now), mode));
    } catch (err) {
      outage.failed(err, mode);
      return undefined;
    }
  };

  return {
    async take(key, limit, cost, now) {
      return (await run(key, limit, cost, now, 'take')) ?? { ok: true, retryAfterMs: 0, remaining: Math.floor(limit.burst) };
    },
    async refund(key, limit, cost, now) {
      await run(key, limit, cost, now, 'refund');
    },
    async close() {
      if (closed) return;
      closed = true;
      if (!owned) {
        redis.off('error', onError);
        redis.off('ready', onReady);
        return;
      }
      if (redis.status !== 'ready') {
        redis.disconnect();
        return;
      }
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
