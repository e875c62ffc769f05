/**
 * The client's "map error" seam: whatever jsforce throws (an `HttpApiError` named after Salesforce's
 * errorCode, an OAuth error named after its `error`, node-fetch's `FetchError`, an `AbortError` on
 * timeout) becomes one subgraph error with a stable code. The upstream message only travels as the
 * logged `cause`; the client sees our own wording.
 *
 * | Salesforce                                                       | ours                  |
 * |------------------------------------------------------------------|-----------------------|
 * | NOT_FOUND, ENTITY_IS_DELETED, INVALID_CROSS_REFERENCE_KEY (record) | NOT_FOUND           |
 * | REQUEST_LIMIT_EXCEEDED, HTTP 429                                 | UPSTREAM_RATE_LIMITED |
 * | DUPLICATE_VALUE, DUPLICATES_DETECTED                             | CONFLICT              |
 * | validation codes, other HTTP 400                                 | UPSTREAM_REJECTED     |
 * | INVALID_SESSION_ID after refresh, OAuth errors                   | UPSTREAM_AUTH_FAILED  |
 * | INSUFFICIENT_ACCESS*, other HTTP 403                             | UPSTREAM_FORBIDDEN    |
 * | network errors, HTTP 5xx                                         | UPSTREAM_UNAVAILABLE  |
 * | timeout (our budget), HTTP 504, QUERY_TIMEOUT                    | UPSTREAM_TIMEOUT      |
 */
import type { GraphQLError } from 'graphql';
import { subgraphError, type ErrorCode } from '../kit/subgraphErrors';
import { codeForStatus } from '../kit/upstreamHttp';

const BY_ERROR_CODE: Record<string, ErrorCode> = {
  NOT_FOUND: 'NOT_FOUND',
  ENTITY_IS_DELETED: 'NOT_FOUND',
  REQUEST_LIMIT_EXCEEDED: 'UPSTREAM_RATE_LIMITED',
  TOO_MANY_REQUESTS: 'UPSTREAM_RATE_LIMITED',
  DUPLICATE_VALUE: 'CONFLICT',
  DUPLICATES_DETECTED: 'CONFLICT',
  INVALID_SESSION_ID: 'UPSTREAM_AUTH_FAILED',
  INSUFFICIENT_ACCESS: 'UPSTREAM_FORBIDDEN',
  INSUFFICIENT_ACCESS_OR_READONLY: 'UPSTREAM_FORBIDDEN',
  INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY: 'UPSTREAM_FORBIDDEN',
  API_DISABLED_FOR_ORG: 'UPSTREAM_FORBIDDEN',
  SERVER_UNAVAILABLE: 'UPSTREAM_UNAVAILABLE',
  SERVICE_UNAVAILABLE: 'UPSTREAM_UNAVAILABLE',
  UNKNOWN_EXCEPTION: 'UPSTREAM_UNAVAILABLE',
  UNABLE_TO_LOCK_ROW: 'UPSTREAM_UNAVAILABLE',
  GATEWAY_TIMEOUT: 'UPSTREAM_TIMEOUT',
  QUERY_TIMEOUT: 'UPSTREAM_TIMEOUT',
};

const VALIDATION = new Set([
  'REQUIRED_FIELD_MISSING', 'INVALID_EMAIL_ADDRESS', 'STRING_TOO_LONG', 'FIELD_CUSTOM_VALIDATION_EXCEPTION',
  'FIELD_INTEGRITY_EXCEPTION', 'MALFORMED_ID', 'INVALID_FIELD', 'INVALID_FIELD_FOR_INSERT_UPDATE', 'INVALID_TYPE',
  'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', 'MALFORMED_QUERY', 'INVALID_QUERY_FILTER_OPERATOR', 'JSON_PARSER_ERROR',
  'INVALID_QUERY_LOCATOR', 'CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY', 'NUMBER_OUTSIDE_VALID_RANGE', 'INVALID_ID_FIELD',
]);

const MESSAGES: Record<ErrorCode, string> = {
  BAD_USER_INPUT: 'the request is invalid',
  NOT_FOUND: 'the record was not found in Salesforce',
  CONFLICT: 'Salesforce reports a duplicate of an existing record',
  UPSTREAM_REJECTED: 'Salesforce rejected the request',
  UPSTREAM_AUTH_FAILED: 'Salesforce refused the subgraph\'s credentials',
  UPSTREAM_FORBIDDEN: 'the Salesforce integration user lacks a permission',
  UPSTREAM_RATE_LIMITED: 'Salesforce is limiting requests; retry later',
  UPSTREAM_TIMEOUT: 'Salesforce did not answer in time',
  UPSTREAM_UNAVAILABLE: 'Salesforce is unavailable',
  INTERNAL_SERVER_ERROR: 'Unexpected error',
};

