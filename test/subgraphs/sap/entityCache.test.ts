/**
 * The SAP subgraph's entity cache against the sandbox: sales orders and business partners by id /
 * by email are served from the cache the second time, invalidation by tag refetches exactly the
 * tagged order, tenants do not share entries, the status mutation evicts and reports its tags,
 * responses carry cache tags and Cache-Control; lists (order pages) are never entity-cached.
 */
import type { Rec } from '../../../subgraphs/sap/sandbox/edmModel';
import { ENTITIES, startSapHarness, type SapHarness } from './sapHarness';
import { contextHeaders } from '../signedContext';
import { requestsDuring } from '../../sandboxes/requestsDuring';

const TOKEN = 'sap-internal-token-0123456789abcdef';
const ORDERS = ENTITIES('... on SalesOrder { id status purchaseOrderByCustomer soldTo { email } }');
const CONTACT_ORDERS = ENTITIES('... on Contact { email salesOrders(first: 2) { nodes { id } } }');
const READ = 'query($id: ID!) { salesOrder(id: $id) { id status version } }';
const UPDATE = 'mutation($id: ID!, $status: SalesOrderStatus!) { updateSalesOrderStatus(id: $id, status: $status) { id status } }';

let h: SapHarness;
let orders: Rec[];

async function post(query: string, variables: Record<string, unknown>, headers: Record<string, string> = {}): Promise<{ res: Response; body: { data?: any; errors?: unknown[]; extensions?: { cacheTags?: string[]; invalidatedTags?: string[] } } }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const res = await fetch(h.subgraph.url, { method: 'POST', headers: { 'content-type': 'application/json', ...contextHeaders(), ...headers }, body: JSON.stringify({ query, variables }) });
  return { res, body: (await res.json()) as never };
}

/** The decoded request targets SAP receives while `run` runs (HEAD token fetches left out). */
function targetsDuring(run: () => Promise<unknown>): Promise<string[]> {
  return requestsDuring(h.sandbox.server, run, (req) => (req.method !== 'HEAD' ? decodeURIComponent(req.url ?? '') : undefined));
}

function emailOf(bp: string): string {
  const address = h.sandbox.store.all('A_BusinessPartnerAddress').find((a) => a.BusinessPartner === bp);
  const email = h.sandbox.store.all('A_AddressEmailAddress').find((e) => e.AddressID === address?.AddressID);
  return String(email?.EmailAddress).toLowerCase();
}

const order = (i: number): Rec => orders[i] as Rec;
const rep = (o: Rec) => ({ __typename: 'SalesOrder', id: String(o.SalesOrder) });
const without = (counts: Record<string, number>) => Object.fromEntries(Object.entries(counts).filter(([k]) => !k.startsWith('HEAD ')));

beforeAll(async () => {
  h = await startSapHarness({ INTERNAL_API_TOKEN: TOKEN });
  const seen = new Set<string>();
  orders = h.sandbox.store.all('A_SalesOrder').filter((o) => {
    const bp = String(o.SoldToParty);
    if (seen.has(bp) || emailOf(bp) === 'undefined') return false;
    seen.add(bp);
    return true;
  }).slice(0, 12);
});
afterAll(() => h.close());
beforeEach(() => h.resetCounts());

