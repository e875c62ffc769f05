/**
 * S/4HANA business events for sales orders as CloudEvents 1.0 (PROTOCOLS.md 3.8): thin
 * notifications that name the order and its sales area, never its content, so the consumer re-reads
 * the order through OData.
 *
 * ```json
 * {"specversion":"1.0","type":"sap.s4.beh.salesorder.v1.SalesOrder.Changed.v1",
 *  "source":"/default/sap.s4.beh/S4HCLNT100","id":"<uuid>","time":"2026-01-15T10:00:00.000Z",
 *  "datacontenttype":"application/json",
 *  "data":{"SalesOrder":"12","SalesOrderType":"OR","SalesOrganization":"1710","DistributionChannel":"10",
 *          "OrganizationDivision":"00","SoldToParty":"1000013","EventRaisedDateTime":"2026-01-15T10:00:00.000Z"}}
 * ```
 * `Created`, `Changed` and `Deleted` follow SAP's naming of the released sales order events; the
 * exact strings are unconfirmed (PROTOCOLS.md 3.8), the source follows the on-premise
 * `<SID>CLNT<client>` form.
 */
import { randomUUID } from 'node:crypto';
import type { Rec } from './edmModel';
import type { StoreChange } from './sapStore';

export const SALES_ORDER_EVENT_KINDS = ['Created', 'Changed', 'Deleted'] as const;
export type SalesOrderEventKind = (typeof SALES_ORDER_EVENT_KINDS)[number];

/** `sap.s4.beh.salesorder.v1.SalesOrder.<kind>.v1` */
export const salesOrderEventType = (kind: SalesOrderEventKind): string => `sap.s4.beh.salesorder.v1.SalesOrder.${kind}.v1`;

/** The default `source`: `/default/sap.s4.beh/<SID>CLNT<client>`. */
export const DEFAULT_EVENT_SOURCE = '/default/sap.s4.beh/S4HCLNT100';

export interface SalesOrderEventData {
  SalesOrder: string;
  SalesOrderType: string;
  SalesOrganization: string;
  DistributionChannel: string;
  OrganizationDivision: string;
  SoldToParty: string;
  EventRaisedDateTime: string;
}

export interface CloudEvent {
  specversion: '1.0';
  type: string;
  source: string;
  id: string;
  time: string;
  datacontenttype: 'application/json';
  data: SalesOrderEventData;
}

export interface SalesOrderEventInput {
  kind: SalesOrderEventKind;
  /** The order as it is now (or was, for `Deleted`); only its header fields are used. */
  order: Rec;
  source: string;
  /** @default a random UUID */
  id?: string;
  /** @default now */
  raisedAt?: Date;
}

const text = (rec: Rec, key: string): string => (rec[key] === null || rec[key] === undefined ? '' : String(rec[key]));

export function salesOrderCloudEvent(input: SalesOrderEventInput): CloudEvent {
  const raised = (input.raisedAt ?? new Date()).toISOString();
  const o = input.order;
  return {
    specversion: '1.0',
    type: salesOrderEventType(input.kind),
    source: input.source,
    id: input.id ?? randomUUID(),
    time: raised,
    datacontenttype: 'application/json',
    data: {
      SalesOrder: text(o, 'SalesOrder'),
      SalesOrderType: text(o, 'SalesOrderType'),
      SalesOrganization: text(o, 'SalesOrganization'),
      DistributionChannel: text(o, 'DistributionChannel'),
      OrganizationDivision: text(o, 'OrganizationDivision'),
      SoldToParty: text(o, 'SoldToParty'),
      EventRaisedDateTime: raised,
    },
  };
}

/**
 * The sales order events a set of committed store changes raises: one per changed `A_SalesOrder`
 * row (item writes always touch their order, so they surface as `Changed` of the order). An order
 * created and deleted within one `$batch` raises nothing.
 */
export function salesOrderEventsFor(changes: readonly StoreChange[], source: string): CloudEvent[] {
  const out: CloudEvent[] = [];
  for (const c of changes) {
    if (c.set !== 'A_SalesOrder') continue;
    const kind: SalesOrderEventKind | null = c.before && c.after ? 'Changed' : c.after ? 'Created' : c.before ? 'Deleted' : null;
    const order = c.after ?? c.before;
    if (!kind || !order) continue;
    out.push(salesOrderCloudEvent({ kind, order, source }));
  }
  return out;
}
