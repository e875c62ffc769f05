/**
 * SAP Gateway's OData V2 error body (`{error:{code,message:{lang,value},innererror}}`, or its
 * XML twin) parsed and mapped onto our error codes. The upstream code, message and transaction id
 * travel in the error's `cause` (logged), never to the client.
 *
 * | status | code |
 * |---|---|
 * | 400 | UPSTREAM_REJECTED (our own input is validated before it is sent) |
 * | 401 | UPSTREAM_AUTH_FAILED |
 * | 403 | UPSTREAM_FORBIDDEN |
 * | 404 | NOT_FOUND |
 * | 409, 412, 428 | CONFLICT (not retryable) |
 * | 429 | UPSTREAM_RATE_LIMITED (with `retryAfterSeconds` when SAP sent `Retry-After`) |
 * | 5xx and anything else | UPSTREAM_UNAVAILABLE |
 */
import type { GraphQLError } from 'graphql';
import { subgraphError, type ErrorCode } from '../kit/subgraphErrors';
import { codeForStatus, retryAfterMs } from '../kit/upstreamHttp';

export interface ODataErrorBody {
  code: string;
  message: string;
  transactionId: string | undefined;
}

/** The upstream failure as logged (the `cause` of the client-facing error). */
export class SapUpstreamError extends Error {
  constructor(
    readonly status: number,
    readonly operation: string,
    readonly body: ODataErrorBody | null,
  ) {
    super(`SAP answered ${status} to ${operation}${body ? `: ${body.code} ${body.message}${body.transactionId ? ` (transaction ${body.transactionId})` : ''}` : ''}`);
    this.name = 'SapUpstreamError';
  }
}

const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function fromJson(raw: string): ODataErrorBody | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return null;
  }
  const error = (parsed as { error?: unknown } | null)?.error;
  if (!error || typeof error !== 'object') return null;
  const e = error as { code?: unknown; message?: unknown; innererror?: unknown };
  const message = typeof e.message === 'object' && e.message !== null ? text((e.message as { value?: unknown }).value) : text(e.message);
  const inner = typeof e.innererror === 'object' && e.innererror !== null ? (e.innererror as { transactionid?: unknown }) : undefined;
  return { code: text(e.code) ?? '', message: message ?? '', transactionId: text(inner?.transactionid) };
}

function fromXml(raw: string): ODataErrorBody | null {
  const code = /<code>([^<]{0,200})<\/code>/.exec(raw)?.[1];
  const message = /<message[^>]*>([^<]{0,2000})<\/message>/.exec(raw)?.[1];
  if (code === undefined && message === undefined) return null;
  return { code: code ?? '', message: message ?? '', transactionId: /<transactionid>([^<]{0,64})<\/transactionid>/.exec(raw)?.[1] };
}

/** The error body of an OData V2 response (JSON or XML), or null when it has none. */
export function parseODataError(raw: string): ODataErrorBody | null {
  const body = raw.length > 1_000_000 ? raw.slice(0, 1_000_000) : raw;
  const parsed = fromJson(body) ?? fromXml(body);
  if (!parsed) return null;
  return { code: parsed.code.slice(0, 200), message: parsed.message.slice(0, 2000), transactionId: parsed.transactionId?.slice(0, 64) };
}


const MESSAGES: Partial<Record<ErrorCode, string>> = {
  UPSTREAM_REJECTED: 'SAP rejected the request',
  UPSTREAM_AUTH_FAILED: "SAP refused the subgraph's credentials",
  UPSTREAM_FORBIDDEN: 'SAP denied the request (missing authorization)',
  NOT_FOUND: 'The record was not found in SAP',
  CONFLICT: 'The record was changed in SAP since the given version',
  UPSTREAM_RATE_LIMITED: 'SAP is throttling requests; retry later',
  UPSTREAM_UNAVAILABLE: 'SAP is unavailable',
};

export interface SapErrorInput {
  status: number;
  /** The response body (an OData error, or anything). */
  text: string;
  /** The `Retry-After` header, if any. */
  retryAfter?: string | string[] | undefined;
  /** What was attempted, for the log: `GET API_SALES_ORDER_SRV/A_SalesOrder`. */
  operation: string;
  /** Client-safe message overrides per code. */
  messages?: Partial<Record<ErrorCode, string>>;
}

/** The client-facing error for a failed upstream response. */
export function sapHttpError(input: SapErrorInput): GraphQLError {
  const code = codeForStatus(input.status);
  const wait = code === 'UPSTREAM_RATE_LIMITED' ? retryAfterMs(input.retryAfter) : null;
  return subgraphError({
    code,
    system: 'sap',
    message: input.messages?.[code] ?? MESSAGES[code] ?? 'SAP request failed',
    cause: new SapUpstreamError(input.status, input.operation, parseODataError(input.text)),
    ...(wait !== null ? { extensions: { retryAfterSeconds: Math.ceil(wait / 1000) } } : {}),
  });
}

/** For an upstream answer we cannot read (not JSON, not the V2 envelope). */
export function sapMalformedResponse(operation: string, detail: string): GraphQLError {
  return subgraphError({
    code: 'UPSTREAM_UNAVAILABLE', system: 'sap', message: 'SAP returned an unexpected response',
    cause: new Error(`unexpected response to ${operation}: ${detail}`),
  });
}
