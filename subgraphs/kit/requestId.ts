/**
 * Request ids, shared by the gateway and the subgraphs: the caller's `x-request-id` when it is sane,
 * else a new UUID. The gateway forwards it to subgraphs in the same header; subgraphs pass it on to
 * their systems (Salesforce `X-Request-Id`, SAP `X-CorrelationID`, Graph `client-request-id`).
 */
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export const REQUEST_ID_HEADER = 'x-request-id';

/** What a caller may send as `x-request-id`; anything else is replaced by a UUID. */
export const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestIdFrom(headers: IncomingHttpHeaders): string {
  const given = headers[REQUEST_ID_HEADER];
  return typeof given === 'string' && REQUEST_ID_PATTERN.test(given) ? given : randomUUID();
}
