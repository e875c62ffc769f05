import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGatewayMetrics, type GatewayMetrics, type GatewayMetricsOptions, type GatewayStatsLike } from '../../gateway/gatewayMetrics';
import { createSubgraphClient } from '../../gateway/subgraphClient';
import { createTracing } from '../../subgraphs/kit/tracing';

/** The value of the sample `series` (exact name and labels as printed) in an exposition text. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

const P = 'lumina_gateway_';

describe('gateway metrics', () => {
  let server: http.Server | undefined;
  let metrics: GatewayMetrics;
  let url: string;

  async function start(opts: GatewayMetricsOptions): Promise<void> {
    metrics = createGatewayMetrics(opts);
    server = http.createServer((req, res) => void metrics.handler(req, res));
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
  }
  afterEach(async () => {
    if (server) await new Promise<void>((r) => server!.close(() => r()));
    server = undefined;
    metrics.registry.clear();
  });

  const scrape = async (): Promise<string> => {
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    return res.text();
  };

  it('counts requests, operations, errors by code, cache results, subgraph fetches, rejections and breakers', async () => {
    await start({});
    metrics.request({ route: '/graphql', method: 'POST', status: 200, durationMs: 42 });
    metrics.request({ route: '/graphql', method: 'BREW', status: 405, durationMs: 1 });
    metrics.operation({ name: 'ContactCard', type: 'query', outcome: 'success', durationMs: 40, cache: 'miss' });
    metrics.operation({ name: 'ContactCard', type: 'query', outcome: 'success', durationMs: 2, cache: 'hit' });
    metrics.operation({ name: null, type: 'mutation', outcome: 'error', code: 'UPSTREAM_TIMEOUT', durationMs: 15_000, cache: 'bypass' });
    metrics.operation({ name: 'X', type: 'query', outcome: 'rejected', code: 'PERSISTED_QUERY_NOT_FOUND', durationMs: 0, cache: 'bypass' });
    metrics.subgraphFetch({ subgraph: 'sap', outcome: 'success', status: 200, durationMs: 30 });
    metrics.subgraphFetch({ subgraph: 'sap', outcome: 'timeout', status: 0, durationMs: 15_000 });
    metrics.rejected({ reason: 'rate_limited' });
    metrics.rejected({ reason: 'rate_limited' });
    metrics.subgraphBreaker({ subgraph: 'teams', state: 'half_open' });
    const text = await scrape();
    expect(sample(text, `${P}http_requests_total{route="/graphql",method="POST",status="200"}`)).toBe(1);
    expect(sample(text, `${P}http_requests_total{route="/graphql",method="OTHER",status="405"}`)).toBe(1);
    expect(sample(text, `${P}http_request_duration_seconds_sum{route="/graphql",method="POST"}`)).toBeCloseTo(0.042);
    expect(sample(text, `${P}graphql_operations_total{operation="ContactCard",type="query",outcome="success"}`)).toBe(2);
    expect(sample(text, `${P}graphql_operations_total{operation="anonymous",type="mutation",outcome="error"}`)).toBe(1);
    expect(sample(text, `${P}graphql_operations_total{operation="X",type="query",outcome="rejected"}`)).toBe(1);
    expect(sample(text, `${P}graphql_operation_duration_seconds_bucket{le="0.005",operation="ContactCard",type="query"}`)).toBe(1);
    expect(sample(text, `${P}graphql_operation_duration_seconds_count{operation="ContactCard",type="query"}`)).toBe(2);
    expect(sample(text, `${P}graphql_errors_total{code="UPSTREAM_TIMEOUT"}`)).toBe(1);
    expect(sample(text, `${P}graphql_errors_total{code="PERSISTED_QUERY_NOT_FOUND"}`)).toBe(1);
    expect(sample(text, `${P}response_cache_total{result="hit"}`)).toBe(1);
    expect(sample(text, `${P}response_cache_total{result="bypass"}`)).toBe(2);
    expect(sample(text, `${P}subgraph_fetches_total{subgraph="sap",outcome="timeout",status="0"}`)).toBe(1);
    expect(sample(text, `${P}subgraph_fetch_duration_seconds_count{subgraph="sap"}`)).toBe(2);
    expect(sample(text, `${P}requests_rejected_total{reason="rate_limited"}`)).toBe(2);
    expect(sample(text, `${P}subgraph_breaker_state{subgraph="teams"}`)).toBe(1);
    expect(text).toMatch(/^lumina_gateway_process_resident_memory_bytes /m);
  });

  it('reads the gateway counters from collect once per scrape and follows them', async () => {
    let calls = 0;
    const stats: GatewayStatsLike = {
      executor: { parses: 3, preparedHits: 97, sharedFetches: 5 },
      persisted: { manifestHits: 10, apqHits: 4, apqRegistrations: 2, freeform: 1, refused: 6 },
      responseCache: { evictions: 0, invalidations: 8, entries: 12, bytes: 4096 },
      subscriptions: { upstreams: 2, clients: 9 },
      websocketConnections: 7,
    };
    await start({ collect: () => { calls += 1; return stats; } });
    let text = await scrape();
    expect(calls).toBe(1);
    expect(sample(text, `${P}prepared_operations_total{result="hit"}`)).toBe(97);
    expect(sample(text, `${P}prepared_operations_total{result="miss"}`)).toBe(3);
    expect(sample(text, `${P}subgraph_fetches_shared_total`)).toBe(5);
    expect(sample(text, `${P}persisted_documents_total{source="apq"}`)).toBe(4);
    expect(sample(text, `${P}apq_registrations_total`)).toBe(2);
    expect(sample(text, `${P}persisted_refused_total`)).toBe(6);
    expect(sample(text, `${P}response_cache_invalidations_total`)).toBe(8);
    expect(sample(text, `${P}response_cache_entries`)).toBe(12);
    expect(sample(text, `${P}response_cache_bytes`)).toBe(4096);
    expect(sample(text, `${P}subscriptions_active`)).toBe(9);
    expect(sample(text, `${P}subscription_upstreams`)).toBe(2);
    expect(sample(text, `${P}websocket_connections`)).toBe(7);
    stats.executor = { parses: 4, preparedHits: 200, sharedFetches: 5 };
    stats.websocketConnections = 0;
    stats.responseCache = null;
    text = await scrape();
    expect(calls).toBe(2);
    expect(sample(text, `${P}prepared_operations_total{result="hit"}`)).toBe(200);
    expect(sample(text, `${P}websocket_connections`)).toBe(0);
    expect(sample(text, `${P}response_cache_entries`)).toBe(0);
  });

  it('still answers a scrape when collect throws, with the collected series at 0', async () => {
    await start({ collect: () => { throw new Error('boom'); } });
    const text = await scrape();
    expect(sample(text, `${P}websocket_connections`)).toBe(0);
    expect(text).not.toContain(`${P}prepared_operations_total{`);
    expect(text).toContain(`${P}http_requests_total`);
  });

  it('bounds the operation label: known names always, the first N others, then other', async () => {
    const known = new Set(['Trusted']);
    await start({ maxOperationNames: 5, knownOperations: () => known, defaultMetrics: false });
    for (let i = 0; i < 1000; i += 1) metrics.operation({ name: `Attack${i}`, type: 'query', outcome: 'success', durationMs: 1, cache: 'bypass' });
    metrics.operation({ name: 'Trusted', type: 'query', outcome: 'success', durationMs: 1, cache: 'bypass' });
    metrics.operation({ name: 'Attack0', type: 'query', outcome: 'success', durationMs: 1, cache: 'bypass' });
    for (let i = 0; i < 1000; i += 1) metrics.operation({ name: 'x', type: 'query', outcome: 'error', code: `BAD code ${i}`, durationMs: 1, cache: 'bypass' });
    metrics.operation({ name: 'y', type: 'drop table', outcome: 'error', durationMs: 1, cache: 'bypass' });
    let text = await scrape();
    const ops = text.split('\n').filter((l) => l.startsWith(`${P}graphql_operations_total{`));
    // Attack0..4, Trusted, and `other` for the rest ('x' included) with three type/outcome pairs.
    expect(ops).toHaveLength(9);
    expect(sample(text, `${P}graphql_operations_total{operation="Attack0",type="query",outcome="success"}`)).toBe(2);
    expect(sample(text, `${P}graphql_operations_total{operation="Trusted",type="query",outcome="success"}`)).toBe(1);
    expect(sample(text, `${P}graphql_operations_total{operation="other",type="query",outcome="success"}`)).toBe(995);
    expect(sample(text, `${P}graphql_operations_total{operation="other",type="query",outcome="error"}`)).toBe(1000);
    expect(sample(text, `${P}graphql_operations_total{operation="other",type="unknown",outcome="error"}`)).toBe(1);
    expect(sample(text, `${P}graphql_errors_total{code="other"}`)).toBe(1000);
    // A name that becomes trusted after a manifest reload gets its own series once a scrape re-read the names.
    metrics.operation({ name: 'Trusted', type: 'query', outcome: 'success', durationMs: 1, cache: 'bypass' });
    known.add('NewlyTrusted');
    metrics.operation({ name: 'NewlyTrusted', type: 'query', outcome: 'success', durationMs: 1, cache: 'bypass' });
    text = await scrape();
    expect(sample(text, `${P}graphql_operations_total{operation="NewlyTrusted",type="query",outcome="success"}`)).toBeUndefined();
    expect(sample(text, `${P}graphql_operations_total{operation="other",type="query",outcome="success"}`)).toBe(996);
    metrics.operation({ name: 'NewlyTrusted', type: 'query', outcome: 'success', durationMs: 1, cache: 'bypass' });
    text = await scrape();
    expect(sample(text, `${P}graphql_operations_total{operation="NewlyTrusted",type="query",outcome="success"}`)).toBe(1);
  });

  it('answers 405 to anything but GET and HEAD', async () => {
    await start({ defaultMetrics: false });
    const res = await fetch(url, { method: 'POST', body: '{}' });
    expect(res.status).toBe(405);
    const head = await fetch(url, { method: 'HEAD' });
    expect(head.status).toBe(200);
  });
});

describe('subgraph fetch observation (subgraphClient onFetch -> gateway metrics)', () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    await Promise.all(closers.splice(0).map((c) => c()));
  });

  /** A subgraph stand-in answering `/graphql` per `behaviour`, recording the traceparents it received. */
  async function subgraph(behaviour: 'ok' | 'fail' | 'hang'): Promise<{ url: string; traceparents: string[]; requests: () => number }> {
    const traceparents: string[] = [];
    let requests = 0;
    const server = http.createServer((req, res) => {
      requests += 1;
      traceparents.push(String(req.headers.traceparent));
      req.resume();
      if (behaviour === 'fail') res.writeHead(500, { 'content-type': 'application/json' }).end('{}');
      else if (behaviour === 'ok') res.writeHead(200, { 'content-type': 'application/json' }).end('{"data":{"ok":true}}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    closers.push(() => new Promise((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
    return { url, traceparents, requests: () => requests };
  }

  it('reports each real exchange once with its outcome and status, and the subgraph gets a child traceparent', async () => {
    const ok = await subgraph('ok');
    const fail = await subgraph('fail');
    const hang = await subgraph('hang');
    const gone = http.createServer();
    await new Promise<void>((r) => gone.listen(0, '127.0.0.1', r));
    const goneUrl = `http://127.0.0.1:${(gone.address() as AddressInfo).port}/graphql`;
    await new Promise<void>((r) => gone.close(() => r()));
    const metrics = createGatewayMetrics({ defaultMetrics: false });
    const events: { subgraph: string; outcome: string; status: number }[] = [];
    let tick = 0;
    const client = createSubgraphClient({
      urls: { ok: ok.url, fail: fail.url, hang: hang.url, gone: goneUrl },
      timeoutMs: 200,
      now: () => (tick += 10),
      tracing: createTracing({ serviceName: 'gateway', env: {} }),
      onFetch: (e) => {
        events.push({ subgraph: e.subgraph, outcome: e.outcome, status: e.status });
        metrics.subgraphFetch(e);
      },
    });
    closers.push(() => client.close());
    const caller = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const headers = { 'content-type': 'application/json', traceparent: caller };
    await client.send('ok', '{"query":"{ok}"}', headers);
    await expect(client.send('fail', '{}', headers)).rejects.toMatchObject({ extensions: { code: 'SUBGRAPH_UNAVAILABLE' } });
    await expect(client.send('hang', '{}', headers)).rejects.toMatchObject({ extensions: { code: 'SUBGRAPH_TIMEOUT' } });
    await expect(client.send('gone', '{}', headers)).rejects.toMatchObject({ extensions: { code: 'SUBGRAPH_UNAVAILABLE' } });
    expect(events).toEqual([
      { subgraph: 'ok', outcome: 'success', status: 200 },
      { subgraph: 'fail', outcome: 'error', status: 500 },
      { subgraph: 'hang', outcome: 'timeout', status: 0 },
      { subgraph: 'gone', outcome: 'unreachable', status: 0 },
    ]);
    const sent = ok.traceparents[0]!;
    expect(sent).toMatch(/^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$/);
    expect(sent).not.toBe(caller);
    const text = await metrics.registry.metrics();
    expect(sample(text, `${P}subgraph_fetches_total{subgraph="hang",outcome="timeout",status="0"}`)).toBe(1);
    expect(sample(text, `${P}subgraph_fetch_duration_seconds_sum{subgraph="ok"}`)).toBeCloseTo(0.01);
    metrics.registry.clear();
  });

  it('reports a deduplicated fetch once, and an observer that throws does not fail the fetch', async () => {
    const slow = await subgraph('ok');
    let reported = 0;
    const client = createSubgraphClient({ urls: { s: slow.url }, onFetch: () => { reported += 1; throw new Error('observer bug'); } });
    closers.push(() => client.close());
    const h = { 'content-type': 'application/json' };
    // The three sends start before any answer can arrive, so two wait for the first.
    const answers = await Promise.all([client.send('s', '{"q":1}', h, 'tenant-a'), client.send('s', '{"q":1}', h, 'tenant-a'), client.send('s', '{"q":1}', h, 'tenant-a')]);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    expect(slow.requests()).toBe(1);
    expect(reported).toBe(1);
    expect(client.stats()).toEqual({ sent: 1, shared: 2 });
  });
});
