/**
 * The SAP business-event webhook, `/events/sap` (kit `routes`), as SAP Event Mesh calls it:
 *
 * - `OPTIONS`: the CloudEvents abuse-protection handshake. `WebHook-Request-Origin` is required
 *   (400 without); when `SAP_EVENTS_ALLOWED_ORIGINS` is set, other origins get 403; otherwise 200
 *   with `WebHook-Allowed-Origin: <origin>` and `WebHook-Allowed-Rate: *`. No credentials needed: it
 *   grants nothing, every POST is authenticated.
 * - `POST`: a CloudEvent (structured or binary mode, `cloudEvent.ts`).
 *   1. Authenticate (`webhookAuth.ts`): bad or missing credentials → 401 with a challenge, the body
 *      is not read and nothing is published. An unreachable JWKS → 503.
 *   2. Body over 64 KiB → 413; not a CloudEvent → 400 / 415; a CloudEvent that is no sales order
 *      event → 202, ignored; a sales order event with bad data → 400.
 *   3. Re-read the order through OData (thin events): its entity-cache entry is evicted first, so
 *      the read is SAP's current state. SAP unreachable → 503 (Event Mesh redelivers).
 *   4. Publish the `SalesOrderChanged` envelope (`salesOrderEnvelope.ts`) with the extra tag
 *      `BusinessPartner:<soldTo>`; 202 only once it is in the event log, 503 when the append fails.
 *      A duplicate (same CloudEvent `source` + `id`) is acknowledged 202 and not published again.
 */
import type http from 'node:http';
import type { Logger } from 'pino';
import type { EntityCache } from '../kit/entityCache';
import type { AppendResult } from '../kit/eventLog';
import { readBody, sendJson } from '../kit/graphqlHttp';
import { requestIdFrom } from '../kit/requestId';
import type { SubgraphRoute } from '../kit/subgraphServer';
import { parseCloudEvent, type CloudEventRequest } from './cloudEvent';
import { SAP_EVENTS_PATH, type SapEventsAuth } from './eventsConfig';
import type { SalesOrderModel } from './model';
import type { ODataClient, RequestMeta } from './odataClient';
import { readSalesOrderNotice, salesOrderChangeKind, salesOrderEnvelope, type SalesOrderNotice } from './salesOrderEnvelope';
import { createSalesOrderLoaders } from './salesOrderLoaders';
import { businessPartnerTag, salesOrderTag } from './sapCacheTags';
import { createWebhookAuthVerifier } from './webhookAuth';

export interface SalesOrderEventWebhookOptions {
  auth: Exclude<SapEventsAuth, { type: 'off' }>;
  /** Tenant of the system's events. */
  tenant: string;
  /** Handshake origins allowed; empty = any. @default [] */
  allowedOrigins?: readonly string[];
  client: ODataClient;
  entityCache: EntityCache;
  /** The kit event pipeline's `publish`. */
  publish(raw: unknown, extraTags?: readonly string[]): Promise<AppendResult>;
  logger: Logger;
  /** @default 65_536 */
  maxBodyBytes?: number;
}

const ORIGIN = /^[\x21-\x7e]{1,255}$/;

type ValidNotice = Extract<SalesOrderNotice, { ok: true }>;

function single(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? undefined : v;
}

