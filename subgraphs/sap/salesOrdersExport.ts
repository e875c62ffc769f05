/**
 * `Query.salesOrdersExport`: every sales order, one page of SAP's server-driven paging per request
 * (PROTOCOLS.md 3.3). The first page is `A_SalesOrder` with `$inlinecount=allpages`; SAP ends a
 * page that is not the last with `__next`, whose `$skiptoken` becomes the opaque `endCursor`; the
 * next request re-issues the same query with that `$skiptoken`. Only the token travels in the
 * cursor (never a URL), so a client cannot steer the subgraph's credentials elsewhere. Each page is
 * read on demand and nothing is kept between pages. Items are expanded only when selected.
 */
import type { GraphQLResolveInfo, SelectionSetNode } from 'graphql';
import { badUserInput } from '../kit/subgraphErrors';
import { decodeCursor, encodeCursor } from '../kit/relayConnection';
import type { SapContext } from './context';
import { mapSalesOrder, SALES_ORDER_ITEM_SELECT, SALES_ORDER_SELECT } from './mapping';
import type { SalesOrderModel } from './model';
import { sapMalformedResponse } from './odataErrors';
import type { ODataQuery } from './odataUrl';

const EXPORT_CURSOR = 'sap-orders-export';
/** What a skip token may look like (SAP's are short opaque strings: numbers, keys, base64). */
const SKIPTOKEN = /^[A-Za-z0-9_.:'=+/,-]{1,512}$/;

export interface SalesOrderExportPage {
  nodes: SalesOrderModel[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: null; endCursor: string | null };
  totalCount: number;
}

/** The skip token of a `__next` link; throws UPSTREAM_UNAVAILABLE when it has none we can carry. */
export function skiptokenOf(next: string, operation: string): string {
  let token: string | null = null;
  try {
    token = new URL(next, 'http://sap.invalid/').searchParams.get('$skiptoken');
  } catch {
    token = null;
  }
  if (token === null || !SKIPTOKEN.test(token)) throw sapMalformedResponse(operation, '__next without a usable $skiptoken');
  return token;
}

function decodeAfter(after: string | null | undefined): string | undefined {
  if (after === null || after === undefined) return undefined;
  const token = decodeCursor('sap', EXPORT_CURSOR, after);
  if (!SKIPTOKEN.test(token)) throw badUserInput('sap', 'after', 'after is not a cursor from this list');
  return token;
}

/** Does the selection ask for `nodes { items }` (fragments included)? */
function selectsItems(info: GraphQLResolveInfo | undefined): boolean {
  if (!info) return true;
  const walk = (set: SelectionSetNode | undefined, path: readonly string[]): boolean => (set?.selections ?? []).some((sel) => {
    if (sel.kind === 'Field') return sel.name.value === path[0] && (path.length === 1 || walk(sel.selectionSet, path.slice(1)));
    if (sel.kind === 'InlineFragment') return walk(sel.selectionSet, path);
    const fragment = info.fragments[sel.name.value];
    return fragment ? walk(fragment.selectionSet, path) : false;
  });
  return info.fieldNodes.some((f) => walk(f.selectionSet, ['nodes', 'items']));
}

export async function salesOrdersExport(ctx: SapContext, args: { after?: string | null }, info?: GraphQLResolveInfo): Promise<SalesOrderExportPage> {
  const skiptoken = decodeAfter(args.after);
  const items = selectsItems(info);
  const query: ODataQuery = {
    $inlinecount: 'allpages',
    $select: items ? `${SALES_ORDER_SELECT},${SALES_ORDER_ITEM_SELECT}` : SALES_ORDER_SELECT,
    $expand: items ? 'to_Item' : undefined,
    $skiptoken: skiptoken,
  };
  const page = await ctx.client.readPage('API_SALES_ORDER_SRV', 'A_SalesOrder', query, ctx.meta);
  const next = page.next === undefined ? undefined : skiptokenOf(page.next, 'GET API_SALES_ORDER_SRV/A_SalesOrder (export)');
  const nodes = page.results.map((r) => mapSalesOrder(r));
  return {
    nodes,
    pageInfo: { hasNextPage: next !== undefined, hasPreviousPage: skiptoken !== undefined, startCursor: null, endCursor: next === undefined ? null : encodeCursor(EXPORT_CURSOR, next) },
    totalCount: page.count ?? nodes.length,
  };
}
