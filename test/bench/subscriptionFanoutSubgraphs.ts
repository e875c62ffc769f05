/**
 * Child process of the fan-out benchmark: the two tiny real subgraphs on loopback.
 * - `orders` (HTTP + graphql-ws on `/graphql`) owns `Subscription.orderChanged(id)`; its events come
 *   from the parent's `emit` request, stamped with `emittedAt` here at the moment of publishing.
 * - `people` (HTTP) resolves `Person.name` by entity fetch: every event needs one.
 * Requests: `urls`, `emit { seq }` (answers how many upstream subscriptions got it), `stats`
 * (subscriptions started / returned / active, HTTP requests per subgraph), `exit`.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { execute, parse, type GraphQLSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { BUYER_ID, ORDERS_SDL, ORDER_ID, PEOPLE_SDL, benchClock, statusOf } from './subscriptionFanoutEvent';
import { serveParent } from './subscriptionFanoutIpc';

interface OrderEvent {
  seq: number;
  emittedAt: number;
  id: string;
  status: string;
}

type Listener = (ev: OrderEvent) => void;

const listeners = new Set<Listener>();
const counters = { subscribes: 0, returns: 0, ordersRequests: 0, peopleRequests: 0 };

/** One subscriber's feed: a push-fed async iterator whose `return()` unsubscribes at once. */
function feed(id: string | undefined): AsyncIterableIterator<unknown> {
  const queue: OrderEvent[] = [];
  let wake: (() => void) | undefined;
  let done = false;
  const listener: Listener = (ev) => {
    if (id && id !== ev.id) return;
    queue.push(ev);
    wake?.();
  };
  listeners.add(listener);
  counters.subscribes += 1;
  return {
    async next() {
      for (;;) {
        const ev = queue.shift();
        if (ev) return { done: false, value: { orderChanged: { seq: ev.seq, emittedAt: ev.emittedAt, order: { id: ev.id, status: ev.status, buyer: { id: BUYER_ID } } } } };
        if (done) return { done: true, value: undefined };
        await new Promise<void>((resolve) => { wake = resolve; });
        wake = undefined;
      }
    },
    return() {
      if (!done) {
        done = true;
        listeners.delete(listener);
        counters.returns += 1;
      }
      wake?.();
      return Promise.resolve({ done: true, value: undefined });
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

function readAll(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

async function startSubgraph(schema: GraphQLSchema, count: () => void, ws: boolean): Promise<{ url: string }> {
  const server = http.createServer((req, res) => {
    count();
    readAll(req)
      .then(async (text) => {
        const body = JSON.parse(text || '{}') as { query: string; variables?: Record<string, unknown>; operationName?: string };
        const result = await execute({ schema, document: parse(body.query), variableValues: body.variables, operationName: body.operationName });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(result));
      })
      .catch((err: unknown) => {
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ errors: [{ message: err instanceof Error ? err.message : String(err) }] }));
      });
  });
  if (ws) useServer({ schema }, new WebSocketServer({ server, path: '/graphql' }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql` };
}

async function main(): Promise<void> {
  const ordersSchema = buildSubgraphSchema({
    typeDefs: parse(ORDERS_SDL),
    resolvers: { Subscription: { orderChanged: { subscribe: (_: unknown, args: { id?: string }) => feed(args.id) } } } as never,
  });
  const peopleSchema = buildSubgraphSchema({
    typeDefs: parse(PEOPLE_SDL),
    resolvers: { Person: { __resolveReference: (ref: { id: string }) => ({ id: ref.id, name: `Person ${ref.id}` }) } } as never,
  });
  const orders = await startSubgraph(ordersSchema, () => { counters.ordersRequests += 1; }, true);
  const people = await startSubgraph(peopleSchema, () => { counters.peopleRequests += 1; }, false);
  serveParent({
    urls: () => ({ orders: orders.url, people: people.url }),
    emit: (body) => {
      const seq = Number(body.seq);
      const ev: OrderEvent = { seq, emittedAt: benchClock(), id: ORDER_ID, status: statusOf(seq) };
      for (const l of listeners) l(ev);
      return listeners.size;
    },
    stats: () => ({ ...counters, active: listeners.size }),
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
