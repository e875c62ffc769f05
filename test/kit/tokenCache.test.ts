import { createTokenCache } from '../../subgraphs/kit/tokenCache';

describe('token cache', () => {
  it('fetches once for concurrent callers and reuses the token until it nears expiry', async () => {
    let now = 1_000_000;
    let fetches = 0;
    const cache = createTokenCache({ now: () => now, skewMs: 1000, fetchToken: async () => { fetches += 1; return { accessToken: `t${fetches}`, expiresAt: now + 10_000 }; } });
    expect(await Promise.all([cache.get(), cache.get(), cache.get()])).toEqual(['t1', 't1', 't1']);
    now += 8_000;
    expect(await cache.get()).toBe('t1');
    now += 1_500;
    expect(await cache.get()).toBe('t2');
    expect(fetches).toBe(2);
  });

  it('forgets a refused token, but not a newer one', async () => {
    let n = 0;
    const cache = createTokenCache({ fetchToken: async () => ({ accessToken: `t${++n}`, expiresAt: Date.now() + 3_600_000 }) });
    expect(await cache.get()).toBe('t1');
    cache.invalidate('t1');
    expect(await cache.get()).toBe('t2');
    cache.invalidate('t1');
    expect(await cache.get()).toBe('t2');
  });

  it('lets a failed fetch fail its callers and retries on the next call', async () => {
    let n = 0;
    const cache = createTokenCache({ fetchToken: async () => { n += 1; if (n === 1) throw new Error('token endpoint down'); return { accessToken: 'ok', expiresAt: Date.now() + 3_600_000 }; } });
    await expect(cache.get()).rejects.toThrow('token endpoint down');
    expect(await cache.get()).toBe('ok');
  });
});
