/**
 * The subgraph's one Microsoft Graph client: the official `@microsoft/microsoft-graph-client`
 * (`Client.initWithMiddleware`) authenticated by `@azure/identity`'s `ClientSecretCredential`
 * (client-credentials tokens, cached and renewed by the credential), as the sandbox README shows.
 *
 * - `get(path)` / `post(path, body)` / `patch(path, body)` / `delete(path)`: one call; `path` is
 *   relative to `/v1.0` or an absolute `@odata.nextLink`. Throws a subgraph error (see `graphErrors.ts`).
 * - `batch(requests)`: JSON batching, `POST /$batch` with at most 20 items per HTTP call; larger
 *   sets are cut into chunks sent in parallel. Resolves one result per request, in order: the item's
 *   status and body, or its mapped error (partial failure is data). Throttled or unavailable GET
 *   items are retried (honouring their `Retry-After` up to `maxRetryAfterMs`).
 * Every call sends `client-request-id` (the GraphQL request id), times out after `timeoutMs`, and
 * lets the SDK's RetryHandler retry throttled calls whose `Retry-After` is short enough.
 */
import { ClientSecretCredential, type TokenCredential } from '@azure/identity';
import { Client, RetryHandlerOptions } from '@microsoft/microsoft-graph-client';
import { TokenCredentialAuthenticationProvider } from '@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials';
import { randomUUID } from 'node:crypto';
import type { GraphQLError } from 'graphql';
import type { Logger } from 'pino';
import { retryAfterMs } from '../kit/upstreamHttp';
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
}

export interface GraphClientOptions {
  config: TeamsConfig;
  logger: Logger;
}

interface RawItem {
  id: string;
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

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
  const log = opts.logger;
  const newCredential = (): ClientSecretCredential => new ClientSecretCredential(config.tenantId, config.clientId, config.clientSecret, {
    authorityHost: config.authorityHost, disableInstanceDiscovery: true,
  });
  // The credential caches its token until it expires; when Graph refuses the token earlier (revoked,
  // rotated), `call` swaps in a fresh credential, which fetches a new token.
  let credential = newCredential();
  const tokens: TokenCredential = { getToken: (scopes, options) => credential.getToken(scopes, options) };
  const client = Client.initWithMiddleware({
    authProvider: new TokenCredentialAuthenticationProvider(tokens, { scopes: [GRAPH_SCOPE] }),
    baseUrl: `${config.baseUrl}/`,
    defaultVersion: 'v1.0',
    customHosts: new Set([new URL(config.baseUrl).hostname]),
  });

  /** The SDK's RetryHandler: retry only when the wait is short, and non-idempotent calls only on 429. */
  const retryOptions = (idempotent: boolean): RetryHandlerOptions => new RetryHandlerOptions(0.2, config.maxRetries, (_d, _a, _req, _o, res) => {
    if (!idempotent && res.status !== 429) return false;
    const wait = retryAfterMs(res.headers.get('retry-after') ?? undefined);
    return wait === null || wait <= config.maxRetryAfterMs;
  });

  /** One call; a 401 (refused token: nothing was done) is retried once with a fresh credential. */
  async function call<T>(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body: unknown, requestId: string, idempotent: boolean): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      const used = credential;
      const req = client.api(path)
        .header('client-request-id', requestId)
        .option('signal', AbortSignal.timeout(config.timeoutMs))
        .middlewareOptions([retryOptions(idempotent)]);
      try {
        if (method === 'GET') return (await req.get()) as T;
        if (method === 'PATCH') return (await req.patch(body)) as T;
        if (method === 'DELETE') return (await req.delete()) as T;
        return (await req.post(body)) as T;
      } catch (err) {
        if (attempt > 1 || (err as { statusCode?: unknown } | null)?.statusCode !== 401) throw errorFromGraphSdk(err);
        if (credential === used) credential = newCredential();
        log.info({ requestId }, 'Graph refused the access token; retrying once with a new token');
      }
    }
  }

  async function sendChunk(items: Array<{ id: string; req: BatchRequest }>, requestId: string): Promise<Map<string, RawItem>> {
    const requests = items.map(({ id, req }) => ({
      id, method: req.method, url: batchUrl(req.url),
      ...(req.body === undefined ? {} : { headers: { 'Content-Type': 'application/json' }, body: req.body }),
    }));
    const doc = await call<{ responses?: RawItem[] }>('POST', '/$batch', { requests }, requestId, items.every(({ req }) => req.method === 'GET'));
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
    const ms = retryAfterMs(after) ?? 200;
    const retry = mayRetry && req.method === 'GET' && RETRY_STATUSES.has(item.status) && ms <= config.maxRetryAfterMs;
    return { result: { ok: false, status: item.status, error: errorForGraphStatus(item.status, item.body, after) }, retryInMs: retry ? ms : null };
  }

  async function batch(requests: BatchRequest[], bopts: BatchCallOptions = {}): Promise<BatchResult[]> {
    const requestId = bopts.requestId ?? randomUUID();
    const retries = bopts.retries ?? config.maxRetries;
    const results = new Array<BatchResult>(requests.length);
    let pending = requests.map((_r, i) => i);
    for (let round = 0; pending.length > 0; round += 1) {
      const chunks: number[][] = [];
      for (let i = 0; i < pending.length; i += MAX_BATCH_ITEMS) chunks.push(pending.slice(i, i + MAX_BATCH_ITEMS));
      const retry: number[] = [];
      let wait = 0;
      await Promise.all(chunks.map(async (idxs) => {
        const raw = await sendChunk(idxs.map((i) => ({ id: String(i), req: requests[i] as BatchRequest })), requestId).catch((err: unknown) => err as Error);
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
        await sleep(wait);
      }
      pending = retry.sort((a, b) => a - b);
    }
    return results;
  }

  return {
    get: (path, o = {}) => call('GET', path, undefined, o.requestId ?? randomUUID(), true),
    post: (path, body, o = {}) => call('POST', path, body, o.requestId ?? randomUUID(), false),
    patch: (path, body, o = {}) => call('PATCH', path, body, o.requestId ?? randomUUID(), true),
    delete: async (path, o = {}) => { await call('DELETE', path, undefined, o.requestId ?? randomUUID(), true); },
    batch,
  };
}
