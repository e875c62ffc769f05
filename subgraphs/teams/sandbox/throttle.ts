/**
 * Per-app request throttling, as Graph applies it per application per tenant: a token bucket per
 * app id that refills at `requestsPerSecond` and holds one second's worth of requests. A request
 * that finds the bucket empty is answered 429 `TooManyRequests` with `Retry-After` (whole seconds,
 * at least 1) saying when a token will be back.
 */
export interface Throttle {
  /** Take one request from `key`'s bucket: 0 when allowed, else the seconds to wait. */
  take(key: string): number;
  /** Forget all buckets (every app starts full again). */
  reset(): void;
}

interface Bucket {
  tokens: number;
  at: number;
}

/** A throttle whose rate is read on every call, so runtime setting changes apply at once. */
export function createThrottle(requestsPerSecond: () => number, now: () => number = Date.now): Throttle {
  const buckets = new Map<string, Bucket>();
  return {
    take(key) {
      const rate = requestsPerSecond();
      if (!(rate > 0) || !Number.isFinite(rate)) return 0;
      const capacity = Math.max(1, rate);
      const t = now();
      const b = buckets.get(key) ?? { tokens: capacity, at: t };
      b.tokens = Math.min(capacity, b.tokens + ((t - b.at) / 1000) * rate);
      b.at = t;
      buckets.set(key, b);
      if (b.tokens >= 1) {
        b.tokens -= 1;
        return 0;
      }
      return Math.max(1, Math.ceil((1 - b.tokens) / rate));
    },
    reset() {
      buckets.clear();
    },
  };
}
