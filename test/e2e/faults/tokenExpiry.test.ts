/**
 * Token expiry under load, end to end: Salesforce ends every session (the sandbox's
 * `POST /__admin/tokens/expire`), then 100 different queries arrive at once. Every one succeeds,
 * and the Salesforce subgraph renews its session with exactly one token request (single flight),
 * not one per refused call.
 */
import { countOf, startStack, type Stack } from '../federatedGraph/startStack';

const CONCURRENT = 100;

describe('token expiry under load', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack();
  }, 120_000);
  afterAll(() => stack?.close());

  it('answers 100 concurrent queries after Salesforce expired its sessions, with one token request', async () => {
    const warm = await stack.query('{ contacts(first: 1) { nodes { id } } }');
    expect(warm.errors).toBeUndefined();
    const expired = await fetch(`${stack.sandboxes.salesforce.url}/__admin/tokens/expire`, { method: 'POST' });
    expect(expired.status).toBe(200);
    stack.resetCounters();

    // Different page sizes: different documents, so neither the gateway nor the subgraph can share one fetch among them.
    const results = await Promise.all(Array.from({ length: CONCURRENT }, (_, i) =>
      stack.query<{ contacts: { nodes: { id: string }[] } }>(`{ contacts(first: ${i + 1}) { nodes { id } } }`)));

    const failed = results.map((r, i) => ({ i, status: r.status, codes: (r.errors ?? []).map((e) => e.extensions?.code) })).filter((r) => r.status !== 200 || r.codes.length > 0);
    expect(failed).toEqual([]);
    results.forEach((r, i) => expect(r.data?.contacts.nodes).toHaveLength(i + 1));
    const sf = stack.counts().salesforce;
    expect(countOf(sf, /oauth2\/token/)).toBe(1);
    expect(countOf(sf, /\/query$/)).toBeGreaterThanOrEqual(CONCURRENT);
  }, 60_000);
});
