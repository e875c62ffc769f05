/**
 * `Mutation.bulkUpdateSalesOrderStatus`: many status updates as OData V2 `$batch` changesets
 * (PROTOCOLS.md 3.5). Input is validated whole first (nothing is sent when any update is bad).
 * The orders are evicted from the tenant's entity cache, then their current ETag and sold-to party
 * are read with one `$batch` of GETs (an order missing there is NOT_FOUND and not sent). Updates go
 * out `OPERATIONS_PER_BATCH` to a `$batch`, `PARALLEL_BATCHES` at a time:
 * - `atomic: false`: one changeset per order, so each succeeds or fails alone;
 * - `atomic: true`: one changeset with every update, all or nothing (on failure every order gets
 *   the failure's code, since SAP's single error response does not name the failed operation).
 * `If-Match` is the caller's `expectedVersion`, else the version just read. Each outcome carries
 * the new version from the changeset response's `ETag`. Changed orders are evicted again and
 * reported (`SalesOrder:<n>`, `BusinessPartner:<sold-to>`) like `updateSalesOrderStatus`.
 */
import { GraphQLError } from 'graphql';
import { badUserInput, type ErrorCode } from '../kit/subgraphErrors';
import type { SapContext } from './context';
import { statusToSap } from './mapping';
import type { SalesOrderStatusValue } from './model';
import type { BatchPartResponse, BatchResponseItem, ChangesetOperation } from './odataBatch';
import { metadataEtag, str } from './odataEnvelope';
import { sapHttpError } from './odataErrors';
import { checkSalesOrderId, chunkForFilter, orFilter, parseBusinessPartnerId, queryString, stringLiteral } from './odataUrl';
import { businessPartnerTag, salesOrderTag } from './sapCacheTags';

/** Most updates in one call (`atomic: false`). */
export const MAX_BULK_UPDATES = 5000;
/** Most updates in one atomic call: one changeset in one `$batch`, within the server's part limit. */
export const MAX_ATOMIC_UPDATES = 500;
/** Update operations per `$batch` request (`atomic: false`). */
export const OPERATIONS_PER_BATCH = 100;
/** `$batch` requests in flight at once for one call. */
export const PARALLEL_BATCHES = 4;

/** Same contract as `updateSalesOrderStatus`'s `expectedVersion`: `W/"…"` or `"…"` of visible ASCII. */
const ETAG = /^(W\/)?"[\x21\x23-\x7e]{0,256}"$/;

export interface SalesOrderStatusUpdate {
  id: string;
  status: SalesOrderStatusValue;
  expectedVersion?: string | null | undefined;
}

export interface SalesOrderUpdateOutcome {
  id: string;
  ok: boolean;
  /** An `ErrorCode`, or `NOT_APPLIED` (atomic: another update failed); null when ok. */
  code: string | null;
  message: string | null;
  version: string | null;
}

export interface BulkSalesOrderUpdateResult {
  results: SalesOrderUpdateOutcome[];
  succeeded: number;
  failed: number;
}

/** A validated update, in input order. */
interface PlannedUpdate {
  id: string;
  sapStatus: 'A' | 'B' | 'C';
  expectedVersion: string | undefined;
}

/** What the read of current state found per order number. */
interface CurrentOrder {
  version: string;
  soldTo: string | null;
}

function plan(updates: readonly SalesOrderStatusUpdate[], atomic: boolean): PlannedUpdate[] {
  const max = atomic ? MAX_ATOMIC_UPDATES : MAX_BULK_UPDATES;
  if (updates.length > max) throw badUserInput('sap', 'updates', `at most ${max} updates per call${atomic ? ' when atomic' : ''}`);
  const seen = new Set<string>();
  return updates.map((u, i) => {
    const id = checkSalesOrderId(u.id, `updates[${i}].id`);
    if (seen.has(id)) throw badUserInput('sap', `updates[${i}].id`, `sales order ${id} appears more than once`);
    seen.add(id);
    const v = u.expectedVersion ?? undefined;
    if (v !== undefined && !ETAG.test(v)) throw badUserInput('sap', `updates[${i}].expectedVersion`, 'expectedVersion must be a version value as returned by SalesOrder.version');
    return { id, sapStatus: statusToSap(u.status), expectedVersion: v };
  });
}

