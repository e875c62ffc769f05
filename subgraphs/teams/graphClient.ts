/**
 * The Teams subgraph's Microsoft Graph client (one per tenant): the official
 * `@microsoft/microsoft-graph-client` with `@azure/identity`'s `ClientSecretCredential` behind the
 * kit's token cache (one token in memory, refreshed single-flight a little before it expires: 100
 * concurrent calls at expiry cost one token request), as the sandbox README shows.
 *
 * - `get(path)` / `post(path, body)` / `patch(path, body)` / `delete(path)`: one call; `path` is
 *   relative to `/v1.0` or an absolute `@odata.nextLink`. Throws a subgraph error (see `graphErrors.ts`).
 * - `batch(requests)`: JSON batching, `POST /$batch` with at most 20 items per HTTP call; larger
 *   sets are cut into chunks sent in parallel. Resolves one result per request, in order: the item's
 *   status and body, or its mapped error (partial failure is data). Throttled or unavailable GET
 *   items are re-sent (honouring their `Retry-After` up to `maxRetryAfterMs`).
 * Every call runs under the kit's upstream policy (bulkhead, circuit breaker, per-attempt timeout
 * `timeoutMs`, retries of reads only: GET and a `$batch` of GETs, on 408/429/502-504 and network errors
 * with full-jitter backoff honouring `Retry-After`); the SDK's own RetryHandler is not in the
 * middleware chain. A 401 (token revoked or expired at Graph: nothing was done) drops that token
 * and replays the request once with a new one, also for writes; a second 401 is UPSTREAM_AUTH_FAILED.
 * Every request sends `client-request-id` (the GraphQL request id) and the caller's `traceparent`.
 * Throttling (429, also per `$batch` item) goes to `observer.throttled`, and
 * `x-ms-throttle-limit-percentage` to `observer.rateLimit` (name `throttle-limit-percentage`, limit 100).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { ClientSecretCredential } from '@azure/identity';
import {
  AuthenticationHandler, Client, HTTPMessageHandler, RedirectHandler, RedirectHandlerOptions, TelemetryHandler,
  type Context, type Middleware,
} from '@microsoft/microsoft-graph-client';
import { randomUUID } from 'node:crypto';
import type { GraphQLError } from 'graphql';
import type { Logger } from 'pino';
import { createTokenCache } from '../kit/tokenCache';
import { TRACEPARENT_HEADER } from '../kit/traceContext';
import { retryAfterMs, verdictForStatus } from '../kit/upstreamHttp';
import { noopUpstreamObserver, type BreakerState, type UpstreamObserver } from '../kit/upstreamObserver';
import { createUpstreamPolicy, type Outcome, type UpstreamPolicyTuning, type Verdict } from '../kit/upstreamPolicy';
import { subgraphError } from '../kit/subgraphErrors';
import type { TeamsConfig } from './config';
import { errorForGraphStatus, errorFromGraphSdk } from './graphErrors';

/** Graph accepts at most 20 requests in one `$batch`. */
export const MAX_BATCH_ITEMS = 20;
const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';
const RETRY_STATUSES = new Set([429, 503, 504]);

export interface GraphCallOptions {
  /** Sent as `client-request-id`. @default a new UUID */
  requestId?: string;
  /** W3C `traceparent` to send upstream (kit `traceContext.ts`). @default none sent */
  traceparent?: string;
}

export interface BatchCallOptions extends GraphCallOptions {
  /** Rounds of re-sending throttled or unavailable GET items. @default config.maxRetries */
  retries?: number;
}

export interface BatchRequest {
  method: 'GET' | 'POST';
  /** Relative to `/v1.0`, e.g. `/users?$filter=...` (an absolute Graph URL is reduced to its path). */
  url: string;
  body?: unknown;
}

export type BatchResult =
  | { ok: true; status: number; body: unknown }
  | { ok: false; status: number; error: GraphQLError };

