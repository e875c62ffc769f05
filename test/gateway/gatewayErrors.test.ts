import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import pino from 'pino';
import { startGateway, type Gateway } from '../../gateway/server';
import { gql, startTinyGraph, type TinyGraph } from './tinyGraph';
import { OPEN_GATEWAY } from './gatewayTestOptions';

/** A URL on which nothing listens: a server's port, taken and released. */
async function deadUrl(): Promise<string> {
  const s = http.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return `http://127.0.0.1:${port}/graphql`;
}

describe.each(['fast', 'stock'] as const)('gateway errors (%s executor)', (executor) => {
  let graph: TinyGraph;
  let gw: Gateway;
  let downGw: Gateway;
  let mismatchGw: Gateway;
  const logger = pino({ level: process.env.LOG_LEVEL ?? 'silent' });

  beforeAll(async () => {
    graph = await startTinyGraph({ slowMs: 1_500 });
    gw = await startGateway({ ...OPEN_GATEWAY, port: 0, supergraphPath: graph.supergraphPath, logger, executor, subgraphTimeoutMs: 300 });
    const downPath = path.join(graph.dir, 'down.graphql');
    graph.writeSupergraph({ file: downPath, urls: { teams: await deadUrl() } });
    downGw = await startGateway({ ...OPEN_GATEWAY, port: 0, supergraphPath: downPath, logger, executor });
    const mismatchPath = path.join(graph.dir, 'mismatch.graphql');
    graph.writeSupergraph({ file: mismatchPath, withDiscount: true });
    mismatchGw = await startGateway({ ...OPEN_GATEWAY, port: 0, supergraphPath: mismatchPath, logger, executor });
  });
  afterAll(async () => {
    await Promise.all([gw?.close(), downGw?.close(), mismatchGw?.close()]);
    await graph?.close();
  });

  it('passes a root-field subgraph error through with code, system and retryable, without its cause', async () => {
    const r = await gql(gw.url, '{ throttled people { id } }');
    expect(r.status).toBe(200);
    expect(r.body.data).toEqual({ throttled: null, people: [{ id: 'p1' }, { id: 'p2' }, { id: 'p3' }] });
    expect(r.body.errors).toEqual([{
      message: 'Salesforce is throttling requests',
      path: ['throttled'],
      extensions: { code: 'UPSTREAM_RATE_LIMITED', system: 'salesforce', retryable: true },
    }]);
    expect(JSON.stringify(r.body)).not.toMatch(/secret-host|REQUEST_LIMIT_EXCEEDED/);
  });

  it('passes an entity-fetch error through at the client path', async () => {
    const r = await gql(gw.url, '{ person(id: "p3") { name orders { id } } }');
    expect(r.body.data).toEqual({ person: null });
    expect(r.body.errors).toHaveLength(1);
    expect(r.body.errors?.[0]).toMatchObject({
      message: 'No business partner for this person',
      path: ['person', 'orders'],
      extensions: { code: 'NOT_FOUND', system: 'sap', retryable: false },
    });
    expect(r.body.errors?.[0]?.extensions).not.toHaveProperty('serviceName');
  });

  it('answers a GraphQL error, not a crash, when a subgraph is down, and keeps the other data', async () => {
    const r = await gql(downGw.url, '{ person(id: "p1") { name messages } }');
    expect(r.status).toBe(200);
    expect(r.body.data).toEqual({ person: { name: 'Ada Lovelace', messages: null } });
    expect(r.body.errors).toEqual([{ message: 'The teams subgraph is unavailable', extensions: { code: 'SUBGRAPH_UNAVAILABLE', system: 'teams', retryable: true } }]);
    expect(JSON.stringify(r.body)).not.toMatch(/127\.0\.0\.1|ECONNREFUSED/);
    expect((await gql(downGw.url, '{ people { name } }')).body.errors).toBeUndefined();
  });

  it('answers SUBGRAPH_TIMEOUT when a subgraph is slower than the timeout', async () => {
    const r = await gql(gw.url, '{ person(id: "p2") { name slowMessages } }');
    expect(r.body.data).toEqual({ person: { name: 'Alan Turing', slowMessages: null } });
    expect(r.body.errors?.[0]?.extensions).toEqual({ code: 'SUBGRAPH_TIMEOUT', system: 'teams', retryable: true });
  });

  it('masks an unexpected failure as "Unexpected error" with the request id', async () => {
    const r = await gql(mismatchGw.url, '{ person(id: "p1") { orders { id discount } } }', { 'x-request-id': 'mismatch-7' });
    expect(r.body.errors).toHaveLength(1);
    expect(r.body.errors?.[0]?.message).toBe('Unexpected error');
    expect(r.body.errors?.[0]?.extensions).toMatchObject({ code: 'INTERNAL_SERVER_ERROR', requestId: 'mismatch-7' });
    expect(JSON.stringify(r.body)).not.toMatch(/discount|127\.0\.0\.1|Bad Request/);
  });

  it('keeps Apollo request errors (validation) visible to the client', async () => {
    const r = await gql(gw.url, '{ nope }');
    expect(r.status).toBe(400);
    expect(r.body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(r.body.errors?.[0]?.message).toMatch(/nope/);
  });
});
