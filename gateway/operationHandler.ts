/**
 * `/graphql` on the fast executor: the whole way of a query through the gateway, without Apollo
 * Server's request pipeline in the hot path.
 *
 * request id -> body (413 over the limit, 400 bad JSON) -> GraphQL params (GET/POST rules, CSRF
 * prevention) -> caller (tenant, identity, scopes) -> persisted document (APQ, trusted documents,
 * mode) -> prepared operation (parsed, validated, planned once per text) -> response cache (queries
 * only: key = document, variables, tenant, identity, scopes) -> plan execution -> errors masked ->
 * response written, with `Cache-Control` on cacheable GET persisted queries. Mutations evict the
 * response-cache entries their subgraphs report as changed (`extensions.invalidatedTags`).
 */
import { createHash } from 'node:crypto';
import type http from 'node:http';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { Logger } from 'pino';
import { parseBody, readBody } from '../subgraphs/kit/graphqlHttp';
import { REQUEST_ID_HEADER } from '../subgraphs/kit/requestId';
import { TENANT_HEADER } from '../subgraphs/kit/tenant';
import { cacheControlHeader, combinePolicies, parseCacheControl, readCacheTags, type CachePolicy } from './cachePolicy';
import { CALLER_VARY_HEADERS, CallerIdentityError, callerFromHeaders, type Caller } from './callerIdentity';
import { OperationError, type ExecuteResult, type FederatedExecutor, type PreparedOperation } from './federatedExecutor';
import { formatGatewayError } from './gatewayErrors';
import { CSRF_MESSAGE, badParamTypes, looksLikeCsrf, paramsFromBody, paramsFromGet, type GraphQLParams } from './graphqlParams';
import type { PersistedDocuments } from './persistedDocuments';
import { createRequestContext, type GatewayContext } from './requestContext';
import type { ResponseCache } from './responseCache';
import type { ExecutionErrorOut } from './responseShaper';

export interface OperationHandlerOptions {
  /** The executor of the supergraph being served (it changes on hot reload), or undefined while starting. */
  executor: () => FederatedExecutor | undefined;
  logger: Logger;
  /** @default 1_048_576 */
  maxBodyBytes?: number;
  /** APQ and trusted documents; without it, only freeform `query` text is accepted. */
  persisted?: PersistedDocuments;
  /** Cache of whole query responses; without it, every query executes. */
  responseCache?: ResponseCache;
}

export type OperationHandler = (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => Promise<void>;

interface Outcome {
  status: number;
  body: string;
  headers: Record<string, string>;
}

function errorBody(message: string, code: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ errors: [{ message, extensions: { code, ...extra } }] });
}

function refuse(status: number, message: string, code = 'BAD_REQUEST'): Outcome {
  return { status, body: errorBody(message, code), headers: {} };
}

function toFormatted(e: ExecutionErrorOut, ctx: GatewayContext, log: Logger): GraphQLFormattedError {
  const original = (e as { originalError?: unknown }).originalError;
  const err = new GraphQLError(e.message, { path: e.path, extensions: e.extensions, originalError: original instanceof Error ? original : undefined });
  return formatGatewayError({ message: e.message, ...(e.path ? { path: e.path } : {}), ...(e.extensions ? { extensions: e.extensions } : {}) }, err, log, ctx);
}

/** The executor's errors as clients see them: through the gateway's error mask. */
export function formatExecutionErrors(errors: ExecutionErrorOut[], ctx: GatewayContext, log: Logger): GraphQLFormattedError[] {
  return errors.map((e) => toFormatted(e, ctx, log));
}

function resultBody(result: ExecuteResult, ctx: GatewayContext, log: Logger): string {
  if (!result.errors) return JSON.stringify(result);
  const errors = formatExecutionErrors(result.errors, ctx, log);
  return JSON.stringify('data' in result ? { errors, data: result.data } : { errors });
}

/** sha256 of a prepared operation's text, computed once per prepared operation (not per request). */
const textHashes = new WeakMap<PreparedOperation, string>();

function documentHash(prepared: PreparedOperation, text: string): string {
  let h = textHashes.get(prepared);
  if (h === undefined) {
    h = createHash('sha256').update(text).digest('hex');
    textHashes.set(prepared, h);
  }
  return h;
}

interface Collected {
  policies: CachePolicy[];
  tags: Set<string>;
  invalidated: Set<string>;
}

