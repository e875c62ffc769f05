/**
 * Plain HTTP for subgraph clients that speak HTTP themselves (the OData client): a keep-alive
 * undici pool under the system's `UpstreamPolicy` (bulkhead, circuit breaker, per-attempt timeout
 * and deadline, retries of idempotent requests with full-jitter backoff honouring `Retry-After` up
 * to `maxRetryAfterMs`). Network errors, 408, 429 and 502-504 are transient failures of the system
 * (retried when idempotent, counted by the breaker); other 5xx are counted but not repeated; other
 * statuses are answers. A transport failure that ends
 * the call becomes UPSTREAM_TIMEOUT / UPSTREAM_UNAVAILABLE; HTTP error statuses are returned for
 * the caller's protocol-specific mapping (`codeForStatus` gives the generic one).
 */
import { Agent, errors as undiciErrors, request as undiciRequest, type Dispatcher } from 'undici';
import type { Logger } from 'pino';
import { subgraphError, type ErrorCode, type SystemName } from './subgraphErrors';
import { noopUpstreamObserver, type UpstreamObserver } from './upstreamObserver';
import { createUpstreamPolicy, type Outcome, type UpstreamPolicy, type UpstreamPolicyTuning, type Verdict } from './upstreamPolicy';

export interface UpstreamHttpOptions {
  system: SystemName;
  logger: Logger;
  /** @default 'default' */
  tenant?: string;
  /** @default noopUpstreamObserver */
  observer?: UpstreamObserver;
  /** Per-attempt timeout (headers and body). @default 10_000 */
  timeoutMs?: number;
  /** Retries after the first attempt, for idempotent requests only. @default 2 */
  retries?: number;
  /** First backoff ceiling (full jitter, doubling per retry). @default 100 */
  backoffMs?: number;
  /** Longest `Retry-After` we wait for inside one request; longer ones are returned. @default 2_000 */
  maxRetryAfterMs?: number;
  /** Keep-alive connections per origin. @default 32 */
  connections?: number;
  /** Deadline, breaker and bulkhead settings (`loadUpstreamPolicyEnv`); win over the options above. @default {} */
  tuning?: UpstreamPolicyTuning;
  /** A ready policy instead of one built from the options (tests: recorded sleeps). @default built here */
  policy?: UpstreamPolicy;
}

export interface UpstreamRequest {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'MERGE' | 'DELETE';
  url: string;
  headers?: Record<string, string>;
  body?: string;
  /** Safe to repeat. @default true for GET/HEAD, false otherwise */
  idempotent?: boolean;
  /** Low-cardinality name for metrics, e.g. `A_SalesOrder`, `$batch`. @default the method */
  endpoint?: string;
}

export interface UpstreamResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

export interface UpstreamHttp {
  request(req: UpstreamRequest): Promise<UpstreamResponse>;
  /** The system's breaker state for this tenant. */
  readonly policy: UpstreamPolicy;
  close(): Promise<void>;
}

/** `Retry-After` (delta seconds or an HTTP date) in ms; null when absent or unreadable. */
export function retryAfterMs(header: string | string[] | undefined, now: number = Date.now()): number | null {
  const v = Array.isArray(header) ? header[0] : header;
  if (!v) return null;
  if (/^\d+$/.test(v.trim())) return Number(v.trim()) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

function isTimeout(err: unknown): boolean {
  return err instanceof undiciErrors.HeadersTimeoutError || err instanceof undiciErrors.BodyTimeoutError ||
    err instanceof undiciErrors.ConnectTimeoutError || (err as { name?: string })?.name === 'TimeoutError';
}

/** Is this status a failure of the system (retry when idempotent; counted by the breaker)? */
export function isSystemFailureStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/** Statuses worth repeating a read for: the system said "not now" (408, 429, 502, 503, 504). */
export function isTransientStatus(status: number): boolean {
  return status === 408 || status === 429 || (status >= 502 && status <= 504);
}

/** The verdict on an HTTP status: transient failures `retry`, other 5xx `fail_counted`, the rest are answers (`ok`). */
export function verdictForStatus(status: number): Verdict {
  if (isTransientStatus(status)) return 'retry';
  return isSystemFailureStatus(status) ? 'fail_counted' : 'ok';
}

/** `classify` for plain HTTP outcomes: transport errors and transient statuses `retry`, other 5xx `fail_counted`. */
export function classifyHttp(o: Outcome<UpstreamResponse>): Verdict {
  return o.ok ? verdictForStatus(o.value.status) : 'retry';
}

export function createUpstreamHttp(opts: UpstreamHttpOptions): UpstreamHttp {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const agent: Dispatcher = new Agent({ connections: opts.connections ?? 32, keepAliveTimeout: 30_000, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  const policy = opts.policy ?? createUpstreamPolicy({
    system: opts.system, tenant: opts.tenant, observer: opts.observer ?? noopUpstreamObserver, logger: opts.logger,
    timeoutMs, retries: opts.retries ?? 2, baseDelayMs: opts.backoffMs ?? 100, maxRetryAfterMs: opts.maxRetryAfterMs ?? 2_000,
    ...opts.tuning,
  });

  async function attempt(req: UpstreamRequest, signal: AbortSignal): Promise<UpstreamResponse> {
    const res = await undiciRequest(req.url, { method: req.method as Dispatcher.HttpMethod, headers: req.headers, body: req.body, dispatcher: agent, signal });
    const text = await res.body.text();
    return { status: res.statusCode, headers: res.headers, text };
  }

  function transportError(err: unknown): unknown {
    if (err instanceof Error && 'extensions' in err) return err;
    const code: ErrorCode = isTimeout(err) ? 'UPSTREAM_TIMEOUT' : 'UPSTREAM_UNAVAILABLE';
    const label = opts.system === 'teams' ? 'Microsoft Graph' : opts.system === 'sap' ? 'SAP' : 'Salesforce';
    return subgraphError({ code, system: opts.system, message: code === 'UPSTREAM_TIMEOUT' ? `${label} did not answer in time` : `${label} is unreachable`, cause: err });
  }

  return {
    policy,
    async request(req) {
      const idempotent = req.idempotent ?? (req.method === 'GET' || req.method === 'HEAD');
      try {
        return await policy.run((a) => attempt(req, a.signal), {
          endpoint: req.endpoint ?? req.method, method: req.method, idempotent, classify: classifyHttp,
          status: (o) => (o.ok ? o.value.status : 0),
          retryAfterMs: (o) => (o.ok ? retryAfterMs(o.value.headers['retry-after']) : null),
        });
      } catch (err) {
        throw transportError(err);
      }
    },
    async close() {
      policy.shutdown();
      await agent.close();
    },
  };
}

/** The generic mapping of an upstream HTTP error status to a subgraph error code. */
export function codeForStatus(status: number): ErrorCode {
  if (status === 400 || status === 422) return 'UPSTREAM_REJECTED';
  if (status === 401) return 'UPSTREAM_AUTH_FAILED';
  if (status === 403) return 'UPSTREAM_FORBIDDEN';
  if (status === 404) return 'NOT_FOUND';
  if (status === 409 || status === 412 || status === 428) return 'CONFLICT';
  if (status === 429) return 'UPSTREAM_RATE_LIMITED';
  if (status === 408 || status === 504) return 'UPSTREAM_TIMEOUT';
  return 'UPSTREAM_UNAVAILABLE';
}
