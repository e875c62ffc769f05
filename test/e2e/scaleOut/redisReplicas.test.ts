/**
 * Scale-out on Redis (issue 7, "Done when"): two gateways and two SAP subgraph replicas share the
 * event log (Redis Streams) and the response cache (Redis). An event posted to replica A reaches a
 * subscriber on gateway 2 (whose upstream is replica B); an invalidation through gateway 1 evicts
 * what gateway 2 cached; a gateway closed mid-burst loses nothing: the subscriber resumes on the
 * other gateway with `after: <last cursor>` and gets exactly the rest, in order; the same when the
 * gateway is a real process killed with SIGKILL (a crash: no drain, no close frame). Plus what a Redis
 * outage does to the webhook intake and to queries.
 */
import { createClient, type Client } from 'graphql-ws';
import pino from 'pino';
import WebSocket from 'ws';
import { startGateway } from '../../../gateway/server';
import { startSapSubgraph } from '../../../subgraphs/sap/server';
import { STACK_GATEWAY_OPTIONS } from '../federatedGraph/startStack';
import { spawnGatewayProcess, type GatewayProcess } from './gatewayProcess';
import { INTERNAL_TOKEN, startReplicaStack, type ReplicaStack } from './replicaStack';
import { closedPort } from '../../gateway/redisScratch';

const ORDER = '42';
const BASE_MS = Date.parse('2026-03-01T08:00:00Z');
const SUBSCRIPTION = `subscription($after: String) { salesOrderChanged(id: "${ORDER}", after: $after) { cursor occurredAt orderId } }`;

interface Changed {
  cursor: string;
  occurredAt: string;
  orderId: string;
}

interface Probe {
  events: Changed[];
  errors: unknown[];
  ended: () => boolean;
}

/** The event number `n` is raised at BASE + n seconds: the number travels in `occurredAt`. */
const raisedAt = (n: number): string => new Date(BASE_MS + n * 1_000).toISOString();
const numberOf = (e: Changed): number => (Date.parse(e.occurredAt) - BASE_MS) / 1_000;

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400 && !check(); i += 1) await new Promise((r) => setTimeout(r, 25));
  if (!check()) throw new Error(`timed out waiting for ${what}`);
}


