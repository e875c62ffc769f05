/**
 * `/graphql` over HTTP on the fast executor: the edge of a query's way through the gateway, without
 * Apollo Server's request pipeline in the hot path.
 *
 * request id + trace -> method (405) -> CSRF prevention (400) -> caller admission: JWT (401/403) and
 * rate limits (429 + Retry-After) -> body (413 over the limit, 400 bad JSON; a JSON array is a
 * batch: 400 `BATCHING_DISABLED` unless enabled, then at most `maxBatch` operations) -> GraphQL
 * params (GET/POST rules) -> `operationRunner.ts` (persisted documents, limits, cache, execution,
 * audit) -> response written, one log line (request id, tenant, operation, status, duration) and
 * the metrics of the request.
 */
import type http from 'node:http';
import type { Logger } from 'pino';
import type { AuditLog } from '../subgraphs/kit/auditLog';
import { closeIfRefused, parseBody, readBody } from '../subgraphs/kit/graphqlHttp';
import { REQUEST_ID_HEADER } from '../subgraphs/kit/requestId';
import type { Tracing } from '../subgraphs/kit/tracing';
import { TRACEPARENT_HEADER, outgoingTraceparent, parseTraceparent, traceFrom } from '../subgraphs/kit/traceContext';
import type { CallerAdmission, Caller } from './callerAdmission';
import type { FederatedExecutor } from './federatedExecutor';
import type { GatewayMetrics } from './gatewayMetrics';
import { CSRF_MESSAGE, badParamTypes, looksLikeCsrf, paramsFromBody, paramsFromGet, type GraphQLParams } from './graphqlParams';
import { createOperationRunner, errorBody, refusal, type Outcome } from './operationRunner';
import type { PersistedDocuments } from './persistedDocuments';
import { createRequestContext, type GatewayContext } from './requestContext';
import type { ResponseCache } from './responseCache';

export { formatExecutionErrors } from './operationRunner';

export interface OperationHandlerOptions {
  /** The executor of the supergraph being served (it changes on hot reload), or undefined while starting. */
  executor: () => FederatedExecutor | undefined;
  logger: Logger;
  /** Authentication and rate limits. */
  admission: CallerAdmission;
  /** Secrets signing the internal context sent to subgraphs (first signs). */
  contextSecrets: readonly string[];
  /** @default 1_048_576 */
  maxBodyBytes?: number;
  /** APQ and trusted documents; without it, only freeform `query` text is accepted. */
  persisted?: PersistedDocuments;
  /** Cache of whole query responses; without it, every query executes. */
  responseCache?: ResponseCache;
  /** Batched requests (a JSON array of operations). @default { enabled: false, max: 10 } */
  batching?: { enabled: boolean; max: number };
  /** Strip "Did you mean ...?" from validation errors. @default false */
  hideSuggestions?: boolean;
  metrics?: GatewayMetrics;
  audit?: AuditLog;
  tracing?: Tracing;
}

