/**
 * Federated subscriptions through the gateway over graphql-ws, on tiny real subgraphs: `orders` owns
 * `Subscription.orderChanged` (served over graphql-ws, fed by a test-controlled emitter) and `people`
 * owns `Person.name`, which every event needs through an entity fetch.
 */
import { EventEmitter, on } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { execute, parse, type GraphQLSchema } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import pino from 'pino';
import WebSocket, { WebSocketServer } from 'ws';
import { composeSupergraph, writeFileAtomic } from '../../gateway/composeSupergraph';
import { startGateway, type Gateway } from '../../gateway/server';
import { readBody } from '../../subgraphs/kit/graphqlHttp';
import { OPEN_GATEWAY } from './gatewayTestOptions';

const LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])';
const ORDERS = `${LINK}
type Query { order(id: ID!): Order }
type Subscription { orderChanged(id: ID): OrderEvent! }
type OrderEvent { seq: Int! order: Order }
type Order @key(fields: "id") { id: ID! status: String! buyer: Person }
type Person @key(fields: "id", resolvable: false) { id: ID! }`;
const PEOPLE = `${LINK}
type Query { person(id: ID!): Person }
type Person @key(fields: "id") { id: ID! name: String! }`;

interface Tiny { url: string; requests: number; subscribes: number; returns: number; close(): Promise<void> }

