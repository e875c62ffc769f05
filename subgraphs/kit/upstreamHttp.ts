/**
 * The upstream HTTP policy for subgraph clients that speak HTTP themselves (the OData client):
 * keep-alive undici pool, a per-attempt timeout, and retries with exponential backoff for
 * idempotent requests on network errors, 429, 502, 503 and 504 (honouring `Retry-After` up to
 * `maxRetryAfterMs`). Failures that exhaust the policy become subgraph errors
 * (UPSTREAM_TIMEOUT / UPSTREAM_UNAVAILABLE); HTTP error statuses are returned for the caller's
 * protocol-specific mapping (`errorForStatus` gives the generic one).
 */
import { Agent, errors as undiciErrors, request as undiciRequest, type Dispatcher } from 'undici';
import type { Logger } from 'pino';
import { subgraphError, type ErrorCode, type SystemName } from './subgraphErrors';

export interface UpstreamHttpOptions {
  system: SystemName;
  logger: Logger;
  /** Per-attempt timeout (headers and body). @default 10_000 */
  timeoutMs?: number;
  /** Retries after the first attempt, for idempotent requests only. @default 2 */
  retries?: number;
  /** First backoff delay; doubles per retry, with jitter. @default 100 */
  backoffMs?: number;
  /** Longest `Retry-After` we wait for inside one request; longer ones are returned. @default 2_000 */
  maxRetryAfterMs?: number;
  /** Keep-alive connections per origin. @default 32 */
  connections?: number;
}

export interface UpstreamRequest {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'MERGE' | 'DELETE';
  url: string;
  headers?: Record<string, string>;
  body?: string;
  /** Safe to repeat. @default true for GET/HEAD, false otherwise */
  idempotent?: boolean;
}

export interface UpstreamResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

export interface UpstreamHttp {
  request(req: UpstreamRequest): Promise<UpstreamResponse>;
  close(): Promise<void>;
}

const RETRY_STATUSES = new Set([429, 502, 503, 504]);

export function retryAfterMs(header: string | string[] | undefined): number | null {
  const v = Array.isArray(header) ? header[0] : header;
  if (!v) return null;
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? null : Math.max(0, at - Date.now());
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function isTimeout(err: unknown): boolean {
  return err instanceof undiciErrors.HeadersTimeoutError || err instanceof undiciErrors.BodyTimeoutError ||
    err instanceof undiciErrors.ConnectTimeoutError || (err as { name?: string })?.name === 'TimeoutError';
}

export function createUpstreamHttp(opts: UpstreamHttpOptions): UpstreamHttp {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const retries = opts.retries ?? 2;
  const backoff = opts.backoffMs ?? 100;
  const maxRetryAfter = opts.maxRetryAfterMs ?? 2_000;
  const agent: Dispatcher = new Agent({ connections: opts.connections ?? 32, keepAliveTimeout: 30_000, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  const log = opts.logger;

  async function attempt(req: UpstreamRequest): Promise<UpstreamResponse> {
    const res = await undiciRequest(req.url, {
      method: req.method as Dispatcher.HttpMethod, headers: req.headers, body: req.body, dispatcher: agent,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.body.text();
    return { status: res.statusCode, headers: res.headers, text };
  }

  return {
    async request(req) {
      const idempotent = req.idempotent ?? (req.method === 'GET' || req.method === 'HEAD');
      const maxAttempts = idempotent ? retries + 1 : 1;
      for (let n = 1; ; n += 1) {
        try {
          const res = await attempt(req);
          if (!RETRY_STATUSES.has(res.status) || n >= maxAttempts) return res;
          const wait = retryAfterMs(res.headers['retry-after']) ?? backoff * 2 ** (n - 1);
          if (wait > maxRetryAfter) return res;
          log.debug({ status: res.status, attempt: n, wait }, 'retrying upstream request');
          await sleep(wait + Math.random() * backoff);
        } catch (err) {
          const code: ErrorCode = isTimeout(err) ? 'UPSTREAM_TIMEOUT' : 'UPSTREAM_UNAVAILABLE';
          if (n >= maxAttempts) {
            throw subgraphError({ code, system: opts.system, message: code === 'UPSTREAM_TIMEOUT' ? `${opts.system} did not answer in time` : `${opts.system} is unreachable`, cause: err });
          }
          log.debug({ err, attempt: n }, 'retrying upstream request after a transport error');
          await sleep(backoff * 2 ** (n - 1) + Math.random() * backoff);
        }
      }
    },
    async close() {
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
