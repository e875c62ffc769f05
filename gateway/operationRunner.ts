/**
 * One GraphQL operation of an admitted caller, from its parameters to its response body:
 * persisted document (APQ, trusted documents, mode) -> prepared operation (parsed with the token
 * limit, validated, checked against the operation limits, planned: once per text) -> response
 * cache (queries only: key = document, variables, tenant, identity, scopes) -> execution with the
 * caller's scopes (fields the caller may not see come back null with `UNAUTHORIZED`) and the signed
 * internal context sent to every subgraph -> errors masked. Mutations evict the response-cache
 * entries their subgraphs report as changed and write one audit record.
 */
import { createHash } from 'node:crypto';
import type http from 'node:http';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { Logger } from 'pino';
import type { AuditLog } from '../subgraphs/kit/auditLog';
import { INTERNAL_CONTEXT_HEADER, signInternalContext } from '../subgraphs/kit/internalContext';
import { REQUEST_ID_HEADER } from '../subgraphs/kit/requestId';
import { TRACEPARENT_HEADER } from '../subgraphs/kit/traceContext';
import { cacheControlHeader, combinePolicies, parseCacheControl, readCacheTags, type CachePolicy } from './cachePolicy';
import { CALLER_VARY_HEADERS, shareKeyOf, type Caller } from './callerAdmission';
import { OperationError, type ExecuteResult, type FederatedExecutor, type PreparedOperation } from './federatedExecutor';
import { hideFieldSuggestions } from './fieldSuggestions';
import { formatGatewayError } from './gatewayErrors';
import type { GraphQLParams } from './graphqlParams';
import { auditMutation } from './mutationAudit';
import type { PersistedDocuments } from './persistedDocuments';
import type { GatewayContext } from './requestContext';
import type { ResponseCache } from './responseCache';
import type { ExecutionErrorOut } from './responseShaper';

export interface OperationRunnerOptions {
  executor: () => FederatedExecutor | undefined;
  persisted?: PersistedDocuments;
  responseCache?: ResponseCache;
  /** Secrets signing the internal context (first signs). */
  contextSecrets: readonly string[];
  audit?: AuditLog;
  /** Strip "Did you mean ...?" from validation errors (production). @default false */
  hideSuggestions?: boolean;
}

export interface Outcome {
  status: number;
  body: string;
  headers: Record<string, string>;
  /** For logs and metrics. */
  info: { operationName: string | null; type: string | null; cache: 'hit' | 'miss' | 'bypass'; codes: string[] };
}

export interface OperationRequest {
  req: http.IncomingMessage;
  params: GraphQLParams;
  caller: Caller;
  ctx: GatewayContext;
  traceparent: string;
}

const NO_INFO: Outcome['info'] = { operationName: null, type: null, cache: 'bypass', codes: [] };

export function errorBody(message: string, code: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ errors: [{ message, extensions: { code, ...extra } }] });
}

