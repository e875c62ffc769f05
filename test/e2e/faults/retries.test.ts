/**
 * Retries end to end, driven by the sandboxes' scripted faults: a read throttled once by
 * Salesforce (429 + Retry-After) succeeds on its retry; a read through a flaky SAP (an attempt
 * that times out, a 429, a 504, then an answer) succeeds on its fourth attempt; a mutation meeting
 * the same sequence fails at once, never sent twice.
 */
import { countOf, startStack, type Stack } from '../federatedGraph/startStack';

/** SAP's per-attempt timeout in this stack; the scripted slow attempt takes far longer. */
const SAP_ATTEMPT_MS = 1_500;
const SALES_ORDERS = '/sap/opu/odata/sap/API_SALES_ORDER_SRV';
const FLAKY = [{ delayMs: SAP_ATTEMPT_MS * 4 }, { status: 429, retryAfter: 0 }, { status: 504 }];

type Orders = { salesOrders: { nodes: { id: string; status: string; version: string }[] } };
type Updated = { updateSalesOrderStatus: { id: string; status: string; version: string } | null };

const UPDATE = 'mutation($id: ID!, $s: SalesOrderStatus!, $v: String) { updateSalesOrderStatus(id: $id, status: $s, expectedVersion: $v) { id status version } }';

describe('retries of throttled and flaky systems', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({
      env: { SAP_TIMEOUT_MS: String(SAP_ATTEMPT_MS), SAP_RETRIES: '3', SAP_DEADLINE_MS: '20000', SAP_RETRY_BASE_DELAY_MS: '10', SAP_MAX_RETRY_AFTER_MS: '2000' },
    });
    // Sessions, CSRF tokens and connections exist before the counted requests.
    await stack.query('{ contacts(first: 1) { nodes { id } } }');
  }, 120_000);
  afterAll(() => stack?.close());
  afterEach(() => {
    for (const s of Object.values(stack.sandboxes)) s.faults.clear();
  });

  const sapRequests = (): number => countOf(stack.counts().sap, /^(?!HEAD )/);

  it('retries a read Salesforce throttled with 429 and Retry-After once: 2 query requests, data complete', async () => {
    stack.sandboxes.salesforce.faults.set({ script: [{ status: 429, retryAfter: 1 }], pathPrefix: '/services/data' });
    stack.resetCounters();
    const res = await stack.query<{ contacts: { nodes: { id: string }[] } }>('{ contacts(first: 3) { nodes { id } } }');
    expect(res.errors).toBeUndefined();
    expect(res.data?.contacts.nodes).toHaveLength(3);
    expect(countOf(stack.counts().salesforce, /\/query$/)).toBe(2);
  });

  it('reads SAP through timeout, 429 and 504: succeeds with 4 upstream requests (1 without faults)', async () => {
    stack.resetCounters();
    const clean = await stack.query<Orders>('{ salesOrders(first: 2) { nodes { id status version } } }');
    expect(clean.errors).toBeUndefined();
    expect(sapRequests()).toBe(1);

    stack.sandboxes.sap.faults.set({ script: FLAKY, pathPrefix: SALES_ORDERS });
    stack.resetCounters();
    const res = await stack.query<Orders>('{ salesOrders(first: 3) { nodes { id status version } } }');
    expect(res.errors).toBeUndefined();
    expect(res.data?.salesOrders.nodes).toHaveLength(3);
    expect(sapRequests()).toBe(4);
  }, 30_000);

  it('fails a SAP mutation at the first timed-out attempt without sending it again (1 request)', async () => {
    const orders = await stack.query<Orders>('{ salesOrders(first: 1) { nodes { id status version } } }');
    const order = orders.data!.salesOrders.nodes[0]!;
    // A successful update first, so the CSRF token and session are in place and only the write is counted.
    const warm = await stack.query<Updated>(UPDATE, { id: order.id, s: order.status === 'COMPLETED' ? 'IN_PROCESS' : 'COMPLETED', v: order.version });
    expect(warm.errors).toBeUndefined();
    const version = warm.data!.updateSalesOrderStatus!.version;

    stack.sandboxes.sap.faults.set({ script: FLAKY, pathPrefix: SALES_ORDERS });
    stack.resetCounters();
    const res = await stack.query<Updated>(UPDATE, { id: order.id, s: order.status, v: version });
    expect(res.data?.updateSalesOrderStatus ?? null).toBeNull();
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_TIMEOUT', system: 'sap' });
    expect(countOf(stack.counts().sap, /^(PATCH|MERGE|PUT|POST) /)).toBe(1);
    expect(sapRequests()).toBe(1);
  }, 30_000);
});