export interface GraphClient {
  get<T = unknown>(path: string, opts?: GraphCallOptions): Promise<T>;
  post<T = unknown>(path: string, body: unknown, opts?: GraphCallOptions): Promise<T>;
  patch<T = unknown>(path: string, body: unknown, opts?: GraphCallOptions): Promise<T>;
  delete(path: string, opts?: GraphCallOptions): Promise<void>;
  batch(requests: BatchRequest[], opts?: BatchCallOptions): Promise<BatchResult[]>;
  /** This tenant's circuit-breaker state for Graph. */
  breakerState(): BreakerState;
  /** Stops the breaker's timers. */
  close(): void;
}

export interface GraphClientOptions {
  config: TeamsConfig;
  logger: Logger;
  /** The tenant this client serves (token, breaker, bulkhead and metrics are per tenant). @default 'default' */
  tenant?: string;
  /** @default noopUpstreamObserver */
  observer?: UpstreamObserver;
  /** Deadline, breaker and bulkhead settings, e.g. `loadUpstreamPolicyEnv(env, 'GRAPH')`. @default {} */
  tuning?: UpstreamPolicyTuning;
  /** Clock of the token cache (tests move it past a token's expiry). @default Date.now */
  now?: () => number;
}

/** What the middleware saw of the running attempt's last HTTP exchange. */
interface Exchange {
  status?: number;
  retryAfterMs: number | null;
  /** The access token the request carried. */
  token?: string;
}

