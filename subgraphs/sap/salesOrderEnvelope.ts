/**
 * SAP sales order business events (CloudEvents, PROTOCOLS.md 3.8) as canonical `SalesOrderChanged`
 * envelopes (`schema/eventEnvelope.ts`):
 *
 * | CloudEvent                                       | envelope                                            |
 * |--------------------------------------------------|-----------------------------------------------------|
 * | `type` `sap.s4.beh.salesorder.v1.SalesOrder.Created.v1` / `Changed` / `Deleted` | `changeType` CREATED / UPDATED / DELETED |
 * | `source` + `id`                                  | `id` = `sap:<source>:<id>` (duplicates dropped on it) |
 * | `data.SalesOrder`                                | `entity` = `{ type: 'SalesOrder', id }` (external form, no leading zeros) |
 * | `data.EventRaisedDateTime`, else `time`, else now | `occurredAt`                                       |
 * | the order re-read from SAP (else `data.SoldToParty`) | `attributes.soldTo`, `attributes.status` (status only when the order could be read) |
 *
 * `changedFields` is always empty: SAP's events do not say what changed. Other event types (for
 * example business partner events routed to the same queue) are not sales order events: `null`.
 */
import type { EntityEvent } from '../../schema/eventEnvelope';
import type { CloudEventRequest } from './cloudEvent';
import type { SalesOrderModel } from './model';
import { parseBusinessPartnerId, parseSalesOrderId } from './odataUrl';

type ChangeKind = 'CREATED' | 'UPDATED' | 'DELETED';

const TYPE = /^sap\.s4\.beh\.salesorder\.v1\.SalesOrder\.(Created|Changed|Deleted)\.v1$/;
const KINDS: Record<string, ChangeKind> = { Created: 'CREATED', Changed: 'UPDATED', Deleted: 'DELETED' };

export type SalesOrderNotice =
  | { ok: true; salesOrder: string; changeType: ChangeKind; soldTo: string | undefined; occurredAt: string }
  | { ok: false; reason: string };

/** The change kind of a sales order event type, or null for any other type. */
export function salesOrderChangeKind(type: string): ChangeKind | null {
  const m = TYPE.exec(type);
  return m ? (KINDS[m[1] as string] ?? null) : null;
}

/** Reads the thin data of a sales order event (the type must be one: see `salesOrderChangeKind`). */
export function readSalesOrderNotice(event: CloudEventRequest, now: () => Date = () => new Date()): SalesOrderNotice {
  const changeType = salesOrderChangeKind(event.type);
  if (!changeType) return { ok: false, reason: `not a sales order event type: ${event.type.slice(0, 100)}` };
  const data = event.data;
  if (!data) return { ok: false, reason: 'a sales order event needs data' };
  const salesOrder = typeof data.SalesOrder === 'string' ? parseSalesOrderId(data.SalesOrder) : null;
  if (salesOrder === null) return { ok: false, reason: 'data.SalesOrder must be a sales order number (1 to 10 digits)' };
  let soldTo: string | undefined;
  if (data.SoldToParty !== undefined && data.SoldToParty !== '') {
    soldTo = typeof data.SoldToParty === 'string' ? (parseBusinessPartnerId(data.SoldToParty) ?? undefined) : undefined;
    if (soldTo === undefined) return { ok: false, reason: 'data.SoldToParty must be a business partner number' };
  }
  const raised = data.EventRaisedDateTime;
  let occurredAt = event.time ?? now().toISOString();
  if (raised !== undefined) {
    const ms = typeof raised === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(raised) ? Date.parse(raised) : Number.NaN;
    if (Number.isNaN(ms)) return { ok: false, reason: 'data.EventRaisedDateTime must be an ISO 8601 date-time' };
    occurredAt = new Date(ms).toISOString();
  }
  return { ok: true, salesOrder, changeType, soldTo, occurredAt };
}

/** The envelope id of a CloudEvent: unique per sender (`source`) and event (`id`). */
export const sapEventId = (event: CloudEventRequest): string => `sap:${event.source}:${event.id}`;

/** The canonical envelope of a sales order notice, with the order as SAP has it now (null when gone). */
export function salesOrderEnvelope(
  event: CloudEventRequest,
  notice: Extract<SalesOrderNotice, { ok: true }>,
  order: SalesOrderModel | null,
  tenant: string,
): EntityEvent {
  const soldTo = (order ? parseBusinessPartnerId(order.soldToParty) : null) ?? notice.soldTo;
  const attributes: Record<string, string> = {};
  if (soldTo) attributes.soldTo = soldTo;
  if (order && notice.changeType !== 'DELETED') attributes.status = order.status;
  return {
    id: sapEventId(event),
    type: 'SalesOrderChanged',
    system: 'sap',
    tenant,
    entity: { type: 'SalesOrder', id: notice.salesOrder },
    changeType: notice.changeType,
    changedFields: [],
    occurredAt: notice.occurredAt,
    attributes,
  };
}