describe('gateways and SAP replicas scaled out on Redis', () => {
  let stack: ReplicaStack;
  const clients: Client[] = [];

  beforeAll(async () => {
    stack = await startReplicaStack();
  }, 60_000);
  afterAll(async () => {
    for (const c of clients) await c.dispose();
    await stack?.close();
  });

  const gatewayUrl = (i: 0 | 1): string => {
    const g = stack.gateways[i];
    if (!g) throw new Error(`gateway ${i + 1} is closed`);
    return g.url;
  };
  const subscribeAt = (url: string, after: string): Probe => {
    const client = createClient({ url: url.replace('http', 'ws'), webSocketImpl: WebSocket, retryAttempts: 0, connectionParams: { authorization: stack.authorization } });
    clients.push(client);
    const probe = { events: [] as Changed[], errors: [] as unknown[], done: false };
    client.subscribe({ query: SUBSCRIPTION, variables: { after } }, {
      next: (v) => {
        const data = v.data as { salesOrderChanged?: Changed } | null | undefined;
        if (v.errors || !data?.salesOrderChanged) probe.errors.push(v.errors ?? v);
        else probe.events.push(data.salesOrderChanged);
      },
      error: (e) => {
        probe.done = true;
        probe.errors.push(e);
      },
      complete: () => {
        probe.done = true;
      },
    });
    return { events: probe.events, errors: probe.errors, ended: () => probe.done };
  };
  const subscribe = (i: 0 | 1, after: string): Probe => subscribeAt(gatewayUrl(i), after);
  const query = async (i: 0 | 1, text: string): Promise<{ status: number; cache: string | null; body: { data?: unknown; errors?: unknown } }> => {
    const res = await fetch(gatewayUrl(i), { method: 'POST', headers: { 'content-type': 'application/json', authorization: stack.authorization }, body: JSON.stringify({ query: text }) });
    return { status: res.status, cache: res.headers.get('x-cache'), body: (await res.json()) as { data?: unknown; errors?: unknown } };
  };
  /** The subscriber resumes on gateway 2 after the last cursor it got: exactly the rest arrives, in order, once. */
  const expectResumedOnGateway2 = async (first: Probe, start: string, total: number, from: number): Promise<void> => {
    const seen = first.events.length;
    expect(seen).toBeGreaterThanOrEqual(1);
    expect(seen).toBeLessThan(total);
    const resumed = subscribe(1, first.events[seen - 1]?.cursor ?? start);
    await until(() => seen + resumed.events.length >= total, 'the remaining events on gateway 2');
    await new Promise((r) => setTimeout(r, 200)); // a duplicate would arrive right behind the last event
    const all = [...first.events, ...resumed.events];
    expect(resumed.errors).toEqual([]);
    expect(all.map(numberOf)).toEqual(Array.from({ length: total }, (_, i) => from + i));
    expect(new Set(all.map((e) => e.cursor)).size).toBe(total);
  };
  const post = async (to: 'a' | 'b', n: number): Promise<void> => {
    const res = await stack.postSapEvent(stack.sap[to], `evt-${n}`, ORDER, raisedAt(n));
    expect(res.status).toBe(202);
  };

  it('delivers an event posted to SAP replica A to subscribers on both gateways, including gateway 2 (replica B)', async () => {
    const head = await stack.head();
    const viaB = subscribe(1, head);
    const viaA = subscribe(0, head);
    await post('a', 1);
    await until(() => viaB.events.length >= 1 && viaA.events.length >= 1, 'the event on both gateways');
    expect(viaB.errors).toEqual([]);
    expect(viaB.events.map(numberOf)).toEqual([1]);
    expect(viaB.events[0]).toEqual({ cursor: expect.stringMatching(/^\d+-\d+$/), occurredAt: expect.any(String), orderId: ORDER });
    expect(viaA.events).toEqual(viaB.events);
  });

  it('evicts on gateway 2 what an invalidation through gateway 1 names, and caches it again', async () => {
    // A query text unique to this run: no other run's entry can answer it.
    const text = `{ run_${stack.source.replace(/\W/g, '_')}: salesOrder(id: "21") { id status } }`;
    expect((await query(1, text)).cache).toBeNull();
    const hit = await query(1, text);
    expect(hit.cache).toBe('HIT');
    expect(hit.body.errors).toBeUndefined();
    const res = await fetch(gatewayUrl(0).replace('/graphql', '/internal/invalidate'), {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${INTERNAL_TOKEN}` }, body: JSON.stringify({ tags: ['SalesOrder:21'] }),
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { evicted: number }).evicted).toBeGreaterThanOrEqual(1);
    const after = await query(1, text);
    expect(after.cache).toBeNull();
    expect(after.body).toEqual(hit.body);
    expect((await query(1, text)).cache).toBe('HIT');
  });

  it('loses no event when gateway 1 goes away mid-burst: the subscriber resumes on gateway 2 after its last cursor', async () => {
    const total = 24;
    const start = await stack.head();
    const first = subscribe(0, start);
    let closing: Promise<void> | undefined;
    for (let n = 101; n < 101 + total; n += 1) {
      await post(n % 2 === 0 ? 'a' : 'b', n);
      if (n === 108) {
        await until(() => first.events.length >= 1, 'the first events on gateway 1');
        closing = stack.closeGateway(0);
      }
    }
    await closing;
    await until(first.ended, 'gateway 1 closing the subscription');
    await expectResumedOnGateway2(first, start, total, 101);
  });

  it('loses no event when a gateway process is SIGKILLed mid-burst: the subscriber resumes on gateway 2 after its last cursor', async () => {
    const total = 24;
    const crashing: GatewayProcess = await spawnGatewayProcess(stack.supergraphA);
    try {
      const start = await stack.head();
      const first = subscribeAt(crashing.url, start);
      for (let n = 201; n < 201 + total; n += 1) {
        await post(n % 2 === 0 ? 'a' : 'b', n);
        if (n === 208) {
          await until(() => first.events.length >= 1, 'the first events on the gateway process');
          await crashing.kill();
        }
      }
      await until(first.ended, 'the subscription on the killed gateway ending');
      expect(crashing.alive()).toBe(false);
      await expectResumedOnGateway2(first, start, total, 201);
    } finally {
      await crashing.kill();
    }
  }, 30_000);

  describe('when Redis is unreachable', () => {
    it('answers 503 to a webhook whose event Redis cannot take, so Event Mesh redelivers', async () => {
      const logger = pino({ level: 'silent' });
      const sap = await startSapSubgraph({ port: 0, logger, env: { ...stack.env, REDIS_URL: `redis://127.0.0.1:${await closedPort()}` } });
      try {
        const res = await stack.postSapEvent(sap, 'redis-down', ORDER, raisedAt(1));
        expect(res.status).toBe(503);
      } finally {
        await sap.close();
      }
    });

    it('keeps answering queries through a gateway whose Redis is down (response cache and APQ fail open)', async () => {
      const logger = pino({ level: 'silent' });
      const gateway = await startGateway({
        port: 0, supergraphPath: stack.supergraphA, logger, introspection: false, responseCache: true, redisUrl: `redis://127.0.0.1:${await closedPort()}`,
        shutdownGraceMs: 1_000, ...STACK_GATEWAY_OPTIONS, env: { ...process.env, ...stack.env },
      });
      try {
        for (let i = 0; i < 2; i += 1) {
          const res = await fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: stack.authorization }, body: JSON.stringify({ query: '{ salesOrder(id: "21") { id } }' }) });
          expect(res.status).toBe(200);
          expect(res.headers.get('x-cache')).toBeNull();
          expect(await res.json()).toEqual({ data: { salesOrder: { id: '21' } } });
        }
      } finally {
        await gateway.close();
      }
    });
  });
});
