/**
 * Forged internal context end to end. The signed context (`x-lumina-context`,
 * `subgraphs/kit/internalContext.ts`) is how the gateway tells a subgraph who calls: a client
 * cannot set it through the gateway, and a client that reaches a subgraph directly cannot forge
 * or replay one. Refusals are 401 UNAUTHENTICATED with the reason, and reach no system.
 */
import { INTERNAL_CONTEXT_HEADER, signInternalContext } from '../../../subgraphs/kit/internalContext';
import { startStack, TEST_CONTEXT_SECRET, type SandboxName, type Stack } from '../federatedGraph/startStack';
import { expectRefusal, postJson, withoutUpstream } from './abuseChecks';

/** A query per subgraph that needs its system. */
const SUBGRAPH_QUERIES: Record<SandboxName, string> = {
  salesforce: '{ contacts(first: 1) { nodes { id } } }',
  sap: '{ salesOrders(first: 1) { nodes { id } } }',
  teams: '{ teams { id } }',
};
const SYSTEMS = Object.keys(SUBGRAPH_QUERIES) as SandboxName[];

const context = (issuedAt: number, secret = TEST_CONTEXT_SECRET): string =>
  signInternalContext({ tenant: 'default', scopes: ['chat:read', 'crm:read', 'erp:read'], subject: 'intruder', requestId: 'forged-1', issuedAt }, [secret]);

describe('forged internal context', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack();
  }, 120_000);
  afterAll(() => stack?.close());

  it('ignores a client-sent context and tenant header at the gateway: the answer is for the token’s tenant', async () => {
    const res = await stack.query<{ contacts: { nodes: { id: string }[] } }>('{ contacts(first: 2) { nodes { id } } }', undefined, {
      [INTERNAL_CONTEXT_HEADER]: 'v1.forged.sig', 'x-lumina-tenant': 'other',
    });
    expect(res.status).toBe(200);
    expect(res.errors).toBeUndefined();
    expect(res.data?.contacts.nodes).toHaveLength(2);
  });

  it('does not let a client-sent context signed with the real secret choose another tenant', async () => {
    const other = signInternalContext({ tenant: 'other', scopes: [], subject: null, requestId: 'x', issuedAt: Date.now() }, [TEST_CONTEXT_SECRET]);
    const res = await stack.query<{ contacts: { nodes: { id: string }[] } }>('{ contacts(first: 1) { nodes { id } } }', undefined, { [INTERNAL_CONTEXT_HEADER]: other });
    expect(res.status).toBe(200);
    expect(res.errors).toBeUndefined();
    expect(res.data?.contacts.nodes).toHaveLength(1);
  });

  it.each(SYSTEMS)('answers a direct %s subgraph request carrying a fresh signed context (the control)', async (system) => {
    const reply = await postJson(stack.subgraphs[system].url, { query: SUBGRAPH_QUERIES[system] }, { [INTERNAL_CONTEXT_HEADER]: context(Date.now()) });
    expect(reply.status).toBe(200);
    expect(reply.body?.errors).toBeUndefined();
  });

  it.each(SYSTEMS)('refuses a direct %s subgraph request without a context: 401 reason missing', async (system) => {
    const reply = await withoutUpstream(stack, () => postJson(stack.subgraphs[system].url, { query: SUBGRAPH_QUERIES[system] }));
    expectRefusal(reply, { status: 401, code: 'UNAUTHENTICATED', reason: 'missing' });
  });

  it.each(SYSTEMS)('refuses a direct %s subgraph request with a forged context: 401 reason bad_signature', async (system) => {
    for (const forged of ['v1.forged.sig', context(Date.now(), 'not-the-secret-but-long-enough-0123456789')]) {
      const reply = await withoutUpstream(stack, () => postJson(stack.subgraphs[system].url, { query: SUBGRAPH_QUERIES[system] }, { [INTERNAL_CONTEXT_HEADER]: forged }));
      expectRefusal(reply, { status: 401, code: 'UNAUTHENTICATED', reason: 'bad_signature' });
    }
  });

  it.each(SYSTEMS)('refuses a direct %s subgraph request with a context signed 10 minutes ago: 401 reason stale', async (system) => {
    const stale = context(Date.now() - 600_000);
    const reply = await withoutUpstream(stack, () => postJson(stack.subgraphs[system].url, { query: SUBGRAPH_QUERIES[system] }, { [INTERNAL_CONTEXT_HEADER]: stale }));
    expectRefusal(reply, { status: 401, code: 'UNAUTHENTICATED', reason: 'stale' });
  });

  it('refuses a context dated in the future and one that is not the wire format', async () => {
    const cases: [string, string][] = [[context(Date.now() + 600_000), 'future'], ['v2.abc.def', 'malformed'], ['x'.repeat(10_000), 'malformed']];
    for (const [value, reason] of cases) {
      const reply = await withoutUpstream(stack, () => postJson(stack.subgraphs.sap.url, { query: SUBGRAPH_QUERIES.sap }, { [INTERNAL_CONTEXT_HEADER]: value }));
      expectRefusal(reply, { status: 401, code: 'UNAUTHENTICATED', reason });
    }
  });
});
