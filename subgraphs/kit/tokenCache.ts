/**
 * Caches one access token and refreshes it once for all concurrent callers (single flight), a
 * little before it expires. Used by the subgraphs' upstream clients for client-credentials flows.
 */
export interface CachedToken {
  accessToken: string;
  /** Epoch milliseconds after which the token must not be used. */
  expiresAt: number;
}

export interface TokenCacheOptions {
  fetchToken: () => Promise<CachedToken>;
  /** Refresh this long before `expiresAt`. @default 60_000 */
  skewMs?: number;
  /** @default Date.now */
  now?: () => number;
}

export interface TokenCache {
  /** A valid token, fetching one when there is none or it is about to expire. */
  get(): Promise<string>;
  /** Forget the token (after the system answered 401), so the next `get` fetches a new one. */
  invalidate(token?: string): void;
}

export function createTokenCache(opts: TokenCacheOptions): TokenCache {
  const skew = opts.skewMs ?? 60_000;
  const now = opts.now ?? Date.now;
  let current: CachedToken | null = null;
  let inflight: Promise<CachedToken> | null = null;
  return {
    async get() {
      if (current && current.expiresAt - skew > now()) return current.accessToken;
      if (!inflight) {
        inflight = opts.fetchToken().then((t) => { current = t; return t; }).finally(() => { inflight = null; });
      }
      return (await inflight).accessToken;
    },
    invalidate(token) {
      if (!token || current?.accessToken === token) current = null;
    },
  };
}
