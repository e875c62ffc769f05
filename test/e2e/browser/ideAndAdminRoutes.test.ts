/**
 * The `/ide` and `/admin` routes over real HTTP (no browser): content types, cache headers, the
 * admin scope, and the status built from a subgraph's real `/metrics` answer.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdminRoute, type AdminRoute } from '../../../gateway/adminPage';
import { parsePrometheusText, type AdminStatus } from '../../../gateway/adminStatus';
import { signDevToken } from '../../../gateway/devTokens';
import { createIdeRoute, loadIdeEnabled, type IdeRoute } from '../../../gateway/ideAssets';
import { createJwtAuth } from '../../../gateway/jwtAuth';

const SECRET = 'ide-admin-route-test-secret-0123456789abcdef';
const token = (scopes: string[]) => signDevToken({ secret: SECRET, tenant: 'default', scopes, subject: 'ops' });

const METRICS = [
  '# HELP lumina_subgraph_upstream_requests_total Calls to the upstream system.',
  'lumina_subgraph_upstream_requests_total{system="salesforce",tenant="default",endpoint="query",method="GET",status="200"} 40',
  'lumina_subgraph_upstream_requests_total{system="salesforce",tenant="default",endpoint="query",method="GET",status="503"} 2',
  'lumina_subgraph_upstream_requests_total{system="salesforce",tenant="default",endpoint="query",method="GET",status="0"} 1',
  'lumina_subgraph_upstream_breaker_state{system="salesforce",tenant="default"} 0',
  'lumina_subgraph_upstream_breaker_state{system="salesforce",tenant="acme"} 2',
  'lumina_subgraph_upstream_throttled_total{system="salesforce",tenant="default",status="429"} 3',
  'lumina_subgraph_upstream_rate_limit_used{system="salesforce",tenant="default",name="api-usage"} 250',
  'lumina_subgraph_upstream_rate_limit_limit{system="salesforce",tenant="default",name="api-usage"} 1000',
  'not a sample line',
  'lumina_subgraph_broken{a="b"} NaNish',
].join('\n');

function listen(handler: http.RequestListener): Promise<http.Server> {
  const server = http.createServer(handler);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}
const urlOf = (s: http.Server) => `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
const close = (s: http.Server | undefined) => new Promise<void>((r) => (s ? s.close(() => r()) : r()));

describe('the /ide and /admin routes', () => {
  let gateway: http.Server;
  let subgraph: http.Server;
  let ide: IdeRoute;
  let admin: AdminRoute;
  let base: string;

  beforeAll(async () => {
    subgraph = await listen((req, res) => {
      if (req.url === '/metrics') res.writeHead(200, { 'content-type': 'text/plain' }).end(METRICS);
      else res.writeHead(404).end();
    });
    ide = createIdeRoute({ enabled: true });
    admin = createAdminRoute({
      auth: createJwtAuth({ mode: 'required', secret: SECRET, production: false }),
      readiness: { check: () => Promise.resolve({ ready: true, supergraph: true, subgraphs: { salesforce: 'up', sap: 'down' } }) },
      stats: () => ({ executor: { preparedHits: 9, parses: 1, subgraphRequests: 12 }, persisted: null, responseCache: { hits: 3, misses: 1 } }),
      subgraphUrls: () => ({ salesforce: `${urlOf(subgraph)}/graphql`, sap: 'http://127.0.0.1:1/graphql' }),
      cacheMs: 0,
    });
    gateway = await listen((req, res) => {
      const url = new URL(req.url ?? '/', 'http://gateway');
      void (async () => (await ide.handle(req, res, url)) || (await admin.handle(req, res, url)))().then((done) => {
        if (!done) res.writeHead(404).end('gateway route');
      });
    });
    base = urlOf(gateway);
  }, 60_000);
  afterAll(async () => {
    await admin?.close();
    await Promise.all([close(gateway), close(subgraph)]);
  });

  describe('GET /ide', () => {
    it('serves the page with a strict CSP, no-cache, and versioned links to the bundle', async () => {
      const res = await fetch(`${base}/ide`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(res.headers.get('cache-control')).toBe('no-cache');
      expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
      const html = await res.text();
      expect(html).toMatch(/<script src="\/ide\/app\.js\?v=[0-9a-f]{16}"><\/script>/);
      expect(html).not.toMatch(/https?:\/\//);
    });

    it('serves the bundle immutable and gzipped at its version, and revalidates it by ETag otherwise', async () => {
      const v = /app\.js\?v=([0-9a-f]+)/.exec(await (await fetch(`${base}/ide`)).text())![1]!;
      const js = await fetch(`${base}/ide/app.js?v=${v}`, { headers: { 'accept-encoding': 'gzip' } });
      expect(js.status).toBe(200);
      expect(js.headers.get('content-type')).toBe('application/javascript; charset=utf-8');
      expect(js.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(js.headers.get('content-encoding')).toBe('gzip');
      expect((await js.text()).length).toBeGreaterThan(100_000);
      const css = await fetch(`${base}/ide/app.css?v=${v}`);
      expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
      const worker = await fetch(`${base}/ide/graphql.worker.js`, { headers: { 'if-none-match': `"${v}"` } });
      expect(worker.status).toBe(304);
      expect(worker.headers.get('cache-control')).toBe('no-cache');
    });

    it('answers 404 for unknown assets and 405 for other methods, and leaves other paths to the gateway', async () => {
      expect((await fetch(`${base}/ide/../../etc/passwd`)).status).toBe(404);
      expect((await fetch(`${base}/ide/secret.js`)).status).toBe(404);
      expect((await fetch(`${base}/ide`, { method: 'POST' })).status).toBe(405);
      expect(await (await fetch(`${base}/ideas`)).text()).toBe('gateway route');
    });

    it('is off in production unless GATEWAY_IDE says otherwise, and a bad GATEWAY_IDE names the key', async () => {
      expect(loadIdeEnabled({ NODE_ENV: 'production' })).toBe(false);
      expect(loadIdeEnabled({ NODE_ENV: 'production', GATEWAY_IDE: 'true' })).toBe(true);
      expect(loadIdeEnabled({})).toBe(true);
      expect(() => loadIdeEnabled({ GATEWAY_IDE: 'yes' })).toThrow(/GATEWAY_IDE/);
      const off = createIdeRoute({ env: { GATEWAY_IDE: 'false' } });
      const answered = await off.handle({ method: 'GET' } as http.IncomingMessage, {} as http.ServerResponse, new URL('http://g/ide'));
      expect(answered).toBe(false);
    });
  });

  describe('GET /admin/status.json', () => {
    it('refuses a request without a token (401) and a token without the admin scope (403)', async () => {
      const none = await fetch(`${base}/admin/status.json`);
      expect(none.status).toBe(401);
      expect(((await none.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe('UNAUTHENTICATED');
      const reader = await fetch(`${base}/admin/status.json`, { headers: { authorization: `Bearer ${await token(['crm:read'])}` } });
      expect(reader.status).toBe(403);
      expect(JSON.stringify(await reader.json())).toContain('FORBIDDEN');
    });

    it('shows each system from readiness and its /metrics, and the gateway hit ratios, to an admin', async () => {
      const res = await fetch(`${base}/admin/status.json`, { headers: { authorization: `Bearer ${await token(['admin'])}` } });
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      const status = (await res.json()) as AdminStatus;
      const salesforce = status.systems.find((s) => s.name === 'salesforce')!;
      expect(salesforce).toMatchObject({
        health: 'up', metrics: 'ok', breaker: 'open', upstreamRequests: 43, upstreamFailures: 3, throttled: 3,
        rateLimits: [{ tenant: 'default', name: 'api-usage', used: 250, limit: 1000 }],
      });
      expect(status.systems.find((s) => s.name === 'sap')).toMatchObject({ health: 'down', metrics: 'unavailable', breaker: 'unknown' });
      expect(status.gateway.responseCache).toEqual({ hits: 3, misses: 1, ratio: 0.75 });
      expect(status.gateway.prepared?.ratio).toBe(0.9);
      expect(status.events.available).toBe(false);
    });

    it('refuses everyone when authentication is off', async () => {
      const open = createAdminRoute({ auth: null, readiness: { check: () => Promise.reject(new Error('not reached')) }, stats: () => ({ executor: null, persisted: null, responseCache: null }), subgraphUrls: () => ({}) });
      const server = await listen((req, res) => void open.handle(req, res, new URL(req.url ?? '/', 'http://g')));
      try {
        expect((await fetch(`${urlOf(server)}/admin/status.json`)).status).toBe(403);
        expect((await fetch(`${urlOf(server)}/admin`)).status).toBe(200);
      } finally {
        await open.close();
        await close(server);
      }
    });
  });

  it('parses only well-formed Prometheus samples, unescaping label values', () => {
    const samples = parsePrometheusText(`${METRICS}\nx{l="a\\"b"} 1\n{bad} 2\n`);
    expect(samples.map((s) => s.name)).not.toContain('lumina_subgraph_broken');
    expect(samples.find((s) => s.name === 'x')?.labels.l).toBe('a"b');
    expect(samples).toHaveLength(9);
  });
});
