/**
 * Batching: entity look-ups and nested fields turn into a constant number of OData requests,
 * counted at the real sandbox.
 */
import type { Rec } from '../../../subgraphs/sap/sandbox/edmModel';
import { ENTITIES, startSapHarness, type SapHarness } from './sapHarness';

let h: SapHarness;
let orders: readonly Rec[];

/** Seed emails of person business partners, by BP number. */
function emailOf(bp: string): string {
  const address = h.sandbox.store.all('A_BusinessPartnerAddress').find((a) => a.BusinessPartner === bp);
  const email = h.sandbox.store.all('A_AddressEmailAddress').find((e) => e.AddressID === address?.AddressID);
  return String(email?.EmailAddress);
}

/** `n` orders sold to `n` different business partners. */
function ordersWithDistinctBuyers(n: number): Rec[] {
  const seen = new Set<string>();
  const out: Rec[] = [];
  for (const o of orders) {
    if (seen.has(String(o.SoldToParty))) continue;
    seen.add(String(o.SoldToParty));
    out.push(o);
    if (out.length === n) break;
  }
  return out;
}

/** Emails of `n` buyers who have at least one order (for Contact representations). */
function buyerEmails(n: number, skip = 0): string[] {
  return ordersWithDistinctBuyers(n + skip).slice(skip).map((o) => emailOf(String(o.SoldToParty)));
}

const CONTACT_ORDERS = ENTITIES('... on Contact { email salesOrders(first: 3) { totalCount nodes { id items { material } } } }');

beforeAll(async () => {
  // Counts what each batch sends to SAP: the entity cache (test/subgraphs/sap/entityCache.test.ts) is off.
  h = await startSapHarness({ ENTITY_CACHE: 'false' });
  orders = h.sandbox.store.all('A_SalesOrder');
  // Fetch the CSRF token the `$batch` reads need once, so every test below counts only its own reads.
  await h.gql(CONTACT_ORDERS, { reps: [{ __typename: 'Contact', email: buyerEmails(1)[0] }] });
});
afterAll(() => h.close());
beforeEach(() => h.resetCounts());

describe('SalesOrder entity batching', () => {
  it('resolves 50 SalesOrder references with ONE GET A_SalesOrder, items included', async () => {
    const ids = orders.slice(100, 150).map((o) => String(o.SalesOrder));
    const res = await h.gql(ENTITIES('... on SalesOrder { id soldToParty items { id material } }'), { reps: ids.map((id) => ({ __typename: 'SalesOrder', id })) });
    expect(res.errors).toBeUndefined();
    expect(res.data._entities.map((e: { id: string }) => e.id)).toEqual(ids);
    for (const e of res.data._entities) expect(e.items.length).toBeGreaterThan(0);
    expect(h.counts()).toEqual({ 'GET API_SALES_ORDER_SRV/A_SalesOrder': 1 });
  });

  it('returns null for unknown ids and BAD_USER_INPUT for malformed ones, without failing the others', async () => {
    const res = await h.gql(ENTITIES('... on SalesOrder { id }'), {
      reps: [{ __typename: 'SalesOrder', id: '1' }, { __typename: 'SalesOrder', id: '99999999' }, { __typename: 'SalesOrder', id: "1' or SalesOrder ne '" }],
    });
    expect(res.data._entities[0]).toEqual({ id: '1' });
    expect(res.data._entities[1]).toBeNull();
    expect(res.data._entities[2]).toBeNull();
    expect(res.errors).toHaveLength(1);
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', system: 'sap' });
    expect(h.counts()).toEqual({ 'GET API_SALES_ORDER_SRV/A_SalesOrder': 1 });
  });

  it("resolves 50 orders' soldTo (50 different buyers) with ONE business partner request", async () => {
    const picked = ordersWithDistinctBuyers(50);
    const res = await h.gql(ENTITIES('... on SalesOrder { id soldToParty soldTo { email } }'), {
      reps: picked.map((o) => ({ __typename: 'SalesOrder', id: String(o.SalesOrder) })),
    });
    expect(res.errors).toBeUndefined();
    for (const [i, o] of picked.entries()) {
      expect(res.data._entities[i]).toEqual({ id: String(o.SalesOrder), soldToParty: String(o.SoldToParty), soldTo: { email: emailOf(String(o.SoldToParty)) } });
    }
    expect(h.counts()).toEqual({ 'GET API_SALES_ORDER_SRV/A_SalesOrder': 1, 'GET API_BUSINESS_PARTNER/A_BusinessPartner': 1 });
  });

  it('chunks a very long id list by URL length instead of sending one huge URL', async () => {
    const ids = orders.slice(0, 600).map((o) => String(o.SalesOrder));
    const res = await h.gql(ENTITIES('... on SalesOrder { id }'), { reps: ids.map((id) => ({ __typename: 'SalesOrder', id })) });
    expect(res.errors).toBeUndefined();
    expect(res.data._entities).toHaveLength(600);
    const gets = h.counts()['GET API_SALES_ORDER_SRV/A_SalesOrder'] ?? 0;
    expect(gets).toBeGreaterThan(1);
    expect(gets).toBeLessThanOrEqual(6);
  });
});

