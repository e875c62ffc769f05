/**
 * Caching end to end: subgraph entity caches and the gateway's response cache on real servers,
 * checked by what reaches the sandboxes. A repeated query costs no upstream request; an
 * invalidation (internal endpoint, or a mutation) evicts exactly what holds the entity; a cached
 * response never reaches another tenant or another caller.
 */
import { ALL_SCOPES } from '../../../gateway/devTokens';
import { startStack, testToken, type Stack, type TokenClaims } from '../federatedGraph/startStack';

const TOKEN = 'e2e-internal-token-0123456789';
const ORDERS = '{ a: salesOrder(id: "21") { id number status soldTo { name email } } b: salesOrder(id: "22") { id number status } }';
const ONLY_B = '{ salesOrder(id: "22") { id number status } }';

function total(counts: ReturnType<Stack['counts']>): number {
  return Object.values(counts).flatMap((byEndpoint) => Object.values(byEndpoint)).reduce((a, b) => a + b, 0);
}

async function invalidate(stack: Stack, body: unknown, token = TOKEN): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(stack.gatewayUrl.replace('/graphql', '/internal/invalidate'), {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('response cache and entity caches', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ caches: true, gateway: { internalToken: TOKEN }, tenants: ['acme', 'globex', 't1', 't2'] });
  }, 120_000);
  afterAll(async () => {
    await stack?.close();
  });

  it('answers a repeated cross-system query with zero upstream requests', async () => {
    const first = await stack.query(ORDERS);
    expect(first.errors).toBeUndefined();
    stack.resetCounters();
    const again = await stack.query(ORDERS);
    expect(again.data).toEqual(first.data);
    expect(again.headers.get('x-cache')).toBe('HIT');
    expect(total(stack.counts())).toBe(0);
  });

  it('refetches exactly the invalidated sales order, and nothing for the entries that stayed cached', async () => {
    await stack.query(ORDERS);
    const res = await invalidate(stack, { tags: ['SalesOrder:21'] });
    expect(res.status).toBe(200);
    expect(res.body.evicted).toBeGreaterThanOrEqual(1);
    stack.resetCounters();
    const after = await stack.query(ORDERS);
    expect(after.errors).toBeUndefined();
    expect(after.headers.get('x-cache')).toBeNull();
    const counts = stack.counts();
    expect(total({ ...counts, sap: {} })).toBe(0); // the contact came from the Salesforce entity cache
    expect(Object.values(counts.sap).reduce((a, b) => a + b, 0)).toBe(1); // order 21 only, one GET
    stack.resetCounters();
    const onlyB = await stack.query(ONLY_B);
    expect(onlyB.data).toEqual({ salesOrder: (after.data as { b: unknown }).b });
    expect(total(stack.counts())).toBe(0); // order 22 still in the SAP entity cache
  });

  it('evicts what a mutation changed, so the next read shows the new status', async () => {
    const before = await stack.query<{ a: { status: string } }>(ORDERS);
    const target = before.data?.a.status === 'COMPLETED' ? 'IN_PROCESS' : 'COMPLETED';
    const m = await stack.query('mutation($s: SalesOrderStatus!) { updateSalesOrderStatus(id: "21", status: $s) { id status } }', { s: target });
    expect(m.errors).toBeUndefined();
    const after = await stack.query<{ a: { status: string } }>(ORDERS);
    expect(after.headers.get('x-cache')).toBeNull();
    expect(after.data?.a.status).toBe(target);
  });

  const bearer = async (claims: TokenClaims): Promise<{ authorization: string }> => ({ authorization: `Bearer ${await testToken(claims)}` });

  it('never serves a cached response to another tenant or to a caller with other credentials or scopes', async () => {
    const alice = await bearer({ tenant: 'acme', subject: 'alice' });
    const first = await stack.query(ORDERS, undefined, alice);
    expect(first.errors).toBeUndefined();
    const same = await stack.query(ORDERS, undefined, alice);
    expect(same.headers.get('x-cache')).toBe('HIT');
    // A tenant header cannot choose the tenant: the token's claim does (and the entry stays alice's).
    expect((await stack.query(ORDERS, undefined, { ...alice, 'x-lumina-tenant': 'globex' })).headers.get('x-cache')).toBe('HIT');
    for (const other of [
      await bearer({ tenant: 'globex', subject: 'alice' }),
      await bearer({ tenant: 'acme', subject: 'bob' }),
      await bearer({ tenant: 'acme', subject: 'alice', scopes: [...ALL_SCOPES, 'orders:extra'] }),
    ]) {
      const r = await stack.query(ORDERS, undefined, other);
      expect(r.headers.get('x-cache')).toBeNull();
      expect(r.errors).toBeUndefined();
    }
  });

  it('keeps the other tenant entries when one tenant is invalidated', async () => {
    const t1 = await bearer({ tenant: 't1' });
    const t2 = await bearer({ tenant: 't2' });
    await stack.query(ORDERS, undefined, t1);
    await stack.query(ORDERS, undefined, t2);
    const res = await invalidate(stack, { tags: ['SalesOrder:22'], tenant: 't1' });
    expect(res.status).toBe(200);
    expect((await stack.query(ORDERS, undefined, t2)).headers.get('x-cache')).toBe('HIT');
    expect((await stack.query(ORDERS, undefined, t1)).headers.get('x-cache')).toBeNull();
  });

  it('refuses the invalidation endpoint without the token, and a malformed body', async () => {
    expect((await invalidate(stack, { tags: ['SalesOrder:21'] }, 'wrong')).status).toBe(401);
    expect((await invalidate(stack, { tags: 'SalesOrder:21' })).status).toBe(400);
    expect((await stack.query(ONLY_B)).errors).toBeUndefined();
  });

  it('exposes the same invalidation as a function for the event pipeline', async () => {
    await stack.query(ONLY_B);
    const hit = await stack.query(ONLY_B);
    expect(hit.headers.get('x-cache')).toBe('HIT');
    const res = await stack.gateway.invalidate({ tags: ['SalesOrder:22'] });
    expect(res.evicted).toBeGreaterThanOrEqual(1);
    expect(res.subgraphs.sap).toBeGreaterThanOrEqual(1);
    expect((await stack.query(ONLY_B)).headers.get('x-cache')).toBeNull();
  });
});