/** Current version and sold-to of each order, with one `$batch` of GETs. */
async function readCurrent(ctx: SapContext, ids: readonly string[]): Promise<Map<string, CurrentOrder>> {
  const urls = chunkForFilter('SalesOrder', ids, ctx.client.filterBudget)
    .map((part) => `A_SalesOrder${queryString({ $filter: orFilter('SalesOrder', part), $select: 'SalesOrder,SoldToParty,LastChangeDateTime' })}`);
  const found = new Map<string, CurrentOrder>();
  for (const res of await ctx.client.batchRead('API_SALES_ORDER_SRV', urls, ctx.meta)) {
    if (res instanceof Error) throw res;
    for (const rec of res.results) found.set(str(rec, 'SalesOrder'), { version: metadataEtag(rec) ?? '', soldTo: parseBusinessPartnerId(str(rec, 'SoldToParty')) });
  }
  return found;
}

const okOutcome = (id: string, part: BatchPartResponse | undefined): SalesOrderUpdateOutcome =>
  ({ id, ok: true, code: null, message: null, version: part?.headers.etag ?? null });

function failOutcome(id: string, err: unknown, prefix = ''): SalesOrderUpdateOutcome {
  const gql = err instanceof GraphQLError ? err : undefined;
  const code = (gql?.extensions.code as ErrorCode | undefined) ?? 'INTERNAL_SERVER_ERROR';
  const message = code === 'CONFLICT' ? `Sales order ${id} was changed since the given version; read it again and retry`
    : code === 'NOT_FOUND' ? `Sales order ${id} was not found` : gql?.message ?? 'Unexpected error';
  return { id, ok: false, code, message: `${prefix}${message}`, version: null };
}

const partError = (part: BatchPartResponse, operation: string): GraphQLError =>
  sapHttpError({ status: part.status, text: part.body, retryAfter: part.headers['retry-after'], operation });

const notApplied = (id: string, code: string, message: string): SalesOrderUpdateOutcome => ({ id, ok: false, code, message, version: null });

/** A one-operation changeset's outcome. */
function changesetOutcome(id: string, item: BatchResponseItem | undefined): SalesOrderUpdateOutcome {
  if (item?.kind === 'changeset') return okOutcome(id, item.responses[0]);
  return failOutcome(id, item ? partError(item.response, `update of sales order ${id} (in $batch)`) : undefined);
}

/**
 * The atomic changeset's outcomes. SAP answers a failed changeset with one error that does not name
 * the operation: on CONFLICT the orders whose `expectedVersion` differs from the version just read
 * are blamed and the others are NOT_APPLIED; otherwise (or when none differs) every order gets the code.
 */
function atomicOutcomes(updates: readonly PlannedUpdate[], item: BatchResponseItem | undefined, current: ReadonlyMap<string, CurrentOrder>): SalesOrderUpdateOutcome[] {
  if (item?.kind === 'changeset') return updates.map((u, i) => okOutcome(u.id, item.responses[i]));
  const err = item ? partError(item.response, 'atomic changeset') : undefined;
  const prefix = 'Nothing was applied: an update of the atomic changeset failed. ';
  const stale = new Set(updates.filter((u) => u.expectedVersion !== undefined && u.expectedVersion !== current.get(u.id)?.version).map((u) => u.id));
  if (err?.extensions.code !== 'CONFLICT' || stale.size === 0) return updates.map((u) => failOutcome(u.id, err, prefix));
  return updates.map((u) => (stale.has(u.id) ? failOutcome(u.id, err) : notApplied(u.id, 'NOT_APPLIED', `${prefix}Sales order ${u.id} itself was not the cause`)));
}

