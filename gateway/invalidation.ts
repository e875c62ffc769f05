/**
 * Cache invalidation at the gateway (cache protocol, issue 4), for the event pipeline (in process)
 * and for other services (HTTP):
 * - `invalidate({ tags, tenant? })` evicts the response-cache entries holding any of the tags and
 *   forwards the same request to every subgraph's `POST /internal/invalidate` (same origin as its
 *   GraphQL URL) with `authorization: Bearer <token>`, in parallel, each with a short timeout.
 *   Subgraph failures are reported per subgraph (`'failed'`), never thrown; a response-cache
 *   failure (Redis down) rejects with `ResponseCacheUnavailableError` after the subgraphs were called.
 * - `handle(req, res)` serves `POST /internal/invalidate`:
 *   404 `{ error }` when no token is configured (the endpoint is disabled), 405 for other methods,
 *   401 without the right bearer token (constant-time compare), 413 over 1 MiB, 400 `{ error,
 *   reasons }` for a body that is not `{ "tags": string[1..512 chars] (at most 10 000),
 *   "tenant"?: [A-Za-z0-9_-]{1,64} }` (`parseInvalidationBody` of the kit, shared with the subgraphs;
 *   unknown fields are refused: a typo in `tenant` must not widen an invalidation to every tenant), 503 when the response cache is unavailable (the caller
 *   retries), 500 (logged) on anything else, else
 *   200 `{ evicted, subgraphs: { <name>: <evicted> | 'failed' } }`.
 */
import { INVALIDATE_PATH, MAX_INVALIDATION_BODY_BYTES } from '../subgraphs/kit/invalidationEndpoint';
import type http from 'node:http';
import type { Logger } from 'pino';
import { Agent, request } from 'undici';
import { constantTimeEqual } from '../subgraphs/kit/constantTimeEqual';
import { readBody, sendJson } from '../subgraphs/kit/graphqlHttp';
import { bearerToken, parseInvalidationBody } from '../subgraphs/kit/invalidationRequest';
import { ResponseCacheUnavailableError, type InvalidationRequest, type ResponseCache } from './responseCache';

export { INVALIDATE_PATH };
/** The subgraphs' limit too: 10 000 tags of 512 characters fit. */
const MAX_BODY_BYTES = MAX_INVALIDATION_BODY_BYTES;
/** Largest subgraph answer read. */
const MAX_ANSWER_BYTES = 65_536;

export interface InvalidationOptions {
  responseCache: Pick<ResponseCache, 'invalidate'>;
  /** Subgraph name -> GraphQL URL (`http://host:port/graphql`), read on every invalidation. */
  subgraphUrls: () => Record<string, string>;
  /** `INTERNAL_API_TOKEN`: required by the endpoint and sent to the subgraphs. @default undefined (endpoint disabled, subgraphs not called) */
  token?: string;
  /** Time allowed for each subgraph's answer. @default 2_000 */
  timeoutMs?: number;
  logger: Logger;
}

export type SubgraphInvalidation = Record<string, number | 'failed'>;

export interface InvalidationResult {
  /** Entries removed from the gateway's response cache. */
  evicted: number;
  subgraphs: SubgraphInvalidation;
}

export interface Invalidation {
  invalidate(request: InvalidationRequest): Promise<InvalidationResult>;
  /** The `POST /internal/invalidate` endpoint. */
  handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void>;
  /** Closes the connections to the subgraphs. */
  close(): Promise<void>;
}

function invalidateUrl(graphqlUrl: string): string {
  return new URL(INVALIDATE_PATH, new URL(graphqlUrl).origin).toString();
}

export function createInvalidation(opts: InvalidationOptions): Invalidation {
  const log = opts.logger.child({ component: 'invalidation' });
  const timeoutMs = opts.timeoutMs ?? 2_000;
  const token = opts.token || undefined;
  const agent = new Agent({ headersTimeout: timeoutMs, bodyTimeout: timeoutMs, keepAliveTimeout: 10_000 });
  if (!token) log.warn('no INTERNAL_API_TOKEN: /internal/invalidate is disabled and subgraph caches are not invalidated');

  const forward = async (name: string, graphqlUrl: string, body: string): Promise<number | 'failed'> => {
    if (!token) return 'failed';
    try {
      const res = await request(invalidateUrl(graphqlUrl), {
        method: 'POST', dispatcher: agent, body, signal: AbortSignal.timeout(timeoutMs),
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      });
      const text = await readAnswer(res.body);
      const evicted = res.statusCode === 200 ? (JSON.parse(text) as { evicted?: unknown }).evicted : undefined;
      if (typeof evicted === 'number' && Number.isSafeInteger(evicted) && evicted >= 0) return evicted;
      log.warn({ subgraph: name, status: res.statusCode }, 'subgraph refused the cache invalidation');
    } catch (err) {
      log.warn({ subgraph: name, err }, 'subgraph cache invalidation failed');
    }
    return 'failed';
  };

  const invalidate = async (req: InvalidationRequest): Promise<InvalidationResult> => {
    const body = JSON.stringify(req.tenant === undefined ? { tags: req.tags } : { tags: req.tags, tenant: req.tenant });
    const targets = Object.entries(opts.subgraphUrls());
    const [local, ...remote] = await Promise.allSettled([
      opts.responseCache.invalidate(req),
      ...targets.map(([name, url]) => forward(name, url, body)),
    ]);
    const subgraphs: SubgraphInvalidation = {};
    targets.forEach(([name], i) => {
      const r = remote[i];
      subgraphs[name] = r?.status === 'fulfilled' ? r.value : 'failed';
    });
    if (local?.status !== 'fulfilled') throw local?.reason ?? new Error('response cache invalidation failed');
    log.info({ tagCount: req.tags.length, tenant: req.tenant ?? '*', evicted: local.value, subgraphs }, 'cache invalidated');
    return { evicted: local.value, subgraphs };
  };

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    if (!token) return sendJson(res, 404, { error: 'not found' });
    if (req.method !== 'POST') return sendJson(res, 405, { error: 'use POST' }, { allow: 'POST' });
    const presented = bearerToken(req.headers.authorization);
    if (presented === undefined || !constantTimeEqual(presented, token)) return sendJson(res, 401, { error: 'missing or wrong bearer token' });
    const raw = await readBody(req, MAX_BODY_BYTES);
    if (raw === null) return sendJson(res, 413, { error: `body over ${MAX_BODY_BYTES} bytes` });
    const parsed = parseInvalidationBody(raw);
    if (!parsed.ok) return sendJson(res, 400, { error: 'bad invalidation request', reasons: parsed.reasons });
    try {
      sendJson(res, 200, await invalidate(parsed.request));
    } catch (err) {
      if (err instanceof ResponseCacheUnavailableError) return sendJson(res, 503, { error: 'response cache unavailable; retry' });
      log.error({ err }, 'cache invalidation failed');
      sendJson(res, 500, { error: 'unexpected error' });
    }
  };

  return { invalidate, handle, close: () => agent.close() };
}

async function readAnswer(body: AsyncIterable<Buffer | string> & { destroy(): unknown }): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += buf.length;
    if (size > MAX_ANSWER_BYTES) {
      body.destroy();
      throw new Error(`subgraph answer over ${MAX_ANSWER_BYTES} bytes`);
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}
