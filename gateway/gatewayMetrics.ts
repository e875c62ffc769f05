/**
 * The gateway's Prometheus metrics (prom-client, its own registry), served by `handler` on
 * `GET /metrics`: HTTP requests, GraphQL operations (count, latency, errors by code, response cache
 * results), subgraph fetches, rejections, the gateway's own view of subgraph breakers, and, read at
 * scrape time from `collect()`, the counters the gateway keeps anyway (`gateway.stats()`).
 *
 * Cardinality is bounded: the `operation` label is the operation name when it is a trusted-document
 * name (`knownOperations`, re-read at every scrape) or among the first `maxOperationNames` distinct
 * names seen, else `other` (anonymous operations are `anonymous`); codes, reasons and routes are
 * bounded alike, so a client inventing names cannot grow the registry.
 */
import type http from 'node:http';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { BREAKER_VALUE, createLabelBound, DURATION_BUCKETS, metricsHandler, safe, seconds } from '../subgraphs/kit/subgraphMetrics';
import type { BreakerState } from '../subgraphs/kit/upstreamObserver';

/**
 * What `collect()` returns: a superset of `GatewayStats` (`gateway.stats()`), every part optional.
 * Counters are cumulative since start.
 */
export interface GatewayStatsLike {
  executor?: { parses: number; preparedHits: number; sharedFetches: number } | null;
  persisted?: { manifestHits: number; apqHits: number; apqRegistrations: number; freeform: number; refused: number } | null;
  responseCache?: { evictions: number; invalidations: number; entries?: number; bytes?: number } | null;
  /** The subscription hub's `stats()`: upstream subscriptions and the clients attached to them. */
  subscriptions?: { upstreams: number; clients: number } | null;
  /** Open graphql-ws sockets. */
  websocketConnections?: number | null;
}

export interface GatewayMetricsOptions {
  /** Prefix of every metric name. @default 'lumina_gateway_' */
  prefix?: string;
  /** Operation names always kept as labels (the trusted documents' names); re-read at each scrape. @default none */
  knownOperations?: () => Iterable<string>;
  /** Distinct other operation names kept before `other`. @default 200 */
  maxOperationNames?: number;
  /** The gateway's counters, read at each scrape (e.g. `() => gateway.stats()`). @default none */
  collect?: () => GatewayStatsLike;
  /** Also export Node process metrics with the prefix. @default true */
  defaultMetrics?: boolean;
  /** Histogram buckets, in seconds. @default DURATION_BUCKETS (5 ms to 30 s) */
  buckets?: number[];
}

export type OperationOutcome = 'success' | 'error' | 'rejected';
export type CacheResult = 'hit' | 'miss' | 'bypass';
export type SubgraphFetchOutcome = 'success' | 'error' | 'timeout' | 'unreachable';

export interface GatewayMetrics {
  registry: Registry;
  /** Answers `GET /metrics` (405 for other methods). */
  handler(req: http.IncomingMessage, res: http.ServerResponse): Promise<void>;
  /** One HTTP request answered; `route` is a fixed name (`/graphql`, `/health`, `other`), never the raw path. */
  request(e: { route: string; method: string; status: number; durationMs: number }): void;
  /** One GraphQL operation; `code` is its first error's `extensions.code`, if any. */
  operation(e: { name: string | null | undefined; type: string | null | undefined; outcome: OperationOutcome; code?: string | null; durationMs: number; cache: CacheResult }): void;
  /** One real HTTP exchange with a subgraph (`subgraphClient`'s `onFetch`). */
  subgraphFetch(e: { subgraph: string; outcome: SubgraphFetchOutcome; status: number; durationMs: number }): void;
  /** A request refused before execution: `rate_limited`, `unauthenticated`, a limit code, ... */
  rejected(e: { reason: string }): void;
  /** The gateway's breaker for one subgraph changed state. */
  subgraphBreaker(e: { subgraph: string; state: BreakerState }): void;
}

const METHODS = new Set(['GET', 'POST', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'PATCH']);
const OPERATION_TYPES = new Set(['query', 'mutation', 'subscription']);
const CODE = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;

/** A bound that also refuses values outside `CODE` (error codes and reasons). */
function codeBound(max: number): (v: string) => string {
  const bound = createLabelBound(max, 'other');
  return (v) => (CODE.test(v) ? bound(v) : 'other');
}

function collected(p: string, registers: Registry[], read: () => GatewayStatsLike) {
  const counter = (name: string, help: string, labelNames: string[], values: (s: GatewayStatsLike) => [Record<string, string>, number | undefined][]) =>
    new Counter({ name: `${p}${name}`, help, labelNames, registers, collect() {
      this.reset();
      for (const [labels, v] of values(read())) if (typeof v === 'number' && v >= 0) this.inc(labels, v);
    } });
  const gauge = (name: string, help: string, value: (s: GatewayStatsLike) => number | null | undefined) =>
    new Gauge({ name: `${p}${name}`, help, registers, collect() {
      const v = value(read());
      if (typeof v === 'number') this.set(v);
      else this.reset();
    } });
  counter('prepared_operations_total', 'Operations served by an already prepared (parsed, validated, planned) document, or prepared anew.', ['result'], (s) => [[{ result: 'hit' }, s.executor?.preparedHits], [{ result: 'miss' }, s.executor?.parses]]);
  counter('subgraph_fetches_shared_total', 'Subgraph fetches answered by an identical in-flight one (dedupe).', [], (s) => [[{}, s.executor?.sharedFetches]]);
  counter('persisted_documents_total', 'Documents resolved, by source: trusted manifest, APQ hit, free-form text.', ['source'], (s) => [[{ source: 'manifest' }, s.persisted?.manifestHits], [{ source: 'apq' }, s.persisted?.apqHits], [{ source: 'freeform' }, s.persisted?.freeform]]);
  counter('apq_registrations_total', 'APQ documents registered.', [], (s) => [[{}, s.persisted?.apqRegistrations]]);
  counter('persisted_refused_total', 'Documents refused by the persisted-document mode.', [], (s) => [[{}, s.persisted?.refused]]);
  counter('response_cache_evictions_total', 'Response cache entries dropped to stay within budget.', [], (s) => [[{}, s.responseCache?.evictions]]);
  counter('response_cache_invalidations_total', 'Response cache entries removed by invalidation.', [], (s) => [[{}, s.responseCache?.invalidations]]);
  gauge('response_cache_entries', 'Entries in the response cache.', (s) => s.responseCache?.entries);
  gauge('response_cache_bytes', 'Bytes held by the response cache.', (s) => s.responseCache?.bytes);
  gauge('subscriptions_active', 'Client subscriptions attached to an upstream subscription.', (s) => s.subscriptions?.clients);
  gauge('subscription_upstreams', 'Upstream subgraph subscriptions (shared by identical client subscriptions).', (s) => s.subscriptions?.upstreams);
  gauge('websocket_connections', 'Open graphql-ws connections.', (s) => s.websocketConnections);
}

