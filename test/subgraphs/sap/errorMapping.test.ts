/**
 * Upstream failures, scripted with the sandbox's fault knobs, become stable error codes with
 * `system: 'sap'` and `retryable`; the retry policy repeats idempotent requests; SAP's own
 * messages and hosts never reach the client.
 */
import { startSapHarness, type GraphQLResult, type SapHarness } from './sapHarness';

let h: SapHarness;
const READ = '{ salesOrder(id: "3") { id status } }';
const SERVICE = '/sap/opu/odata/sap/API_SALES_ORDER_SRV';

function expectNoLeak(res: GraphQLResult): void {
  const text = JSON.stringify(res.errors);
  for (const leaked of ['Injected', 'unavailable.', 'Too many requests', 'SY/530', '127.0.0.1', 'IWFND', 'Logon failed', 'stack']) {
    expect(text).not.toContain(leaked);
  }
}

beforeAll(async () => {
  // Every test reads order 3 again under a fault: the entity cache, which would answer it, is off.
  h = await startSapHarness({ ENTITY_CACHE: 'false' });
});
afterAll(() => h.close());
beforeEach(async () => {
  await h.faults({});
  h.resetCounts();
});

describe('SAP error mapping', () => {
  it('retries a read after a 503 and then answers normally', async () => {
    await h.faults({ forceStatus: 503, forceCount: 1, retryAfter: 0 });
    const res = await h.gql(READ);
    expect(res.errors).toBeUndefined();
    expect(res.data.salesOrder.id).toBe('3');
    expect(h.counts()).toEqual({ 'GET API_SALES_ORDER_SRV/A_SalesOrder': 2 });
  });

  it('maps a lasting 503 to UPSTREAM_UNAVAILABLE (retryable) after the configured retries', async () => {
    await h.faults({ forceStatus: 503, retryAfter: 0 });
    const res = await h.gql(READ);
    expect(res.data.salesOrder).toBeNull();
    expect(res.errors?.[0]?.extensions).toEqual({ code: 'UPSTREAM_UNAVAILABLE', system: 'sap', retryable: true });
    expect(res.errors?.[0]?.message).toBe('SAP is unavailable');
    expectNoLeak(res);
    expect(h.counts()).toEqual({ 'GET API_SALES_ORDER_SRV/A_SalesOrder': 3 });
  });

  it('does not retry a 500', async () => {
    await h.faults({ forceStatus: 500 });
    const res = await h.gql(READ);
    expect(res.errors?.[0]?.extensions).toEqual({ code: 'UPSTREAM_UNAVAILABLE', system: 'sap', retryable: true });
    expectNoLeak(res);
    expect(h.counts()).toEqual({ 'GET API_SALES_ORDER_SRV/A_SalesOrder': 1 });
  });

  it('maps 429 to UPSTREAM_RATE_LIMITED with retryAfterSeconds, without waiting out a long Retry-After', async () => {
    await h.faults({ forceStatus: 429, retryAfter: 30 });
    const res = await h.gql(READ);
    expect(res.errors?.[0]?.extensions).toEqual({ code: 'UPSTREAM_RATE_LIMITED', system: 'sap', retryable: true, retryAfterSeconds: 30 });
    expectNoLeak(res);
    expect(h.counts()).toEqual({ 'GET API_SALES_ORDER_SRV/A_SalesOrder': 1 });
  });

  it('fails only the contacts whose $batch failed: email look-ups succeed, each contact gets its own error', async () => {
    await h.faults({ forceStatus: 500, pathPrefix: `${SERVICE}/$batch` });
    const emails = h.sandbox.store.all('A_AddressEmailAddress').slice(0, 2).map((e) => String(e.EmailAddress));
    const res = await h.gql('query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Contact { email salesOrders(first: 2) { totalCount } } } }', {
      reps: emails.map((email) => ({ __typename: 'Contact', email })),
    });
    expect(res.errors).toHaveLength(2);
    expect(res.errors?.map((e) => e.path)).toEqual([['_entities', 0, 'salesOrders'], ['_entities', 1, 'salesOrders']]);
    for (const e of res.errors ?? []) expect(e.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', system: 'sap' });
    expectNoLeak(res);
  });

  it('maps 403 on a read to UPSTREAM_FORBIDDEN (not retryable)', async () => {
    await h.faults({ forceStatus: 403 });
    const res = await h.gql(READ);
    expect(res.errors?.[0]?.extensions).toEqual({ code: 'UPSTREAM_FORBIDDEN', system: 'sap', retryable: false });
  });
});

describe('SAP credentials and timeouts', () => {
  it('maps refused credentials (401) to UPSTREAM_AUTH_FAILED without leaking the logon message', async () => {
    const wrong = await startSapHarness({ SAP_PASSWORD: 'wrong-password' });
    try {
      const res = await wrong.gql(READ);
      expect(res.errors?.[0]?.extensions).toEqual({ code: 'UPSTREAM_AUTH_FAILED', system: 'sap', retryable: false });
      expectNoLeak(res);
    } finally {
      await wrong.close();
    }
  });

  it('maps a system that does not answer in time to UPSTREAM_TIMEOUT', async () => {
    const slow = await startSapHarness({ SAP_TIMEOUT_MS: '150', SAP_RETRIES: '0' });
    try {
      await slow.faults({ latencyMs: 700 });
      const res = await slow.gql(READ);
      expect(res.errors?.[0]?.extensions).toEqual({ code: 'UPSTREAM_TIMEOUT', system: 'sap', retryable: true });
    } finally {
      await slow.close();
    }
  });
});
