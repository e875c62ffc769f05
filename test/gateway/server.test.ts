import { readFileSync } from 'node:fs';
import pino from 'pino';
import { startGateway, type Gateway } from '../../gateway/server';
import { sha256 } from '../../gateway/supergraphFile';
import { gql, startTinyGraph, type TinyGraph } from './tinyGraph';
import { OPEN_GATEWAY } from './gatewayTestOptions';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const CROSS = '{ person(id: "p1") { name orders { id total } messages } }';

describe.each(['fast', 'stock'] as const)('gateway server (%s executor)', (executor) => {
  let graph: TinyGraph;
  let gw: Gateway;
  let closed: Gateway;
  const logger = pino({ level: process.env.LOG_LEVEL ?? 'silent' });

  beforeAll(async () => {
    graph = await startTinyGraph();
    gw = await startGateway({ ...OPEN_GATEWAY, port: 0, supergraphPath: graph.supergraphPath, logger, introspection: true, maxBodyBytes: 4096, executor });
    closed = await startGateway({ ...OPEN_GATEWAY, port: 0, supergraphPath: graph.supergraphPath, logger, introspection: false, executor });
  });
  afterAll(async () => {
    await gw?.close();
    await closed?.close();
    await graph?.close();
  });

  it('answers a query that needs entity fetches from two other subgraphs', async () => {
    const r = await gql(gw.url, CROSS);
    expect(r.status).toBe(200);
    expect(r.body.errors).toBeUndefined();
    expect(r.body.data).toEqual({ person: { name: 'Ada Lovelace', orders: [{ id: 'p1-o1', total: '10.00' }], messages: ['hello from p1'] } });
  });

  it('batches a list into one entity fetch per subgraph', async () => {
    const before = { sap: graph.seen.sap.length, teams: graph.seen.teams.length };
    const r = await gql(gw.url, '{ people { id messages } }', { 'x-request-id': 'batch-check-1' });
    expect((r.body.data?.people as unknown[]).length).toBe(3);
    expect(graph.seen.teams.length - before.teams).toBe(1);
    expect(graph.seen.sap.length - before.sap).toBe(0);
  });

  it('forwards the client x-request-id to every subgraph and echoes it', async () => {
    const id = 'client-req:42.a_b-c';
    const r = await gql(gw.url, CROSS, { 'x-request-id': id });
    expect(r.headers.get('x-request-id')).toBe(id);
    expect(graph.seen.salesforce).toContain(id);
    expect(graph.seen.sap).toContain(id);
    expect(graph.seen.teams).toContain(id);
  });

  it.each([
    ['no', undefined],
    ['an insane', 'has spaces and <tags>'],
    ['a too long', 'a'.repeat(129)],
  ])('generates a UUID when the client sends %s request id, and forwards that one', async (_label, given) => {
    const r = await gql(gw.url, CROSS, given === undefined ? {} : { 'x-request-id': given });
    const id = r.headers.get('x-request-id') ?? '';
    expect(id).toMatch(UUID);
    expect(graph.seen.salesforce.at(-1)).toBe(id);
    expect(graph.seen.sap.at(-1)).toBe(id);
    expect(graph.seen.teams.at(-1)).toBe(id);
  });

  it('reports health with the hash of the served supergraph', async () => {
    const res = await fetch(gw.url.replace('/graphql', '/health'));
    expect(res.status).toBe(200);
    const body = (await res.json()) as { status: string; supergraph: { hash: string; loadedAt: string } };
    expect(body.status).toBe('ok');
    expect(body.supergraph.hash).toBe(sha256(readFileSync(graph.supergraphPath, 'utf8')));
    expect(body.supergraph.hash).toBe(gw.supergraph.hash());
    expect(Number.isNaN(Date.parse(body.supergraph.loadedAt))).toBe(false);
  });

  it('answers introspection when enabled and refuses it when disabled', async () => {
    const q = '{ __schema { queryType { name } } }';
    const on = await gql(gw.url, q);
    expect(on.body.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
    const off = await gql(closed.url, q);
    expect(off.body.data).toBeUndefined();
    expect(off.body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect((await gql(closed.url, CROSS)).body.data).toBeTruthy();
  });

  it('refuses a body over the limit with 413 and keeps serving', async () => {
    const big = JSON.stringify({ query: `{ people { id } } # ${'x'.repeat(5000)}` });
    const res = await fetch(gw.url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': 'too-big-1' }, body: big });
    expect(res.status).toBe(413);
    expect(res.headers.get('x-request-id')).toBe('too-big-1');
    const body = (await res.json()) as { errors: { extensions: { code: string } }[] };
    expect(body.errors[0]?.extensions.code).toBe(executor === 'fast' ? 'PAYLOAD_TOO_LARGE' : 'BAD_REQUEST');
    expect((await gql(gw.url, '{ people { id } }')).status).toBe(200);
  });

  it('answers 400 with a GraphQL error body for invalid JSON', async () => {
    const res = await fetch(gw.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query": "{ people { id } }"' });
    expect(res.status).toBe(400);
    expect(res.headers.get('x-request-id')).toMatch(UUID);
    const body = (await res.json()) as { errors: { message: string; extensions: { code: string } }[] };
    expect(body.errors[0]?.extensions.code).toBe('BAD_REQUEST');
  });

  it('blocks a simple cross-site GET and serves it with a preflight header', async () => {
    const url = `${gw.url}?query=${encodeURIComponent('{ people { id } }')}`;
    const blocked = await fetch(url);
    expect(blocked.status).toBe(400);
    expect(await blocked.text()).toMatch(/Cross-Site Request Forgery/);
    const ok = await fetch(url, { headers: { 'apollo-require-preflight': 'true' } });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { data: { people: unknown[] } }).data.people).toHaveLength(3);
  });

  it('rejects start when the port is taken and keeps the first gateway serving', async () => {
    await expect(startGateway({ ...OPEN_GATEWAY, port: gw.port, supergraphPath: graph.supergraphPath, logger, executor })).rejects.toThrow(/EADDRINUSE/);
    expect((await gql(gw.url, '{ people { id } }')).status).toBe(200);
  });

  it('answers 404 for other paths', async () => {
    const res = await fetch(gw.url.replace('/graphql', '/nope'));
    expect(res.status).toBe(404);
  });
});