export function refusal(status: number, message: string, code = 'BAD_REQUEST', headers: Record<string, string> = {}): Outcome {
  return { status, body: errorBody(message, code), headers, info: { ...NO_INFO, codes: [code] } };
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

const codesOf = (errors: readonly { extensions?: Record<string, unknown> }[] | undefined): string[] =>
  [...new Set((errors ?? []).map((e) => String(e.extensions?.code ?? 'INTERNAL_SERVER_ERROR')))];

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

export type OperationRunner = (r: OperationRequest) => Promise<Outcome>;

export function createOperationRunner(opts: OperationRunnerOptions): OperationRunner {
  /** The cache scope last computed for an operation, for the `Cache-Control` of its cache hits. */
  const scopes = new WeakMap<PreparedOperation, 'public' | 'private'>();

  async function documentOf(params: GraphQLParams): Promise<{ ok: true; text: string; hash: string; persisted: boolean } | Outcome> {
    if (opts.persisted) {
      const r = await opts.persisted.resolve({ query: params.query, documentId: params.documentId, extensions: params.extensions });
      if (!r.ok) return { ...refusal(r.status, r.message, r.code), headers: { 'cache-control': 'private, no-cache, must-revalidate' } };
      return { ok: true, text: r.query, hash: r.hash, persisted: r.source !== 'freeform' };
    }
    if (typeof params.query !== 'string' || params.query === '') return refusal(400, 'GraphQL operations must contain a non-empty `query` or a `documentId`');
    return { ok: true, text: params.query, hash: '', persisted: false };
  }

  function invalid(err: OperationError): Outcome {
    const errors = opts.hideSuggestions ? err.errors.map((e) => ({ ...e, message: hideFieldSuggestions(e.message) })) : err.errors;
    return { status: 400, body: JSON.stringify({ errors }), headers: {}, info: { ...NO_INFO, codes: codesOf(errors) } };
  }

  function resultBody(result: ExecuteResult, ctx: GatewayContext): string {
    if (!result.errors) return JSON.stringify(result);
    const formatted = formatExecutionErrors(result.errors, ctx, ctx.log);
    const errors = opts.hideSuggestions ? formatted.map((e) => ({ ...e, message: hideFieldSuggestions(e.message) })) : formatted;
    return JSON.stringify('data' in result ? { errors, data: result.data } : { errors });
  }

  return async ({ req, params, caller, ctx, traceparent }) => {
    const doc = await documentOf(params);
    if (!('ok' in doc)) return doc;
    const executor = opts.executor();
    if (!executor) return { ...refusal(503, 'The gateway is starting', 'UNAVAILABLE'), headers: { 'retry-after': '1' } };
    let prepared: PreparedOperation;
    try {
      prepared = executor.prepareSource(doc.text, (params.operationName as string | null | undefined) ?? null);
    } catch (err) {
      if (err instanceof OperationError) return invalid(err);
      throw err;
    }
    const info: Outcome['info'] = { operationName: prepared.operationName, type: prepared.kind, cache: 'bypass', codes: [] };
    if (req.method === 'GET' && prepared.kind !== 'query') return { ...refusal(405, 'GET supports only query operations'), headers: { allow: 'POST' }, info };
    const variables = (params.variables as Record<string, unknown> | null | undefined) ?? {};
    const cache = prepared.kind === 'query' ? opts.responseCache : undefined;
    const key = cache?.key({ document: `${executor.supergraphHash}:${doc.hash || documentHash(prepared, doc.text)}`, operationName: prepared.operationName, variables, tenant: caller.tenant, identity: caller.identity, scopes: caller.scopes });
    if (cache && key) {
      const hit = await cache.get(key);
      if (hit) return { status: 200, body: hit.body, headers: hitHeaders(req, doc.persisted, hit.ttlMs, hit.ageS, scopes.get(prepared) ?? 'private'), info: { ...info, cache: 'hit' } };
      info.cache = 'miss';
    }
    const startedAt = Date.now();
    const seen: Collected = { policies: [], tags: new Set(), invalidated: new Set() };
    const context = signInternalContext({ tenant: caller.tenant, scopes: caller.scopes, subject: caller.subject, requestId: ctx.requestId }, opts.contextSecrets);
    const result = await executor.execute(prepared, {
      variables,
      caller,
      headers: { [REQUEST_ID_HEADER]: ctx.requestId, [INTERNAL_CONTEXT_HEADER]: context, [TRACEPARENT_HEADER]: traceparent },
      shareKey: shareKeyOf(caller),
      observe: cache || prepared.kind === 'mutation' ? (_s, res, body) => collect(seen, res.cacheControl, body) : undefined,
    });
    const body = resultBody(result, ctx);
    info.codes = codesOf(result.errors);
    if (prepared.kind === 'mutation' && opts.audit) auditMutation(opts.audit, { prepared, variables, caller, requestId: ctx.requestId, errors: result.errors });
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
    return { status: 200, body, headers, info };
  };
}
