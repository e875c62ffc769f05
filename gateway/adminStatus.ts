/**
 * What the `/admin` page shows (`GET /admin/status.json`): a snapshot of the gateway and of each
 * system behind it, built from what the gateway can already see:
 * - readiness (`readiness.ts`): supergraph loaded, each subgraph's `/health`;
 * - each subgraph's Prometheus `/metrics` (`subgraphs/kit/subgraphMetrics.ts`): upstream breaker state
 *   (worst over tenants), upstream calls and failures, throttled answers, rate-limit usage last
 *   reported by the system (e.g. Salesforce `Sforce-Limit-Info`);
 * - the gateway's own counters (`AdminGatewayStats`): response cache hits/misses, prepared-document hits,
 *   persisted documents; and its per-subgraph breaker gauge when given the metrics registry.
 * Counters are cumulative; the page turns them into rates between polls.
 *
 * Recent events are not included: the subgraphs' event logs are not exposed to the gateway.
 *
 * Metrics are scraped in parallel with a timeout and a body cap; a snapshot is reused for `cacheMs`
 * and concurrent requests share one scrape, so refreshing admins cannot load the subgraphs.
 */
import type { Registry } from 'prom-client';
import { Agent, request } from 'undici';
import type { ReadinessReport } from './readiness';

/** The part of the gateway's `stats()` (`server.ts` GatewayStats) the page shows; declared here so this file does not import the server. */
export interface AdminGatewayStats {
  executor: { preparedHits: number; parses: number; subgraphRequests: number } | null;
  persisted: { manifestHits: number; apqHits: number; freeform: number; refused: number } | null;
  responseCache: { hits: number; misses: number } | null;
}

export type BreakerView = 'closed' | 'half-open' | 'open' | 'unknown';

export interface RateLimitUsage {
  tenant: string;
  name: string;
  used: number;
  limit: number | null;
}

export interface SystemStatus {
  name: string;
  health: 'up' | 'down' | 'unknown';
  /** Whether the subgraph's `/metrics` answered. */
  metrics: 'ok' | 'unavailable';
  /** The subgraph's breaker towards its upstream system (worst tenant). */
  breaker: BreakerView;
  /** The gateway's breaker towards this subgraph. */
  gatewayBreaker: BreakerView;
  /** Calls to the upstream system since the subgraph started. */
  upstreamRequests: number;
  /** Of which transport errors, timeouts and 5xx. */
  upstreamFailures: number;
  retries: number;
  throttled: number;
  rateLimits: RateLimitUsage[];
}

export interface HitRatio {
  hits: number;
  misses: number;
  /** hits / (hits + misses), null before the first lookup. */
  ratio: number | null;
}

export interface AdminStatus {
  generatedAt: string;
  ready: boolean;
  supergraph: boolean;
  systems: SystemStatus[];
  gateway: {
    /** null when the response cache is off. */
    responseCache: HitRatio | null;
    /** Operations served by an already prepared document. */
    prepared: HitRatio | null;
    persisted: { manifest: number; apq: number; freeform: number; refused: number } | null;
    subgraphRequests: number | null;
  };
  /** Why recent events are not shown. */
  events: { available: false; reason: string };
}

export interface AdminStatusOptions {
  /** The gateway's readiness (`createReadiness`). */
  readiness: { check(): Promise<ReadinessReport> };
  /** The gateway's counters (`Gateway.stats`). */
  stats: () => AdminGatewayStats;
  /** The served subgraphs' GraphQL URLs by name; their `/metrics` is on the same origin. */
  subgraphUrls: () => Record<string, string>;
  /** The gateway's metrics registry, for its per-subgraph breaker gauge. @default none (gatewayBreaker 'unknown') */
  metricsRegistry?: Registry;
  /** Time allowed for one scrape. @default 1000 */
  timeoutMs?: number;
  /** How long a snapshot is reused. @default 1000 */
  cacheMs?: number;
  /** Largest `/metrics` body read. @default 4_194_304 */
  maxMetricsBytes?: number;
  /** Clock in ms, for the cache. @default performance.now */
  now?: () => number;
}

export interface AdminStatusSource {
  snapshot(): Promise<AdminStatus>;
  close(): Promise<void>;
}

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** The samples of a Prometheus text exposition (comments and malformed lines skipped). */
export function parsePrometheusText(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = SAMPLE.exec(line);
    if (!m) continue;
    const value = Number(m[3]);
    if (Number.isNaN(value)) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(LABEL)) labels[l[1]!] = l[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    out.push({ name: m[1]!, labels, value });
  }
  return out;
}

/** `<origin of url>/metrics`, or null when `url` is not an http(s) URL. */
export function metricsUrl(url: string): string | null {
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? `${u.origin}/metrics` : null;
  } catch {
    return null;
  }
}

const BREAKER: BreakerView[] = ['closed', 'half-open', 'open'];
const breakerOf = (values: number[]): BreakerView => (values.length === 0 ? 'closed' : BREAKER[Math.max(...values)] ?? 'unknown');
const ratio = (hits: number, misses: number): HitRatio => ({ hits, misses, ratio: hits + misses === 0 ? null : hits / (hits + misses) });

