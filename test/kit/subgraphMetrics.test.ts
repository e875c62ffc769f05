import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLabelBound, createSubgraphMetrics, type SubgraphMetrics } from '../../subgraphs/kit/subgraphMetrics';

/** The value of the sample `series` (exact name and labels as printed) in an exposition text. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('subgraph metrics', () => {
  let metrics: SubgraphMetrics;
  let server: http.Server;
  let url: string;

  beforeEach(async () => {
    metrics = createSubgraphMetrics({ system: 'salesforce', maxLabelValues: 3 });
    server = http.createServer((req, res) => {
      if (req.url === metrics.route.path) void metrics.route.handle(req, res);
      else res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
  });
  afterEach(async () => {
    await new Promise<void>((r) => server.close(() => r()));
    metrics.registry.clear();
  });

  const scrape = async (): Promise<string> => {
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(metrics.registry.contentType);
    return res.text();
  };

  it('serves upstream calls, retries, rate-limit usage, throttling and breaker state from the observer', async () => {
    const o = metrics.observer;
    o.call({ system: 'salesforce', tenant: 'acme', endpoint: 'query', method: 'get', status: 200, durationMs: 120, attempt: 1 });
    o.call({ system: 'salesforce', tenant: 'acme', endpoint: 'query', method: 'GET', status: 200, durationMs: 30, attempt: 2 });
    o.call({ system: 'salesforce', tenant: 'acme', endpoint: 'query', method: 'GET', status: 0, durationMs: 5000, attempt: 3 });
    o.rateLimit({ system: 'salesforce', tenant: 'acme', name: 'api-usage', used: 25, limit: 15000 });
    o.rateLimit({ system: 'salesforce', tenant: 'acme', name: 'api-usage', used: 26, limit: 15000 });
    o.throttled({ system: 'salesforce', tenant: 'acme', status: 429, retryAfterMs: 1000 });
    o.breaker({ system: 'salesforce', tenant: 'acme', state: 'open' });
    o.breaker({ system: 'salesforce', tenant: 'globex', state: 'half_open' });
    const text = await scrape();
    const p = 'lumina_subgraph_';
    expect(sample(text, `${p}upstream_requests_total{system="salesforce",tenant="acme",endpoint="query",method="GET",status="200"}`)).toBe(2);
    expect(sample(text, `${p}upstream_requests_total{system="salesforce",tenant="acme",endpoint="query",method="GET",status="0"}`)).toBe(1);
    expect(sample(text, `${p}upstream_retries_total{system="salesforce",endpoint="query"}`)).toBe(2);
    expect(sample(text, `${p}upstream_request_duration_seconds_count{system="salesforce",endpoint="query"}`)).toBe(3);
    expect(sample(text, `${p}upstream_request_duration_seconds_sum{system="salesforce",endpoint="query"}`)).toBeCloseTo(5.15);
    expect(sample(text, `${p}upstream_request_duration_seconds_bucket{le="0.25",system="salesforce",endpoint="query"}`)).toBe(2);
    expect(sample(text, `${p}upstream_rate_limit_used{system="salesforce",tenant="acme",name="api-usage"}`)).toBe(26);
    expect(sample(text, `${p}upstream_rate_limit_limit{system="salesforce",tenant="acme",name="api-usage"}`)).toBe(15000);
    expect(sample(text, `${p}upstream_throttled_total{system="salesforce",tenant="acme",status="429"}`)).toBe(1);
    expect(sample(text, `${p}upstream_breaker_state{system="salesforce",tenant="acme"}`)).toBe(2);
    expect(sample(text, `${p}upstream_breaker_state{system="salesforce",tenant="globex"}`)).toBe(1);
    expect(text).toMatch(/^lumina_subgraph_process_cpu_user_seconds_total /m);
  });

  it('counts GraphQL requests by operation and reads the entity cache at scrape time', async () => {
    metrics.request({ operation: 'ContactByEmail', status: 200, durationMs: 10 });
    metrics.request({ operation: null, status: 400, durationMs: 1 });
    let hits = 3;
    metrics.observeEntityCache(() => ({ hits, misses: 1, evictions: 0, entries: 7, bytes: 2048 }));
    let text = await scrape();
    expect(sample(text, 'lumina_subgraph_graphql_requests_total{system="salesforce",operation="ContactByEmail",status="200"}')).toBe(1);
    expect(sample(text, 'lumina_subgraph_graphql_requests_total{system="salesforce",operation="anonymous",status="400"}')).toBe(1);
    expect(sample(text, 'lumina_subgraph_entity_cache_requests_total{result="hit"}')).toBe(3);
    expect(sample(text, 'lumina_subgraph_entity_cache_bytes')).toBe(2048);
    hits = 10;
    text = await scrape();
    expect(sample(text, 'lumina_subgraph_entity_cache_requests_total{result="hit"}')).toBe(10);
    expect(sample(text, 'lumina_subgraph_entity_cache_entries')).toBe(7);
  });

  it('reports tenants beyond the label budget as other, so a flood of tenants cannot grow the series', async () => {
    for (let i = 0; i < 50; i += 1) {
      metrics.observer.throttled({ system: 'salesforce', tenant: `t${i}`, status: 429, retryAfterMs: null });
    }
    const text = await scrape();
    const series = text.split('\n').filter((l) => l.startsWith('lumina_subgraph_upstream_throttled_total{'));
    expect(series).toHaveLength(4);
    expect(sample(text, 'lumina_subgraph_upstream_throttled_total{system="salesforce",tenant="other",status="429"}')).toBe(47);
  });

  it('answers other methods with 405 and never throws from the observer', async () => {
    const res = await fetch(url, { method: 'POST' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD');
    expect(metrics.route).toMatchObject({ method: 'GET', path: '/metrics' });
    expect(() => metrics.observer.breaker({ system: 'salesforce', tenant: 'acme', state: 'bogus' as never })).not.toThrow();
    expect(() => metrics.observer.call(null as never)).not.toThrow();
  });
});

describe('createLabelBound', () => {
  it('keeps known values and the first max distinct ones, and maps the rest to the fallback', () => {
    const bound = createLabelBound(2, 'other', () => ['Known']);
    expect(['a', 'b', 'c', 'a', 'Known', 'd'].map(bound)).toEqual(['a', 'b', 'other', 'a', 'Known', 'other']);
  });
});
