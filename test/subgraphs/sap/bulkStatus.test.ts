/**
 * `Mutation.bulkUpdateSalesOrderStatus` against the real sandbox: `$batch` changesets in chunks,
 * per-order outcomes (stale ETag -> CONFLICT, the rest applied), atomic all-or-nothing, input
 * validation before anything is sent, and cache-tag invalidation.
 */
import type { Rec } from '../../../subgraphs/sap/sandbox/edmModel';
import { OPERATIONS_PER_BATCH } from '../../../subgraphs/sap/bulkSalesOrderStatus';
import { ENTITIES, startSapHarness, withoutCsrfFetch, type SapHarness } from './sapHarness';

let h: SapHarness;

const BULK = `mutation($updates: [SalesOrderStatusUpdateInput!]!, $atomic: Boolean) {
  bulkUpdateSalesOrderStatus(updates: $updates, atomic: $atomic) { succeeded failed results { id ok code message version } }
}`;
const SINGLE = 'mutation($id: ID!, $status: SalesOrderStatus!) { updateSalesOrderStatus(id: $id, status: $status) { id version } }';

interface Outcome { id: string; ok: boolean; code: string | null; message: string | null; version: string | null }
const SAP_STATUS = { OPEN: 'A', IN_PROCESS: 'B', COMPLETED: 'C' } as const;
type Status = keyof typeof SAP_STATUS;

const stored = (id: string): Rec => h.sandbox.store.get('A_SalesOrder', id) as Rec;
const ids = (from: number, n: number): string[] => Array.from({ length: n }, (_, i) => String(from + i));
/** A status other than the order's current one. */
const otherStatus = (id: string): Status => (stored(id).OverallSDProcessStatus === 'C' ? 'OPEN' : 'COMPLETED');

async function versions(list: readonly string[]): Promise<Map<string, string>> {
  const res = await h.gql(ENTITIES('... on SalesOrder { id version }'), { reps: list.map((id) => ({ __typename: 'SalesOrder', id })) });
  expect(res.errors).toBeUndefined();
  return new Map((res.data._entities as Array<{ id: string; version: string }>).map((o) => [o.id, o.version]));
}

beforeAll(async () => {
  h = await startSapHarness();
});
afterAll(() => h.close());