async function startTiny(schema: GraphQLSchema, counters: { subscribes: number; returns: number }): Promise<Tiny> {
  const state = { requests: 0 };
  const server = http.createServer((req, res) => {
    void (async () => {
      state.requests += 1;
      const body = JSON.parse((await readBody(req, 1_048_576)) ?? '{}') as { query: string; variables?: Record<string, unknown> };
      const result = await execute({ schema, document: parse(body.query), variableValues: body.variables });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(result));
    })();
  });
  const wss = new WebSocketServer({ server, path: '/graphql' });
  const ws = useServer({ schema }, wss);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`,
    get requests() { return state.requests; },
    get subscribes() { return counters.subscribes; },
    get returns() { return counters.returns; },
    async close() {
      if (!server.listening) return;
      await ws.dispose();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

describe('federated subscriptions over graphql-ws', () => {
  const emitter = new EventEmitter();
  const counters = { subscribes: 0, returns: 0 };
  let orders: Tiny;
  let people: Tiny;
  let gw: Gateway;
  let dir: string;
  const clients: Client[] = [];
  const logger = pino({ level: process.env.LOG_LEVEL ?? 'silent' });

  beforeAll(async () => {
    const orderSchema = buildSubgraphSchema({
      typeDefs: parse(ORDERS),
      resolvers: {
        Subscription: {
          orderChanged: {
            subscribe: async function* (_: unknown, args: { id?: string }) {
              counters.subscribes += 1;
              try {
                for await (const [event] of on(emitter, 'order') as AsyncIterableIterator<[{ seq: number; id: string; status: string }]>) {
                  if (!args.id || args.id === event.id) yield { orderChanged: { seq: event.seq, order: { id: event.id, status: event.status, buyer: { id: 'p1' } } } };
                }
              } finally {
                counters.returns += 1;
              }
            },
          },
        },
      } as never,
    });
    const peopleSchema = buildSubgraphSchema({
      typeDefs: parse(PEOPLE),
      resolvers: { Person: { __resolveReference: (ref: { id: string }) => ({ id: ref.id, name: `Person ${ref.id}` }) } } as never,
    });
    orders = await startTiny(orderSchema, counters);
    people = await startTiny(peopleSchema, { subscribes: 0, returns: 0 });
    dir = mkdtempSync(path.join(tmpdir(), 'lumina-subs-'));
    const file = path.join(dir, 'supergraph.graphql');
    writeFileAtomic(file, composeSupergraph([{ name: 'orders', url: orders.url, sdl: ORDERS }, { name: 'people', url: people.url, sdl: PEOPLE }]));
    gw = await startGateway({ ...OPEN_GATEWAY, port: 0, supergraphPath: file, logger, executor: 'fast', responseCache: false });
  });
  afterAll(async () => {
    for (const c of clients) await c.dispose();
    await gw?.close();
    await orders?.close();
    await people?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const client = (connectionParams: Record<string, unknown> = {}): Client => {
    const c = createClient({ url: gw.url.replace('http', 'ws'), webSocketImpl: WebSocket, connectionParams, retryAttempts: 0 });
    clients.push(c);
    return c;
  };
  const until = async (check: () => boolean): Promise<void> => {
    for (let i = 0; i < 200 && !check(); i += 1) await new Promise((r) => setTimeout(r, 10));
    expect(check()).toBe(true);
  };
  const QUERY = 'subscription($id: ID) { orderChanged(id: $id) { seq order { id status buyer { name } } } }';

  it('delivers each event with the fields other subgraphs own, in order, to every client of one shared upstream', async () => {
    const got: { a: unknown[]; b: unknown[] } = { a: [], b: [] };
    const before = counters.subscribes;
    const stopA = client().subscribe({ query: QUERY, variables: { id: 'o1' } }, { next: (v) => got.a.push(v), error: () => undefined, complete: () => undefined });
    const stopB = client().subscribe({ query: QUERY, variables: { id: 'o1' } }, { next: (v) => got.b.push(v), error: () => undefined, complete: () => undefined });
    await until(() => counters.subscribes >= before + 1);
    await new Promise((r) => setTimeout(r, 50));
    for (let seq = 1; seq <= 3; seq += 1) emitter.emit('order', { seq, id: 'o1', status: `S${seq}` });
    emitter.emit('order', { seq: 9, id: 'other', status: 'X' });
    await until(() => got.a.length === 3 && got.b.length === 3);
    expect(got.a).toEqual([1, 2, 3].map((seq) => ({ data: { orderChanged: { seq, order: { id: 'o1', status: `S${seq}`, buyer: { name: 'Person p1' } } } } })));
    expect(got.b).toEqual(got.a);
    expect(counters.subscribes).toBe(before + 1);
    stopA();
    stopB();
    // The test subgraph's generator notices the upstream `complete` at its next event.
    await new Promise((r) => setTimeout(r, 50));
    emitter.emit('order', { seq: 4, id: 'o1', status: 'S4' });
    await until(() => counters.returns === before + 1);
    expect(got.a).toHaveLength(3);
  });

  it('sends nothing after a client completes, and keeps serving the others', async () => {
    const got: { a: unknown[]; b: unknown[] } = { a: [], b: [] };
    const stopA = client().subscribe({ query: QUERY, variables: { id: 'o2' } }, { next: (v) => got.a.push(v), error: () => undefined, complete: () => undefined });
    const stopB = client().subscribe({ query: QUERY, variables: { id: 'o2' } }, { next: (v) => got.b.push(v), error: () => undefined, complete: () => undefined });
    await new Promise((r) => setTimeout(r, 150));
    emitter.emit('order', { seq: 1, id: 'o2', status: 'A' });
    await until(() => got.a.length === 1 && got.b.length === 1);
    stopA();
    await new Promise((r) => setTimeout(r, 50));
    emitter.emit('order', { seq: 2, id: 'o2', status: 'B' });
    await until(() => got.b.length === 2);
    expect(got.a).toHaveLength(1);
    stopB();
  });

  // Refused callers (no, expired or forged tokens: close code 4403) are in test/e2e/abuse.
  it('answers an invalid subscription with coded errors', async () => {
    const errors = await new Promise<unknown>((resolve) => {
      client().subscribe({ query: 'subscription { nope }' }, { next: () => undefined, error: resolve, complete: () => resolve('completed') });
    });
    expect(JSON.stringify(errors)).toContain('GRAPHQL_VALIDATION_FAILED');
  });

  it('runs queries over the same socket on the fast executor', async () => {
    const result = await new Promise<unknown>((resolve, reject) => {
      client().subscribe({ query: '{ order(id: "o1") { id } }' }, { next: resolve, error: reject, complete: () => undefined });
    });
    expect(result).toEqual({ data: { order: null } });
  });

  it('speaks the graphql-transport-ws close codes: 4400 bad message, 4401 subscribe before ack, 4409 duplicate id, 4429 repeated init', async () => {
    const raw = async (frames: unknown[], waitAck = false): Promise<number> => {
      const ws = new WebSocket(gw.url.replace('http', 'ws'), 'graphql-transport-ws');
      await new Promise((r) => ws.once('open', r));
      const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
      for (const f of frames) {
        const isInit = (f as { type?: string }).type === 'connection_init';
        const acked = waitAck && isInit ? new Promise((r) => ws.once('message', r)) : undefined;
        ws.send(typeof f === 'string' ? f : JSON.stringify(f));
        if (acked) await Promise.race([acked, closed]);
      }
      return closed;
    };
    const sub = { id: '1', type: 'subscribe', payload: { query: QUERY, variables: { id: 'x' } } };
    expect(await raw(['not json'])).toBe(4400);
    expect(await raw([sub])).toBe(4401);
    expect(await raw([{ type: 'connection_init' }, sub, sub], true)).toBe(4409);
    expect(await raw([{ type: 'connection_init' }, { type: 'connection_init' }], true)).toBe(4429);
  });
  it('ends its clients with a retryable SUBGRAPH_UNAVAILABLE when the owning subgraph goes away, instead of resubscribing past a gap', async () => {
    const got: unknown[] = [];
    let completed = false;
    client().subscribe({ query: QUERY, variables: { id: 'o9' } }, { next: (v) => got.push(v), error: (e) => got.push({ error: e }), complete: () => { completed = true; } });
    await new Promise((r) => setTimeout(r, 150));
    await orders.close();
    await until(() => completed);
    expect(got).toEqual([{ errors: [expect.objectContaining({ extensions: expect.objectContaining({ code: 'SUBGRAPH_UNAVAILABLE', system: 'orders', retryable: true }) })] }]);
  });

});