/** The system's view from its subgraph's samples (metric prefix `lumina_subgraph_`). */
export function systemFromSamples(name: string, samples: Sample[]): Omit<SystemStatus, 'health' | 'gatewayBreaker'> {
  const of = (metric: string) => samples.filter((s) => s.name === `lumina_subgraph_${metric}`);
  const sum = (list: Sample[]) => list.reduce((n, s) => n + s.value, 0);
  const calls = of('upstream_requests_total');
  const limits = new Map(of('upstream_rate_limit_limit').map((s) => [`${s.labels.tenant}\0${s.labels.name}`, s.value]));
  return {
    name,
    metrics: 'ok',
    breaker: breakerOf(of('upstream_breaker_state').map((s) => s.value)),
    upstreamRequests: sum(calls),
    upstreamFailures: sum(calls.filter((s) => s.labels.status === '0' || Number(s.labels.status) >= 500)),
    retries: sum(of('upstream_retries_total')),
    throttled: sum(of('upstream_throttled_total')),
    rateLimits: of('upstream_rate_limit_used').slice(0, 20).map((s) => ({
      tenant: s.labels.tenant ?? '', name: s.labels.name ?? '', used: s.value, limit: limits.get(`${s.labels.tenant}\0${s.labels.name}`) ?? null,
    })),
  };
}

async function scrape(agent: Agent, url: string, timeoutMs: number, maxBytes: number): Promise<Sample[] | null> {
  const target = metricsUrl(url);
  if (!target) return null;
  try {
    const res = await request(target, { method: 'GET', dispatcher: agent, signal: AbortSignal.timeout(timeoutMs), headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
    if (res.statusCode !== 200) {
      await res.body.dump({ limit: 65_536 });
      return null;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body) {
      size += (chunk as Buffer).length;
      if (size > maxBytes) {
        res.body.destroy();
        return null;
      }
      chunks.push(chunk as Buffer);
    }
    return parsePrometheusText(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return null;
  }
}

async function gatewayBreakers(registry: Registry | undefined): Promise<Map<string, BreakerView>> {
  const metric = registry?.getSingleMetric('lumina_gateway_subgraph_breaker_state');
  if (!metric) return new Map();
  const { values } = await metric.get();
  return new Map(values.map((v) => [String(v.labels.subgraph), BREAKER[v.value] ?? 'unknown']));
}

function gatewayPart(stats: AdminGatewayStats): AdminStatus['gateway'] {
  const p = stats.persisted;
  return {
    responseCache: stats.responseCache ? ratio(stats.responseCache.hits, stats.responseCache.misses) : null,
    prepared: stats.executor ? ratio(stats.executor.preparedHits, stats.executor.parses) : null,
    persisted: p ? { manifest: p.manifestHits, apq: p.apqHits, freeform: p.freeform, refused: p.refused } : null,
    subgraphRequests: stats.executor?.subgraphRequests ?? null,
  };
}

export function createAdminStatus(opts: AdminStatusOptions): AdminStatusSource {
  const timeoutMs = opts.timeoutMs ?? 1000;
  const cacheMs = opts.cacheMs ?? 1000;
  const maxBytes = opts.maxMetricsBytes ?? 4_194_304;
  const now = opts.now ?? (() => performance.now());
  const agent = new Agent({ keepAliveTimeout: 10_000, connections: 2, connectTimeout: timeoutMs });
  let cached: { at: number; status: AdminStatus } | null = null;
  let inFlight: Promise<AdminStatus> | null = null;

  const build = async (): Promise<AdminStatus> => {
    const urls = opts.subgraphUrls();
    const [report, scraped, breakers] = await Promise.all([
      opts.readiness.check(),
      Promise.all(Object.entries(urls).map(async ([name, url]) => [name, await scrape(agent, url, timeoutMs, maxBytes)] as const)),
      gatewayBreakers(opts.metricsRegistry),
    ]);
    const systems = scraped.map(([name, samples]): SystemStatus => ({
      ...(samples ? systemFromSamples(name, samples) : { name, metrics: 'unavailable', breaker: 'unknown', upstreamRequests: 0, upstreamFailures: 0, retries: 0, throttled: 0, rateLimits: [] }),
      health: report.subgraphs[name] ?? 'unknown',
      gatewayBreaker: breakers.get(name) ?? (opts.metricsRegistry ? 'closed' : 'unknown'),
    }));
    return {
      generatedAt: new Date().toISOString(), ready: report.ready, supergraph: report.supergraph, systems,
      gateway: gatewayPart(opts.stats()),
      events: { available: false, reason: "The subgraphs' event logs are not exposed to the gateway." },
    };
  };

  return {
    snapshot() {
      if (cached && now() - cached.at < cacheMs) return Promise.resolve(cached.status);
      inFlight ??= build().then((status) => {
        cached = { at: now(), status };
        return status;
      }).finally(() => {
        inFlight = null;
      });
      return inFlight;
    },
    close: () => agent.close(),
  };
}
