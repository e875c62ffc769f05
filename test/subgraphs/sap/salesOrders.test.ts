/**
 * Reads through the subgraph: `salesOrder(id)` mapping, `salesOrders` paging round trip and
 * filters, `Contact.salesOrders` paging and status filter, all checked against the sandbox's data.
 */
import type { Rec } from '../../../subgraphs/sap/sandbox/edmModel';
import { ORDER_FIELDS, startSapHarness, withoutCsrfFetch, type SapHarness } from './sapHarness';

let h: SapHarness;
let orders: readonly Rec[];

/** The sandbox's orders newest first, as the subgraph must list them. */
const newestFirst = (list: readonly Rec[]): Rec[] =>
  [...list].sort((a, b) => Number(b.CreationDate) - Number(a.CreationDate) || Number(b.SalesOrder) - Number(a.SalesOrder));

beforeAll(async () => {
  h = await startSapHarness();
  orders = h.sandbox.store.all('A_SalesOrder');
});
afterAll(() => h.close());
beforeEach(() => h.resetCounts());

const LIST = `query($first: Int, $after: String, $filter: SalesOrderFilter) {
  salesOrders(first: $first, after: $after, filter: $filter) {
    totalCount nodes { id status createdAt soldToParty } edges { cursor node { id } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}`;

describe('Query.salesOrder', () => {
  it('maps an A_SalesOrder with its items: decimal strings, ISO dates, status, ETag version', async () => {
    const so = orders[41] as Rec;
    const res = await h.gql(`query($id: ID!) { salesOrder(id: $id) { ${ORDER_FIELDS} } }`, { id: String(so.SalesOrder) });
    expect(res.errors).toBeUndefined();
    const o = res.data.salesOrder;
    const items = h.sandbox.store.all('A_SalesOrderItem').filter((i) => i.SalesOrder === so.SalesOrder);
    expect(o).toMatchObject({
      id: so.SalesOrder, number: so.SalesOrder, type: 'OR', soldToParty: so.SoldToParty,
      status: { A: 'OPEN', B: 'IN_PROCESS', C: 'COMPLETED' }[String(so.OverallSDProcessStatus)],
      totalNetAmount: { amount: so.TotalNetAmount, currency: so.TransactionCurrency },
      createdAt: new Date(Number(so.CreationDate)).toISOString(),
      updatedAt: new Date(Number(so.LastChangeDateTime)).toISOString(),
      orderDate: new Date(Number(so.SalesOrderDate)).toISOString(),
    });
    expect(o.version).toMatch(/^W\/"datetimeoffset'.+'"$/);
    expect(o.items).toEqual(items.map((i) => ({
      id: `${String(so.SalesOrder)}/${String(i.SalesOrderItem)}`, itemNumber: i.SalesOrderItem, material: i.Material,
      quantity: i.RequestedQuantity, quantityUnit: i.RequestedQuantityUnit, netAmount: { amount: i.NetAmount, currency: i.TransactionCurrency },
    })));
    expect(h.counts()).toEqual({ 'GET API_SALES_ORDER_SRV/A_SalesOrder': 1 });
  });

  it('accepts leading zeros (SAP internal form) and returns null for an unknown order', async () => {
    const res = await h.gql('{ a: salesOrder(id: "0000000007") { id } b: salesOrder(id: "9999999") { id } }');
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual({ a: { id: '7' }, b: null });
  });
});

