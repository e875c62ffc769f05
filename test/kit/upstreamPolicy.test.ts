/**
 * The upstream policy on its own, with scripted attempt functions, recorded sleeps and a
 * recording observer: which outcomes are retried, full-jitter backoff and Retry-After, the
 * per-attempt timeout and the deadline, the circuit breaker (opossum) and the bulkhead.
 */
import type { GraphQLError } from 'graphql';
import type { BreakerEvent, UpstreamCallEvent, UpstreamObserver, UpstreamThrottleEvent } from '../../subgraphs/kit/upstreamObserver';
import { createUpstreamPolicy, loadUpstreamPolicyEnv, type Outcome, type RunOptions, type UpstreamPolicyOptions, type Verdict } from '../../subgraphs/kit/upstreamPolicy';

interface Reply { status: number; retryAfterMs?: number }

function recorder(): UpstreamObserver & { calls: UpstreamCallEvent[]; throttles: UpstreamThrottleEvent[]; states: BreakerEvent['state'][] } {
  const calls: UpstreamCallEvent[] = [];
  const throttles: UpstreamThrottleEvent[] = [];
  const states: BreakerEvent['state'][] = [];
  return {
    calls, throttles, states,
    call: (e) => calls.push(e), rateLimit: () => undefined, throttled: (e) => throttles.push(e), breaker: (e) => states.push(e.state),
  };
}

const classify = (o: Outcome<Reply>): Verdict => (!o.ok ? 'retry' : o.value.status === 429 || o.value.status >= 500 ? 'retry' : o.value.status >= 400 ? 'fail' : 'ok');
const read: RunOptions<Reply> = {
  endpoint: 'things', method: 'GET', idempotent: true, classify,
  status: (o) => (o.ok ? o.value.status : 0), retryAfterMs: (o) => (o.ok ? o.value.retryAfterMs ?? null : null),
};
const write: RunOptions<Reply> = { ...read, method: 'POST', idempotent: false };

/** An attempt function answering from a script ('hang' never settles, 'throw' is a transport error). */
function scripted(steps: Array<Reply | 'hang' | 'throw'>): { fn: () => Promise<Reply>; count: () => number } {
  let n = 0;
  return {
    count: () => n,
    fn: () => {
      const step = steps[n++] ?? { status: 200 };
      if (step === 'hang') return new Promise<Reply>(() => undefined);
      if (step === 'throw') return Promise.reject(new Error('ECONNRESET'));
      return Promise.resolve(step);
    },
  };
}

function policy(extra: Partial<UpstreamPolicyOptions> = {}) {
  const observer = recorder();
  const sleeps: number[] = [];
  const p = createUpstreamPolicy({
    system: 'sap', tenant: 't1', observer, timeoutMs: 50, retries: 3, baseDelayMs: 100, maxDelayMs: 1000,
    sleep: async (ms) => { sleeps.push(ms); }, random: () => 0.5, ...extra,
  });
  return { p, observer, sleeps };
}