export function createSalesOrderEventWebhook(opts: SalesOrderEventWebhookOptions): SubgraphRoute[] {
  const verifier = createWebhookAuthVerifier(opts.auth);
  const allowed = (opts.allowedOrigins ?? []).map((o) => o.toLowerCase());
  const maxBody = opts.maxBodyBytes ?? 65_536;

  function handshake(req: http.IncomingMessage, res: http.ServerResponse): void {
    req.resume();
    const origin = single(req.headers['webhook-request-origin']);
    if (origin === undefined || !ORIGIN.test(origin)) {
      sendJson(res, 400, { error: 'WebHook-Request-Origin is required' });
      return;
    }
    if (allowed.length > 0 && !allowed.includes(origin.toLowerCase())) {
      opts.logger.warn({ origin }, 'sap events: handshake from an origin that is not allowed');
      sendJson(res, 403, { error: 'origin not allowed' });
      return;
    }
    res.writeHead(200, { 'webhook-allowed-origin': origin, 'webhook-allowed-rate': '*', allow: 'OPTIONS, POST', 'content-length': 0 });
    res.end();
  }

  /** The order as SAP has it now, past any cached copy. Rejects when SAP cannot be read. */
  async function readFresh(id: string, log: Logger, requestId: string): Promise<SalesOrderModel | null> {
    opts.entityCache.invalidate({ tags: [salesOrderTag(id)], tenant: opts.tenant });
    const meta: RequestMeta = { requestId, log };
    return createSalesOrderLoaders(opts.client, meta, { entityCache: opts.entityCache, tenant: opts.tenant }).salesOrderById.load(id);
  }

  /** Answers 401/503 itself and resolves false unless the sender is verified. */
  async function authenticate(req: http.IncomingMessage, res: http.ServerResponse, log: Logger): Promise<boolean> {
    let authentic: boolean;
    try {
      authentic = await verifier.verify(single(req.headers.authorization));
    } catch (err) {
      req.resume();
      log.warn({ err }, 'sap events: cannot verify the sender now');
      sendJson(res, 503, { error: 'cannot verify credentials now; retry' });
      return false;
    }
    if (!authentic) {
      req.resume();
      log.warn({ remote: req.socket.remoteAddress }, 'sap events: refused a request with bad credentials');
      sendJson(res, 401, { error: 'unauthorized' }, { 'www-authenticate': verifier.challenge });
    }
    return authentic;
  }

  /** Reads and validates the body; answers 4xx itself and resolves null unless it is a sales order event. */
  async function readNotice(req: http.IncomingMessage, res: http.ServerResponse, log: Logger): Promise<{ ce: CloudEventRequest; notice: ValidNotice; mode: string } | null> {
    const raw = await readBody(req, maxBody);
    if (raw === null) {
      sendJson(res, 413, { error: `body over ${maxBody} bytes` });
      return null;
    }
    const parsed = parseCloudEvent(req.headers, raw);
    if (!parsed.ok) {
      log.warn({ reason: parsed.reason }, 'sap events: not a valid CloudEvent');
      sendJson(res, parsed.status, { error: parsed.reason });
      return null;
    }
    const ce = parsed.event;
    if (!salesOrderChangeKind(ce.type)) {
      log.info({ type: ce.type, id: ce.id }, 'sap events: event type not consumed, acknowledged');
      sendJson(res, 202, { status: 'ignored' });
      return null;
    }
    const notice = readSalesOrderNotice(ce);
    if (!notice.ok) {
      log.warn({ reason: notice.reason, id: ce.id }, 'sap events: invalid sales order event');
      sendJson(res, 400, { error: notice.reason });
      return null;
    }
    return { ce, notice, mode: parsed.mode };
  }

  async function receive(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const requestId = requestIdFrom(req.headers);
    const log = opts.logger.child({ requestId, webhook: 'sap-events' });
    if (!(await authenticate(req, res, log))) return;
    const read = await readNotice(req, res, log);
    if (!read) return;
    const { ce, notice } = read;
    let order: SalesOrderModel | null;
    try {
      order = await readFresh(notice.salesOrder, log, requestId);
    } catch (err) {
      log.warn({ err, salesOrder: notice.salesOrder }, 'sap events: cannot re-read the order; the sender will retry');
      sendJson(res, 503, { error: 'the order cannot be read now; retry' });
      return;
    }
    const envelope = salesOrderEnvelope(ce, notice, order, opts.tenant);
    const soldTo = envelope.attributes?.soldTo;
    let result: AppendResult;
    try {
      result = await opts.publish(envelope, soldTo ? [businessPartnerTag(soldTo)] : []);
    } catch (err) {
      log.error({ err, eventId: envelope.id }, 'sap events: the event could not be logged; the sender will retry');
      sendJson(res, 503, { error: 'the event could not be stored; retry' });
      return;
    }
    log.info({ eventId: envelope.id, salesOrder: notice.salesOrder, changeType: notice.changeType, duplicate: result.duplicate, mode: read.mode }, 'sap event accepted');
    sendJson(res, 202, { status: result.duplicate ? 'duplicate' : 'accepted' });
  }

  return [
    { method: 'OPTIONS', path: SAP_EVENTS_PATH, handle: (req, res) => Promise.resolve(handshake(req, res)) },
    { method: 'POST', path: SAP_EVENTS_PATH, handle: receive },
  ];
}