describe('Query.salesOrders paging', () => {
  it('walks every page of a filtered list with cursors, newest first, totalCount from $inlinecount', async () => {
    const bp = String(orders[0]?.SoldToParty);
    const expected = newestFirst(orders.filter((o) => o.SoldToParty === bp)).map((o) => String(o.SalesOrder));
    expect(expected.length).toBeGreaterThan(5);
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 50; page++) {
      const res = await h.gql(LIST, { first: 4, after, filter: { soldToParty: bp } });
      expect(res.errors).toBeUndefined();
      const c = res.data.salesOrders;
      expect(c.totalCount).toBe(expected.length);
      expect(c.pageInfo.hasPreviousPage).toBe(after !== null);
      expect(c.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual(c.nodes.map((n: { id: string }) => n.id));
      seen.push(...c.nodes.map((n: { id: string }) => n.id));
      if (!c.pageInfo.hasNextPage) break;
      after = c.pageInfo.endCursor;
    }
    expect(seen).toEqual(expected);
    expect(h.counts()).toEqual({ 'GET API_SALES_ORDER_SRV/A_SalesOrder': Math.ceil(expected.length / 4) });
  });

  it('lists all orders newest first with the overall total', async () => {
    const res = await h.gql(LIST, { first: 5 });
    expect(res.data.salesOrders.totalCount).toBe(orders.length);
    expect(res.data.salesOrders.nodes.map((n: { id: string }) => n.id)).toEqual(newestFirst(orders).slice(0, 5).map((o) => String(o.SalesOrder)));
    expect(res.data.salesOrders.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
  });

  it('refuses first outside 1..100 and a cursor from another list with BAD_USER_INPUT and no upstream request', async () => {
    for (const vars of [{ first: 0 }, { first: 101 }, { first: 5, after: 'bm90LWEtY3Vyc29y' }]) {
      const res = await h.gql(LIST, vars);
      expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', system: 'sap' });
    }
    expect(h.counts()).toEqual({});
  });
});

describe('server-driven paging', () => {
  const pageSize = (n: number): Promise<Response> =>
    fetch(`${h.sandbox.url}/__admin/settings`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ pageSize: n }) });
  afterEach(() => pageSize(1000));

  it('follows __next links (on our own service root) until the requested page is complete', async () => {
    await pageSize(2);
    h.resetCounts();
    const res = await h.gql(LIST, { first: 5 });
    expect(res.errors).toBeUndefined();
    expect(res.data.salesOrders.nodes.map((n: { id: string }) => n.id)).toEqual(newestFirst(orders).slice(0, 5).map((o) => String(o.SalesOrder)));
    expect(res.data.salesOrders.pageInfo.hasNextPage).toBe(true);
    // $top=6 in pages of 2.
    expect(h.counts()).toEqual({ 'GET API_SALES_ORDER_SRV/A_SalesOrder': 3 });
  });

  it('follows __next inside a $batch part with plain GETs', async () => {
    const bp = String(orders[0]?.SoldToParty);
    const address = h.sandbox.store.all('A_BusinessPartnerAddress').find((a) => a.BusinessPartner === bp);
    const email = String(h.sandbox.store.all('A_AddressEmailAddress').find((e) => e.AddressID === address?.AddressID)?.EmailAddress);
    await pageSize(2);
    h.resetCounts();
    const res = await h.gql('query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Contact { salesOrders(first: 4) { nodes { id } } } } }', {
      reps: [{ __typename: 'Contact', email }],
    });
    expect(res.errors).toBeUndefined();
    const expected = newestFirst(orders.filter((o) => o.SoldToParty === bp)).slice(0, 4).map((o) => String(o.SalesOrder));
    expect(res.data._entities[0].salesOrders.nodes.map((n: { id: string }) => n.id)).toEqual(expected);
    // $top=5 in pages of 2: the $batch part holds the first page, two GETs fetch the rest.
    expect(withoutCsrfFetch(h.counts())).toEqual({
      'GET API_BUSINESS_PARTNER/A_AddressEmailAddress': 1, 'GET API_BUSINESS_PARTNER/A_BusinessPartnerAddress': 1,
      'POST API_SALES_ORDER_SRV/$batch': 1, 'GET API_SALES_ORDER_SRV/A_SalesOrder': 2,
    });
  });
});

