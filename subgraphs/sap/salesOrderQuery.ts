/**
 * The one way the subgraph asks for a page of sales orders: `$filter` from validated conditions
 * (AND-ed), newest first (`CreationDate desc,SalesOrder desc`, so pages are stable),
 * `$top`/`$skip`, `$inlinecount=allpages` for the total, items expanded. Also the page → Relay
 * connection step with offset cursors.
 */
import { buildConnection, encodeCursor, type Connection } from '../kit/relayConnection';
import { SALES_ORDER_ITEM_SELECT, SALES_ORDER_SELECT, statusToSap } from './mapping';
import type { SalesOrderModel, SalesOrderStatusValue } from './model';
import { dateTimeLiteral, eqTerm, orFilter, type ODataQuery } from './odataUrl';

/** Conditions on an order list; every value is already validated. */
export interface OrderListFilter {
  status?: SalesOrderStatusValue | undefined;
  /** Sold-to business partner numbers (any of them). */
  soldTo?: readonly string[] | undefined;
  /** Inclusive lower bound on `CreationDate` (ISO instant). */
  createdAfter?: string | undefined;
  /** Exclusive upper bound on `CreationDate` (ISO instant). */
  createdBefore?: string | undefined;
}

export const ORDER_BY = 'CreationDate desc,SalesOrder desc';

export function orderListFilter(f: OrderListFilter): string | undefined {
  const terms: string[] = [];
  if (f.soldTo?.length) terms.push(orFilter('SoldToParty', f.soldTo));
  if (f.status) terms.push(eqTerm('OverallSDProcessStatus', statusToSap(f.status)));
  if (f.createdAfter) terms.push(`CreationDate ge ${dateTimeLiteral(f.createdAfter)}`);
  if (f.createdBefore) terms.push(`CreationDate lt ${dateTimeLiteral(f.createdBefore)}`);
  return terms.length ? terms.join(' and ') : undefined;
}

/** Query options for `A_SalesOrder` returning `top` orders after skipping `skip`. */
export function orderListQuery(f: OrderListFilter, top: number, skip: number): ODataQuery {
  return {
    $filter: orderListFilter(f),
    $orderby: ORDER_BY,
    $top: top,
    $skip: skip > 0 ? skip : undefined,
    $inlinecount: 'allpages',
    $expand: 'to_Item',
    $select: `${SALES_ORDER_SELECT},${SALES_ORDER_ITEM_SELECT}`,
  };
}

/** One page as read: up to `first + 1` orders (the extra one tells that more follow) and the total. */
export interface OrderPage {
  orders: SalesOrderModel[];
  totalCount: number | undefined;
}

/** The Relay connection of a page read with `$top = first + 1` at `offset`. */
export function orderConnection(page: OrderPage, first: number, offset: number, cursorKind: string): Connection<SalesOrderModel> & { totalCount: number } {
  const nodes = page.orders.slice(0, first);
  const total = page.totalCount ?? offset + page.orders.length;
  const connection = buildConnection(nodes, {
    hasNextPage: page.orders.length > first || offset + nodes.length < total,
    hasPreviousPage: offset > 0,
    cursorOf: (_node, i) => encodeCursor(cursorKind, String(offset + i)),
    totalCount: total,
  });
  return { ...connection, totalCount: total };
}
