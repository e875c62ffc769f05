/**
 * The resilience policy of one upstream system for one tenant (one instance per client): a
 * bulkhead, a circuit breaker (opossum), per-attempt timeouts under an overall deadline, and
 * retries of idempotent reads with full-jitter backoff honouring `Retry-After`.
 *
 *     const policy = createUpstreamPolicy({ system: 'sap', tenant, observer });
 *     const res = await policy.run((attempt) => send(req, attempt.signal), {
 *       endpoint: 'A_SalesOrder', method: 'GET', idempotent: true,
 *       classify: (o) => (o.ok ? (o.value.status >= 500 ? 'retry' : 'ok') : 'retry'),
 *     });
 *
 * One call = one bulkhead slot (held through its retries) and one breaker `fire`:
 * - `classify(outcome)` says `ok`, `retry` (a transient failure of the system: transport error,
 *   429, 502-504; counted by the breaker, retried when idempotent), `fail_counted` (a failure of the
 *   system not worth repeating, e.g. a 500: counted, not retried) or `fail` (a client error such
 *   as 4xx: not counted, not retried). Attempts that exceed their timeout are `retry`, status 0.
 * - When retries are exhausted, not allowed, or the next wait would pass the deadline or exceed
 *   `maxRetryAfterMs`, the last outcome is returned as is (a value) or thrown (an error), for the
 *   client's own error mapping; a timed-out last attempt throws UPSTREAM_TIMEOUT.
 * - An open breaker or a full bulkhead throws UPSTREAM_UNAVAILABLE (`retryable`,
 *   `extensions.reason` `circuit_open` / `bulkhead_full`) without any upstream request.
 */
import CircuitBreaker from 'opossum';
import type { Logger } from 'pino';
import { createBulkhead, BulkheadRejectedError, type BulkheadOptions } from './bulkhead';
import { subgraphError, type SystemName } from './subgraphErrors';
import { noopUpstreamObserver, type BreakerState, type UpstreamObserver } from './upstreamObserver';

export interface BreakerOptions {
  /** Failure percentage (over the rolling window) above which the breaker opens. @default 50 */
  errorThresholdPercentage?: number;
  /** Calls in the window before the breaker may open at all. @default 10 */
  volumeThreshold?: number;
  /** How long the breaker stays open before letting one probe through (half open). @default 5_000 */
  resetTimeoutMs?: number;
  /** Length of the rolling window the percentage is computed over. @default 10_000 */
  rollingCountTimeoutMs?: number;
}

export interface UpstreamPolicyOptions {
  system: SystemName;
  /** @default 'default' */
  tenant?: string;
  /** @default noopUpstreamObserver */
  observer?: UpstreamObserver;
  /** For debug lines about retries. @default none */
  logger?: Logger;
  /** Timeout of one attempt. @default 10_000 */
  timeoutMs?: number;
  /** Budget of one call including its retries and waits. @default (timeoutMs + maxRetryAfterMs) * (retries + 1) */
  deadlineMs?: number;
  /** Retries after the first attempt, for idempotent calls only. @default 2 */
  retries?: number;
  /** Full-jitter backoff: the n-th retry waits random(0, min(maxDelayMs, baseDelayMs * 2^(n-1))). @default 100 */
  baseDelayMs?: number;
  /** @default 2_000 */
  maxDelayMs?: number;
  /** Longest `Retry-After` waited for inside a call; a longer one ends the call with the last outcome. @default 2_000 */
  maxRetryAfterMs?: number;
  /** @default see BreakerOptions */
  breaker?: BreakerOptions;
  /** @default { maxConcurrent: 32, maxQueue: 256 } */
  bulkhead?: BulkheadOptions;
  /** Waits between attempts (tests record them). @default a setTimeout promise */
  sleep?: (ms: number) => Promise<void>;
  /** @default Math.random */
  random?: () => number;
  /** @default Date.now */
  now?: () => number;
}

export type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };
export type Verdict = 'ok' | 'retry' | 'fail_counted' | 'fail';

export interface Attempt {
  /** 1 for the first attempt, 2 for the first retry, ... */
  number: number;
  /** Aborted when this attempt's timeout (or the call's deadline) passes. */
  signal: AbortSignal;
  /** This attempt's timeout in ms (at most the time left before the deadline). */
  timeoutMs: number;
}

export interface RunOptions<T> {
  /** Low-cardinality endpoint name for the observer, e.g. `query`, `$batch`. */
  endpoint: string;
  method: string;
  /** Safe to repeat (GET/HEAD, a `$batch` of GETs). Writes are never retried. */
  idempotent: boolean;
  classify(outcome: Outcome<T>): Verdict;
  /**
   * Whether the system refused this outcome's request without executing it (Graph's throttling 429):
   * such a `retry` verdict is retried even for a write. @default never
   */
  notExecuted?(outcome: Outcome<T>): boolean;
  /** HTTP status of an outcome for the observer (0 = transport error). @default 0 for errors, 200 for values */
  status?(outcome: Outcome<T>): number;
  /** The system's `Retry-After` for an outcome, in ms; null when none. @default none */
  retryAfterMs?(outcome: Outcome<T>): number | null;
}