describe('SAP entity cache', () => {
  it('answers repeated sales order and sold-to look-ups without any SAP request', async () => {
    const reps = [rep(order(0)), rep(order(1))];
    const first = await post(ORDERS, { reps });
    expect(first.body.errors).toBeUndefined();
    expect(Object.keys(without(h.counts()))).toEqual(expect.arrayContaining(['GET API_SALES_ORDER_SRV/A_SalesOrder', 'GET API_BUSINESS_PARTNER/A_BusinessPartner']));
    h.resetCounts();
    const second = await post(ORDERS, { reps });
    expect(second.body.data).toEqual(first.body.data);
    expect(h.counts()).toEqual({});
  });

  it('tags an _entities answer with SalesOrder:<id> and the sold-to Contact:email:<email>, and sets max-age=30', async () => {
    const o = order(2);
    const { res, body } = await post(ORDERS, { reps: [rep(o)] });
    expect([...(body.extensions?.cacheTags ?? [])].sort()).toEqual([`Contact:email:${emailOf(String(o.SoldToParty))}`, `SalesOrder:${String(o.SalesOrder)}`]);
    expect(res.headers.get('cache-control')).toBe('max-age=30, public');
  });

  it('after an invalidation of SalesOrder:<A> refetches exactly A, while B is still served from the cache', async () => {
    const [a, b] = [order(3), order(4)];
    await post(ORDERS, { reps: [rep(a), rep(b)] });
    for (const o of [a, b]) h.sandbox.store.put('A_SalesOrder', { ...o, PurchaseOrderByCustomer: `changed ${String(o.SalesOrder)}` });
    expect(await h.subgraph.invalidate({ tags: [`SalesOrder:${String(a.SalesOrder)}`], tenant: 'default' })).toBe(1);
    h.resetCounts();
    let body: Awaited<ReturnType<typeof post>>['body'] | undefined;
    const targets = await targetsDuring(async () => { ({ body } = await post(ORDERS, { reps: [rep(a), rep(b)] })); });
    expect(targets).toHaveLength(1);
    expect(targets[0]).toContain(`SalesOrder eq '${String(a.SalesOrder)}'`);
    expect(targets[0]).not.toContain(`'${String(b.SalesOrder)}'`);
    expect(body?.data._entities.map((o: { purchaseOrderByCustomer: string }) => o.purchaseOrderByCustomer)).toEqual([
      `changed ${String(a.SalesOrder)}`, String(b.PurchaseOrderByCustomer ?? '') || null,
    ]);
  });

  it("caches the partners behind a contact's email but not its order list, and tags the list with Contact, BusinessPartner and SalesOrder tags", async () => {
    const o = order(5);
    const email = emailOf(String(o.SoldToParty));
    const reps = [{ __typename: 'Contact', email }];
    await post(CONTACT_ORDERS, { reps });
    h.resetCounts();
    const { res, body } = await post(CONTACT_ORDERS, { reps });
    expect(without(h.counts())).toEqual({ 'POST API_SALES_ORDER_SRV/$batch': 1 });
    const ids = body.data._entities[0].salesOrders.nodes.map((n: { id: string }) => `SalesOrder:${n.id}`);
    expect(ids.length).toBeGreaterThan(0);
    expect([...(body.extensions?.cacheTags ?? [])].sort()).toEqual([`BusinessPartner:${String(o.SoldToParty)}`, `Contact:email:${email}`, ...ids].sort());
    expect(res.headers.get('cache-control')).toBe('max-age=30, public');
  });

  it('drops the partners cached for an email through POST /internal/invalidate', async () => {
    const email = emailOf(String(order(6).SoldToParty));
    await post(CONTACT_ORDERS, { reps: [{ __typename: 'Contact', email }] });
    const res = await fetch(h.subgraph.url.replace('/graphql', '/internal/invalidate'), {
      method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ tags: [`Contact:email:${email}`] }),
    });
    expect(await res.json()).toEqual({ evicted: 1 });
    h.resetCounts();
    await post(CONTACT_ORDERS, { reps: [{ __typename: 'Contact', email }] });
    expect(without(h.counts())).toEqual(expect.objectContaining({ 'GET API_BUSINESS_PARTNER/A_AddressEmailAddress': 1 }));
  });

  it("does not answer tenant B from tenant A's entry", async () => {
    const id = String(order(7).SalesOrder);
    await post(READ, { id }, contextHeaders('tenant-a'));
    h.resetCounts();
    await post(READ, { id }, contextHeaders('tenant-a'));
    expect(h.counts()).toEqual({});
    const b = await post(READ, { id }, contextHeaders('tenant-b'));
    expect(b.body.data.salesOrder.id).toBe(id);
    expect(h.counts()).toEqual({ 'GET API_SALES_ORDER_SRV/A_SalesOrder': 1 });
  });

  it('updateSalesOrderStatus reads the current version from SAP, not the cache, evicts the order and reports SalesOrder and BusinessPartner tags', async () => {
    const o = order(8);
    const id = String(o.SalesOrder);
    const before = (await post(READ, { id })).body.data.salesOrder;
    const target = before.status === 'COMPLETED' ? 'OPEN' : 'COMPLETED';
    h.resetCounts();
    const { res, body } = await post(UPDATE, { id, status: target });
    expect(body.errors).toBeUndefined();
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(without(h.counts())).toEqual({ 'GET API_SALES_ORDER_SRV/A_SalesOrder': 2, 'PATCH API_SALES_ORDER_SRV/A_SalesOrder(key)': 1 });
    expect([...(body.extensions?.invalidatedTags ?? [])].sort()).toEqual([`BusinessPartner:${String(o.SoldToParty)}`, `SalesOrder:${id}`]);
    h.resetCounts();
    const after = (await post(READ, { id })).body.data.salesOrder;
    expect(after.status).toBe(target);
    expect(after.version).not.toBe(before.version);
    expect(h.counts()).toEqual({}); // the read-back was cached
  });
});