describe('upstream policy: retries', () => {
  it('ends a flaky read (timeout, 429, 504, OK) with the answer after exactly 4 attempts', async () => {
    const { p, observer, sleeps } = policy();
    const s = scripted(['hang', { status: 429, retryAfterMs: 0 }, { status: 504 }, { status: 200 }]);
    await expect(p.run(s.fn, read)).resolves.toEqual({ status: 200 });
    expect(s.count()).toBe(4);
    expect(observer.calls.map((c) => [c.attempt, c.status])).toEqual([[1, 0], [2, 429], [3, 504], [4, 200]]);
    expect(observer.calls[0]).toMatchObject({ system: 'sap', tenant: 't1', endpoint: 'things', method: 'GET' });
    // full jitter with random() = 0.5: half of min(maxDelay, base * 2^(n-1))
    expect(sleeps).toEqual([50, 100, 200]);
    p.shutdown();
  });

  it('never repeats a write: the same script fails after one attempt', async () => {
    const { p } = policy();
    const s = scripted(['hang', { status: 200 }]);
    const err = (await p.run(s.fn, write).catch((e: unknown) => e)) as GraphQLError;
    expect(err.extensions).toEqual({ code: 'UPSTREAM_TIMEOUT', system: 'sap', retryable: true });
    expect(s.count()).toBe(1);
    p.shutdown();
  });

  it('does not retry a client error (4xx) and returns it to the caller', async () => {
    const { p } = policy();
    const s = scripted([{ status: 404 }]);
    await expect(p.run(s.fn, read)).resolves.toEqual({ status: 404 });
    expect(s.count()).toBe(1);
    p.shutdown();
  });

  it('waits at least Retry-After when it is within maxRetryAfterMs', async () => {
    const { p, sleeps, observer } = policy({ maxRetryAfterMs: 2000 });
    const s = scripted([{ status: 503, retryAfterMs: 1500 }, { status: 200 }]);
    await expect(p.run(s.fn, read)).resolves.toEqual({ status: 200 });
    expect(sleeps).toEqual([1500]);
    expect(observer.throttles).toEqual([{ system: 'sap', tenant: 't1', status: 503, retryAfterMs: 1500 }]);
    p.shutdown();
  });

  it('gives up at once, with the throttled answer, when Retry-After is longer than maxRetryAfterMs', async () => {
    const { p, sleeps } = policy({ maxRetryAfterMs: 2000 });
    const s = scripted([{ status: 429, retryAfterMs: 30_000 }, { status: 200 }]);
    await expect(p.run(s.fn, read)).resolves.toEqual({ status: 429, retryAfterMs: 30_000 });
    expect(s.count()).toBe(1);
    expect(sleeps).toEqual([]);
    p.shutdown();
  });

  it('stops retrying when the next wait would pass the deadline', async () => {
    let clock = 0;
    const { p } = policy({ deadlineMs: 1000, now: () => clock, sleep: async (ms) => { clock += ms; } });
    const s = scripted([{ status: 503, retryAfterMs: 600 }, { status: 503, retryAfterMs: 600 }, { status: 200 }]);
    await expect(p.run(s.fn, read)).resolves.toEqual({ status: 503, retryAfterMs: 600 });
    expect(s.count()).toBe(2);
    p.shutdown();
  });

  it('turns transport errors that exhaust the retries into the last error', async () => {
    const { p } = policy({ retries: 1 });
    const s = scripted(['throw', 'throw', { status: 200 }]);
    await expect(p.run(s.fn, read)).rejects.toThrow('ECONNRESET');
    expect(s.count()).toBe(2);
    p.shutdown();
  });
});