describe('Contact.salesOrders batching', () => {
  const EXPECTED = {
    'GET API_BUSINESS_PARTNER/A_AddressEmailAddress': 1,
    'GET API_BUSINESS_PARTNER/A_BusinessPartnerAddress': 1,
    'POST API_SALES_ORDER_SRV/$batch': 1,
  };

  it('resolves 20 contacts with one email look-up, one address look-up and ONE $batch', async () => {
    const emails = buyerEmails(20);
    const res = await h.gql(CONTACT_ORDERS, { reps: emails.map((email) => ({ __typename: 'Contact', email })) });
    expect(res.errors).toBeUndefined();
    expect(res.data._entities).toHaveLength(20);
    for (const c of res.data._entities) {
      expect(c.salesOrders.totalCount).toBeGreaterThan(0);
      expect(c.salesOrders.nodes.length).toBe(Math.min(3, c.salesOrders.totalCount));
      for (const n of c.salesOrders.nodes) expect(n.items.length).toBeGreaterThan(0);
    }
    expect(h.counts()).toEqual(EXPECTED);
  });

  it('does not grow the request count when the contacts double', async () => {
    const emails = buyerEmails(40, 20);
    const res = await h.gql(CONTACT_ORDERS, { reps: emails.map((email) => ({ __typename: 'Contact', email })) });
    expect(res.errors).toBeUndefined();
    expect(res.data._entities).toHaveLength(40);
    expect(h.counts()).toEqual(EXPECTED);
  });

  it('matches the sandbox: totals and newest-first order per contact', async () => {
    const [email] = buyerEmails(1, 3);
    const bp = ordersWithDistinctBuyers(4)[3]?.SoldToParty;
    const mine = orders.filter((o) => o.SoldToParty === bp)
      .sort((a, b) => Number(b.CreationDate) - Number(a.CreationDate) || Number(b.SalesOrder) - Number(a.SalesOrder));
    const res = await h.gql(CONTACT_ORDERS, { reps: [{ __typename: 'Contact', email: email?.toUpperCase() }] });
    expect(res.data._entities[0].salesOrders.totalCount).toBe(mine.length);
    expect(res.data._entities[0].salesOrders.nodes.map((n: { id: string }) => n.id)).toEqual(mine.slice(0, 3).map((o) => String(o.SalesOrder)));
  });

  it('answers an unknown email with an empty connection after only the email look-up', async () => {
    const res = await h.gql(CONTACT_ORDERS, { reps: [{ __typename: 'Contact', email: 'nobody@nowhere.example' }] });
    expect(res.data._entities[0].salesOrders).toEqual({ totalCount: 0, nodes: [] });
    expect(h.counts()).toEqual({ 'GET API_BUSINESS_PARTNER/A_AddressEmailAddress': 1 });
  });

  it('fetches a new CSRF token once and repeats the $batch when SAP no longer accepts the old one', async () => {
    await fetch(`${h.sandbox.url}/__admin/tokens/expire`, { method: 'POST' });
    const res = await h.gql(CONTACT_ORDERS, { reps: buyerEmails(5).map((email) => ({ __typename: 'Contact', email })) });
    expect(res.errors).toBeUndefined();
    expect(h.counts()).toEqual({ ...EXPECTED, 'HEAD API_SALES_ORDER_SRV/*': 1, 'POST API_SALES_ORDER_SRV/$batch': 2 });
  });
});
