/**
 * The subgraph's recent events for the gateway's operations page (`gateway/adminStatus.ts`):
 * `GET /internal/events/recent?limit=N` with `authorization: Bearer <INTERNAL_API_TOKEN>`, protected
 * like `POST /internal/invalidate` (`invalidationEndpoint.ts`).
 *
 * | answer | when |
 * |---|---|
 * | 200 `{"events": [{...envelope, "cursor"}]}` | the last N canonical envelopes of the event log, newest first (N 1..100, default 20) |
 * | 401 `{"error": ...}` | the bearer token is missing or wrong (compared in constant time) |
 * | 400 `{"error": ...}` | `limit` is not an integer 1..100 |
 * | 404 | no token is configured, or the subgraph has no event log: the endpoint is disabled |
 * | 405 | not a GET (or HEAD) |
 */
import type http from 'node:http';
import type { Logger } from 'pino';
import { constantTimeEqual } from './constantTimeEqual';
import type { EventLog } from './eventLog';
import { sendJson } from './graphqlHttp';
import { bearerToken } from './invalidationRequest';

export const RECENT_EVENTS_PATH = '/internal/events/recent';
export const MAX_RECENT_EVENTS = 100;
export const DEFAULT_RECENT_EVENTS = 20;

export interface RecentEventsEndpointOptions {
  /** The configured token; undefined disables the endpoint (404). */
  token: string | undefined;
  /** The subgraph's event log; undefined disables the endpoint (404). */
  eventLog: EventLog | undefined;
  log: Logger;
}

/** The `limit` query parameter as a count, or null when it is not an integer 1..100. */
export function parseRecentLimit(raw: string | null): number | null {
  if (raw === null) return DEFAULT_RECENT_EVENTS;
  if (!/^\d{1,3}$/.test(raw)) return null;
  const n = Number(raw);
  return n >= 1 && n <= MAX_RECENT_EVENTS ? n : null;
}

/** Serves one request to `RECENT_EVENTS_PATH`. */
export async function handleRecentEvents(req: http.IncomingMessage, res: http.ServerResponse, url: URL, opts: RecentEventsEndpointOptions): Promise<void> {
  if (opts.token === undefined || opts.eventLog === undefined) {
    sendJson(res, 404, { error: 'not found: use /graphql or /health' });
    return;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    sendJson(res, 405, { error: 'use GET' }, { allow: 'GET, HEAD' });
    return;
  }
  const given = bearerToken(req.headers.authorization);
  if (given === undefined || !constantTimeEqual(given, opts.token)) {
    opts.log.warn({ hasToken: given !== undefined }, 'recent events refused: bad token');
    sendJson(res, 401, { error: 'a valid bearer token is required' }, { 'www-authenticate': 'Bearer' });
    return;
  }
  const limit = parseRecentLimit(url.searchParams.get('limit'));
  if (limit === null) {
    sendJson(res, 400, { error: `limit must be an integer 1..${MAX_RECENT_EVENTS}` });
    return;
  }
  const entries = await opts.eventLog.recent(limit);
  sendJson(res, 200, { events: entries.map((e) => ({ ...e.event, cursor: e.cursor })) });
}
