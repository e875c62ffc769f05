/**
 * Per-request DataLoaders for sales orders, batching into OData's native forms:
 * - `salesOrderById`: all ids asked for in one tick become ONE
 *   `GET A_SalesOrder?$filter=SalesOrder eq '1' or SalesOrder eq '2' …&$expand=to_Item` per
 *   URL-length chunk (a few hundred ids each). Invalid ids are BAD_USER_INPUT for that key only;
 *   unknown ids are null.
 * - `orderPages`: all order pages asked for in one tick (one per Contact) become ONE `$batch`
 *   with a GET part per page (up to `MAX_BATCH_PARTS` parts per `$batch`). A failed part is an
 *   Error for its key only.
 *
 * `salesOrderById` reads through the tenant's entity cache (`SalesOrder:<number>` entries tagged
 * `SalesOrder:<number>`; orders that do not exist and failures are not cached). Pages are not
 * entity-cached: they answer list queries, whose membership changes without any one order changing.
 */
import DataLoader from 'dataloader';
import { cachedBatch, type TenantCache } from '../kit/cachedBatch';
import { badUserInput } from '../kit/subgraphErrors';
import { mapSalesOrder, SALES_ORDER_ITEM_SELECT, SALES_ORDER_SELECT } from './mapping';
import type { SalesOrderModel, SalesOrderStatusValue } from './model';
import type { ODataClient, RequestMeta } from './odataClient';
import { chunkForFilter, orFilter, parseSalesOrderId, queryString } from './odataUrl';
import { orderListQuery, type OrderPage } from './salesOrderQuery';
import { salesOrderTag } from './sapCacheTags';

/** Most GET parts in one `$batch`. */
export const MAX_BATCH_PARTS = 100;

export interface OrderPageKey {
  /** Validated sold-to business partner numbers. */
  soldTo: readonly string[];
  status?: SalesOrderStatusValue | undefined;
  top: number;
  skip: number;
}

export interface SalesOrderLoaders {
  salesOrderById: DataLoader<string, SalesOrderModel | null>;
  orderPages: DataLoader<OrderPageKey, OrderPage, string>;
  /** Remember orders read by a list, so later look-ups by id need no request. */
  primeOrders(orders: readonly SalesOrderModel[]): void;
}

const asError = (err: unknown): Error => (err instanceof Error ? err : new Error(String(err)));

function chunk<T>(list: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

async function loadOrdersById(client: ODataClient, meta: RequestMeta, ids: readonly string[]): Promise<Array<SalesOrderModel | null | Error>> {
  const normalized = ids.map(parseSalesOrderId);
  const unique = [...new Set(normalized.filter((n): n is string => n !== null))];
  const found = new Map<string, SalesOrderModel>();
  const failed = new Map<string, Error>();
  await Promise.all(chunkForFilter('SalesOrder', unique, client.filterBudget).map(async (part) => {
    try {
      const res = await client.readCollection('API_SALES_ORDER_SRV', 'A_SalesOrder', {
        $filter: orFilter('SalesOrder', part), $expand: 'to_Item', $select: `${SALES_ORDER_SELECT},${SALES_ORDER_ITEM_SELECT}`,
      }, meta);
      for (const rec of res.results) {
        const order = mapSalesOrder(rec);
        found.set(order.id, order);
      }
    } catch (err) {
      for (const id of part) failed.set(id, asError(err));
    }
  }));
  return normalized.map((n) => {
    if (n === null) return badUserInput('sap', 'id', 'id must be a sales order number (1 to 10 digits)');
    return failed.get(n) ?? found.get(n) ?? null;
  });
}

async function loadOrderPages(client: ODataClient, meta: RequestMeta, keys: readonly OrderPageKey[]): Promise<Array<OrderPage | Error>> {
  const urls = keys.map((k) => `A_SalesOrder${queryString(orderListQuery({ soldTo: k.soldTo, status: k.status }, k.top, k.skip))}`);
  const results = await Promise.all(chunk(urls, MAX_BATCH_PARTS).map(async (part) => {
    try {
      return await client.batchRead('API_SALES_ORDER_SRV', part, meta);
    } catch (err) {
      return part.map(() => asError(err));
    }
  }));
  return results.flat().map((r) => {
    if (r instanceof Error) return r;
    try {
      return { orders: r.results.map((rec) => mapSalesOrder(rec)), totalCount: r.count };
    } catch (err) {
      return asError(err);
    }
  });
}

const pageKey = (k: OrderPageKey): string => JSON.stringify([[...k.soldTo].sort(), k.status ?? null, k.top, k.skip]);

export function createSalesOrderLoaders(client: ODataClient, meta: RequestMeta, cache: TenantCache): SalesOrderLoaders {
  const salesOrderById = new DataLoader<string, SalesOrderModel | null>(cachedBatch({
    cache: cache.entityCache, tenant: cache.tenant, type: 'SalesOrder', keyOf: parseSalesOrderId, tagsOf: (o) => (o ? [salesOrderTag(o.id)] : []),
  }, (ids) => loadOrdersById(client, meta, ids)));
  const orderPages = new DataLoader<OrderPageKey, OrderPage, string>((keys) => loadOrderPages(client, meta, keys), { cacheKeyFn: pageKey });
  return {
    salesOrderById,
    orderPages,
    primeOrders(orders) {
      for (const o of orders) if (o.items !== null) salesOrderById.prime(o.id, o);
    },
  };
}