/** Run `tasks` with at most `limit` in flight; results in task order. */
async function pool<T>(tasks: ReadonlyArray<() => Promise<T>>, limit: number): Promise<T[]> {
  const results: T[] = new Array<T>(tasks.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < tasks.length; i = next++) results[i] = await (tasks[i] as () => Promise<T>)();
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}

/** Send `updates` (all found, with If-Match) as one `$batch`; a failed request fails each of its updates. */
async function sendBatch(
  ctx: SapContext, updates: readonly PlannedUpdate[], ifMatch: ReadonlyMap<string, string>, current: ReadonlyMap<string, CurrentOrder>, atomic: boolean,
): Promise<SalesOrderUpdateOutcome[]> {
  const ops: ChangesetOperation[] = updates.map((u, i) => ({
    method: ctx.client.updateMethod, url: `A_SalesOrder(${stringLiteral(u.id)})`, contentId: String(i + 1),
    headers: { 'If-Match': ifMatch.get(u.id) as string }, body: JSON.stringify({ OverallSDProcessStatus: u.sapStatus }),
  }));
  try {
    const items = await ctx.client.batchChangesets('API_SALES_ORDER_SRV', atomic ? [ops] : ops.map((op) => [op]), ctx.meta);
    return atomic ? atomicOutcomes(updates, items[0], current) : updates.map((u, i) => changesetOutcome(u.id, items[i]));
  } catch (err) {
    return updates.map((u) => failOutcome(u.id, err));
  }
}

function chunks<T>(list: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

export async function bulkUpdateSalesOrderStatus(ctx: SapContext, args: { updates: readonly SalesOrderStatusUpdate[]; atomic?: boolean | null }): Promise<BulkSalesOrderUpdateResult> {
  const atomic = args.atomic ?? false;
  const planned = plan(args.updates, atomic);
  if (planned.length === 0) return { results: [], succeeded: 0, failed: 0 };
  const ids = planned.map((u) => u.id);
  ctx.invalidate(ids.map(salesOrderTag));
  for (const id of ids) ctx.loaders.salesOrderById.clear(id);
  const current = await readCurrent(ctx, ids);
  const missing = planned.filter((u) => !current.has(u.id));
  const byId = new Map(missing.map((u) => [u.id, notApplied(u.id, 'NOT_FOUND', `Sales order ${u.id} was not found`)]));
  const toSend = planned.filter((u) => current.has(u.id));
  if (atomic && missing.length > 0) {
    for (const u of toSend) byId.set(u.id, notApplied(u.id, 'NOT_APPLIED', 'Nothing was applied: another order of the atomic update was not found'));
  } else if (toSend.length > 0) {
    // An order without an ETag is not version-checked by the system.
    const ifMatch = new Map(toSend.map((u) => [u.id, u.expectedVersion ?? (current.get(u.id)?.version || '*')]));
    const groups = atomic ? [toSend] : chunks(toSend, OPERATIONS_PER_BATCH);
    const outcomes = (await pool(groups.map((g) => () => sendBatch(ctx, g, ifMatch, current, atomic)), PARALLEL_BATCHES)).flat();
    for (const o of outcomes) byId.set(o.id, o);
  }
  const results = ids.map((id) => byId.get(id) as SalesOrderUpdateOutcome);
  const changed = results.filter((r) => r.ok).map((r) => r.id);
  ctx.invalidate(changed.map(salesOrderTag));
  const partners = new Set(changed.map((id) => current.get(id)?.soldTo).filter((bp): bp is string => !!bp));
  ctx.cacheTags.addInvalidated([...partners].map(businessPartnerTag));
  const succeeded = changed.length;
  ctx.log.info({ updates: results.length, succeeded, atomic }, 'sales order statuses updated in bulk');
  return { results, succeeded, failed: results.length - succeeded };
}