export interface UpstreamPolicy {
  run<T>(fn: (attempt: Attempt) => Promise<T>, opts: RunOptions<T>): Promise<T>;
  state(): BreakerState;
  /** Stops the breaker's timers. */
  shutdown(): void;
}

const LABELS: Record<SystemName, string> = { salesforce: 'Salesforce', sap: 'SAP', teams: 'Microsoft Graph' };

/** Thrown inside the breaker's action for outcomes the breaker must count as failures. */
class CountedFailure<T> extends Error {
  constructor(readonly outcome: Outcome<T>) {
    super('upstream failure');
  }
}

class AttemptTimeout extends Error {
  constructor() {
    super('attempt timed out');
    this.name = 'TimeoutError';
  }
}

const defaultSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** One attempt, raced against its timeout so a hung system cannot outlive the deadline. */
async function attemptOnce<T>(fn: (a: Attempt) => Promise<T>, number: number, timeoutMs: number): Promise<Outcome<T>> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_r, reject) => {
    timer = setTimeout(() => { controller.abort(new AttemptTimeout()); reject(new AttemptTimeout()); }, timeoutMs);
  });
  try {
    return { ok: true, value: await Promise.race([fn({ number, signal: controller.signal, timeoutMs }), timedOut]) };
  } catch (error) {
    return { ok: false, error };
  } finally {
    clearTimeout(timer);
  }
}

export function createUpstreamPolicy(opts: UpstreamPolicyOptions): UpstreamPolicy {
  const system = opts.system;
  const tenant = opts.tenant ?? 'default';
  const observer = opts.observer ?? noopUpstreamObserver;
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const retries = opts.retries ?? 2;
  const base = opts.baseDelayMs ?? 100;
  const maxDelay = opts.maxDelayMs ?? 2_000;
  const maxRetryAfter = opts.maxRetryAfterMs ?? 2_000;
  const deadlineMs = opts.deadlineMs ?? (timeoutMs + maxRetryAfter) * (retries + 1);
  const sleep = opts.sleep ?? defaultSleep;
  const random = opts.random ?? Math.random;
  const now = opts.now ?? Date.now;
  const bulkhead = createBulkhead(opts.bulkhead);
  const breaker = new CircuitBreaker((action: () => Promise<unknown>) => action(), {
    timeout: false,
    errorThresholdPercentage: opts.breaker?.errorThresholdPercentage ?? 50,
    volumeThreshold: opts.breaker?.volumeThreshold ?? 10,
    resetTimeout: opts.breaker?.resetTimeoutMs ?? 5_000,
    rollingCountTimeout: opts.breaker?.rollingCountTimeoutMs ?? 10_000,
    rollingCountBuckets: 10,
    // Only CountedFailure is a failure; anything else (a 4xx, a bad request) means the system answered.
    errorFilter: (err: unknown) => !(err instanceof CountedFailure),
  });
  const report = (state: BreakerState) => (): void => observer.breaker({ system, tenant, state });
  breaker.on('open', report('open'));
  breaker.on('halfOpen', report('half_open'));
  breaker.on('close', report('closed'));

  const state = (): BreakerState => (breaker.opened ? 'open' : breaker.halfOpen ? 'half_open' : 'closed');
  const unavailable = (reason: 'circuit_open' | 'bulkhead_full', cause?: unknown): Error => subgraphError({
    code: 'UPSTREAM_UNAVAILABLE', system, message: `${LABELS[system]} is unavailable`, cause, extensions: { reason },
  });
  const timeoutError = (cause: unknown): Error => subgraphError({ code: 'UPSTREAM_TIMEOUT', system, message: `${LABELS[system]} did not answer in time`, cause });

  /** Observer events of one attempt. */
  function observe<T>(o: RunOptions<T>, outcome: Outcome<T>, attempt: number, durationMs: number, retryAfter: number | null): void {
    const status = !outcome.ok && outcome.error instanceof AttemptTimeout ? 0 : o.status?.(outcome) ?? (outcome.ok ? 200 : 0);
    observer.call({ system, tenant, endpoint: o.endpoint, method: o.method, status, durationMs, attempt });
    if (status === 429 || (status === 503 && retryAfter !== null)) observer.throttled({ system, tenant, status, retryAfterMs: retryAfter });
  }

  /** The wait before the next attempt, or null when the call must end now. */
  function nextWait(retryAfter: number | null, retry: number, deadlineAt: number): number | null {
    if (retryAfter !== null && retryAfter > maxRetryAfter) return null;
    const jitter = random() * Math.min(maxDelay, base * 2 ** (retry - 1));
    const wait = Math.max(retryAfter ?? 0, jitter);
    return now() + wait >= deadlineAt ? null : wait;
  }

  /** The attempts of one call; resolves to the final outcome, throws CountedFailure for the breaker. */
  async function attempts<T>(fn: (a: Attempt) => Promise<T>, o: RunOptions<T>, deadlineAt: number): Promise<Outcome<T>> {
    for (let n = 1; ; n += 1) {
      const budget = Math.min(timeoutMs, deadlineAt - now());
      const started = now();
      const outcome = await attemptOnce(fn, n, Math.max(1, budget));
      const timedOut = !outcome.ok && outcome.error instanceof AttemptTimeout;
      const verdict: Verdict = timedOut ? 'retry' : o.classify(outcome);
      const retryAfter = timedOut ? null : o.retryAfterMs?.(outcome) ?? null;
      observe(o, outcome, n, now() - started, retryAfter);
      if (verdict === 'ok' || verdict === 'fail') return outcome;
      if (verdict === 'fail_counted') throw new CountedFailure(outcome);
      const maxAttempts = o.idempotent || o.notExecuted?.(outcome) ? retries + 1 : 1;
      const wait = n < maxAttempts && !breaker.opened ? nextWait(retryAfter, n, deadlineAt) : null;
      if (wait === null) throw new CountedFailure(timedOut ? { ok: false, error: timeoutError(outcome.error) } : outcome);
      opts.logger?.debug({ system, tenant, endpoint: o.endpoint, attempt: n, wait }, 'retrying upstream call');
      await sleep(wait);
    }
  }

  return {
    async run(fn, o) {
      const deadlineAt = now() + deadlineMs;
      let release: () => void;
      try {
        release = await bulkhead.acquire(AbortSignal.timeout(Math.max(1, deadlineMs)));
      } catch (err) {
        if (err instanceof BulkheadRejectedError && err.reason === 'full') throw unavailable('bulkhead_full', err);
        throw timeoutError(err);
      }
      let outcome: Outcome<Awaited<ReturnType<typeof fn>>>;
      try {
        outcome = (await breaker.fire(() => attempts(fn, o, deadlineAt))) as typeof outcome;
      } catch (err) {
        if (err instanceof CountedFailure) outcome = err.outcome as typeof outcome;
        else if ((err as { code?: unknown } | null)?.code === 'EOPENBREAKER') throw unavailable('circuit_open', err);
        else throw err;
      } finally {
        release();
      }
      if (outcome.ok) return outcome.value;
      throw outcome.error;
    },
    state,
    shutdown: () => breaker.shutdown(),
  };
}

