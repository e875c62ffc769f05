/**
 * The invalidation API of the cache protocol, shared by the subgraphs (and usable by the gateway):
 * `POST /internal/invalidate` with `authorization: Bearer <INTERNAL_API_TOKEN>` and a JSON body
 * `{"tags": ["SalesOrder:123", ...], "tenant"?: "default"}` (no tenant = every tenant).
 *
 * | answer | when |
 * |---|---|
 * | 200 `{"evicted": n}` | done; `n` entries were evicted |
 * | 401 `{"error": ...}` | the bearer token is missing or wrong (compared in constant time) |
 * | 400 `{"error": ...}` | the body is not JSON, `tags` is not an array of 1..512-character strings, more than 10,000 tags, `tenant` is not a tenant id, or it has another field (`parseInvalidationBody`, every reason joined by `; `) |
 * | 404 | no token is configured: the endpoint is disabled |
 * | 405 | not a POST |
 * | 413 | body over `MAX_INVALIDATION_BODY_BYTES` |
 *
 * The token is checked before the body is read.
 */
import type http from 'node:http';
import type { Logger } from 'pino';
import { constantTimeEqual } from './constantTimeEqual';
import { readBody, sendJson } from './graphqlHttp';
import { bearerToken, parseInvalidationBody, type InvalidationRequest } from './invalidationRequest';

export const INVALIDATE_PATH = '/internal/invalidate';
/** Room for 10,000 tags of 512 characters, JSON-quoted. */
export const MAX_INVALIDATION_BODY_BYTES = 6 * 1024 * 1024;

export interface InvalidationEndpointOptions {
  /** The configured token; undefined disables the endpoint (404). */
  token: string | undefined;
  invalidate: (req: InvalidationRequest) => number | Promise<number>;
  log: Logger;
}

/** Serves one request to `INVALIDATE_PATH`. */
export async function handleInvalidation(req: http.IncomingMessage, res: http.ServerResponse, opts: InvalidationEndpointOptions): Promise<void> {
  if (opts.token === undefined) {
    sendJson(res, 404, { error: 'not found: use /graphql or /health' });
    return;
  }
  if (req.method !== 'POST') {
    sendJson(res, 405, { error: 'use POST' }, { allow: 'POST' });
    return;
  }
  const given = bearerToken(req.headers.authorization);
  if (given === undefined || !constantTimeEqual(given, opts.token)) {
    opts.log.warn({ hasToken: given !== undefined }, 'invalidation refused: bad token');
    sendJson(res, 401, { error: 'a valid bearer token is required' }, { 'www-authenticate': 'Bearer' });
    return;
  }
  const raw = await readBody(req, MAX_INVALIDATION_BODY_BYTES);
  if (raw === null) {
    sendJson(res, 413, { error: `body over ${MAX_INVALIDATION_BODY_BYTES} bytes` });
    return;
  }
  const parsed = parseInvalidationBody(raw);
  if (!parsed.ok) {
    sendJson(res, 400, { error: parsed.reasons.join('; ') });
    return;
  }
  const evicted = await opts.invalidate(parsed.request);
  opts.log.info({ tags: parsed.request.tags.length, tenant: parsed.request.tenant ?? '*', evicted }, 'entity cache invalidated by request');
  sendJson(res, 200, { evicted });
}
