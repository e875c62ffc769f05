/**
 * A subgraph's Prometheus metrics (prom-client, its own registry), served by `route` on `GET /metrics`.
 *
 * - `observer`: the `UpstreamObserver` the upstream clients report to (calls, rate-limit usage from
 *   e.g. Salesforce's `Sforce-Limit-Info`, throttling by Graph or SAP, breaker state).
 * - `request(...)`: one per GraphQL request the subgraph answers.
 * - `observeEntityCache(stats)`: the entity cache's counters, read at scrape time.
 *
 * Label values that come from outside (tenant, endpoint, operation name) are bounded: after
 * `maxLabelValues` distinct values of one label, new ones are reported as `other`.
 */
import type http from 'node:http';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { SubgraphRoute } from './subgraphServer';
import type { SystemName } from './subgraphErrors';
import type { BreakerState, UpstreamObserver } from './upstreamObserver';

export interface SubgraphMetricsOptions {
  system: SystemName;
  /** Prefix of every metric name. @default 'lumina_subgraph_' */
  prefix?: string;
  /** Also export Node process metrics (CPU, memory, event loop lag, GC) with the prefix. @default true */
  defaultMetrics?: boolean;
  /** Distinct values kept per external label (tenant, endpoint, operation) before `other`. @default 200 */
  maxLabelValues?: number;
  /** Histogram buckets, in seconds. @default DURATION_BUCKETS */
  buckets?: number[];
}

/** What the entity cache's `stats()` returns (the counters are cumulative). */
export interface EntityCacheStatsLike {
  hits: number;
  misses: number;
  evictions?: number;
  entries?: number;
  bytes?: number;
}

export interface SubgraphMetrics {
  registry: Registry;
  /** Hand this to the upstream clients. Never throws. */
  observer: UpstreamObserver;
  /** `GET /metrics` for `startSubgraphServer({ routes })`. */
  route: SubgraphRoute;
  /** Records one GraphQL request: `status` is the HTTP status answered. */
  request(e: { operation?: string | null; status: number; durationMs: number }): void;
  /** Reads the entity cache's counters at every scrape. */
  observeEntityCache(stats: () => EntityCacheStatsLike): void;
}

/** Seconds: 5 ms to 30 s. */
export const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** Breaker state as a gauge value. */
export const BREAKER_VALUE: Record<BreakerState, number> = { closed: 0, half_open: 1, open: 2 };

/** A label bound: maps a raw value to itself or the fallback. */
export interface LabelBound {
  (value: string): string;
  /** Re-reads the known values on next use (e.g. after a manifest reload). */
  refresh(): void;
}

/**
 * Bounds the values of one label: any `known` value and the first `max` distinct others pass,
 * later ones become `fallback`. Values are also cut to 100 characters.
 */
export function createLabelBound(max: number, fallback = 'other', known: () => Iterable<string> = () => []): LabelBound {
  const seen = new Set<string>();
  let knownSet: Set<string> | null = null;
  const bound = (raw: string): string => {
    const value = raw.slice(0, 100);
    if (seen.has(value)) return value;
    knownSet ??= new Set(known());
    if (knownSet.has(value)) return value;
    if (seen.size >= max) return fallback;
    seen.add(value);
    return value;
  };
  return Object.assign(bound, { refresh: () => { knownSet = null; } });
}

/** Milliseconds to the seconds Prometheus histograms use. */
export const seconds = (ms: number): number => Math.max(0, ms) / 1000;

/** Runs `fn`, swallowing anything it throws: metrics never fail a request. */
export function safe<A extends unknown[]>(fn: (...args: A) => void): (...args: A) => void {
  return (...args) => {
    try {
      fn(...args);
    } catch {
      // a metrics bug must not break the caller
    }
  };
}

/** A `GET /metrics` handler for `registry`. */
export function metricsHandler(registry: Registry): (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void> {
  return async (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('method not allowed\n');
      return;
    }
    const text = await registry.metrics();
    res.writeHead(200, { 'content-type': registry.contentType, 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text) });
    res.end(req.method === 'HEAD' ? undefined : text);
  };
}

