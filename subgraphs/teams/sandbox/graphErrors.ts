/**
 * Microsoft Graph's error body and the error codes the sandbox answers with:
 * `{"error":{"code","message","innerError":{"date","request-id","client-request-id"}}}`.
 * Every Graph reply also carries `request-id` and `client-request-id` headers (the client's own id
 * is echoed when it sent one, as Graph does).
 */
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { SandboxReply } from '../../kit/sandboxServer';

/** The Graph error codes this sandbox uses, by the HTTP status they go with. */
export type GraphErrorCode =
  | 'BadRequest'
  | 'InvalidRequest'
  | 'ValidationError'
  | 'ExtensionError'
  | 'Request_BadRequest'
  | 'Request_UnsupportedQuery'
  | 'InvalidAuthenticationToken'
  | 'Forbidden'
  | 'Authorization_RequestDenied'
  | 'NotFound'
  | 'ResourceNotFound'
  | 'itemNotFound'
  | 'Request_ResourceNotFound'
  | 'MethodNotAllowed'
  | 'FailedDependency'
  | 'RequestEntityTooLarge'
  | 'TooManyRequests'
  | 'InternalServerError'
  | 'ServiceUnavailable'
  | 'GatewayTimeout'
  | 'UnknownError';

/** The ids Graph puts on a reply: its own `request-id` and the caller's `client-request-id`. */
export interface RequestIds {
  requestId: string;
  clientRequestId: string;
}

export function requestIds(headers?: IncomingHttpHeaders | Record<string, string>): RequestIds {
  const requestId = randomUUID();
  const sent = headers?.['client-request-id'];
  const clientRequestId = typeof sent === 'string' && sent.length > 0 && sent.length <= 128 ? sent : requestId;
  return { requestId, clientRequestId };
}

export function idHeaders(ids: RequestIds): Record<string, string> {
  return { 'request-id': ids.requestId, 'client-request-id': ids.clientRequestId };
}

/** Graph's `innerError.date`: UTC, second precision, no zone suffix. */
function graphDate(): string {
  return new Date().toISOString().slice(0, 19);
}

export function graphErrorBody(code: string, message: string, ids: RequestIds): object {
  return {
    error: {
      code,
      message,
      innerError: { date: graphDate(), 'request-id': ids.requestId, 'client-request-id': ids.clientRequestId },
    },
  };
}

/** A complete Graph error reply. */
export function graphError(
  status: number,
  code: GraphErrorCode,
  message: string,
  ids: RequestIds = requestIds(),
  extraHeaders: Record<string, string> = {},
): SandboxReply {
  return {
    status,
    headers: { 'content-type': 'application/json', ...idHeaders(ids), ...extraHeaders },
    body: graphErrorBody(code, message, ids),
  };
}

/** The `WWW-Authenticate` challenge Graph sends with 401 answers. */
export const GRAPH_CHALLENGE =
  'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"';

export function unauthorized(message: string, ids?: RequestIds): SandboxReply {
  return graphError(401, 'InvalidAuthenticationToken', message, ids, { 'www-authenticate': GRAPH_CHALLENGE });
}

export function badRequest(message: string, ids?: RequestIds, code: GraphErrorCode = 'BadRequest'): SandboxReply {
  return graphError(400, code, message, ids);
}

const KIT_CODES: Record<string, GraphErrorCode> = {
  BAD_REQUEST: 'BadRequest',
  NOT_FOUND: 'NotFound',
  METHOD_NOT_ALLOWED: 'MethodNotAllowed',
  REQUEST_TOO_LARGE: 'RequestEntityTooLarge',
  TOO_MANY_REQUESTS: 'TooManyRequests',
  SERVICE_UNAVAILABLE: 'ServiceUnavailable',
  GATEWAY_TIMEOUT: 'GatewayTimeout',
  UNKNOWN_EXCEPTION: 'InternalServerError',
};

const BY_STATUS: Record<number, GraphErrorCode> = {
  400: 'BadRequest', 401: 'InvalidAuthenticationToken', 403: 'Forbidden', 404: 'NotFound', 405: 'MethodNotAllowed',
  413: 'RequestEntityTooLarge', 424: 'FailedDependency', 429: 'TooManyRequests', 500: 'InternalServerError',
  503: 'ServiceUnavailable', 504: 'GatewayTimeout',
};

const MESSAGES: Partial<Record<GraphErrorCode, string>> = {
  NotFound: 'Resource not found for the segment.',
  TooManyRequests: 'Too many requests. Please retry after the time in the Retry-After header.',
  ServiceUnavailable: 'The service is temporarily unavailable. Please retry after the time in the Retry-After header.',
  InternalServerError: 'An unexpected error occurred.',
};

/**
 * The kit's `errorReply`: maps its generic codes (faults, unrouted paths, oversized bodies, crashes)
 * to Graph's codes and body.
 */
export function kitErrorReply(status: number, code: string, message: string): SandboxReply {
  const graphCode = KIT_CODES[code] ?? BY_STATUS[status] ?? 'UnknownError';
  const text = code === 'INJECTED_FAULT' || !(graphCode in MESSAGES) ? message : (MESSAGES[graphCode] ?? message);
  return graphError(status, graphCode, text);
}

/** An expected Graph error thrown from deep inside a handler (query parsing, validation); the router turns it into a reply. */
export class GraphHttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: GraphErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'GraphHttpError';
  }
}
