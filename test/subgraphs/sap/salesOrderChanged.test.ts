/**
 * `Subscription.salesOrderChanged` over graphql-ws against the real subgraph and sandbox: a status
 * change made through the subgraph's mutation (OData PATCH → CloudEvent → webhook → event log)
 * reaches a subscribed client with the re-read order; filters, `after` replay, tenants and argument
 * validation.
 */
import { createClient, type Client, type FormattedExecutionResult } from 'graphql-ws';
import WebSocket from 'ws';
import { startSapHarness, type SapHarness } from './sapHarness';
import { signedContext } from '../signedContext';

let h: SapHarness;

beforeAll(async () => {
  h = await startSapHarness(
    { SAP_EVENTS_AUTH: 'basic', SAP_EVENTS_PASSWORD: 'event-secret-0123456789', SAP_EVENTS_REGISTER_URL: 'auto' },
    { events: { initialBackoffMs: 1, maxBackoffMs: 5 } },
  );
});
afterAll(() => h.close());

const FIELDS = 'cursor changeType changedFields occurredAt orderId order { id status soldToParty }';
type Result = FormattedExecutionResult<Record<string, any>, unknown>; // eslint-disable-line @typescript-eslint/no-explicit-any

function clientFor(tenant?: string): Client {
  return createClient({
    url: h.subgraph.url.replace('http:', 'ws:'), webSocketImpl: WebSocket, retryAttempts: 0, lazy: true,
    connectionParams: () => ({ context: signedContext(tenant) }),
  });
}

/** Subscribes and collects results; `take(n)` resolves once n have arrived. */
function subscribe(client: Client, query: string): { take(n: number): Promise<Result[]>; results: Result[]; done: Promise<unknown> } {
  const results: Result[] = [];
  const waiters: Array<{ n: number; resolve: (r: Result[]) => void }> = [];
  let finish!: (v: unknown) => void;
  const done = new Promise((r) => { finish = r; });
  client.subscribe({ query }, {
    next: (r) => {
      results.push(r as Result);
      for (const w of [...waiters]) if (results.length >= w.n) { waiters.splice(waiters.indexOf(w), 1); w.resolve(results.slice()); }
    },
    error: (e) => finish(e),
    complete: () => finish('complete'),
  });
  return {
    results,
    done,
    take: (n) => (results.length >= n ? Promise.resolve(results.slice()) : new Promise((resolve) => waiters.push({ n, resolve }))),
  };
}

async function setStatus(id: string, status: string): Promise<void> {
  const res = await h.gql('mutation($id: ID!, $s: SalesOrderStatus!) { updateSalesOrderStatus(id: $id, status: $s) { id } }', { id, s: status });
  expect(res.errors).toBeUndefined();
  await h.sandbox.events.idle();
}

describe('Subscription.salesOrderChanged', () => {
  it('delivers a status change made through the mutation, with the order re-read after the change', async () => {
    const client = clientFor();
    try {
      const head = await h.subgraph.events.log.head();
      const sub = subscribe(client, `subscription { salesOrderChanged(id: "41", after: "${head}") { ${FIELDS} } }`);
      await setStatus('40', 'COMPLETED');
      await setStatus('41', 'COMPLETED');
      await setStatus('41', 'IN_PROCESS');
      const [first, second] = await sub.take(2);
      expect(first?.errors).toBeUndefined();
      expect(first?.data?.salesOrderChanged).toEqual({
        cursor: expect.stringMatching(/^\d+-\d+$/), changeType: 'UPDATED', changedFields: [], occurredAt: expect.any(String), orderId: '41',
        // The order as SAP has it when the event is resolved: both changes happened by then.
        order: { id: '41', status: expect.any(String), soldToParty: String(h.sandbox.store.get('A_SalesOrder', '41')?.SoldToParty) },
      });
      expect(second?.data?.salesOrderChanged.order.status).toBe('IN_PROCESS');
      expect(sub.results).toHaveLength(2);
    } finally {
      await client.dispose();
    }
  });

  it('filters by status and sold-to party, and replays from an after cursor', async () => {
    const client = clientFor();
    try {
      const start = await h.subgraph.events.log.head();
      await setStatus('42', 'OPEN');
      await setStatus('43', 'COMPLETED');
      await setStatus('42', 'COMPLETED');
      const soldTo = String(h.sandbox.store.get('A_SalesOrder', '42')?.SoldToParty);
      const completed = subscribe(client, `subscription { salesOrderChanged(status: COMPLETED, after: "${start}") { orderId order { status } } }`);
      const bySoldTo = subscribe(client, `subscription { salesOrderChanged(soldTo: "${soldTo}", after: "${start}") { orderId } }`);
      const got = await completed.take(2);
      expect(got.map((r) => r.data?.salesOrderChanged.orderId)).toEqual(['43', '42']);
      const mine = await bySoldTo.take(2);
      expect(mine.map((r) => r.data?.salesOrderChanged.orderId)).toEqual(['42', '42']);
      // Nothing else was queued for either: a later event for order 44 shows up next, not an earlier one.
      await setStatus('44', 'COMPLETED');
      const next = await completed.take(3);
      expect(next[2]?.data?.salesOrderChanged.orderId).toBe('44');
    } finally {
      await client.dispose();
    }
  });

  it('re-reads the order once per event however many clients subscribe', async () => {
    const a = clientFor();
    const b = clientFor();
    try {
      const head = await h.subgraph.events.log.head();
      await setStatus('47', 'COMPLETED');
      h.resetCounts();
      const query = `subscription { salesOrderChanged(id: "47", after: "${head}") { order { status } } }`;
      const [ra, rb] = await Promise.all([subscribe(a, query).take(1), subscribe(b, query).take(1)]);
      expect(ra?.[0]?.data?.salesOrderChanged.order.status).toBe('COMPLETED');
      expect(rb?.[0]?.data?.salesOrderChanged.order.status).toBe('COMPLETED');
      expect(h.counts()).toEqual({ 'GET API_SALES_ORDER_SRV/A_SalesOrder': 1 });
    } finally {
      await a.dispose();
      await b.dispose();
    }
  });

  it('delivers only events of the connection tenant, and a null order after DELETED', async () => {
    const other = clientFor('acme');
    try {
      const head = await h.subgraph.events.log.head();
      const sub = subscribe(other, `subscription { salesOrderChanged(after: "${head}") { orderId changeType order { id } } }`);
      await setStatus('45', 'COMPLETED');
      // SAP's events belong to SAP_EVENTS_TENANT (default); one logged for acme comes after it.
      await h.subgraph.events.log.append({
        id: 'sap:test:acme-46', type: 'SalesOrderChanged', system: 'sap', tenant: 'acme', entity: { type: 'SalesOrder', id: '46' },
        changeType: 'DELETED', changedFields: [], occurredAt: new Date().toISOString(),
      });
      const [first] = await sub.take(1);
      expect(first?.data?.salesOrderChanged).toEqual({ orderId: '46', changeType: 'DELETED', order: null });
    } finally {
      await other.dispose();
    }
  });

  it.each([
    ['after', 'salesOrderChanged(after: "yesterday")'],
    ['id', 'salesOrderChanged(id: "A1")'],
    ['soldTo', 'salesOrderChanged(soldTo: "../x")'],
  ])('refuses a malformed %s with BAD_USER_INPUT', async (field, call) => {
    const client = clientFor();
    try {
      const sub = subscribe(client, `subscription { ${call} { orderId } }`);
      const [res] = await sub.take(1);
      expect(res?.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    } finally {
      await client.dispose();
    }
  });
});
