/**
 * Errors at the gateway. Three kinds reach a client:
 * - errors a subgraph returned: they were masked by the subgraph already and keep their message
 *   and `extensions` (`code`, `system`, `retryable`, ...); only the gateway's `serviceName` is dropped;
 * - errors the gateway made on purpose with `gatewayError` (a subgraph unreachable or too slow);
 * - Apollo Server's own request errors (parse, validation, CSRF, bad request).
 * Everything else is a bug: logged in full with the request's logger and sent as
 * "Unexpected error" with code INTERNAL_SERVER_ERROR and the request id.
 */
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { Logger } from 'pino';
import { OPERATION_LIMIT_CODES } from './operationLimits';
import { currentRequest, type GatewayContext } from './requestContext';

export interface GatewayErrorOptions {
  /** A stable code from the graph's error enum, e.g. `UPSTREAM_UNAVAILABLE`. */
  code: string;
  /** Client-safe message; never an upstream message, host or URL. */
  message: string;
  /** Which system the failure is about (a subgraph name, or `gateway`). */
  system: string;
  /** Whether a client retry may help. */
  retryable: boolean;
  /** The underlying failure: logged, never sent to the client. */
  cause?: unknown;
  /** More log-only fields (e.g. the subgraph URL). */
  logFields?: Record<string, unknown>;
}

/** Marks errors built here; the value holds the log-only part (cause, fields). */
const SAFE = Symbol.for('lumina.gatewayError');

export function gatewayError(opts: GatewayErrorOptions): GraphQLError {
  const err = new GraphQLError(opts.message, { extensions: { code: opts.code, system: opts.system, retryable: opts.retryable } });
  // Not `originalError`: errors from Node's core (ECONNREFUSED) may come from another realm and fail `instanceof Error`.
  Object.defineProperty(err, SAFE, { value: { cause: opts.cause, logFields: opts.logFields } });
  return err;
}

function logOnlyPart(err: GraphQLError): { cause?: unknown; logFields?: Record<string, unknown> } {
  return (err as unknown as Record<symbol, { cause?: unknown; logFields?: Record<string, unknown> }>)[SAFE] ?? {};
}

function findGatewayError(error: unknown): GraphQLError | undefined {
  let e: unknown = error;
  for (let depth = 0; e && depth < 4; depth += 1) {
    if (e instanceof GraphQLError && SAFE in e) return e;
    e = (e as { originalError?: unknown }).originalError;
  }
  return undefined;
}

/**
 * An error built by `@apollo/gateway` from a subgraph's response: it carries the subgraph's
 * extensions plus `serviceName`. Errors the subgraph sent without a code (the gateway then uses
 * DOWNSTREAM_SERVICE_ERROR) are not trusted and get masked.
 */
function subgraphExtensions(error: unknown): Record<string, unknown> | undefined {
  if (!(error instanceof GraphQLError)) return undefined;
  const { serviceName, ...rest } = error.extensions;
  if (typeof serviceName !== 'string' || typeof rest.code !== 'string' || rest.code === 'DOWNSTREAM_SERVICE_ERROR') return undefined;
  delete rest.exception;
  delete rest.stacktrace;
  return rest;
}

/** Apollo Server's request errors (the client's fault): safe to show as they are. */
const CLIENT_CODES = new Set([
  'GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_USER_INPUT', 'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND', 'PERSISTED_QUERY_NOT_SUPPORTED', 'OPERATION_RESOLUTION_FAILURE',
  // the fast executor's own: a subgraph answer that breaks the schema's nullability or leaf types,
  // and plan shapes this gateway refuses
  'INVALID_GRAPHQL', 'DEFER_NOT_SUPPORTED', 'SUBSCRIPTION_NOT_SUPPORTED_HERE',
  // who may call what: a field the caller's token does not cover, refused callers, spent rate limits
  'UNAUTHORIZED', 'UNAUTHENTICATED', 'FORBIDDEN', 'RATE_LIMITED',
  ...OPERATION_LIMIT_CODES,
]);

/** `formatError` for the gateway's Apollo Server; `fallbackLog` is used outside a request. */
export function formatGatewayError(formatted: GraphQLFormattedError, error: unknown, fallbackLog: Logger, req: GatewayContext | undefined = currentRequest()): GraphQLFormattedError {
  const log = req?.log ?? fallbackLog;
  const own = findGatewayError(error);
  if (own) {
    const { cause, logFields } = logOnlyPart(own);
    if (cause !== undefined) log.warn({ ...logFields, err: cause, code: own.extensions.code, system: own.extensions.system }, own.message);
    return { message: own.message, path: formatted.path, extensions: own.extensions };
  }
  const fromSubgraph = subgraphExtensions(error);
  if (fromSubgraph) return { message: formatted.message, path: formatted.path, extensions: fromSubgraph };
  const code = formatted.extensions?.code;
  if (typeof code === 'string' && CLIENT_CODES.has(code) && !(error instanceof GraphQLError && error.extensions.serviceName)) {
    return { message: formatted.message, locations: formatted.locations, path: formatted.path, extensions: { code } };
  }
  log.error({ err: (error as { originalError?: unknown })?.originalError ?? error, path: formatted.path, message: formatted.message }, 'unexpected gateway error');
  return {
    message: 'Unexpected error',
    path: formatted.path,
    extensions: { code: 'INTERNAL_SERVER_ERROR', system: 'gateway', retryable: false, ...(req ? { requestId: req.requestId } : {}) },
  };
}
