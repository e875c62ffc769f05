/**
 * `Mutation.updateSalesOrderStatus`: validate (nothing is sent when the input is bad), take the
 * caller's `expectedVersion` as `If-Match` or read the order's current ETag, send the partial
 * update (CSRF handled by the client), and return the order as SAP has it afterwards.
 * Stale version → CONFLICT (not retryable); unknown order → NOT_FOUND.
 *
 * The order is evicted from the tenant's entity cache before anything is read (so the ETag read
 * without `expectedVersion` is the system's current one, not a cached one) and again after the
 * write; `extensions.invalidatedTags` reports `SalesOrder:<number>` and `BusinessPartner:<sold-to>`
 * (its partner's order lists, e.g. filtered by status, changed too).
 */
import { GraphQLError } from 'graphql';
import { badUserInput, subgraphError, type ErrorCode } from '../kit/subgraphErrors';
import type { SapContext } from './context';
import { statusToSap } from './mapping';
import type { SalesOrderModel, SalesOrderStatusValue } from './model';
import { checkSalesOrderId, parseBusinessPartnerId, stringLiteral } from './odataUrl';
import { businessPartnerTag, salesOrderTag } from './sapCacheTags';

/** An entity tag as `version` returns it: `W/"…"` or `"…"` of visible ASCII, at most 256 characters inside. */
const ETAG = /^(W\/)?"[\x21\x23-\x7e]{0,256}"$/;

export interface UpdateSalesOrderStatusArgs {
  id: string;
  status: SalesOrderStatusValue;
  expectedVersion?: string | null | undefined;
}

function checkVersion(version: string | null | undefined): string | undefined {
  if (version === null || version === undefined) return undefined;
  if (!ETAG.test(version)) throw badUserInput('sap', 'expectedVersion', 'expectedVersion must be a version value as returned by SalesOrder.version');
  return version;
}

const notFound = (id: string): GraphQLError => subgraphError({ code: 'NOT_FOUND', system: 'sap', message: `Sales order ${id} was not found` });

/** Re-word our own NOT_FOUND/CONFLICT errors for this mutation, keeping their cause. */
function reword(err: unknown, id: string): unknown {
  const code = err instanceof GraphQLError ? (err.extensions.code as ErrorCode | undefined) : undefined;
  if (code === 'NOT_FOUND') return subgraphError({ code, system: 'sap', message: `Sales order ${id} was not found`, cause: (err as GraphQLError).originalError });
  if (code === 'CONFLICT') {
    return subgraphError({ code, system: 'sap', message: `Sales order ${id} was changed since the given version; read it again and retry`, cause: (err as GraphQLError).originalError });
  }
  return err;
}

export async function updateSalesOrderStatus(ctx: SapContext, args: UpdateSalesOrderStatusArgs): Promise<SalesOrderModel> {
  const id = checkSalesOrderId(args.id, 'id');
  const status = statusToSap(args.status);
  let ifMatch = checkVersion(args.expectedVersion);
  const loader = ctx.loaders.salesOrderById;
  ctx.invalidate([salesOrderTag(id)]);
  loader.clear(id);
  if (ifMatch === undefined) {
    const current = await loader.load(id);
    if (!current) throw notFound(id);
    // An order without an ETag is not version-checked by the system.
    ifMatch = current.version || '*';
  }
  try {
    await ctx.client.update('API_SALES_ORDER_SRV', `A_SalesOrder(${stringLiteral(id)})`, { OverallSDProcessStatus: status }, ifMatch, ctx.meta);
  } catch (err) {
    throw reword(err, id);
  }
  ctx.log.info({ salesOrder: id, status }, 'sales order status updated');
  ctx.invalidate([salesOrderTag(id)]);
  const after = await loader.clear(id).load(id);
  if (!after) throw notFound(id);
  // The partner's own entries hold nothing that changed: reported (for its order lists), not evicted.
  const soldTo = parseBusinessPartnerId(after.soldToParty);
  if (soldTo) ctx.cacheTags.addInvalidated([businessPartnerTag(soldTo)]);
  return after;
}