export function createOperationHandler(opts: OperationHandlerOptions): OperationHandler {
  const maxBody = opts.maxBodyBytes ?? 1_048_576;
  const log = opts.logger;
  /** The cache scope last computed for an operation, for the `Cache-Control` of its cache hits. */
  const scopes = new WeakMap<PreparedOperation, 'public' | 'private'>();

  async function readParams(req: http.IncomingMessage, url: URL): Promise<{ ok: true; params: GraphQLParams } | Outcome> {
    const method = req.method ?? 'GET';
    if (method !== 'GET' && method !== 'POST') return { ...refuse(405, 'GraphQL requests must be GET or POST'), headers: { allow: 'GET, POST' } };
    if (looksLikeCsrf(method, req.headers)) return refuse(400, CSRF_MESSAGE);
    if (method === 'GET') {
      const p = paramsFromGet(url);
      return p.ok ? p : refuse(p.status, p.message);
    }
    const raw = await readBody(req, maxBody);
    if (raw === null) return refuse(413, `request body over ${maxBody} bytes`);
    const parsed = parseBody(req, raw);
    if (!parsed.ok) return refuse(400, 'request body is not valid JSON');
    const p = paramsFromBody(parsed.body);
    return p.ok ? p : refuse(p.status, p.message);
  }

  async function documentOf(params: GraphQLParams): Promise<{ ok: true; text: string; hash: string; persisted: boolean } | Outcome> {
    if (opts.persisted) {
      const r = await opts.persisted.resolve({ query: params.query, documentId: params.documentId, extensions: params.extensions });
      if (!r.ok) return { status: r.status, body: errorBody(r.message, r.code), headers: { 'cache-control': 'private, no-cache, must-revalidate' } };
      return { ok: true, text: r.query, hash: r.hash, persisted: r.source !== 'freeform' };
    }
    if (typeof params.query !== 'string' || params.query === '') return refuse(400, 'GraphQL operations must contain a non-empty `query` or a `documentId`');
    return { ok: true, text: params.query, hash: '', persisted: false };
  }

  async function run(req: http.IncomingMessage, url: URL, ctx: GatewayContext): Promise<Outcome> {
    const got = await readParams(req, url);
    if (!('ok' in got)) return got;
    const params = got.params;
    const bad = badParamTypes(params);
    if (bad) return refuse(400, bad);
    let caller: Caller;
    try {
      caller = callerFromHeaders(req.headers);
    } catch (err) {
      if (err instanceof CallerIdentityError) return refuse(err.status, err.message, err.code);
      throw err;
    }
    const doc = await documentOf(params);
    if (!('ok' in doc)) return doc;
    const executor = opts.executor();
    if (!executor) return { status: 503, body: errorBody('The gateway is starting', 'UNAVAILABLE', { retryable: true }), headers: { 'retry-after': '1' } };
    let prepared: PreparedOperation;
    try {
      prepared = executor.prepareSource(doc.text, (params.operationName as string | null | undefined) ?? null);
    } catch (err) {
      if (err instanceof OperationError) return { status: 400, body: JSON.stringify({ errors: err.errors }), headers: {} };
      throw err;
    }
    if (req.method === 'GET' && prepared.kind !== 'query') return { ...refuse(405, 'GET supports only query operations'), headers: { allow: 'POST' } };
    const variables = (params.variables as Record<string, unknown> | null | undefined) ?? {};
    const cache = prepared.kind === 'query' ? opts.responseCache : undefined;
    const key = cache?.key({ document: `${executor.supergraphHash}:${doc.hash || documentHash(prepared, doc.text)}`, operationName: prepared.operationName, variables, tenant: caller.tenant, identity: caller.identity, scopes: caller.scopes });
    if (cache && key) {
      const hit = await cache.get(key);
      if (hit) return { status: 200, body: hit.body, headers: hitHeaders(req, doc.persisted, hit.ttlMs, hit.ageS, scopes.get(prepared) ?? 'private') };
    }
    const startedAt = Date.now();
    const seen: Collected = { policies: [], tags: new Set(), invalidated: new Set() };
    const result = await executor.execute(prepared, {
      variables,
      headers: { [REQUEST_ID_HEADER]: ctx.requestId, [TENANT_HEADER]: caller.tenant },
      shareKey: caller.tenant,
      observe: cache || prepared.kind === 'mutation' ? (_s, res, body) => collect(seen, res.cacheControl, body) : undefined,
    });
    const body = resultBody(result, ctx, log);
    if (seen.invalidated.size > 0 && opts.responseCache) await opts.responseCache.invalidate({ tags: [...seen.invalidated], tenant: caller.tenant });
    const headers: Record<string, string> = {};
    if (cache && key && !result.errors) {
      const policy = combinePolicies(seen.policies);
      if (policy.cacheable) {
        await cache.set(key, { body, ttlMs: policy.maxAgeS * 1000, tags: [...seen.tags], startedAt });
        scopes.set(prepared, policy.scope);
        if (req.method === 'GET' && doc.persisted) Object.assign(headers, { 'cache-control': cacheControlHeader(policy), vary: CALLER_VARY_HEADERS });
      }
    }
    return { status: 200, body, headers };
  }

  return async (req, res, url) => {
    const ctx = createRequestContext(req.headers, log);
    let out: Outcome;
    try {
      out = await run(req, url, ctx);
    } catch (err) {
      ctx.log.error({ err }, 'graphql request failed');
      out = { status: 500, body: errorBody('Unexpected error', 'INTERNAL_SERVER_ERROR', { requestId: ctx.requestId }), headers: {} };
    }
    res.writeHead(out.status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(out.body),
      [REQUEST_ID_HEADER]: ctx.requestId,
      ...out.headers,
    });
    res.end(out.body);
  };
}

function collect(seen: Collected, cacheControl: string | undefined, body: Record<string, unknown>): void {
  seen.policies.push(parseCacheControl(cacheControl));
  const { cacheTags, invalidatedTags } = readCacheTags(body.extensions);
  for (const t of cacheTags) seen.tags.add(t);
  for (const t of invalidatedTags) seen.invalidated.add(t);
}

function hitHeaders(req: http.IncomingMessage, persisted: boolean, ttlMs: number, ageS: number, scope: 'public' | 'private'): Record<string, string> {
  const headers: Record<string, string> = { age: String(ageS), 'x-cache': 'HIT' };
  if (req.method === 'GET' && persisted) {
    const left = Math.max(1, Math.floor(ttlMs / 1000) - ageS);
    Object.assign(headers, { 'cache-control': `max-age=${left}, ${scope}`, vary: CALLER_VARY_HEADERS });
  }
  return headers;
}
