/**
 * The gateway benchmark's harness must be right before its numbers mean anything: the bench
 * subgraphs, composed and run through the real `@apollo/gateway`, must give exactly the reference
 * answer, and the subgraph host must survive junk without serving it to the next caller.
 */
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { canonicalJson, expectedTestQueryResponse, TEST_QUERY } from './benchReference';
import { startBenchSubgraphHost, type BenchSubgraphHost } from './benchSubgraphHost';
import { composeBenchSupergraph } from './benchSupergraph';

async function post(url: string, body: string): Promise<{ status: number; text: string }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  return { status: res.status, text: await res.text() };
}

async function requests(url: string): Promise<number> {
  const res = await fetch(url.replace(/\/graphql$/, '/stats'));
  return ((await res.json()) as { requests: number }).requests;
}

describe('bench subgraph host', () => {
  let host: BenchSubgraphHost;
  beforeAll(async () => {
    host = await startBenchSubgraphHost();
  });
  afterAll(async () => {
    await host.close();
  });

  it('answers TestQuery through the stock @apollo/gateway exactly like the reference (about 87 kB)', async () => {
    const supergraph = composeBenchSupergraph(host.urls);
    const server = new ApolloServer({ gateway: new ApolloGateway({ supergraphSdl: supergraph.sdl }) });
    await server.start();
    try {
      const res = await server.executeOperation({ query: TEST_QUERY, operationName: 'TestQuery' });
      const body = res.body.kind === 'single' ? res.body.singleResult : null;
      const expected = expectedTestQueryResponse(supergraph.apiSchema);
      expect(canonicalJson(body)).toBe(expected);
      expect(expected.length).toBeGreaterThan(80_000);
      expect(expected.length).toBeLessThan(95_000);
    } finally {
      await server.stop();
    }
  });

  it('answers a repeated body with the same bytes and counts every request', async () => {
    const url = host.urls.products;
    const before = await requests(url);
    const body = JSON.stringify({ query: '{ topProducts(first: 2) { upc name price } }' });
    const first = await post(url, body);
    const second = await post(url, body);
    expect(first.status).toBe(200);
    expect(second.text).toBe(first.text);
    expect(JSON.parse(first.text)).toEqual({ data: { topProducts: [{ upc: '1', name: 'Table', price: 899 }, { upc: '2', name: 'Couch', price: 1299 }] } });
    expect(await requests(url)).toBe(before + 2);
  });

  it('rejects junk (not JSON, no query, bad syntax, unknown field, 2 MB body, wrong path) and still serves the next request', async () => {
    const url = host.urls.accounts;
    expect(JSON.parse((await post(url, '{not json')).text)).toEqual({ errors: [{ message: 'body is not JSON' }] });
    expect(JSON.parse((await post(url, '{"variables":{}}')).text)).toEqual({ errors: [{ message: 'missing query' }] });
    expect((await post(url, JSON.stringify({ query: '{ users { ' }))).status).toBe(400);
    expect((await post(url, JSON.stringify({ query: '{ nope }' }))).text).toContain('Cannot query field');
    expect((await post(url, JSON.stringify({ query: `{ me { id } } #${'x'.repeat(2_000_000)}` }))).status).toBe(413);
    expect((await post(url.replace(/\/graphql$/, '/other'), '{}')).status).toBe(404);
    const ok = await post(url, JSON.stringify({ query: '{ me { id username } }' }));
    expect(JSON.parse(ok.text)).toEqual({ data: { me: { id: '1', username: 'adalove' } } });
  });
});