export interface ErrorMapOptions {
  /** The last HTTP status jsforce received for the failed call, when known. */
  status?: number;
  /** Client-safe names for Salesforce fields (e.g. `Email` → `input.email`), for `extensions.field`. */
  fields?: Record<string, string>;
  /** Set for token-endpoint calls: OAuth errors there mean the credentials were refused. */
  login?: boolean;
  /** The failed response's `Retry-After` in ms, sent as `extensions.retryAfterSeconds` with UPSTREAM_RATE_LIMITED. */
  retryAfterMs?: number | null;
}

interface Described {
  name: string;
  errorCode: string | undefined;
  fields: string[];
  networkCode: string | undefined;
}

function describe(err: unknown): Described {
  const e = (err ?? {}) as { name?: unknown; errorCode?: unknown; data?: unknown; code?: unknown };
  const data = Array.isArray(e.data) ? (e.data[0] as Record<string, unknown> | undefined) : (e.data as Record<string, unknown> | undefined);
  const fromData = data?.errorCode ?? data?.statusCode;
  const errorCode = typeof fromData === 'string' ? fromData : typeof e.errorCode === 'string' ? e.errorCode : undefined;
  const fields = Array.isArray(data?.fields) ? data.fields.filter((f): f is string => typeof f === 'string') : [];
  return { name: typeof e.name === 'string' ? e.name : '', errorCode, fields, networkCode: typeof e.code === 'string' ? e.code : undefined };
}

function statusOf(d: Described, given: number | undefined): number | undefined {
  const m = /^ERROR_HTTP_(\d{3})$/.exec(d.errorCode ?? d.name);
  return m ? Number(m[1]) : given;
}

/** The subgraph code for a Salesforce failure (see the table above). */
export function salesforceErrorCode(err: unknown, opts: ErrorMapOptions = {}): ErrorCode {
  const d = describe(err);
  if (d.name === 'AbortError' || /Request Timeout/.test(String((err as Error)?.message))) return 'UPSTREAM_TIMEOUT';
  if (d.name === 'FetchError' || d.networkCode !== undefined) return 'UPSTREAM_UNAVAILABLE';
  const status = statusOf(d, opts.status);
  if (d.errorCode === 'INVALID_CROSS_REFERENCE_KEY') return d.fields.length ? 'UPSTREAM_REJECTED' : 'NOT_FOUND';
  const known = d.errorCode ? BY_ERROR_CODE[d.errorCode] : undefined;
  if (known) return known;
  if (d.errorCode && VALIDATION.has(d.errorCode)) return 'UPSTREAM_REJECTED';
  if (status !== undefined && status >= 400) {
    if (opts.login && status < 500 && status !== 429) return 'UPSTREAM_AUTH_FAILED';
    return codeForStatus(status);
  }
  if (opts.login && /^[a-z_]+$/.test(d.name)) return 'UPSTREAM_AUTH_FAILED';
  return 'UPSTREAM_UNAVAILABLE';
}

/** One subgraph error for a Salesforce failure; `err` is kept as the (logged, never returned) cause. */
export function mapSalesforceError(err: unknown, opts: ErrorMapOptions = {}): GraphQLError {
  const code = salesforceErrorCode(err, opts);
  const d = describe(err);
  const field = d.fields.map((f) => opts.fields?.[f]).find((f) => f !== undefined);
  const message = field && (code === 'UPSTREAM_REJECTED' || code === 'CONFLICT') ? `${MESSAGES[code]}: check ${field}` : MESSAGES[code];
  const wait = code === 'UPSTREAM_RATE_LIMITED' && typeof opts.retryAfterMs === 'number' ? { retryAfterSeconds: Math.max(1, Math.ceil(opts.retryAfterMs / 1000)) } : {};
  const extensions = { ...(field ? { field } : {}), ...wait };
  return subgraphError({ code, system: 'salesforce', message, cause: err, extensions: Object.keys(extensions).length > 0 ? extensions : undefined });
}
