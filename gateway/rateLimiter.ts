/**
 * Rate limits per tenant and per client (the caller identity within its tenant), each a token
 * bucket: `burst` tokens at most, refilled continuously at `ratePerS`; a request takes `cost`
 * tokens (1 by default) from both buckets or is refused with 429 and `Retry-After`.
 *
 * The client bucket is checked first: a request it refuses takes nothing from the tenant. A
 * request the tenant bucket refuses gets its client tokens back, so a busy tenant does not also
 * drain its clients' own budgets. A `cost` above a bucket's `burst` is taken as `burst` (the request
 * empties the bucket) rather than refused forever.
 *
 * Buckets live in a `RateLimitStore`: in process by default (an LRU of `maxBuckets`; an evicted
 * bucket comes back full, which only ever errs towards allowing), and asynchronous so that a
 * store shared by gateway instances (Redis, one Lua script per `take`) fits behind it later.
 *
 * | key | default | syntax |
 * |---|---|---|
 * | GATEWAY_RATE_LIMIT_TENANT | `200/s,burst=400` | `<rate>/s`, `<rate>/m` or `<rate>/h`, optionally `,burst=<n>` (default: one second's worth, at least 1); or `off` |
 * | GATEWAY_RATE_LIMIT_CLIENT | `50/s,burst=100` | same |
 */
import { LRUCache } from 'lru-cache';
import type { Env } from '../subgraphs/kit/envConfig';

export interface TokenBucketLimit {
  /** Tokens added per second (may be fractional, e.g. 0.5 = one every two seconds). */
  ratePerS: number;
  /** Bucket size: the most tokens a caller can spend at once after being idle. */
  burst: number;
}

export interface TakeResult {
  ok: boolean;
  /** 0 when ok; else how long until `cost` tokens are there. */
  retryAfterMs: number;
  /** Whole tokens left after this take. */
  remaining: number;
}

/** Where buckets live. Async so a shared store (Redis) fits behind the same interface. */
export interface RateLimitStore {
  /** Refills the bucket `key` to `now`, then takes `cost` tokens if it has them. */
  take(key: string, limit: TokenBucketLimit, cost: number, now: number): Promise<TakeResult>;
  /** Gives back `cost` tokens taken by a request that was refused elsewhere (never above `burst`). */
  refund(key: string, limit: TokenBucketLimit, cost: number, now: number): Promise<void>;
  close(): Promise<void>;
}

export interface RateLimiterOptions {
  /** The bucket of all requests of one tenant; null: no tenant limit. @default { ratePerS: 200, burst: 400 } */
  perTenant: TokenBucketLimit | null;
  /** The bucket of one caller identity within its tenant; null: no client limit. @default { ratePerS: 50, burst: 100 } */
  perClient: TokenBucketLimit | null;
  /** @default createMemoryRateLimitStore() (100_000 buckets) */
  store?: RateLimitStore;
  /** Milliseconds clock. @default Date.now */
  now?: () => number;
}

export type RateDecision = { ok: true } | { ok: false; scope: 'tenant' | 'client'; retryAfterS: number };

export interface RateLimiter {
  /** Takes `cost` (default 1) tokens for `client` of `tenant`: ok, or refused with the bucket at fault and a `Retry-After` in whole seconds (>= 1). */
  take(tenant: string, client: string, cost?: number): Promise<RateDecision>;
  stats(): { allowed: number; limited: number };
  close(): Promise<void>;
}

export const DEFAULT_TENANT_LIMIT: Readonly<TokenBucketLimit> = Object.freeze({ ratePerS: 200, burst: 400 });
export const DEFAULT_CLIENT_LIMIT: Readonly<TokenBucketLimit> = Object.freeze({ ratePerS: 50, burst: 100 });
/** The `extensions.code` of a refused request (HTTP 429). */
export const RATE_LIMITED_CODE = 'RATE_LIMITED';

/** Float slack, so that e.g. 3 tokens/s have refilled one token after 333.33... ms as arithmetic says. */
const EPSILON = 1e-9;

interface Bucket {
  tokens: number;
  at: number;
}

/** The bucket refilled from its last update to `now` (a clock going backwards refills nothing). */
function refill(b: Bucket | undefined, limit: TokenBucketLimit, now: number): Bucket {
  if (!b) return { tokens: limit.burst, at: now };
  const elapsedMs = Math.max(0, now - b.at);
  return { tokens: Math.min(limit.burst, b.tokens + (elapsedMs * limit.ratePerS) / 1000), at: Math.max(now, b.at) };
}

/**
 * Buckets in this process, in an LRU of `maxBuckets` (@default 100_000).
 * The token math: `tokens = min(burst, tokens + elapsedMs * ratePerS / 1000)`; a take of `cost`
 * succeeds when `tokens >= cost`, else `retryAfterMs = ceil((cost - tokens) * 1000 / ratePerS)`.
 */