describe('Query.salesOrders filters', () => {
  it('filters by status', async () => {
    const res = await h.gql(LIST, { first: 100, filter: { status: 'IN_PROCESS' } });
    expect(res.data.salesOrders.totalCount).toBe(orders.filter((o) => o.OverallSDProcessStatus === 'B').length);
    for (const n of res.data.salesOrders.nodes) expect(n.status).toBe('IN_PROCESS');
  });

  it('filters by creation date: createdAfter inclusive, createdBefore exclusive, combined with AND', async () => {
    const mid = orders[1500] as Rec;
    const after = new Date(Number(mid.CreationDate)).toISOString();
    const before = new Date(Number(mid.CreationDate) + 20 * 86_400_000).toISOString();
    const expected = orders.filter((o) => Number(o.CreationDate) >= Date.parse(after) && Number(o.CreationDate) < Date.parse(before) && o.OverallSDProcessStatus === 'C');
    expect(expected.length).toBeGreaterThan(1);
    expect(expected.length).toBeLessThan(100);
    const res = await h.gql(LIST, { first: 100, filter: { createdAfter: after, createdBefore: before, status: 'COMPLETED' } });
    expect(res.errors).toBeUndefined();
    expect(res.data.salesOrders.totalCount).toBe(expected.length);
    expect(new Set(res.data.salesOrders.nodes.map((n: { id: string }) => n.id))).toEqual(new Set(expected.map((o) => String(o.SalesOrder))));
  });

  it('refuses a malformed soldToParty with BAD_USER_INPUT naming the field', async () => {
    const res = await h.gql(LIST, { first: 5, filter: { soldToParty: 'ABCDEFGHIJK' } });
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'filter.soldToParty' });
    expect(h.counts()).toEqual({});
  });
});

describe('Contact.salesOrders', () => {
  const QUERY = `query($reps: [_Any!]!, $first: Int, $after: String, $status: SalesOrderStatus) {
    _entities(representations: $reps) { ... on Contact { salesOrders(first: $first, after: $after, status: $status) {
      totalCount nodes { id status } pageInfo { hasNextPage endCursor } } } }
  }`;

  function buyer(): { email: string; bp: string } {
    const bp = String(orders[0]?.SoldToParty);
    const address = h.sandbox.store.all('A_BusinessPartnerAddress').find((a) => a.BusinessPartner === bp);
    const email = h.sandbox.store.all('A_AddressEmailAddress').find((e) => e.AddressID === address?.AddressID);
    return { email: String(email?.EmailAddress), bp };
  }

  it('pages through one contact\'s orders with cursors', async () => {
    const { email, bp } = buyer();
    const expected = newestFirst(orders.filter((o) => o.SoldToParty === bp)).map((o) => String(o.SalesOrder));
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 50; page++) {
      const res = await h.gql(QUERY, { reps: [{ __typename: 'Contact', email }], first: 3, after });
      expect(res.errors).toBeUndefined();
      const c = res.data._entities[0].salesOrders;
      seen.push(...c.nodes.map((n: { id: string }) => n.id));
      if (!c.pageInfo.hasNextPage) break;
      after = c.pageInfo.endCursor;
    }
    expect(seen).toEqual(expected);
  });

  it('filters by status', async () => {
    const { email, bp } = buyer();
    const completed = orders.filter((o) => o.SoldToParty === bp && o.OverallSDProcessStatus === 'C');
    const res = await h.gql(QUERY, { reps: [{ __typename: 'Contact', email }], first: 100, status: 'COMPLETED' });
    expect(res.data._entities[0].salesOrders.totalCount).toBe(completed.length);
    for (const n of res.data._entities[0].salesOrders.nodes) expect(n.status).toBe('COMPLETED');
  });

  it('refuses a cursor of Query.salesOrders', async () => {
    const list = await h.gql(LIST, { first: 1 });
    const res = await h.gql(QUERY, { reps: [{ __typename: 'Contact', email: buyer().email }], first: 3, after: list.data.salesOrders.pageInfo.endCursor });
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
  });
});
