import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createReadiness, healthUrl, type Readiness } from '../../gateway/readiness';

interface Tiny {
  url: string;
  hits: () => number;
  close(): Promise<void>;
}

/** A subgraph stand-in: `/health` answers `status`, or never answers when `status` is 'hang'. */
async function tiny(status: number | 'hang'): Promise<Tiny> {
  let hits = 0;
  const server = http.createServer((req, res) => {
    if (req.url !== '/health') return void res.writeHead(404).end();
    hits += 1;
    if (status === 'hang') return;
    res.writeHead(status, { 'content-type': 'application/json' }).end('{"status":"ok"}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    hits: () => hits,
    close: () => new Promise((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}

/** A loopback URL nobody listens on. */
async function deadUrl(): Promise<string> {
  const t = await tiny(200);
  await t.close();
  return t.url;
}

describe('readiness', () => {
  const servers: Tiny[] = [];
  const readinesses: Readiness[] = [];
  const make = (...args: Parameters<typeof createReadiness>): Readiness => {
    const r = createReadiness(...args);
    readinesses.push(r);
    return r;
  };
  afterEach(async () => {
    await Promise.all(readinesses.splice(0).map((r) => r.close()));
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  it('is ready when the supergraph is loaded and every subgraph health answers 2xx', async () => {
    const a = await tiny(200);
    const b = await tiny(204);
    servers.push(a, b);
    let loaded = false;
    const r = make({ loaded: () => loaded, subgraphUrls: () => ({ salesforce: a.url, sap: b.url }) });
    expect(await r.check()).toEqual({ ready: false, supergraph: false, subgraphs: { salesforce: 'up', sap: 'up' } });
    loaded = true;
    expect(await r.check()).toEqual({ ready: true, supergraph: true, subgraphs: { salesforce: 'up', sap: 'up' } });
  });

  it('reports a refused, a failing and a hanging subgraph as down, the hanging one by timeout', async () => {
    const up = await tiny(200);
    const failing = await tiny(503);
    const hanging = await tiny('hang');
    servers.push(up, failing, hanging);
    const dead = await deadUrl();
    const r = make({ loaded: () => true, timeoutMs: 2_000, subgraphUrls: () => ({ up: up.url, failing: failing.url, hanging: hanging.url, dead, bogus: 'not a url' }) });
    const report = await r.check();
    expect(report).toEqual({ ready: false, supergraph: true, subgraphs: { up: 'up', failing: 'down', hanging: 'down', dead: 'down', bogus: 'down' } });
    expect(hanging.hits()).toBe(1);
  });

  it('reuses a round of probes for cacheMs and shares one round between concurrent checks', async () => {
    const a = await tiny(200);
    servers.push(a);
    let clock = 0;
    const r = make({ loaded: () => true, subgraphUrls: () => ({ a: a.url }), cacheMs: 2000, now: () => clock });
    await Promise.all([r.check(), r.check(), r.check()]);
    expect(a.hits()).toBe(1);
    clock = 1999;
    await r.check();
    expect(a.hits()).toBe(1);
    clock = 2000;
    await r.check();
    expect(a.hits()).toBe(2);
  });

  it('probes again at once when the subgraph URLs change (a new supergraph)', async () => {
    const a = await tiny(200);
    const b = await tiny(200);
    servers.push(a, b);
    let urls: Record<string, string> = { x: a.url };
    const r = make({ loaded: () => true, subgraphUrls: () => urls, now: () => 0 });
    await r.check();
    urls = { x: b.url };
    expect((await r.check()).subgraphs).toEqual({ x: 'up' });
    expect([a.hits(), b.hits()]).toEqual([1, 1]);
  });

  it('answers GET /ready with 200 or 503 and the report', async () => {
    const a = await tiny(200);
    servers.push(a);
    let loaded = true;
    const r = make({ loaded: () => loaded, subgraphUrls: () => ({ a: a.url }) });
    const server = http.createServer((req, res) => void r.handler(req, res));
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    servers.push({ url: '', hits: () => 0, close: () => new Promise((done) => server.close(() => done())) });
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/ready`;
    const ok = await fetch(url);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ ready: true, supergraph: true, subgraphs: { a: 'up' } });
    loaded = false;
    const notReady = await fetch(url);
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toMatchObject({ ready: false, supergraph: false });
    expect((await fetch(url, { method: 'POST' })).status).toBe(405);
  });

  it('derives the health URL from the origin of the GraphQL URL', () => {
    expect(healthUrl('http://127.0.0.1:4001/graphql?x=1')).toBe('http://127.0.0.1:4001/health');
    expect(healthUrl('ftp://x/graphql')).toBeNull();
  });
});
