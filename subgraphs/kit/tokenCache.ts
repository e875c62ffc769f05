/**
 * Caches one access token in memory and refreshes it once for all concurrent callers (single
 * flight), a little before it expires. Used by the subgraphs' upstream clients for OAuth
 * client-credentials flows (Microsoft Graph; Salesforce sessions are renewed by jsforce's own
 * single-flight refresh delegate).
 *
 * - `get()` returns the cached token until `expiresAt - skew`, where skew is `skewMs` but at most
 *   half the token's lifetime (a 2-minute token is not refreshed on every call).
 * - `invalidate(token)` after the system answered 401 forgets that token only: a caller whose
 *   request was refused with an older token does not throw away the newer one, so 100 concurrent
 *   401s cause one token request.
 */
export interface CachedToken {
  accessToken: string;
  /** Epoch milliseconds after which the token must not be used. */
  expiresAt: number;
}

export interface TokenCacheOptions {
  fetchToken: () => Promise<CachedToken>;
  /** Refresh this long before `expiresAt` (at most half the token's lifetime). @default 60_000 */
  skewMs?: number;
  /** @default Date.now */
  now?: () => number;
}

export interface TokenCache {
  /** A valid token, fetching one when there is none or it is about to expire. */
  get(): Promise<string>;
  /** Forget the token (after the system answered 401), so the next `get` fetches a new one; a different (newer) token is kept. */
  invalidate(token?: string): void;
  /** Token requests made so far (started fetches). */
  fetches(): number;
}

export function createTokenCache(opts: TokenCacheOptions): TokenCache {
  const skew = opts.skewMs ?? 60_000;
  const now = opts.now ?? Date.now;
  let current: (CachedToken & { refreshAt: number }) | null = null;
  let inflight: Promise<CachedToken> | null = null;
  let fetches = 0;

  const fetchOnce = (): Promise<CachedToken> => {
    fetches += 1;
    const fetchedAt = now();
    return opts.fetchToken().then((t) => {
      const lifetime = Math.max(0, t.expiresAt - fetchedAt);
      current = { ...t, refreshAt: t.expiresAt - Math.min(skew, lifetime / 2) };
      return t;
    }).finally(() => { inflight = null; });
  };

  return {
    async get() {
      if (current && current.refreshAt > now()) return current.accessToken;
      inflight ??= fetchOnce();
      return (await inflight).accessToken;
    },
    invalidate(token) {
      if (!token || current?.accessToken === token) current = null;
    },
    fetches: () => fetches,
  };
}