describe('bulkUpdateSalesOrderStatus', () => {
  it('applies 500 non-atomic updates in $batch chunks, answering stale versions with CONFLICT per order and applying the rest', async () => {
    const list = ids(100, 500);
    const known = await versions(list);
    const stale = list.filter((_, i) => i % 50 === 7); // 10 orders changed behind the caller's back
    for (const id of stale) expect((await h.gql(SINGLE, { id, status: otherStatus(id) })).errors).toBeUndefined();
    const staleState = new Map(stale.map((id) => [id, { ...stored(id) }]));
    const noVersion = new Set(list.filter((_, i) => i % 100 === 3)); // the subgraph reads their current version
    const target = new Map(list.map((id) => [id, otherStatus(id)]));
    const updates = list.map((id) => ({ id, status: target.get(id), ...(noVersion.has(id) ? {} : { expectedVersion: known.get(id) }) }));
    updates.push({ id: '9999999', status: 'OPEN', expectedVersion: known.get('100') });
    h.resetCounts();

    const res = await h.gql(BULK, { updates });
    expect(res.errors).toBeUndefined();
    const out = res.data.bulkUpdateSalesOrderStatus as { succeeded: number; failed: number; results: Outcome[] };
    expect(out.results.map((r) => r.id)).toEqual([...list, '9999999']);
    expect(out).toMatchObject({ succeeded: 490, failed: 11 });
    for (const r of out.results) {
      if (stale.includes(r.id)) {
        expect(r).toMatchObject({ ok: false, code: 'CONFLICT', version: null });
        expect(stored(r.id)).toEqual(staleState.get(r.id));
      } else if (r.id === '9999999') {
        expect(r).toMatchObject({ ok: false, code: 'NOT_FOUND' });
      } else {
        expect(r).toMatchObject({ ok: true, code: null });
        expect(stored(r.id).OverallSDProcessStatus).toBe(SAP_STATUS[target.get(r.id) as Status]);
        expect(r.version).not.toBe(known.get(r.id));
      }
    }
    expect(out.results.every((r) => !r.message?.match(/IWBEP|If-Match|HTTP/))).toBe(true);
    // One $batch of GETs for the current versions, then one $batch per chunk of updates; no single PATCH.
    expect(withoutCsrfFetch(h.counts())).toEqual({ 'POST API_SALES_ORDER_SRV/$batch': 1 + Math.ceil(500 / OPERATIONS_PER_BATCH) });
    const fresh = await versions(list.slice(0, 3));
    for (const r of out.results.slice(0, 3)) expect(fresh.get(r.id)).toBe(r.version);
  });

  it('applies nothing when one update of an atomic call is stale, blaming that order', async () => {
    const list = ids(700, 10);
    const known = await versions(list);
    expect((await h.gql(SINGLE, { id: '704', status: otherStatus('704') })).errors).toBeUndefined();
    const before = list.map((id) => ({ ...stored(id) }));
    h.resetCounts();
    const res = await h.gql(BULK, { atomic: true, updates: list.map((id) => ({ id, status: otherStatus(id), expectedVersion: known.get(id) })) });
    expect(res.errors).toBeUndefined();
    const out = res.data.bulkUpdateSalesOrderStatus as { succeeded: number; failed: number; results: Outcome[] };
    expect(out).toMatchObject({ succeeded: 0, failed: 10 });
    expect(out.results.find((r) => r.id === '704')).toMatchObject({ ok: false, code: 'CONFLICT' });
    expect(out.results.filter((r) => r.id !== '704').every((r) => !r.ok && r.code === 'NOT_APPLIED')).toBe(true);
    expect(list.map((id) => stored(id))).toEqual(before);
    expect(withoutCsrfFetch(h.counts())).toEqual({ 'POST API_SALES_ORDER_SRV/$batch': 2 });
  });

  it('applies every update of a valid atomic call in one changeset and reports the invalidated cache tags', async () => {
    const list = ids(800, 5);
    const target = new Map(list.map((id) => [id, otherStatus(id)]));
    const res = await h.gql(BULK, { atomic: true, updates: list.map((id) => ({ id, status: target.get(id) })) });
    expect(res.errors).toBeUndefined();
    const out = res.data.bulkUpdateSalesOrderStatus as { succeeded: number; results: Outcome[] };
    expect(out.succeeded).toBe(5);
    for (const id of list) expect(stored(id).OverallSDProcessStatus).toBe(SAP_STATUS[target.get(id) as Status]);
    const tags = ((res as { extensions?: { invalidatedTags?: string[] } }).extensions?.invalidatedTags ?? []);
    expect(tags).toEqual(expect.arrayContaining([...list.map((id) => `SalesOrder:${id}`), ...list.map((id) => `BusinessPartner:${String(stored(id).SoldToParty)}`)]));
  });

  it('refuses invalid input with BAD_USER_INPUT and sends nothing upstream', async () => {
    h.resetCounts();
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ updates: [{ id: '1', status: 'OPEN' }, { id: '01', status: 'OPEN' }] }, 'updates[1].id'],
      [{ updates: [{ id: "1') or ('1", status: 'OPEN' }] }, 'updates[0].id'],
      [{ updates: [{ id: '2', status: 'OPEN', expectedVersion: 'W/"x"\r\nX-Injected: 1' }] }, 'updates[0].expectedVersion'],
      [{ atomic: true, updates: ids(1, 501).map((id) => ({ id, status: 'OPEN' })) }, 'updates'],
    ];
    for (const [vars, field] of cases) {
      const res = await h.gql(BULK, vars);
      expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    }
    expect(h.counts()).toEqual({});
  });
});