function upstreamSeries(p: string, registers: Registry[], buckets: number[]) {
  return {
    calls: new Counter({ name: `${p}upstream_requests_total`, help: 'Calls to the upstream system, by endpoint and HTTP status (0 = transport error or timeout).', labelNames: ['system', 'tenant', 'endpoint', 'method', 'status'], registers }),
    retries: new Counter({ name: `${p}upstream_retries_total`, help: 'Upstream calls that were retries (attempt > 1).', labelNames: ['system', 'endpoint'], registers }),
    duration: new Histogram({ name: `${p}upstream_request_duration_seconds`, help: 'Duration of upstream calls.', labelNames: ['system', 'endpoint'], buckets, registers }),
    used: new Gauge({ name: `${p}upstream_rate_limit_used`, help: 'Upstream rate-limit usage last reported by the system (e.g. Sforce-Limit-Info api-usage).', labelNames: ['system', 'tenant', 'name'], registers }),
    limit: new Gauge({ name: `${p}upstream_rate_limit_limit`, help: 'Upstream rate limit last reported by the system.', labelNames: ['system', 'tenant', 'name'], registers }),
    throttled: new Counter({ name: `${p}upstream_throttled_total`, help: 'Upstream answers that throttled us (429, 503 with Retry-After).', labelNames: ['system', 'tenant', 'status'], registers }),
    breaker: new Gauge({ name: `${p}upstream_breaker_state`, help: 'Circuit breaker state per tenant: 0 closed, 1 half-open, 2 open.', labelNames: ['system', 'tenant'], registers }),
  };
}

function entityCacheSeries(p: string, registers: Registry[], sources: (() => EntityCacheStatsLike)[]) {
  const read = (pick: (s: EntityCacheStatsLike) => number | undefined): number =>
    sources.reduce((n, source) => n + (pick(source()) ?? 0), 0);
  new Counter({
    name: `${p}entity_cache_requests_total`, help: 'Entity cache lookups by result.', labelNames: ['result'], registers,
    collect() {
      this.reset();
      this.inc({ result: 'hit' }, read((s) => s.hits));
      this.inc({ result: 'miss' }, read((s) => s.misses));
    },
  });
  new Counter({ name: `${p}entity_cache_evictions_total`, help: 'Entity cache entries dropped to stay within budget.', registers, collect() { this.reset(); this.inc(read((s) => s.evictions)); } });
  new Gauge({ name: `${p}entity_cache_entries`, help: 'Entries in the entity cache.', registers, collect() { this.set(read((s) => s.entries)); } });
  new Gauge({ name: `${p}entity_cache_bytes`, help: 'Bytes held by the entity cache.', registers, collect() { this.set(read((s) => s.bytes)); } });
}

export function createSubgraphMetrics(opts: SubgraphMetricsOptions): SubgraphMetrics {
  const p = opts.prefix ?? 'lumina_subgraph_';
  const registry = new Registry();
  const registers = [registry];
  const buckets = opts.buckets ?? DURATION_BUCKETS;
  if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: p });
  const max = opts.maxLabelValues ?? 200;
  const tenant = createLabelBound(max);
  const endpoint = createLabelBound(max);
  const operation = createLabelBound(max);
  const system = opts.system;
  const up = upstreamSeries(p, registers, buckets);
  const requests = new Counter({ name: `${p}graphql_requests_total`, help: 'GraphQL requests answered, by operation name and HTTP status.', labelNames: ['system', 'operation', 'status'], registers });
  const requestDuration = new Histogram({ name: `${p}graphql_request_duration_seconds`, help: 'Duration of GraphQL requests.', labelNames: ['system', 'operation'], buckets, registers });
  const cacheSources: (() => EntityCacheStatsLike)[] = [];
  entityCacheSeries(p, registers, cacheSources);

  const observer: UpstreamObserver = {
    call: safe((e) => {
      const ep = endpoint(e.endpoint);
      up.calls.inc({ system: e.system, tenant: tenant(e.tenant), endpoint: ep, method: e.method.toUpperCase().slice(0, 10), status: String(e.status) });
      up.duration.observe({ system: e.system, endpoint: ep }, seconds(e.durationMs));
      if (e.attempt > 1) up.retries.inc({ system: e.system, endpoint: ep });
    }),
    rateLimit: safe((e) => {
      const labels = { system: e.system, tenant: tenant(e.tenant), name: endpoint(e.name) };
      up.used.set(labels, e.used);
      up.limit.set(labels, e.limit);
    }),
    throttled: safe((e) => up.throttled.inc({ system: e.system, tenant: tenant(e.tenant), status: String(e.status) })),
    breaker: safe((e) => up.breaker.set({ system: e.system, tenant: tenant(e.tenant) }, BREAKER_VALUE[e.state])),
  };

  return {
    registry,
    observer,
    route: { method: 'GET', path: '/metrics', handle: metricsHandler(registry) },
    request: safe((e) => {
      const op = e.operation ? operation(e.operation) : 'anonymous';
      requests.inc({ system, operation: op, status: String(e.status) });
      requestDuration.observe({ system, operation: op }, seconds(e.durationMs));
    }),
    observeEntityCache: (stats) => {
      cacheSources.push(stats);
    },
  };
}