/** Policy options a client factory passes through (from `loadUpstreamPolicyEnv`, or tests' recorded sleeps). */
export type UpstreamPolicyTuning = Omit<UpstreamPolicyOptions, 'system' | 'tenant' | 'observer' | 'logger'>;

/**
 * The policy keys of one system (`prefix` `SALESFORCE`, `SAP` or `GRAPH`), only those set (the
 * client's defaults apply to the rest); a bad value fails fast naming the key. Keys:
 * `<P>_DEADLINE_MS`, `<P>_RETRY_BASE_DELAY_MS`, `<P>_RETRY_MAX_DELAY_MS`, `<P>_MAX_RETRY_AFTER_MS`,
 * `<P>_BREAKER_ERROR_PERCENT`, `<P>_BREAKER_VOLUME`, `<P>_BREAKER_RESET_MS`, `<P>_BREAKER_WINDOW_MS`,
 * `<P>_MAX_CONCURRENT`, `<P>_MAX_QUEUE`. (Timeouts and retry counts stay in each system's config.)
 */
export function loadUpstreamPolicyEnv(env: Record<string, string | undefined>, prefix: string): UpstreamPolicyTuning {
  const int = (key: string, min: number, max: number): number | undefined => {
    const raw = env[`${prefix}_${key}`];
    if (raw === undefined || raw === '') return undefined;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${prefix}_${key} must be an integer from ${min} to ${max} (got '${raw}')`);
    return n;
  };
  const defined = <T extends object>(o: T): T | undefined => {
    const kept = Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
    return Object.keys(kept).length > 0 ? kept : undefined;
  };
  const breaker = defined<BreakerOptions>({
    errorThresholdPercentage: int('BREAKER_ERROR_PERCENT', 1, 100), volumeThreshold: int('BREAKER_VOLUME', 1, 100_000),
    resetTimeoutMs: int('BREAKER_RESET_MS', 1, 3_600_000), rollingCountTimeoutMs: int('BREAKER_WINDOW_MS', 10, 3_600_000),
  });
  const bulkhead = defined<BulkheadOptions>({ maxConcurrent: int('MAX_CONCURRENT', 1, 10_000), maxQueue: int('MAX_QUEUE', 0, 1_000_000) });
  return defined<UpstreamPolicyTuning>({
    deadlineMs: int('DEADLINE_MS', 1, 3_600_000), baseDelayMs: int('RETRY_BASE_DELAY_MS', 0, 60_000),
    maxDelayMs: int('RETRY_MAX_DELAY_MS', 0, 600_000), maxRetryAfterMs: int('MAX_RETRY_AFTER_MS', 0, 3_600_000), breaker, bulkhead,
  }) ?? {};
}
