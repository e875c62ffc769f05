import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { createInvalidation, type Invalidation, type InvalidationOptions } from '../../gateway/invalidation';
import { createResponseCache, type ResponseCache } from '../../gateway/responseCache';

const logger = pino({ level: 'silent' });
const TOKEN = 'internal-token-0123456789';

interface Received { url?: string; authorization?: string; contentType?: string; body: string }
type Behaviour = 'ok' | 'error' | 'slow' | 'garbage';

/** A stand-in for a subgraph's `/internal/invalidate` endpoint (the real one is built elsewhere). */
async function startSubgraph(behaviour: Behaviour, evicted = 3) {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ url: req.url, authorization: req.headers.authorization, contentType: req.headers['content-type'], body: Buffer.concat(chunks).toString('utf8') });
      if (behaviour === 'slow') return;
      if (behaviour === 'error') res.writeHead(500).end('{"error":"boom"}');
      else if (behaviour === 'garbage') res.writeHead(200).end('<html>');
      else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ evicted }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  const close = async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  };
  return { url, received, close };
}

async function freePortUrl(): Promise<string> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return `http://127.0.0.1:${port}/graphql`;
}

/** The gateway side: a real HTTP server routing POST /internal/invalidate to `handle`. */
async function startEndpoint(inv: Invalidation) {
  const server = http.createServer((req, res) => {
    inv.handle(req, res).catch(() => res.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/internal/invalidate`;
  const close = async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  };
  return { url, close };
}

const caller = { identity: 'anon', scopes: [] as string[] };
async function cacheOrder(cache: ResponseCache, id: string, tenant = 'default'): Promise<string> {
  const key = cache.key({ document: 'doc', variables: { id }, tenant, ...caller });
  await cache.set(key, { body: `{"data":{"salesOrder":{"id":"${id}"}}}`, ttlMs: 60_000, tags: [`SalesOrder:${id}`] });
  return key;
}

describe('gateway invalidation', () => {
  const stops: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
  });
  const make = (opts: Partial<InvalidationOptions> & Pick<InvalidationOptions, 'responseCache'>) => {
    const inv = createInvalidation({ subgraphUrls: () => ({}), token: TOKEN, timeoutMs: 300, logger, ...opts });
    stops.push(() => inv.close());
    return inv;
  };
  const memoryCache = () => {
    const cache = createResponseCache({ logger });
    stops.push(() => cache.close());
    return cache;
  };

  it('evicts exactly the entries tagged SalesOrder:1 and forwards the request to every subgraph with the token', async () => {
    const cache = memoryCache();
    const sap = await startSubgraph('ok', 2);
    const salesforce = await startSubgraph('ok', 0);
    stops.push(sap.close, salesforce.close);
    const one = await cacheOrder(cache, '1');
    const two = await cacheOrder(cache, '2');
    const inv = make({ responseCache: cache, subgraphUrls: () => ({ sap: sap.url, salesforce: salesforce.url }) });

    expect(await inv.invalidate({ tags: ['SalesOrder:1'], tenant: 'default' })).toEqual({ evicted: 1, subgraphs: { sap: 2, salesforce: 0 } });
    expect(await cache.get(one)).toBeUndefined();
    expect(await cache.get(two)).toBeDefined();
    for (const sub of [sap, salesforce]) {
      expect(sub.received).toEqual([{ url: '/internal/invalidate', authorization: `Bearer ${TOKEN}`, contentType: 'application/json', body: '{"tags":["SalesOrder:1"],"tenant":"default"}' }]);
    }
  });

  it('reports failing, slow, garbled and unreachable subgraphs as failed instead of throwing', async () => {
    const cache = memoryCache();
    const subs = { ok: await startSubgraph('ok'), error: await startSubgraph('error'), slow: await startSubgraph('slow'), garbage: await startSubgraph('garbage') };
    stops.push(...Object.values(subs).map((s) => s.close));
    const urls: Record<string, string> = { ...Object.fromEntries(Object.entries(subs).map(([k, s]) => [k, s.url])), down: await freePortUrl(), notAUrl: 'not a url' };
    await cacheOrder(cache, '1');
    const inv = make({ responseCache: cache, subgraphUrls: () => urls });
    expect(await inv.invalidate({ tags: ['SalesOrder:1'] })).toEqual({
      evicted: 1,
      subgraphs: { ok: 3, error: 'failed', slow: 'failed', garbage: 'failed', down: 'failed', notAUrl: 'failed' },
    });
    expect(subs.slow.received).toHaveLength(1);
  });

  it('without a token: still evicts locally, calls no subgraph (reported failed) and disables the endpoint (404)', async () => {
    const cache = memoryCache();
    const sap = await startSubgraph('ok');
    stops.push(sap.close);
    const key = await cacheOrder(cache, '1');
    const inv = make({ responseCache: cache, subgraphUrls: () => ({ sap: sap.url }), token: '' });
    expect(await inv.invalidate({ tags: ['SalesOrder:1'] })).toEqual({ evicted: 1, subgraphs: { sap: 'failed' } });
    expect(sap.received).toEqual([]);
    expect(await cache.get(key)).toBeUndefined();
    const endpoint = await startEndpoint(inv);
    stops.push(endpoint.close);
    const res = await fetch(endpoint.url, { method: 'POST', headers: { authorization: 'Bearer ' }, body: '{"tags":["SalesOrder:2"]}' });
    expect(res.status).toBe(404);
  });

  describe('POST /internal/invalidate', () => {
    const post = (url: string, body: string, headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` }) =>
      fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

    it('evicts and answers 200 with the counts', async () => {
      const cache = memoryCache();
      const sap = await startSubgraph('ok', 4);
      stops.push(sap.close);
      const one = await cacheOrder(cache, '1');
      const two = await cacheOrder(cache, '2');
      const endpoint = await startEndpoint(make({ responseCache: cache, subgraphUrls: () => ({ sap: sap.url }) }));
      stops.push(endpoint.close);
      const res = await post(endpoint.url, '{"tags":["SalesOrder:1","SalesOrder:1"]}');
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(await res.json()).toEqual({ evicted: 1, subgraphs: { sap: 4 } });
      expect(await cache.get(one)).toBeUndefined();
      expect(await cache.get(two)).toBeDefined();
    });

    it('answers 405 with Allow for other methods', async () => {
      const endpoint = await startEndpoint(make({ responseCache: memoryCache() }));
      stops.push(endpoint.close);
      for (const method of ['GET', 'PUT', 'DELETE']) {
        const res = await fetch(endpoint.url, { method, headers: { authorization: `Bearer ${TOKEN}` } });
        expect(res.status).toBe(405);
        expect(res.headers.get('allow')).toBe('POST');
      }
    });

    it.each([
      ['no authorization', {}],
      ['a wrong token', { authorization: 'Bearer internal-token-0123456788' }],
      ['a token prefix', { authorization: 'Bearer internal-token' }],
      ['another scheme', { authorization: `Basic ${TOKEN}` }],
      ['the bare token', { authorization: TOKEN }],
      ['a token with extra words', { authorization: `Bearer ${TOKEN} x` }],
    ])('refuses %s with 401 and evicts nothing', async (_label, headers) => {
      const cache = memoryCache();
      const key = await cacheOrder(cache, '1');
      const endpoint = await startEndpoint(make({ responseCache: cache }));
      stops.push(endpoint.close);
      const res = await post(endpoint.url, '{"tags":["SalesOrder:1"]}', headers);
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ error: expect.any(String) });
      expect(await cache.get(key)).toBeDefined();
    });

    it('accepts the scheme in any case', async () => {
      const endpoint = await startEndpoint(make({ responseCache: memoryCache() }));
      stops.push(endpoint.close);
      expect((await post(endpoint.url, '{"tags":[]}', { authorization: `bearer ${TOKEN}` })).status).toBe(200);
    });

    it('refuses bodies that are not an invalidation request with 400 and reasons, evicting nothing (abuse)', async () => {
      const cache = memoryCache();
      const key = await cacheOrder(cache, '1');
      const endpoint = await startEndpoint(make({ responseCache: cache }));
      stops.push(endpoint.close);
      const bodies = [
        '', 'not json', '{"tags":', 'null', '[]', '"SalesOrder:1"', '{}', '{"tags":"SalesOrder:1"}', '{"tags":[1]}',
        '{"tags":[""]}', `{"tags":["${'x'.repeat(513)}"]}`, JSON.stringify({ tags: Array.from({ length: 10_001 }, (_, i) => `T:${i}`) }),
        '{"tags":["SalesOrder:1"],"tenant":"a b"}', '{"tags":["SalesOrder:1"],"tenant":null}', '{"tags":["SalesOrder:1"],"tennant":"default"}',
        '{"tags":["SalesOrder:1"],"__proto__":{"tenant":"default"}}', '{"tags":[["SalesOrder:1"]]}', '{"tags":[null]}',
        `${'['.repeat(200_000)}${']'.repeat(200_000)}`, '\u0000',
      ];
      for (const body of bodies) {
        const res = await post(endpoint.url, body);
        expect([body.slice(0, 40), res.status]).toEqual([body.slice(0, 40), 400]);
        const answer = (await res.json()) as { error: string; reasons: string[] };
        expect(answer.reasons.length).toBeGreaterThan(0);
      }
      expect(await cache.get(key)).toBeDefined();
    });

    it('accepts the largest valid body (10 000 tags of 512 characters) and answers 413 over 6 MiB', async () => {
      const endpoint = await startEndpoint(make({ responseCache: memoryCache() }));
      stops.push(endpoint.close);
      const tag = (i: number): string => `T:${String(i).padStart(5, '0')}:${'x'.repeat(504)}`;
      const largest = await post(endpoint.url, JSON.stringify({ tags: Array.from({ length: 10_000 }, (_, i) => tag(i)) }));
      expect(largest.status).toBe(200);
      const res = await post(endpoint.url, JSON.stringify({ tags: Array.from({ length: 13_000 }, (_, i) => tag(i)) }));
      expect(res.status).toBe(413);
    });

    it("on Redis: a tenant's invalidation leaves other tenants' entries", async () => {
      const cache = createResponseCache({ logger, redisUrl: 'redis://127.0.0.1:6379', keyPrefix: `lumina:test:inv:${randomUUID()}:` });
      stops.push(() => cache.close(), () => cache.clear());
      const a = await cacheOrder(cache, '1', 'tenantA');
      const b = await cacheOrder(cache, '1', 'tenantB');
      const endpoint = await startEndpoint(make({ responseCache: cache }));
      stops.push(endpoint.close);
      const res = await post(endpoint.url, '{"tags":["SalesOrder:1"],"tenant":"tenantA"}');
      expect(await res.json()).toEqual({ evicted: 1, subgraphs: {} });
      expect(await cache.get(a)).toBeUndefined();
      expect(await cache.get(b)).toBeDefined();
    });

    it('answers 503 when the response cache cannot invalidate, after still calling the subgraphs', async () => {
      const sockets = new Set<net.Socket>();
      const blackHole = net.createServer((s) => { sockets.add(s); s.on('error', () => undefined); });
      await new Promise<void>((r) => blackHole.listen(0, '127.0.0.1', () => r()));
      stops.push(() => new Promise<void>((r) => { for (const s of sockets) s.destroy(); blackHole.close(() => r()); }));
      const cache = createResponseCache({ logger, redisUrl: `redis://127.0.0.1:${(blackHole.address() as AddressInfo).port}`, redisTimeoutMs: 100 });
      stops.push(() => cache.close());
      const sap = await startSubgraph('ok');
      stops.push(sap.close);
      const endpoint = await startEndpoint(make({ responseCache: cache, subgraphUrls: () => ({ sap: sap.url }) }));
      stops.push(endpoint.close);
      const res = await post(endpoint.url, '{"tags":["SalesOrder:1"]}');
      expect(res.status).toBe(503);
      expect(sap.received).toHaveLength(1);
    });
  });
});
