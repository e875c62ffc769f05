import {
  DEFAULT_CLIENT_LIMIT, DEFAULT_TENANT_LIMIT, createMemoryRateLimitStore, createRateLimiter, loadRateLimits, parseRateLimit,
  rateLimitedResponse, type RateDecision, type RateLimitStore, type RateLimiterOptions,
} from '../../gateway/rateLimiter';

/** A fake millisecond clock: tests move it, nothing sleeps. */
function fakeClock(start = 1_000_000): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => { t += ms; } };
}

function limiter(opts: Partial<RateLimiterOptions>, clock = fakeClock()): ReturnType<typeof createRateLimiter> {
  return createRateLimiter({ perTenant: null, perClient: null, now: clock.now, ...opts });
}

async function takeN(l: ReturnType<typeof createRateLimiter>, n: number, tenant = 't', client = 'c'): Promise<RateDecision[]> {
  const out: RateDecision[] = [];
  for (let i = 0; i < n; i += 1) out.push(await l.take(tenant, client));
  return out;
}

describe('rate limiter token buckets', () => {
  it('allows a burst, then refuses the client with a whole-second Retry-After', async () => {
    const l = limiter({ perClient: { ratePerS: 2, burst: 4 } });
    expect((await takeN(l, 4)).every((d) => d.ok)).toBe(true);
    expect(await l.take('t', 'c')).toEqual({ ok: false, scope: 'client', retryAfterS: 1 });
    expect(l.stats()).toEqual({ allowed: 4, limited: 1 });
    await l.close();
  });

  it('refills continuously at ratePerS, never above burst', async () => {
    const clock = fakeClock();
    const l = limiter({ perClient: { ratePerS: 2, burst: 4 } }, clock);
    await takeN(l, 4);
    clock.advance(499);
    expect((await l.take('t', 'c')).ok).toBe(false);
    clock.advance(1);
    expect((await l.take('t', 'c')).ok).toBe(true);
    expect((await l.take('t', 'c')).ok).toBe(false);
    clock.advance(3_600_000);
    expect((await takeN(l, 5)).map((d) => d.ok)).toEqual([true, true, true, true, false]);
    await l.close();
  });

  it('rounds Retry-After up to the time the next token arrives (at least 1 s)', async () => {
    const clock = fakeClock();
    const l = limiter({ perClient: { ratePerS: 0.1, burst: 1 } }, clock);
    await l.take('t', 'c');
    expect(await l.take('t', 'c')).toEqual({ ok: false, scope: 'client', retryAfterS: 10 });
    clock.advance(8_500);
    expect(await l.take('t', 'c')).toEqual({ ok: false, scope: 'client', retryAfterS: 2 });
    clock.advance(1_499);
    expect(await l.take('t', 'c')).toEqual({ ok: false, scope: 'client', retryAfterS: 1 });
    clock.advance(1);
    expect(await l.take('t', 'c')).toEqual({ ok: true });
    await l.close();
  });

  it('keeps fractional rates exact: 3 tokens/s give one token every 333.3 ms', async () => {
    const clock = fakeClock();
    const l = limiter({ perClient: { ratePerS: 3, burst: 1 } }, clock);
    let allowed = 0;
    for (let ms = 0; ms < 10_000; ms += 1) {
      if ((await l.take('t', 'c')).ok) allowed += 1;
      clock.advance(1);
    }
    // the first from the full bucket, then one per 1000/3 ms (rounded up to whole ms of the fake clock)
    expect(allowed).toBe(1 + 29);
    await l.close();
  });

  it('does not take tenant tokens for a request the client bucket refuses', async () => {
    const l = limiter({ perTenant: { ratePerS: 1, burst: 3 }, perClient: { ratePerS: 1, burst: 1 } });
    expect((await l.take('t', 'greedy')).ok).toBe(true);
    for (const d of await takeN(l, 10, 't', 'greedy')) expect(d).toEqual({ ok: false, scope: 'client', retryAfterS: 1 });
    expect((await l.take('t', 'b')).ok).toBe(true);
    expect((await l.take('t', 'c')).ok).toBe(true);
    expect(await l.take('t', 'd')).toEqual({ ok: false, scope: 'tenant', retryAfterS: 1 });
    await l.close();
  });

  it('gives the client its tokens back when the tenant bucket refuses', async () => {
    const clock = fakeClock();
    const l = limiter({ perTenant: { ratePerS: 1, burst: 1 }, perClient: { ratePerS: 1, burst: 2 } }, clock);
    expect((await l.take('t', 'a')).ok).toBe(true);
    for (const d of await takeN(l, 5, 't', 'b')) expect(d).toEqual({ ok: false, scope: 'tenant', retryAfterS: 1 });
    clock.advance(1_000);
    // b's two tokens are intact: the tenant's one new token lets one through, then the tenant refuses again
    expect((await l.take('t', 'b')).ok).toBe(true);
    expect(await l.take('t', 'b')).toEqual({ ok: false, scope: 'tenant', retryAfterS: 1 });
    clock.advance(1_000);
    expect((await l.take('t', 'b')).ok).toBe(true);
    await l.close();
  });

  it('keeps tenants and clients apart, the same client id in two tenants included', async () => {
    const l = limiter({ perTenant: { ratePerS: 1, burst: 2 }, perClient: { ratePerS: 1, burst: 1 } });
    expect((await l.take('acme', 'x')).ok).toBe(true);
    expect((await l.take('globex', 'x')).ok).toBe(true);
    expect((await l.take('acme', 'y')).ok).toBe(true);
    expect(await l.take('acme', 'z')).toEqual({ ok: false, scope: 'tenant', retryAfterS: 1 });
    expect((await l.take('globex', 'y')).ok).toBe(true);
    await l.close();
  });

  it('takes cost tokens at once, and a cost above burst empties the bucket rather than failing forever', async () => {
    const clock = fakeClock();
    const l = limiter({ perClient: { ratePerS: 10, burst: 10 } }, clock);
    expect((await l.take('t', 'c', 7)).ok).toBe(true);
    expect(await l.take('t', 'c', 7)).toEqual({ ok: false, scope: 'client', retryAfterS: 1 });
    expect((await l.take('t', 'c', 3)).ok).toBe(true);
    clock.advance(1_000);
    expect((await l.take('t', 'c', 50)).ok).toBe(true);
    expect(await l.take('t', 'c', 50)).toEqual({ ok: false, scope: 'client', retryAfterS: 1 });
    await expect(l.take('t', 'c', -1)).rejects.toThrow(/cost/);
    await l.close();
  });

  it('allows everything when both limits are off', async () => {
    const l = limiter({});
    expect((await takeN(l, 1_000)).every((d) => d.ok)).toBe(true);
    expect(l.stats()).toEqual({ allowed: 1_000, limited: 0 });
    await l.close();
  });

  it('never refills when the clock goes backwards', async () => {
    const clock = fakeClock();
    const l = limiter({ perClient: { ratePerS: 1, burst: 1 } }, clock);
    await l.take('t', 'c');
    clock.advance(-60_000);
    expect((await l.take('t', 'c')).ok).toBe(false);
    clock.advance(60_000);
    expect((await l.take('t', 'c')).ok).toBe(false);
    clock.advance(1_000);
    expect((await l.take('t', 'c')).ok).toBe(true);
    await l.close();
  });

  it('bounds the in-process store: an evicted bucket comes back full', async () => {
    const l = limiter({ perClient: { ratePerS: 1, burst: 1 }, store: createMemoryRateLimitStore(2) });
    await l.take('t', 'a');
    expect((await l.take('t', 'a')).ok).toBe(false);
    await l.take('t', 'b');
    await l.take('t', 'c');
    expect((await l.take('t', 'a')).ok).toBe(true);
    await l.close();
  });

  it('works through any RateLimitStore, awaiting each call', async () => {
    const calls: string[] = [];
    const memory = createMemoryRateLimitStore();
    const store: RateLimitStore = {
      take: async (key, limit, cost, now) => { calls.push(`take ${key} ${cost} @${now}`); return memory.take(key, limit, cost, now); },
      refund: async (key, limit, cost, now) => { calls.push(`refund ${key} ${cost}`); return memory.refund(key, limit, cost, now); },
      close: async () => { calls.push('close'); },
    };
    const l = limiter({ perTenant: { ratePerS: 1, burst: 1 }, perClient: { ratePerS: 1, burst: 5 }, store }, fakeClock(42));
    await l.take('t', 'a', 1);
    await l.take('t', 'a', 1);
    await l.close();
    expect(calls).toEqual([
      'take client:["t","a"] 1 @42', 'take tenant:"t" 1 @42',
      'take client:["t","a"] 1 @42', 'take tenant:"t" 1 @42', 'refund client:["t","a"] 1',
      'close',
    ]);
  });

  it('refuses a limit that is not positive at construction', () => {
    expect(() => createRateLimiter({ perTenant: { ratePerS: 0, burst: 1 }, perClient: null })).toThrow(/perTenant.ratePerS/);
    expect(() => createRateLimiter({ perTenant: null, perClient: { ratePerS: 1, burst: 0 } })).toThrow(/perClient.burst/);
  });
});

