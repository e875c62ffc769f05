/**
 * Maps Microsoft Graph failures to subgraph errors: an HTTP status with Graph's error body
 * `{"error":{"code","message","innerError":{"request-id"}}}` (a whole response or one `$batch`
 * item), or a transport failure (timeout, network, token endpoint). The client sees a stable code
 * and a message written here; Graph's own code, message and request id go into `cause` (logged).
 *
 * | Graph | code |
 * |---|---|
 * | 404 | NOT_FOUND |
 * | 429 | UPSTREAM_RATE_LIMITED, with `extensions.retryAfterSeconds` from `Retry-After` |
 * | 401 / token endpoint refusal | UPSTREAM_AUTH_FAILED |
 * | 403 | UPSTREAM_FORBIDDEN |
 * | 400, 413, 422 | UPSTREAM_REJECTED |
 * | 409, 412 | CONFLICT |
 * | 408, 504, client timeout | UPSTREAM_TIMEOUT |
 * | other 5xx, network errors | UPSTREAM_UNAVAILABLE |
 */
import type { GraphQLError } from 'graphql';
import { codeForStatus, retryAfterMs } from '../kit/upstreamHttp';
import { subgraphError, type ErrorCode } from '../kit/subgraphErrors';

const MESSAGES: Record<ErrorCode, string> = {
  BAD_USER_INPUT: 'The request is invalid',
  NOT_FOUND: 'Microsoft Teams has no such item',
  CONFLICT: 'The item was changed in Microsoft Teams meanwhile',
  UPSTREAM_REJECTED: 'Microsoft Graph rejected the request',
  UPSTREAM_AUTH_FAILED: 'The Teams subgraph could not authenticate to Microsoft Graph',
  UPSTREAM_FORBIDDEN: 'The Teams subgraph lacks a Microsoft Graph permission for this request',
  UPSTREAM_RATE_LIMITED: 'Microsoft Graph is throttling requests; retry later',
  UPSTREAM_TIMEOUT: 'Microsoft Graph did not answer in time',
  UPSTREAM_UNAVAILABLE: 'Microsoft Graph is unavailable',
  INTERNAL_SERVER_ERROR: 'Unexpected error',
};

/** Graph's error detail as logged (never sent to clients). */
export class GraphUpstreamError extends Error {
  constructor(
    readonly status: number,
    readonly graphCode: string | null,
    message: string,
    readonly graphRequestId: string | null,
  ) {
    super(message);
    this.name = 'GraphUpstreamError';
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Graph's `error` object from a body that may be parsed JSON, a JSON string, or the SDK's stringified inner error. */
function graphErrorDetail(body: unknown): { code: string | null; message: string; requestId: string | null } {
  let doc: unknown = body;
  if (typeof body === 'string') {
    try {
      doc = JSON.parse(body);
    } catch {
      return { code: null, message: body.slice(0, 500), requestId: null };
    }
  }
  const err = isObject(doc) && isObject(doc.error) ? doc.error : isObject(doc) ? doc : {};
  const inner = isObject(err.innerError) ? err.innerError : {};
  return {
    code: typeof err.code === 'string' ? err.code : null,
    message: typeof err.message === 'string' ? err.message.slice(0, 500) : '',
    requestId: typeof inner['request-id'] === 'string' ? inner['request-id'] : null,
  };
}

function statusCode(status: number): ErrorCode {
  if (status === 413) return 'UPSTREAM_REJECTED';
  return codeForStatus(status);
}

/** The subgraph error for a Graph error status (a response or a `$batch` item). */
export function errorForGraphStatus(status: number, body: unknown, retryAfter: string | string[] | null | undefined): GraphQLError {
  const detail = graphErrorDetail(body);
  const code = statusCode(status);
  const cause = new GraphUpstreamError(status, detail.code, `Graph answered ${status} ${detail.code ?? ''}: ${detail.message}`, detail.requestId);
  const extensions: Record<string, unknown> = {};
  if (code === 'UPSTREAM_RATE_LIMITED') {
    const ms = retryAfterMs(retryAfter ?? undefined);
    extensions.retryAfterSeconds = ms === null ? 1 : Math.max(1, Math.ceil(ms / 1000));
  }
  return subgraphError({ code, system: 'teams', message: MESSAGES[code], cause, extensions });
}

const TIMEOUT_NAMES = new Set(['TimeoutError', 'AbortError']);
const AUTH_NAMES = new Set(['AuthenticationError', 'CredentialUnavailableError', 'AuthenticationRequiredError', 'AggregateAuthenticationError']);

/** The subgraph error for anything the Graph SDK threw (an error status, a timeout, a network or token failure). */
export function errorFromGraphSdk(err: unknown): GraphQLError {
  const e = isObject(err) ? err : {};
  const status = typeof e.statusCode === 'number' ? e.statusCode : -1;
  if (status >= 400) {
    const headers = e.headers as { get?: (name: string) => string | null } | undefined;
    return errorForGraphStatus(status, e.body, typeof headers?.get === 'function' ? headers.get('retry-after') : null);
  }
  // The SDK keeps the underlying error's name in `code`, or (for errors from another realm) the error itself in `body`.
  const body = isObject(e.body) ? e.body : {};
  const names = [e.code, e.name, body.name].filter((n): n is string => typeof n === 'string');
  const code: ErrorCode = names.some((n) => TIMEOUT_NAMES.has(n)) ? 'UPSTREAM_TIMEOUT'
    : names.some((n) => AUTH_NAMES.has(n)) ? 'UPSTREAM_AUTH_FAILED' : 'UPSTREAM_UNAVAILABLE';
  return subgraphError({ code, system: 'teams', message: MESSAGES[code], cause: err });
}