describe('upstream policy: circuit breaker', () => {
  it('opens after failures, then fails fast without calling the system until a half-open probe succeeds', async () => {
    const { p, observer } = policy({ retries: 0, breaker: { volumeThreshold: 4, errorThresholdPercentage: 50, resetTimeoutMs: 100 } });
    const failing = scripted(Array.from({ length: 10 }, () => ({ status: 503 })));
    for (let i = 0; i < 4; i++) await p.run(failing.fn, read);
    expect(p.state()).toBe('open');
    expect(observer.states).toEqual(['open']);
    const before = failing.count();
    const err = (await p.run(failing.fn, read).catch((e: unknown) => e)) as GraphQLError;
    expect(err.extensions).toEqual({ code: 'UPSTREAM_UNAVAILABLE', system: 'sap', retryable: true, reason: 'circuit_open' });
    expect(failing.count()).toBe(before);

    await new Promise<void>((resolve) => { const t = setInterval(() => { if (p.state() === 'half_open') { clearInterval(t); resolve(); } }, 10); });
    const ok = scripted([{ status: 200 }]);
    await expect(p.run(ok.fn, read)).resolves.toEqual({ status: 200 });
    expect(p.state()).toBe('closed');
    expect(observer.states).toEqual(['open', 'half_open', 'closed']);
    p.shutdown();
  });

  it('counts fail_counted outcomes (a 500) without repeating them', async () => {
    const { p } = policy({ retries: 3, breaker: { volumeThreshold: 2 } });
    const s = scripted(Array.from({ length: 4 }, () => ({ status: 500 })));
    const counted = { ...read, classify: (o: Outcome<Reply>): Verdict => (o.ok && o.value.status === 500 ? 'fail_counted' : classify(o)) };
    await expect(p.run(s.fn, counted)).resolves.toEqual({ status: 500 });
    await p.run(s.fn, counted);
    expect(s.count()).toBe(2);
    expect(p.state()).toBe('open');
    p.shutdown();
  });

  it('does not count client errors (4xx) as failures', async () => {
    const { p } = policy({ retries: 0, breaker: { volumeThreshold: 2 } });
    const s = scripted(Array.from({ length: 6 }, () => ({ status: 400 })));
    for (let i = 0; i < 6; i++) await p.run(s.fn, read);
    expect(p.state()).toBe('closed');
    p.shutdown();
  });

  it('lets exactly one probe through while half open', async () => {
    const { p } = policy({ retries: 0, breaker: { volumeThreshold: 1, resetTimeoutMs: 50 } });
    await p.run(scripted([{ status: 500 }]).fn, read);
    await new Promise<void>((resolve) => { const t = setInterval(() => { if (p.state() === 'half_open') { clearInterval(t); resolve(); } }, 10); });
    let release!: (r: Reply) => void;
    let calls = 0;
    const slow = (): Promise<Reply> => { calls += 1; return new Promise<Reply>((r) => { release = r; }); };
    const probe = p.run(slow, read);
    const others = await Promise.all([p.run(slow, read).catch((e: GraphQLError) => e.extensions.reason), p.run(slow, read).catch((e: GraphQLError) => e.extensions.reason)]);
    expect(others).toEqual(['circuit_open', 'circuit_open']);
    release({ status: 200 });
    await expect(probe).resolves.toEqual({ status: 200 });
    expect(calls).toBe(1);
    p.shutdown();
  });
});

describe('upstream policy: bulkhead', () => {
  it('runs at most maxConcurrent calls, queues maxQueue, and refuses the rest at once', async () => {
    const { p } = policy({ timeoutMs: 5000, bulkhead: { maxConcurrent: 2, maxQueue: 1 } });
    let inFlight = 0;
    let peak = 0;
    const releases: Array<() => void> = [];
    const fn = (): Promise<Reply> => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      return new Promise<Reply>((r) => releases.push(() => { inFlight -= 1; r({ status: 200 }); }));
    };
    const runs = Array.from({ length: 5 }, () => p.run(fn, read).then(() => 'ok', (e: GraphQLError) => String(e.extensions.reason)));
    await new Promise((r) => setImmediate(r));
    expect(releases).toHaveLength(2);
    while (releases.length > 0) {
      releases.shift()!();
      await new Promise((r) => setImmediate(r));
    }
    expect(await Promise.all(runs)).toEqual(['ok', 'ok', 'ok', 'bulkhead_full', 'bulkhead_full']);
    expect(peak).toBe(2);
    p.shutdown();
  });
});

describe('loadUpstreamPolicyEnv', () => {
  it('reads only the keys that are set', () => {
    expect(loadUpstreamPolicyEnv({}, 'SAP')).toEqual({});
    expect(loadUpstreamPolicyEnv({ SAP_BREAKER_RESET_MS: '2000', SAP_MAX_CONCURRENT: '8', SAP_DEADLINE_MS: '15000' }, 'SAP'))
      .toEqual({ deadlineMs: 15000, breaker: { resetTimeoutMs: 2000 }, bulkhead: { maxConcurrent: 8 } });
  });

  it('fails fast naming the key', () => {
    expect(() => loadUpstreamPolicyEnv({ GRAPH_BREAKER_ERROR_PERCENT: '150' }, 'GRAPH')).toThrow('GRAPH_BREAKER_ERROR_PERCENT must be an integer from 1 to 100');
  });
});
