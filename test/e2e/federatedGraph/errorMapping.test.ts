import { SAMPLE_EMAIL } from '../../../gateway/sampleQuery';
import { startStack, type Stack } from './startStack';

const QUERY = `query($e: String!) { contactByEmail(email: $e) { name salesOrders(first: 2) { nodes { id } } messages(first: 1) { nodes { id } } } }`;

describe('upstream failures through the gateway', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  }, 120_000);
  afterAll(() => stack?.close());
  afterEach(() => {
    for (const s of Object.values(stack.sandboxes)) s.faults.clear();
  });

  it('keeps the data other systems returned when SAP fails, with a coded, retryable error and no upstream detail', async () => {
    stack.sandboxes.sap.faults.set({ forceStatus: 503, forceCount: 100 });
    const res = await stack.query<{ contactByEmail: { name: string; salesOrders: unknown; messages: { nodes: unknown[] } } | null }>(QUERY, { e: SAMPLE_EMAIL });
    expect(res.status).toBe(200);
    expect(res.data?.contactByEmail?.name).toBe('William Sato');
    expect(res.data?.contactByEmail?.salesOrders).toBeNull();
    expect(res.data?.contactByEmail?.messages.nodes.length).toBeGreaterThan(0);
    const err = res.errors?.find((e) => e.extensions?.system === 'sap');
    expect(err?.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', system: 'sap', retryable: true });
    const text = JSON.stringify(res);
    expect(text).not.toMatch(/127\.0\.0\.1|localhost|sap\/opu|stack|Service Unavailable/i);
  });

  it('reports Salesforce throttling as UPSTREAM_RATE_LIMITED', async () => {
    stack.sandboxes.salesforce.faults.set({ forceStatus: 429, forceCount: 100, retryAfter: 30, pathPrefix: '/services/data' });
    const res = await stack.query(QUERY, { e: SAMPLE_EMAIL });
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_RATE_LIMITED', system: 'salesforce', retryable: true });
  });

  it('reports Graph throttling on Contact.messages as UPSTREAM_RATE_LIMITED while CRM and ERP data arrive', async () => {
    // Contacts whose Teams users this subgraph has not looked up yet, so the lookup must reach Graph.
    stack.sandboxes.teams.faults.set({ forceStatus: 429, forceCount: 1000, retryAfter: 30, pathPrefix: '/v1.0' });
    const res = await stack.query<{ contacts: { nodes: { name: string; salesOrders: { totalCount: number } | null; messages: unknown }[] } }>(
      '{ contacts(first: 3, filter: { lastNameStartsWith: "M" }) { nodes { name salesOrders(first: 1) { totalCount } messages(first: 1) { nodes { id } } } } }');
    expect(res.data?.contacts.nodes).toHaveLength(3);
    for (const c of res.data?.contacts.nodes ?? []) {
      expect(c.salesOrders?.totalCount).toEqual(expect.any(Number));
      expect(c.messages).toBeNull();
    }
    const err = res.errors?.find((e) => e.extensions?.system === 'teams');
    expect(err?.extensions).toMatchObject({ code: 'UPSTREAM_RATE_LIMITED', system: 'teams', retryable: true });
  });

  it('answers NOT_FOUND-free nulls for unknown keys and BAD_USER_INPUT for malformed ones', async () => {
    const res = await stack.query<{ salesOrder: unknown; contactByEmail: unknown }>('{ salesOrder(id: "99999999") { id } contactByEmail(email: "nobody@nowhere.example") { id } }');
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual({ salesOrder: null, contactByEmail: null });
    const bad = await stack.query('{ salesOrder(id: "1\' or 1 eq 1") { id } }');
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', system: 'sap' });
  });

  it('carries the client request id back in the response', async () => {
    const res = await stack.query('{ contacts(first: 1) { nodes { id } } }', undefined, { 'x-request-id': 'e2e-req-1' });
    expect(res.headers.get('x-request-id')).toBe('e2e-req-1');
  });
});