describe('rate limited response', () => {
  it('is a 429 with Retry-After and a RATE_LIMITED error naming the bucket', () => {
    const r = rateLimitedResponse({ ok: false, scope: 'tenant', retryAfterS: 3 });
    expect(r.status).toBe(429);
    expect(r.headers).toEqual({ 'retry-after': '3' });
    expect(JSON.parse(r.body)).toEqual({
      errors: [{ message: 'Too many requests for this tenant', extensions: { code: 'RATE_LIMITED', scope: 'tenant', retryAfterS: 3, retryable: true } }],
    });
  });
});

describe('rate limits from the environment', () => {
  it('defaults to 200/s burst 400 per tenant and 50/s burst 100 per client', () => {
    expect(loadRateLimits({})).toEqual({ perTenant: DEFAULT_TENANT_LIMIT, perClient: DEFAULT_CLIENT_LIMIT });
    expect(DEFAULT_TENANT_LIMIT).toEqual({ ratePerS: 200, burst: 400 });
    expect(DEFAULT_CLIENT_LIMIT).toEqual({ ratePerS: 50, burst: 100 });
  });

  it('reads rates per second, minute or hour, with or without a burst, and off', () => {
    expect(loadRateLimits({ GATEWAY_RATE_LIMIT_TENANT: '1000/s,burst=2000', GATEWAY_RATE_LIMIT_CLIENT: 'off' }))
      .toEqual({ perTenant: { ratePerS: 1000, burst: 2000 }, perClient: null });
    expect(parseRateLimit('K', '120/m')).toEqual({ ratePerS: 2, burst: 2 });
    expect(parseRateLimit('K', '36/h, burst=5')).toEqual({ ratePerS: 0.01, burst: 5 });
    expect(parseRateLimit('K', '2.5/s')).toEqual({ ratePerS: 2.5, burst: 3 });
    expect(parseRateLimit('K', '1/m')).toEqual({ ratePerS: 1 / 60, burst: 1 });
  });

  it.each(['200', '200/d', '0/s', '-1/s', '10/s,burst=0', '10/s,burst=1.5', '10/s;burst=5', 'on', '/s'])(
    'fails fast naming the key on %p', (value) => {
      expect(() => loadRateLimits({ GATEWAY_RATE_LIMIT_CLIENT: value })).toThrow(/^GATEWAY_RATE_LIMIT_CLIENT must be '<rate>\/s'/);
    },
  );
});