function liveSeries(p: string, registers: Registry[], buckets: number[]) {
  return {
    http: new Counter({ name: `${p}http_requests_total`, help: 'HTTP requests answered, by route, method and status.', labelNames: ['route', 'method', 'status'], registers }),
    httpDuration: new Histogram({ name: `${p}http_request_duration_seconds`, help: 'Duration of HTTP requests.', labelNames: ['route', 'method'], buckets, registers }),
    ops: new Counter({ name: `${p}graphql_operations_total`, help: 'GraphQL operations, by name, type and outcome.', labelNames: ['operation', 'type', 'outcome'], registers }),
    opDuration: new Histogram({ name: `${p}graphql_operation_duration_seconds`, help: 'Duration of GraphQL operations.', labelNames: ['operation', 'type'], buckets, registers }),
    errors: new Counter({ name: `${p}graphql_errors_total`, help: 'GraphQL operations that failed, by error code.', labelNames: ['code'], registers }),
    cache: new Counter({ name: `${p}response_cache_total`, help: 'Response cache lookups: hit, miss, or bypass (not cacheable).', labelNames: ['result'], registers }),
    fetches: new Counter({ name: `${p}subgraph_fetches_total`, help: 'HTTP exchanges with subgraphs, by outcome and status (0 = no answer).', labelNames: ['subgraph', 'outcome', 'status'], registers }),
    fetchDuration: new Histogram({ name: `${p}subgraph_fetch_duration_seconds`, help: 'Duration of subgraph fetches.', labelNames: ['subgraph'], buckets, registers }),
    rejected: new Counter({ name: `${p}requests_rejected_total`, help: 'Requests refused before execution, by reason.', labelNames: ['reason'], registers }),
    breaker: new Gauge({ name: `${p}subgraph_breaker_state`, help: 'Gateway circuit breaker per subgraph: 0 closed, 1 half-open, 2 open.', labelNames: ['subgraph'], registers }),
  };
}

export function createGatewayMetrics(opts: GatewayMetricsOptions = {}): GatewayMetrics {
  const p = opts.prefix ?? 'lumina_gateway_';
  const registry = new Registry();
  const registers = [registry];
  if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: p });
  const s = liveSeries(p, registers, opts.buckets ?? DURATION_BUCKETS);
  // One `collect()` per scrape, shared by every series it feeds; a throwing `collect` yields no series.
  let snapshot: GatewayStatsLike | null = null;
  const collect = opts.collect;
  const read = (): GatewayStatsLike => {
    if (snapshot) return snapshot;
    try {
      return collect?.() ?? {};
    } catch {
      return {};
    }
  };
  if (collect) collected(p, registers, read);
  const operation = createLabelBound(opts.maxOperationNames ?? 200, 'other', opts.knownOperations);
  const route = createLabelBound(50);
  const subgraph = createLabelBound(50);
  const code = codeBound(100);
  const reason = codeBound(100);
  const serve = metricsHandler(registry);

  return {
    registry,
    async handler(req, res) {
      operation.refresh();
      snapshot = null;
      snapshot = read();
      try {
        await serve(req, res);
      } finally {
        snapshot = null;
      }
    },
    request: safe((e) => {
      const method = METHODS.has(e.method) ? e.method : 'OTHER';
      const r = route(e.route);
      s.http.inc({ route: r, method, status: String(e.status) });
      s.httpDuration.observe({ route: r, method }, seconds(e.durationMs));
    }),
    operation: safe((e) => {
      const op = e.name ? operation(e.name) : 'anonymous';
      const type = e.type && OPERATION_TYPES.has(e.type) ? e.type : 'unknown';
      s.ops.inc({ operation: op, type, outcome: e.outcome });
      s.opDuration.observe({ operation: op, type }, seconds(e.durationMs));
      if (e.code) s.errors.inc({ code: code(e.code) });
      s.cache.inc({ result: e.cache });
    }),
    subgraphFetch: safe((e) => {
      const name = subgraph(e.subgraph);
      s.fetches.inc({ subgraph: name, outcome: e.outcome, status: String(e.status) });
      s.fetchDuration.observe({ subgraph: name }, seconds(e.durationMs));
    }),
    rejected: safe((e) => s.rejected.inc({ reason: reason(e.reason) })),
    subgraphBreaker: safe((e) => s.breaker.set({ subgraph: subgraph(e.subgraph) }, BREAKER_VALUE[e.state])),
  };
}