export function createMemoryRateLimitStore(maxBuckets = 100_000): RateLimitStore {
  const buckets = new LRUCache<string, Bucket>({ max: maxBuckets });
  return {
    take: (key, limit, cost, now) => {
      const b = refill(buckets.get(key), limit, now);
      const need = Math.min(cost, limit.burst);
      const ok = b.tokens + EPSILON >= need;
      if (ok) b.tokens = Math.max(0, b.tokens - need);
      buckets.set(key, b);
      const retryAfterMs = ok ? 0 : Math.ceil(((need - b.tokens) * 1000) / limit.ratePerS);
      return Promise.resolve({ ok, retryAfterMs, remaining: Math.floor(b.tokens) });
    },
    refund: (key, limit, cost, now) => {
      const b = refill(buckets.get(key), limit, now);
      b.tokens = Math.min(limit.burst, b.tokens + Math.min(cost, limit.burst));
      buckets.set(key, b);
      return Promise.resolve();
    },
    close: () => {
      buckets.clear();
      return Promise.resolve();
    },
  };
}

function checkLimit(name: string, limit: TokenBucketLimit | null): void {
  if (limit === null) return;
  if (!(limit.ratePerS > 0) || !Number.isFinite(limit.ratePerS)) throw new Error(`${name}.ratePerS must be a positive number (got ${limit.ratePerS})`);
  if (!(limit.burst >= 1) || !Number.isFinite(limit.burst)) throw new Error(`${name}.burst must be a number >= 1 (got ${limit.burst})`);
}

function retryAfterS(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

export function createRateLimiter(opts: RateLimiterOptions): RateLimiter {
  checkLimit('perTenant', opts.perTenant);
  checkLimit('perClient', opts.perClient);
  const { perTenant, perClient } = opts;
  const store = opts.store ?? createMemoryRateLimitStore();
  const now = opts.now ?? Date.now;
  const counts = { allowed: 0, limited: 0 };
  const refuse = (scope: 'tenant' | 'client', ms: number): RateDecision => {
    counts.limited += 1;
    return { ok: false, scope, retryAfterS: retryAfterS(ms) };
  };

  const take = async (tenant: string, client: string, cost = 1): Promise<RateDecision> => {
    if (!(cost >= 0) || !Number.isFinite(cost)) throw new Error(`rate limiter cost must be a finite number >= 0 (got ${cost})`);
    const t = now();
    // JSON keys: no tenant/client pair can be spelled like another (tenant ids are already [A-Za-z0-9_-]).
    const clientKey = `client:${JSON.stringify([tenant, client])}`;
    const tenantKey = `tenant:${JSON.stringify(tenant)}`;
    if (perClient) {
      const c = await store.take(clientKey, perClient, cost, t);
      if (!c.ok) return refuse('client', c.retryAfterMs);
    }
    if (perTenant) {
      const r = await store.take(tenantKey, perTenant, cost, t);
      if (!r.ok) {
        if (perClient) await store.refund(clientKey, perClient, cost, t);
        return refuse('tenant', r.retryAfterMs);
      }
    }
    counts.allowed += 1;
    return { ok: true };
  };

  return { take, stats: () => ({ ...counts }), close: () => store.close() };
}

/** The 429 answer to a refused request: `Retry-After` in seconds and a coded GraphQL error. */
export function rateLimitedResponse(d: Extract<RateDecision, { ok: false }>): { status: 429; headers: Record<string, string>; body: string } {
  const message = d.scope === 'tenant' ? 'Too many requests for this tenant' : 'Too many requests from this client';
  const extensions = { code: RATE_LIMITED_CODE, scope: d.scope, retryAfterS: d.retryAfterS, retryable: true };
  return { status: 429, headers: { 'retry-after': String(d.retryAfterS) }, body: JSON.stringify({ errors: [{ message, extensions }] }) };
}

const UNIT_S: Record<string, number> = { s: 1, m: 60, h: 3_600 };
const LIMIT_SYNTAX = /^(\d+(?:\.\d+)?)\/(s|m|h)(?:,burst=(\d+))?$/;

/** One limit from `<rate>/<s|m|h>[,burst=<n>]` or `off`; throws naming `key` and the syntax. */
export function parseRateLimit(key: string, raw: string): TokenBucketLimit | null {
  const text = raw.replace(/\s+/g, '');
  if (text === 'off') return null;
  const m = LIMIT_SYNTAX.exec(text);
  const ratePerS = m ? Number(m[1]) / (UNIT_S[m[2] ?? 's'] ?? 1) : NaN;
  const burst = m?.[3] !== undefined ? Number(m[3]) : Math.max(1, Math.ceil(ratePerS));
  if (!m || !(ratePerS > 0) || !(burst >= 1) || !Number.isSafeInteger(burst)) {
    throw new Error(`${key} must be '<rate>/s', '<rate>/m' or '<rate>/h' with an optional ',burst=<n>' (rate > 0, n >= 1), or 'off' (got '${raw}')`);
  }
  return { ratePerS, burst };
}

/** GATEWAY_RATE_LIMIT_TENANT and GATEWAY_RATE_LIMIT_CLIENT (see the table above). */
export function loadRateLimits(env: Env = process.env): Pick<RateLimiterOptions, 'perTenant' | 'perClient'> {
  const read = (key: string, fallback: Readonly<TokenBucketLimit>): TokenBucketLimit | null => {
    const raw = env[key];
    return raw === undefined || raw === '' ? { ...fallback } : parseRateLimit(key, raw);
  };
  return { perTenant: read('GATEWAY_RATE_LIMIT_TENANT', DEFAULT_TENANT_LIMIT), perClient: read('GATEWAY_RATE_LIMIT_CLIENT', DEFAULT_CLIENT_LIMIT) };
}
