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
 * - each subgraph's recent events (`GET /internal/events/recent`, `subgraphs/kit/recentEventsEndpoint.ts`,
 *   bearer `internalToken`): merged newest first (by the time each log stored them), at most 30.
 *   Without `internalToken` none are fetched and `events.reason` says why.
 *
 * Metrics are scraped in parallel with a timeout and a body cap; a snapshot is reused for `cacheMs`
 * and concurrent requests share one scrape, so refreshing admins cannot load the subgraphs.
 */
import type { Registry } from 'prom-client';
import { Agent, request, type Dispatcher } from 'undici';
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
  /** Whether recent events could be fetched; `reason` names the systems whose events are missing (or why none are). */
  events: { available: boolean; reason: string | null };
  /** The systems' recent events, newest first (at most `MAX_RECENT_EVENTS`); [] when unavailable. */
  recentEvents: RecentEvent[];
}

/** One canonical event envelope as the page shows it. */
export interface RecentEvent {
  id: string;
  type: string;
  system: string;
  tenant: string;
  entity: { type: string; id: string };
  occurredAt: string;
  /** The event log's cursor (`<ms>-<seq>`): when the subgraph stored it. */
  cursor: string;
}

export const MAX_RECENT_EVENTS = 30;

export interface AdminStatusOptions {
  /** The gateway's readiness (`createReadiness`). */
  readiness: { check(): Promise<ReadinessReport> };
  /** The gateway's counters (`Gateway.stats`). */
  stats: () => AdminGatewayStats;
  /** The served subgraphs' GraphQL URLs by name; their `/metrics` is on the same origin. */
  subgraphUrls: () => Record<string, string>;
  /** The gateway's metrics registry, for its per-subgraph breaker gauge. @default none (gatewayBreaker 'unknown') */
  metricsRegistry?: Registry;
  /** Bearer token of the subgraphs' `GET /internal/events/recent` (INTERNAL_API_TOKEN). @default none (no recent events) */
  internalToken?: string | undefined;
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

/** `<origin of url>/internal/events/recent?limit=n`, or null when `url` is not an http(s) URL. */
export function recentEventsUrl(url: string, limit: number): string | null {
  const metrics = metricsUrl(url);
  return metrics === null ? null : `${metrics.slice(0, -'/metrics'.length)}/internal/events/recent?limit=${limit}`;
}

const str = (v: unknown): v is string => typeof v === 'string' && v.length <= 512;

/** The well-formed events of a `{ events: [...] }` answer (untrusted: anything else is dropped). */
export function parseRecentEvents(body: unknown): RecentEvent[] {
  const list = (body as { events?: unknown } | null)?.events;
  if (!Array.isArray(list)) return [];
  const out: RecentEvent[] = [];
  for (const raw of list.slice(0, MAX_RECENT_EVENTS) as unknown[]) {
    const e = raw as Partial<Record<keyof RecentEvent, unknown>> | null;
    const entity = e?.entity as { type?: unknown; id?: unknown } | undefined;
    if (!e || !str(e.id) || !str(e.type) || !str(e.system) || !str(e.tenant) || !str(e.occurredAt) || !str(e.cursor) || !str(entity?.type) || !str(entity?.id)) continue;
    out.push({ id: e.id, type: e.type, system: e.system, tenant: e.tenant, entity: { type: entity.type, id: entity.id }, occurredAt: e.occurredAt, cursor: e.cursor });
  }
  return out;
}

const cursorMs = (cursor: string): number => Number(cursor.split('-')[0]) || 0;

/** The systems' events merged newest first (by log time, then occurrence), at most `MAX_RECENT_EVENTS`. */
export function mergeRecentEvents(lists: RecentEvent[][]): RecentEvent[] {
  return lists.flat()
    .sort((a, b) => cursorMs(b.cursor) - cursorMs(a.cursor) || b.occurredAt.localeCompare(a.occurredAt))
    .slice(0, MAX_RECENT_EVENTS);
}

async function fetchRecent(agent: Agent, url: string, token: string, timeoutMs: number, maxBytes: number): Promise<RecentEvent[] | null> {
  const target = recentEventsUrl(url, MAX_RECENT_EVENTS);
  if (!target) return null;
  try {
    const res = await request(target, {
      method: 'GET', dispatcher: agent, headers: { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(timeoutMs), headersTimeout: timeoutMs, bodyTimeout: timeoutMs,
    });
    const text = await readCapped(res, maxBytes);
    return text === null ? null : parseRecentEvents(JSON.parse(text));
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

/** A 200 answer's body as text, or null for another status or a body over `maxBytes`. */
async function readCapped(res: Dispatcher.ResponseData, maxBytes: number): Promise<string | null> {
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
  return Buffer.concat(chunks).toString('utf8');
}

async function scrape(agent: Agent, url: string, timeoutMs: number, maxBytes: number): Promise<Sample[] | null> {
  const target = metricsUrl(url);
  if (!target) return null;
  try {
    const res = await request(target, { method: 'GET', dispatcher: agent, signal: AbortSignal.timeout(timeoutMs), headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
    const text = await readCapped(res, maxBytes);
    return text === null ? null : parsePrometheusText(text);
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

  const recentEvents = async (urls: Record<string, string>): Promise<Pick<AdminStatus, 'events' | 'recentEvents'>> => {
    const token = opts.internalToken;
    if (!token) return { events: { available: false, reason: 'Recent events need the internal token (INTERNAL_API_TOKEN) on the gateway.' }, recentEvents: [] };
    const lists = await Promise.all(Object.entries(urls).map(async ([name, url]) => [name, await fetchRecent(agent, url, token, timeoutMs, maxBytes)] as const));
    const missing = lists.filter(([, list]) => list === null).map(([name]) => name);
    return {
      events: { available: missing.length < lists.length, reason: missing.length === 0 ? null : `No recent events from ${missing.join(', ')}.` },
      recentEvents: mergeRecentEvents(lists.map(([, list]) => list ?? [])),
    };
  };

  const build = async (): Promise<AdminStatus> => {
    const urls = opts.subgraphUrls();
    const [report, scraped, breakers, events] = await Promise.all([
      opts.readiness.check(),
      Promise.all(Object.entries(urls).map(async ([name, url]) => [name, await scrape(agent, url, timeoutMs, maxBytes)] as const)),
      gatewayBreakers(opts.metricsRegistry),
      recentEvents(urls),
    ]);
    const systems = scraped.map(([name, samples]): SystemStatus => ({
      ...(samples ? systemFromSamples(name, samples) : { name, metrics: 'unavailable', breaker: 'unknown', upstreamRequests: 0, upstreamFailures: 0, retries: 0, throttled: 0, rateLimits: [] }),
      health: report.subgraphs[name] ?? 'unknown',
      gatewayBreaker: breakers.get(name) ?? (opts.metricsRegistry ? 'closed' : 'unknown'),
    }));
    return {
      generatedAt: new Date().toISOString(), ready: report.ready, supergraph: report.supergraph, systems,
      gateway: gatewayPart(opts.stats()),
      ...events,
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
