/**
 * A slow system, end to end: SAP answers only after far longer than the SAP subgraph's deadline.
 * The request that needs SAP ends with a timeout code at salesOrders (the contact still there),
 * which proves it did not wait for SAP's late answer; Salesforce-only queries sent at the same
 * time are answered in full.
 */
import { SAMPLE_EMAIL } from '../../../gateway/sampleQuery';
import { startStack, type Stack } from '../federatedGraph/startStack';

const QUERY = 'query($e: String!) { contactByEmail(email: $e) { name salesOrders(first: 2) { nodes { id } } } }';
type Data = { contactByEmail: { name: string; salesOrders: unknown } | null };

/** Far above the SAP subgraph's deadline below (2 attempts of 1 s). */
const SAP_LATENCY_MS = 8_000;

describe('a slow system', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ env: { SAP_TIMEOUT_MS: '1000', SAP_RETRIES: '1', SAP_DEADLINE_MS: '2500', SAP_RETRY_BASE_DELAY_MS: '10' } });
  }, 120_000);
  afterAll(async () => {
    stack?.sandboxes.sap.faults.clear();
    await stack?.close();
  });

  it('ends a query that needs SAP with UPSTREAM_TIMEOUT at salesOrders, while Salesforce-only queries succeed meanwhile', async () => {
    stack.sandboxes.sap.faults.set({ latencyMs: SAP_LATENCY_MS });
    const slow = stack.query<Data>(QUERY, { e: SAMPLE_EMAIL });
    const quick = Array.from({ length: 5 }, (_, i) => stack.query<{ contacts: { nodes: { id: string }[] } }>(`{ contacts(first: ${i + 1}) { nodes { id name } } }`));
    const [res, ...others] = await Promise.all([slow, ...quick]);

    for (const [i, other] of others.entries()) {
      expect(other.errors).toBeUndefined();
      expect(other.data?.contacts.nodes).toHaveLength(i + 1);
    }
    expect(res!.status).toBe(200);
    expect(res!.data?.contactByEmail?.name).toBe('William Sato');
    expect(res!.data?.contactByEmail?.salesOrders).toBeNull();
    const err = res!.errors?.find((e) => e.path?.join('.') === 'contactByEmail.salesOrders');
    expect(err?.extensions).toMatchObject({ code: 'UPSTREAM_TIMEOUT', system: 'sap', retryable: true });
  }, 30_000);

  it('answers the same query in full once SAP is fast again', async () => {
    stack.sandboxes.sap.faults.clear();
    const res = await stack.query<Data>(QUERY, { e: SAMPLE_EMAIL });
    expect(res.errors).toBeUndefined();
    expect(res.data?.contactByEmail?.salesOrders).not.toBeNull();
  });
});
