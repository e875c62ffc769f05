/**
 * Resolvers of the SAP subgraph (schema/sap.graphql). Reads go through the per-request loaders
 * (one OData request per batch, see the loader files); lists are Relay connections with offset
 * cursors and `$inlinecount` totals. Lists of a partner's orders add `BusinessPartner:<number>` to
 * the response's cache tags (besides the orders' and the contact's own tags, which the server adds).
 * `salesOrdersExport` and `bulkUpdateSalesOrderStatus` live in their own files.
 * `Subscription.salesOrderChanged` follows the event log (`salesOrderChangedSubscription.ts`).
 */
import type { Resolvers, SalesOrderFilter } from '../../schema/generated/sap';
import { DateTimeScalar } from '../kit/dateTimeScalar';
import { checkFirst, decodeOffsetCursor } from '../kit/relayConnection';
import type { SapContext } from './context';
import { mapSalesOrder } from './mapping';
import { checkBusinessPartnerId, checkSalesOrderId, normalizeEmail } from './odataUrl';
import { orderConnection, orderListQuery, type OrderListFilter } from './salesOrderQuery';
import { salesOrderChangedResolvers } from './salesOrderChangedSubscription';
import { businessPartnerTag } from './sapCacheTags';
import { updateSalesOrderStatus } from './updateSalesOrderStatus';
import { bulkUpdateSalesOrderStatus } from './bulkSalesOrderStatus';
import { salesOrdersExport } from './salesOrdersExport';

/** Cursor kinds: a cursor from one list is refused by the other. */
const ORDERS_CURSOR = 'sap-orders';
const CONTACT_ORDERS_CURSOR = 'sap-contact-orders';

function checkFilter(filter: SalesOrderFilter | null | undefined): OrderListFilter {
  if (!filter) return {};
  return {
    status: filter.status ?? undefined,
    soldTo: filter.soldToParty === null || filter.soldToParty === undefined ? undefined : [checkBusinessPartnerId(filter.soldToParty, 'filter.soldToParty')],
    createdAfter: filter.createdAfter ?? undefined,
    createdBefore: filter.createdBefore ?? undefined,
  };
}

export const resolvers: Resolvers<SapContext> = {
  DateTime: DateTimeScalar,

  Query: {
    salesOrder: (_root, args, ctx) => ctx.loaders.salesOrderById.load(checkSalesOrderId(args.id, 'id')),

    async salesOrders(_root, args, ctx) {
      const first = checkFirst('sap', args.first, 20, 100);
      const offset = decodeOffsetCursor('sap', ORDERS_CURSOR, args.after);
      const filter = checkFilter(args.filter);
      ctx.cacheTags.add(...(filter.soldTo ?? []).map(businessPartnerTag));
      const res = await ctx.client.readCollection('API_SALES_ORDER_SRV', 'A_SalesOrder', orderListQuery(filter, first + 1, offset), ctx.meta);
      const orders = res.results.map((r) => mapSalesOrder(r));
      ctx.loaders.primeOrders(orders);
      return orderConnection({ orders, totalCount: res.count }, first, offset, ORDERS_CURSOR);
    },

    salesOrdersExport: (_root, args, ctx, info) => salesOrdersExport(ctx, args, info),
  },

  Mutation: {
    updateSalesOrderStatus: (_root, args, ctx) => updateSalesOrderStatus(ctx, args),
    bulkUpdateSalesOrderStatus: (_root, args, ctx) => bulkUpdateSalesOrderStatus(ctx, args),
  },

  ...salesOrderChangedResolvers,

  SalesOrder: {
    __resolveReference: (ref, ctx) => ctx.loaders.salesOrderById.load(ref.id),
    async items(order, _args, ctx) {
      if (order.items) return order.items;
      return (await ctx.loaders.salesOrderById.load(order.id))?.items ?? [];
    },
    soldTo: (order, _args, ctx) => (order.soldToParty ? ctx.loaders.emailByPartner.load(order.soldToParty) : null),
  },

  Contact: {
    __resolveReference: (ref) => ({ email: ref.email }),
    async salesOrders(contact, args, ctx) {
      const first = checkFirst('sap', args.first, 10, 100);
      const offset = decodeOffsetCursor('sap', CONTACT_ORDERS_CURSOR, args.after);
      const email = normalizeEmail(contact.email);
      const partners = email ? await ctx.loaders.partnersByEmail.load(email) : [];
      ctx.cacheTags.add(...partners.map(businessPartnerTag));
      if (partners.length === 0) return orderConnection({ orders: [], totalCount: 0 }, first, offset, CONTACT_ORDERS_CURSOR);
      const page = await ctx.loaders.orderPages.load({ soldTo: partners, status: args.status ?? undefined, top: first + 1, skip: offset });
      ctx.loaders.primeOrders(page.orders);
      return orderConnection(page, first, offset, CONTACT_ORDERS_CURSOR);
    },
  },
};