interface RawItem {
  id: string;
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const exchanges = new AsyncLocalStorage<Exchange>();

/** Low-cardinality endpoint name: the first path segment below `/v1.0` (`teams`, `users`, `$batch`, ...). */
export function graphEndpoint(path: string): string {
  return /^\/([^/?]+)/.exec(batchUrl(path))?.[1] ?? 'other';
}

function requestHeader(ctx: Context, name: string): string | undefined {
  const h = ctx.options?.headers;
  if (h instanceof Headers) return h.get(name) ?? undefined;
  const rec = (h ?? {}) as Record<string, string>;
  const key = Object.keys(rec).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : rec[key];
}

/** `retry` for transient failures (408/429/502-504, no answer), `fail_counted` for other 5xx, `fail` for refusals and token endpoint errors. */
function classify(o: Outcome<unknown>, status: number | undefined): Verdict {
  if (o.ok) return 'ok';
  if (status !== undefined) return verdictForStatus(status) === 'ok' ? 'fail' : verdictForStatus(status);
  const code = (o.error as { extensions?: { code?: unknown } }).extensions?.code;
  return code === 'UPSTREAM_TIMEOUT' || code === 'UPSTREAM_UNAVAILABLE' ? 'retry' : 'fail';
}

/** `https://host/v1.0/teams/x?y` → `/teams/x?y`; relative URLs get a leading slash. */
export function batchUrl(url: string): string {
  let rel = url;
  if (/^https?:\/\//i.test(url)) {
    const u = new URL(url);
    rel = `${u.pathname}${u.search}`;
  }
  if (!rel.startsWith('/')) rel = `/${rel}`;
  return rel.replace(/^\/v1\.0(?=\/|$)/i, '') || '/';
}

function header(headers: Record<string, string> | undefined, name: string): string | undefined {
  const key = Object.keys(headers ?? {}).find((k) => k.toLowerCase() === name);
  return key === undefined ? undefined : headers?.[key];
}

export function createGraphClient(opts: GraphClientOptions): GraphClient {
  const { config } = opts;
  const tenant = opts.tenant ?? 'default';
  const observer = opts.observer ?? noopUpstreamObserver;
  const log = opts.logger.child({ upstream: 'graph', tenant });
  const pause = opts.tuning?.sleep ?? sleep;
  // A new credential per fetch: MSAL's own cache would hand back a token Graph has just refused.
  const clock = opts.now ?? Date.now;
  const tokens = createTokenCache({
    now: clock,
    fetchToken: async () => {
      const credential = new ClientSecretCredential(config.tenantId, config.clientId, config.clientSecret, { authorityHost: config.authorityHost, disableInstanceDiscovery: true });
      const t = await credential.getToken(GRAPH_SCOPE);
      // The token's remaining lifetime, on the cache's clock.
      return { accessToken: t.token, expiresAt: clock() + Math.max(0, t.expiresOnTimestamp - Date.now()) };
    },
  });
  const observe: Middleware & { next?: Middleware } = {
    setNext(m) { this.next = m; },
    async execute(ctx) {
      const ex = exchanges.getStore();
      if (ex) ex.token = requestHeader(ctx, 'Authorization')?.replace(/^Bearer /i, '');
      await this.next?.execute(ctx);
      const res = ctx.response;
      if (!res) return;
      if (ex) {
        ex.status = res.status;
        ex.retryAfterMs = retryAfterMs(res.headers.get('retry-after') ?? undefined);
      }
      const pct = Number(res.headers.get('x-ms-throttle-limit-percentage') ?? NaN);
      if (Number.isFinite(pct)) observer.rateLimit({ system: 'teams', tenant, name: 'throttle-limit-percentage', used: pct, limit: 100 });
    },
  };
  const client = Client.initWithMiddleware({
    middleware: [
      new AuthenticationHandler({ getAccessToken: () => tokens.get() }), observe,
      new RedirectHandler(new RedirectHandlerOptions()), new TelemetryHandler(), new HTTPMessageHandler(),
    ],
    baseUrl: `${config.baseUrl}/`,
    defaultVersion: 'v1.0',
    customHosts: new Set([new URL(config.baseUrl).hostname]),
  });
  const policy = createUpstreamPolicy({
    system: 'teams', tenant, observer, logger: log,
    timeoutMs: config.timeoutMs, retries: config.maxRetries, maxRetryAfterMs: config.maxRetryAfterMs, ...opts.tuning,
  });

  type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';
  function send<T>(method: Method, path: string, body: unknown, o: GraphCallOptions & { requestId: string }, signal: AbortSignal): Promise<T> {
    const req = client.api(path).header('client-request-id', o.requestId).option('signal', signal);
    if (o.traceparent) req.header(TRACEPARENT_HEADER, o.traceparent);
    if (method === 'GET') return req.get() as Promise<T>;
    if (method === 'PATCH') return req.patch(body) as Promise<T>;
    if (method === 'DELETE') return req.delete() as Promise<T>;
    return req.post(body) as Promise<T>;
  }

  /** One call under the policy; a 401 (refused token: nothing was done) drops the token and replays once per call. */
  function call<T>(method: Method, path: string, body: unknown, o: GraphCallOptions & { requestId: string }, idempotent: boolean): Promise<T> {
    let refreshed = false;
    const ex: Exchange = { retryAfterMs: null };
    return policy.run((attempt) => exchanges.run(ex, async () => {
      for (;;) {
        ex.status = undefined;
        ex.retryAfterMs = null;
        try {
          return await send<T>(method, path, body, o, attempt.signal);
        } catch (err) {
          if (refreshed || (err as { statusCode?: unknown } | null)?.statusCode !== 401) throw errorFromGraphSdk(err);
          refreshed = true;
          tokens.invalidate(ex.token);
          log.info({ requestId: o.requestId }, 'Graph refused the access token; replaying once with a new token');
        }
      }
    }), {
      endpoint: graphEndpoint(path), method, idempotent,
      classify: (outcome) => classify(outcome, ex.status),
      // Graph's throttling 429 means the request was not processed: safe to send again, even a POST.
      notExecuted: () => ex.status === 429,
      status: () => ex.status ?? 0,
      retryAfterMs: () => ex.retryAfterMs,
    });
  }

  async function sendChunk(items: Array<{ id: string; req: BatchRequest }>, o: GraphCallOptions & { requestId: string }): Promise<Map<string, RawItem>> {
    const requests = items.map(({ id, req }) => ({
      id, method: req.method, url: batchUrl(req.url),
      ...(req.body === undefined ? {} : { headers: { 'Content-Type': 'application/json' }, body: req.body }),
    }));
    const doc = await call<{ responses?: RawItem[] }>('POST', '/$batch', { requests }, o, items.every(({ req }) => req.method === 'GET'));
    const out = new Map<string, RawItem>();
    for (const r of doc.responses ?? []) if (r && typeof r.id === 'string') out.set(r.id, r);
    return out;
  }

  /** One item's result, and how long to wait before re-sending it (null: do not re-send). */
  function itemResult(req: BatchRequest, item: RawItem | undefined, mayRetry: boolean): { result: BatchResult; retryInMs: number | null } {
    if (!item) {
      const error = subgraphError({ code: 'UPSTREAM_UNAVAILABLE', system: 'teams', message: 'Microsoft Graph is unavailable', cause: new Error('the $batch answer lacks an item') });
      return { result: { ok: false, status: 0, error }, retryInMs: null };
    }
    if (item.status >= 200 && item.status < 300) return { result: { ok: true, status: item.status, body: item.body }, retryInMs: null };
    const after = header(item.headers, 'retry-after');
    if (item.status === 429 || (item.status === 503 && after !== undefined)) observer.throttled({ system: 'teams', tenant, status: item.status, retryAfterMs: retryAfterMs(after) });
    const ms = retryAfterMs(after) ?? 200;
    const retry = mayRetry && req.method === 'GET' && RETRY_STATUSES.has(item.status) && ms <= config.maxRetryAfterMs;
    return { result: { ok: false, status: item.status, error: errorForGraphStatus(item.status, item.body, after) }, retryInMs: retry ? ms : null };
  }

  async function batch(requests: BatchRequest[], bopts: BatchCallOptions = {}): Promise<BatchResult[]> {
    const o = { requestId: bopts.requestId ?? randomUUID(), traceparent: bopts.traceparent };
    const retries = bopts.retries ?? config.maxRetries;
    const results = new Array<BatchResult>(requests.length);
    let pending = requests.map((_r, i) => i);
    for (let round = 0; pending.length > 0; round += 1) {
      const chunks: number[][] = [];
      for (let i = 0; i < pending.length; i += MAX_BATCH_ITEMS) chunks.push(pending.slice(i, i + MAX_BATCH_ITEMS));
      const retry: number[] = [];
      let wait = 0;
      await Promise.all(chunks.map(async (idxs) => {
        const raw = await sendChunk(idxs.map((i) => ({ id: String(i), req: requests[i] as BatchRequest })), o).catch((err: unknown) => err as Error);
        for (const i of idxs) {
          if (raw instanceof Error) {
            results[i] = { ok: false, status: 0, error: raw as GraphQLError };
            continue;
          }
          const { result, retryInMs } = itemResult(requests[i] as BatchRequest, raw.get(String(i)), round < retries);
          results[i] = result;
          if (retryInMs !== null) {
            retry.push(i);
            wait = Math.max(wait, retryInMs);
          }
        }
      }));
      if (retry.length > 0) {
        log.debug({ items: retry.length, wait, round }, 'retrying throttled $batch items');
        await pause(wait);
      }
      pending = retry.sort((a, b) => a - b);
    }
    return results;
  }

  const opt = (o: GraphCallOptions): GraphCallOptions & { requestId: string } => ({ ...o, requestId: o.requestId ?? randomUUID() });
  return {
    get: (path, o = {}) => call('GET', path, undefined, opt(o), true),
    post: (path, body, o = {}) => call('POST', path, body, opt(o), false),
    patch: (path, body, o = {}) => call('PATCH', path, body, opt(o), false),
    delete: async (path, o = {}) => { await call('DELETE', path, undefined, opt(o), false); },
    batch,
    breakerState: () => policy.state(),
    close: () => policy.shutdown(),
  };
}