export type OperationHandler = (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => Promise<void>;

type Read = { ok: true; single: GraphQLParams } | { ok: true; batch: unknown[] } | Outcome;

export function createOperationHandler(opts: OperationHandlerOptions): OperationHandler {
  const maxBody = opts.maxBodyBytes ?? 1_048_576;
  const batching = opts.batching ?? { enabled: false, max: 10 };
  const log = opts.logger;
  const runOne = createOperationRunner({
    executor: opts.executor, persisted: opts.persisted, responseCache: opts.responseCache,
    contextSecrets: opts.contextSecrets, audit: opts.audit, hideSuggestions: opts.hideSuggestions,
  });

  async function readParams(req: http.IncomingMessage, url: URL): Promise<Read> {
    if (req.method === 'GET') {
      const p = paramsFromGet(url);
      return p.ok ? { ok: true, single: p.params } : refusal(p.status, p.message);
    }
    const raw = await readBody(req, maxBody);
    if (raw === null) return refusal(413, `request body over ${maxBody} bytes`, 'PAYLOAD_TOO_LARGE');
    const parsed = parseBody(req, raw);
    if (!parsed.ok) return refusal(400, 'request body is not valid JSON');
    if (Array.isArray(parsed.body)) {
      if (!batching.enabled) return refusal(400, 'batched requests are disabled: send one operation per request', 'BATCHING_DISABLED');
      if (parsed.body.length === 0 || parsed.body.length > batching.max) return refusal(400, `a batch holds 1 to ${batching.max} operations`, 'BATCH_TOO_LARGE');
      return { ok: true, batch: parsed.body };
    }
    const p = paramsFromBody(parsed.body);
    return p.ok ? { ok: true, single: p.params } : refusal(p.status, p.message);
  }

  async function one(req: http.IncomingMessage, params: GraphQLParams, caller: Caller, ctx: GatewayContext, traceparent: string): Promise<Outcome> {
    const bad = badParamTypes(params);
    if (bad) return refusal(400, bad);
    return runOne({ req, params, caller, ctx, traceparent });
  }

  async function batch(req: http.IncomingMessage, items: unknown[], caller: Caller, ctx: GatewayContext, traceparent: string): Promise<Outcome> {
    const outs = await Promise.all(items.map((item) => {
      const p = paramsFromBody(item);
      return p.ok ? one(req, p.params, caller, ctx, traceparent) : Promise.resolve(refusal(p.status, p.message));
    }));
    const body = `[${outs.map((o) => o.body).join(',')}]`;
    return { status: 200, body, headers: {}, info: { operationName: null, type: 'batch', cache: 'bypass', codes: outs.flatMap((o) => o.info.codes) } };
  }

  async function run(req: http.IncomingMessage, url: URL, ctx: GatewayContext, traceparent: string): Promise<{ out: Outcome; caller?: Caller }> {
    const method = req.method ?? 'GET';
    if (method !== 'GET' && method !== 'POST') return { out: { ...refusal(405, 'GraphQL requests must be GET or POST'), headers: { allow: 'GET, POST' } } };
    if (looksLikeCsrf(method, req.headers)) return { out: refusal(400, CSRF_MESSAGE) };
    const admitted = await opts.admission.admit(req.headers.authorization, req.socket.remoteAddress);
    if (!admitted.ok) {
      opts.metrics?.rejected({ reason: admitted.code === 'RATE_LIMITED' ? 'rate_limited' : admitted.reason });
      return { out: { status: admitted.status, body: errorBody(admitted.message, admitted.code, { reason: admitted.reason }), headers: admitted.headers, info: { operationName: null, type: null, cache: 'bypass', codes: [admitted.code] } } };
    }
    const caller = admitted.caller;
    const got = await readParams(req, url);
    if (!('ok' in got)) return { out: got, caller };
    const out = 'batch' in got ? await batch(req, got.batch, caller, ctx, traceparent) : await one(req, got.single, caller, ctx, traceparent);
    return { out, caller };
  }

  return async (req, res, url) => {
    const started = performance.now();
    const ctx = createRequestContext(req.headers, log);
    // One span per request: the tracer's when there is one, else a plain W3C child of the caller's trace.
    const span = opts.tracing?.startSpan(`${req.method ?? 'GET'} /graphql`, parseTraceparent(req.headers[TRACEPARENT_HEADER]));
    const trace = span ? null : traceFrom(req.headers);
    const traceparent = span?.traceparent ?? outgoingTraceparent(trace!);
    const traceId = span?.traceId ?? trace!.traceId;
    let r: { out: Outcome; caller?: Caller };
    try {
      r = await run(req, url, ctx, traceparent);
    } catch (err) {
      ctx.log.error({ err }, 'graphql request failed');
      r = { out: { ...refusal(500, 'Unexpected error', 'INTERNAL_SERVER_ERROR'), body: errorBody('Unexpected error', 'INTERNAL_SERVER_ERROR', { requestId: ctx.requestId }) } };
    }
    const { out, caller } = r;
    res.writeHead(out.status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(out.body),
      [REQUEST_ID_HEADER]: ctx.requestId,
      ...out.headers,
      ...closeIfRefused(res),
    });
    res.end(out.body);
    const durationMs = performance.now() - started;
    span?.end(out.status >= 500 ? new Error(`status ${out.status}`) : undefined);
    const { operationName, type, cache, codes } = out.info;
    ctx.log.info({ tenant: caller?.tenant, operationName, type, status: out.status, durationMs: Math.round(durationMs * 10) / 10, cache, ...(codes.length ? { codes } : {}), traceId }, 'graphql request');
    if (opts.metrics) {
      opts.metrics.request({ route: '/graphql', method: req.method ?? 'GET', status: out.status, durationMs });
      if (type) opts.metrics.operation({ name: operationName, type, outcome: out.status >= 400 ? 'rejected' : codes.length ? 'error' : 'success', code: codes[0] ?? null, durationMs, cache });
    }
  };
}
