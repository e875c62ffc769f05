/**
 * `A_SalesOrder` / `A_SalesOrderItem` records (OData V2 JSON) mapped to the canonical models:
 * money stays the decimal string SAP sends plus its currency, `/Date(ms)/` and
 * `/Date(ms+0000)/` become ISO instants (the milliseconds are UTC; the offset is informational),
 * `OverallSDProcessStatus` A/B/C becomes OPEN/IN_PROCESS/COMPLETED, and the version is the ETag.
 */
import type { SalesOrderItemModel, SalesOrderModel, SalesOrderStatusValue } from './model';
import { expandedList, metadataEtag, str, type ODataRecord } from './odataEnvelope';
import { sapMalformedResponse } from './odataErrors';

const STATUS_FROM_SAP: Record<string, SalesOrderStatusValue> = { A: 'OPEN', B: 'IN_PROCESS', C: 'COMPLETED' };
const STATUS_TO_SAP: Record<SalesOrderStatusValue, 'A' | 'B' | 'C'> = { OPEN: 'A', IN_PROCESS: 'B', COMPLETED: 'C' };

/** SAP's status code as ours; '' (not relevant) and unknown codes read as OPEN. */
export function statusFromSap(code: string): SalesOrderStatusValue {
  return STATUS_FROM_SAP[code] ?? 'OPEN';
}

export function statusToSap(status: SalesOrderStatusValue): 'A' | 'B' | 'C' {
  return STATUS_TO_SAP[status];
}

const V2_DATE = /^\/Date\((-?\d{1,15})(?:[+-]\d{4})?\)\/$/;

/** An OData V2 JSON date (`/Date(ms)/`, `/Date(ms+0000)/`, or ISO text) as an ISO instant; null when absent or unreadable. */
export function isoFromODataDate(value: unknown): string | null {
  if (typeof value !== 'string' || value === '') return null;
  const m = V2_DATE.exec(value);
  const d = m ? new Date(Number(m[1])) : /^\d{4}-\d{2}-\d{2}/.test(value) ? new Date(value) : null;
  return d && !Number.isNaN(d.getTime()) ? d.toISOString() : null;
}

const orNull = (s: string): string | null => (s === '' ? null : s);

export function mapSalesOrderItem(rec: ODataRecord, orderCurrency: string): SalesOrderItemModel {
  const order = str(rec, 'SalesOrder');
  const item = str(rec, 'SalesOrderItem');
  if (item === '') throw sapMalformedResponse('read A_SalesOrderItem', 'item without SalesOrderItem');
  return {
    id: `${order}/${item}`,
    itemNumber: item,
    material: str(rec, 'Material'),
    description: orNull(str(rec, 'SalesOrderItemText')),
    quantity: str(rec, 'RequestedQuantity') || '0',
    quantityUnit: orNull(str(rec, 'RequestedQuantityUnit')),
    netAmount: { amount: str(rec, 'NetAmount') || '0', currency: str(rec, 'TransactionCurrency') || orderCurrency },
  };
}

/** Items in item-number order (numeric-aware: `'20'` before `'100'`). */
function mapItems(rec: ODataRecord, currency: string): SalesOrderItemModel[] | null {
  const list = expandedList(rec, 'to_Item');
  if (!list) return null;
  return list.map((i) => mapSalesOrderItem(i, currency))
    .sort((a, b) => a.itemNumber.padStart(6, '0').localeCompare(b.itemNumber.padStart(6, '0')));
}

/** An `A_SalesOrder` record (with `to_Item` expanded or not) as the canonical model. */
export function mapSalesOrder(rec: ODataRecord, etag?: string): SalesOrderModel {
  const id = str(rec, 'SalesOrder');
  if (id === '') throw sapMalformedResponse('read A_SalesOrder', 'order without SalesOrder');
  const currency = str(rec, 'TransactionCurrency');
  return {
    id,
    number: id,
    type: str(rec, 'SalesOrderType'),
    status: statusFromSap(str(rec, 'OverallSDProcessStatus')),
    totalNetAmount: { amount: str(rec, 'TotalNetAmount') || '0', currency },
    purchaseOrderByCustomer: orNull(str(rec, 'PurchaseOrderByCustomer')),
    orderDate: isoFromODataDate(rec.SalesOrderDate),
    requestedDeliveryDate: isoFromODataDate(rec.RequestedDeliveryDate),
    createdAt: isoFromODataDate(rec.CreationDate),
    updatedAt: isoFromODataDate(rec.LastChangeDateTime),
    version: metadataEtag(rec) ?? etag ?? '',
    soldToParty: str(rec, 'SoldToParty'),
    items: mapItems(rec, currency),
  };
}

/** The `A_SalesOrder` properties the mapping reads (`$select`), items included when expanded. */
export const SALES_ORDER_SELECT = [
  'SalesOrder', 'SalesOrderType', 'SoldToParty', 'TotalNetAmount', 'TransactionCurrency', 'OverallSDProcessStatus',
  'PurchaseOrderByCustomer', 'SalesOrderDate', 'RequestedDeliveryDate', 'CreationDate', 'LastChangeDateTime',
].join(',');

export const SALES_ORDER_ITEM_SELECT = [
  'SalesOrder', 'SalesOrderItem', 'Material', 'SalesOrderItemText', 'RequestedQuantity', 'RequestedQuantityUnit', 'NetAmount', 'TransactionCurrency',
].map((p) => `to_Item/${p}`).join(',');
