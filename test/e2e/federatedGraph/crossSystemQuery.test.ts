import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SAMPLE_EMAIL, SAMPLE_QUERY } from '../../../gateway/sampleQuery';
import { countOf, startStack, type Stack } from './startStack';

const ORDERS_WITH_SENDERS = `query Orders($first: Int!) {
  salesOrders(first: $first) {
    nodes {
      id
      totalNetAmount { amount currency }
      soldTo { name email messages(first: 2) { nodes { body { content } } } }
    }
  }
}`;

interface OrdersData {
  salesOrders: { nodes: { id: string; soldTo: { name: string; email: string; messages: { nodes: { body: { content: string } }[] } } | null }[] };
}

/** The upstream cost of one query, per system, read from the sandbox counters. */
function cost(stack: Stack) {
  const c = stack.counts();
  return {
    sapOrders: countOf(c.sap, /^GET API_SALES_ORDER_SRV\/A_SalesOrder/),
    sapPartners: countOf(c.sap, /^GET API_BUSINESS_PARTNER\//),
    sapBatches: countOf(c.sap, /\$batch$/),
    salesforceQueries: countOf(c.salesforce, /^GET \/services\/data\/v[^/]+\/query/),
    graphBatches: countOf(c.teams, /^POST \/v1\.0\/\$batch$/),
    graphOther: countOf(c.teams, /^(GET|POST) \/v1\.0\/(?!\$batch)/),
  };
}

describe('a cross-system query through the gateway', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  }, 120_000);
  afterAll(() => stack?.close());

  it("walks Contact -> salesOrders -> items and Contact -> messages on the README's sample query", async () => {
    const res = await stack.query<{ contactByEmail: { name: string; account: { name: string }; salesOrders: { totalCount: number; nodes: { items: { material: string }[] }[] }; messages: { nodes: { body: { content: string } }[] } } }>(SAMPLE_QUERY);
    expect(res.errors).toBeUndefined();
    const contact = res.data?.contactByEmail;
    expect(contact?.name).toBe('William Sato');
    expect(contact?.account.name).toEqual(expect.any(String));
    // What the systems hold for this person, read from the sandboxes' own stores.
    const orders = stack.sandboxes.sap.store.byValues('A_SalesOrder', 'SoldToParty', ['1000001']);
    expect(contact?.salesOrders.totalCount).toBe(orders.length);
    expect(contact?.salesOrders.nodes).toHaveLength(Math.min(3, orders.length));
    for (const order of contact?.salesOrders.nodes ?? []) expect(order.items.length).toBeGreaterThan(0);
    const data = stack.sandboxes.teams.data();
    const userId = data.usersByMail.get(SAMPLE_EMAIL)?.id;
    const written = [...data.messages.values()].flatMap((c) => c.roots).filter((r) => r.message.from?.user?.id === userId && !r.message.deletedDateTime);
    expect(written.length).toBeGreaterThan(0);
    const newest = written.sort((a, b) => b.message.createdDateTime.localeCompare(a.message.createdDateTime)).slice(0, 2);
    expect(contact?.messages.nodes.map((m) => m.body.content)).toEqual(newest.map((r) => r.message.body.content));
  });

  it('resolves 50 orders with their sold-to contacts and their messages in a bounded number of upstream requests', async () => {
    stack.resetCounters();
    const res = await stack.query<OrdersData>(ORDERS_WITH_SENDERS, { first: 50 });
    expect(res.errors).toBeUndefined();
    const nodes = res.data?.salesOrders.nodes ?? [];
    expect(nodes).toHaveLength(50);
    const withContact = nodes.filter((n) => n.soldTo);
    expect(withContact.length).toBe(50);
    expect(new Set(withContact.map((n) => n.soldTo?.email)).size).toBeGreaterThan(10);
    expect(withContact.some((n) => (n.soldTo?.messages.nodes.length ?? 0) > 0)).toBe(true);
    const fifty = cost(stack);
    // One Graph $batch looks up the Teams users of all the sold-to emails (the message index is fresh).
    expect(fifty).toEqual({ sapOrders: 1, sapPartners: 1, sapBatches: 0, salesforceQueries: 1, graphBatches: 1, graphOther: 0 });

    stack.resetCounters();
    const more = await stack.query<OrdersData>(ORDERS_WITH_SENDERS, { first: 100 });
    expect(more.errors).toBeUndefined();
    expect(more.data?.salesOrders.nodes).toHaveLength(100);
    const hundred = cost(stack);
    // Twice the orders, the same requests (users already looked up are cached, so Graph may not be asked at all).
    expect(hundred).toEqual({ sapOrders: 1, sapPartners: 1, sapBatches: 0, salesforceQueries: 1, graphBatches: hundred.graphBatches, graphOther: 0 });
    expect(hundred.graphBatches).toBeLessThanOrEqual(1);
  });

  it('returns the same contact whichever system the query starts from', async () => {
    const fromCrm = await stack.query<{ contactByEmail: { id: string; email: string } }>(`{ contactByEmail(email: "${SAMPLE_EMAIL}") { id email } }`);
    const id = fromCrm.data?.contactByEmail.id;
    const fromErp = await stack.query<{ salesOrders: { nodes: { soldTo: { id: string; email: string } }[] } }>(
      '{ salesOrders(first: 1, filter: { soldToParty: "1000001" }) { nodes { soldTo { id email } } } }');
    expect(fromErp.errors).toBeUndefined();
    expect(fromErp.data?.salesOrders.nodes[0]?.soldTo).toEqual({ id, email: SAMPLE_EMAIL });
  });
});

describe('the README', () => {
  it('shows the sample query that npm start prints and these tests run', () => {
    const readme = readFileSync(path.resolve(__dirname, '../../../README.md'), 'utf8');
    expect(readme).toContain(SAMPLE_QUERY.trim());
  });
});
