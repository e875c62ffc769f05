/**
 * The one error helper for subgraphs. Every expected failure becomes a GraphQLError with a stable
 * `extensions.code`, the `extensions.system` it came from and whether retrying may help
 * (`extensions.retryable`). Upstream messages, hosts, tokens and stacks go to the log only:
 * `maskSubgraphError` (the servers' `formatError`) replaces anything else with "Unexpected error".
 */
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { Logger } from 'pino';

/** Stable error codes clients may switch on. Never rename one; add new ones. */
export const ERROR_CODES = [
  'BAD_USER_INPUT', // the request's arguments are invalid (nothing was sent upstream)
  'NOT_FOUND', // the addressed record does not exist upstream
  'CONFLICT', // optimistic-concurrency failure (stale version / ETag) or duplicate
  'UPSTREAM_REJECTED', // the system refused the request as invalid (validation rule, read-only field)
  'UPSTREAM_AUTH_FAILED', // the subgraph's credentials were refused by the system
  'UPSTREAM_FORBIDDEN', // the credentials lack a permission
  'UPSTREAM_RATE_LIMITED', // throttled (429, request limit exceeded)
  'UPSTREAM_TIMEOUT', // no answer in time
  'UPSTREAM_UNAVAILABLE', // network error or 5xx
  'INTERNAL_SERVER_ERROR', // a bug; masked as "Unexpected error"
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export type SystemName = 'salesforce' | 'sap' | 'teams';

/** Which codes are worth retrying as a client. */
const RETRYABLE: ReadonlySet<ErrorCode> = new Set(['UPSTREAM_RATE_LIMITED', 'UPSTREAM_TIMEOUT', 'UPSTREAM_UNAVAILABLE']);

export interface SubgraphErrorOptions {
  code: ErrorCode;
  system: SystemName;
  /** Client-safe message; never an upstream message. */
  message: string;
  /** @default true for RATE_LIMITED/TIMEOUT/UNAVAILABLE, else false */
  retryable?: boolean;
  /** The upstream failure, logged by `maskSubgraphError`, never sent to the client. */
  cause?: unknown;
  /** Extra client-safe extensions (e.g. `field` for BAD_USER_INPUT, `retryAfterSeconds`). */
  extensions?: Record<string, unknown>;
}

/** Marks errors built here, so the mask can tell them from accidents. */
const SAFE = Symbol.for('lumina.subgraphError');

export function subgraphError(opts: SubgraphErrorOptions): GraphQLError {
  const err = new GraphQLError(opts.message, {
    extensions: { ...opts.extensions, code: opts.code, system: opts.system, retryable: opts.retryable ?? RETRYABLE.has(opts.code) },
    originalError: opts.cause instanceof Error ? opts.cause : undefined,
  });
  Object.defineProperty(err, SAFE, { value: true });
  return err;
}

/** BAD_USER_INPUT naming the argument path, e.g. `badUserInput('sap', 'first', 'first must be 1..100')`. */
export function badUserInput(system: SystemName, field: string, message: string): GraphQLError {
  return subgraphError({ code: 'BAD_USER_INPUT', system, message, extensions: { field } });
}

export function isSubgraphError(err: unknown): err is GraphQLError {
  return err instanceof GraphQLError && (err as unknown as Record<symbol, unknown>)[SAFE] === true;
}

/** Apollo Server's own request errors (parse, validation, variable coercion): safe to show. */
const APOLLO_CLIENT_CODES = new Set(['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_USER_INPUT', 'BAD_REQUEST', 'PERSISTED_QUERY_NOT_FOUND', 'OPERATION_RESOLUTION_FAILURE']);

function findSubgraphError(error: unknown): GraphQLError | undefined {
  let e: unknown = error;
  for (let depth = 0; e && depth < 4; depth += 1) {
    if (isSubgraphError(e)) return e;
    e = (e as { originalError?: unknown }).originalError;
  }
  return undefined;
}

/**
 * `formatError` for subgraph servers: keeps errors made by `subgraphError` and Apollo's client
 * errors, logs the cause of every error, and masks everything else.
 */
export function maskSubgraphError(formatted: GraphQLFormattedError, error: unknown, log: Logger, system: SystemName): GraphQLFormattedError {
  const own = findSubgraphError(error);
  if (own) {
    const cause = own.originalError;
    if (cause) log.warn({ err: cause, code: own.extensions.code, path: formatted.path }, 'upstream failure');
    return { message: own.message, path: formatted.path, locations: formatted.locations, extensions: own.extensions };
  }
  const code = formatted.extensions?.code;
  if (typeof code === 'string' && APOLLO_CLIENT_CODES.has(code)) {
    return { message: formatted.message, locations: formatted.locations, path: formatted.path, extensions: { code } };
  }
  log.error({ err: (error as { originalError?: unknown })?.originalError ?? error, path: formatted.path }, 'unexpected resolver error');
  return { message: 'Unexpected error', path: formatted.path, extensions: { code: 'INTERNAL_SERVER_ERROR', system, retryable: false } };
}
