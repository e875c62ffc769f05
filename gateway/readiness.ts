/**
 * Readiness of the gateway (`GET /ready`): ready only when the supergraph is loaded and every
 * subgraph answers its `GET /health` (same origin as its `/graphql` URL) with a 2xx in time.
 * Liveness (`/health`) is separate: a gateway whose subgraphs are down is alive but not ready.
 *
 * The probes run in parallel on a private undici `Agent`; their result is kept for `cacheMs` and
 * concurrent checks share one round of probes (single flight), so a busy load balancer cannot
 * multiply the traffic to the subgraphs.
 */
import type http from 'node:http';
import { Agent, request } from 'undici';
import { sendJson } from '../subgraphs/kit/graphqlHttp';

export type SubgraphHealth = 'up' | 'down';

export interface ReadinessReport {
  ready: boolean;
  /** The supergraph is loaded and served. */
  supergraph: boolean;
  subgraphs: Record<string, SubgraphHealth>;
}

export interface ReadinessOptions {
  /** Whether the supergraph is loaded (e.g. `() => gateway.supergraph.hash() !== ''`). */
  loaded: () => boolean;
  /** The served subgraphs' GraphQL URLs by name (e.g. the executor's `subgraphUrls`). */
  subgraphUrls: () => Record<string, string>;
  /** Time allowed for one probe, connection to body. @default 1000 */
  timeoutMs?: number;
  /** How long a round of probes is reused. @default 2000 */
  cacheMs?: number;
  /** Clock in ms, for the cache. @default performance.now */
  now?: () => number;
}

export interface Readiness {
  check(): Promise<ReadinessReport>;
  /** Answers `GET /ready`: 200 with the report when ready, else 503 with it. */
  handler(req: http.IncomingMessage, res: http.ServerResponse): Promise<void>;
  close(): Promise<void>;
}

/** `<origin of url>/health`, or null when `url` is not an http(s) URL. */
export function healthUrl(url: string): string | null {
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? `${u.origin}/health` : null;
  } catch {
    return null;
  }
}

async function probe(agent: Agent, url: string, timeoutMs: number): Promise<SubgraphHealth> {
  const target = healthUrl(url);
  if (!target) return 'down';
  try {
    const res = await request(target, { method: 'GET', dispatcher: agent, signal: AbortSignal.timeout(timeoutMs), headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
    await res.body.dump({ limit: 65_536 });
    return res.statusCode >= 200 && res.statusCode < 300 ? 'up' : 'down';
  } catch {
    return 'down';
  }
}

export function createReadiness(opts: ReadinessOptions): Readiness {
  const timeoutMs = opts.timeoutMs ?? 1000;
  const cacheMs = opts.cacheMs ?? 2000;
  const now = opts.now ?? (() => performance.now());
  const agent = new Agent({ keepAliveTimeout: 10_000, connections: 2, connectTimeout: timeoutMs });
  let cached: { key: string; at: number; result: Record<string, SubgraphHealth> } | null = null;
  let inFlight: { key: string; promise: Promise<Record<string, SubgraphHealth>> } | null = null;

  const probeAll = async (urls: Record<string, string>): Promise<Record<string, SubgraphHealth>> => {
    const entries = await Promise.all(Object.entries(urls).map(async ([name, url]) => [name, await probe(agent, url, timeoutMs)] as const));
    return Object.fromEntries(entries);
  };

  const subgraphs = (): Promise<Record<string, SubgraphHealth>> => {
    const urls = opts.subgraphUrls();
    const key = JSON.stringify(urls);
    if (cached && cached.key === key && now() - cached.at < cacheMs) return Promise.resolve(cached.result);
    if (inFlight && inFlight.key === key) return inFlight.promise;
    const promise = probeAll(urls).then((result) => {
      cached = { key, at: now(), result };
      return result;
    }).finally(() => {
      if (inFlight?.promise === promise) inFlight = null;
    });
    inFlight = { key, promise };
    return promise;
  };

  const check = async (): Promise<ReadinessReport> => {
    const health = await subgraphs();
    const supergraph = opts.loaded();
    const names = Object.keys(health);
    return { ready: supergraph && names.length > 0 && names.every((n) => health[n] === 'up'), supergraph, subgraphs: health };
  };

  return {
    check,
    async handler(req, res) {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        sendJson(res, 405, { error: 'method not allowed: use GET' }, { allow: 'GET, HEAD' });
        return;
      }
      const report = await check();
      sendJson(res, report.ready ? 200 : 503, report);
    },
    close: () => agent.close(),
  };
}
