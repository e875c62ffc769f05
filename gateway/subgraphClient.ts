/**
 * How the fast executor calls subgraphs: one undici keep-alive `Pool` per subgraph, a POST of a
 * prebuilt JSON body, the body read up to a limit, a timeout covering headers and body, and
 * identical in-flight query fetches shared (`dedupe`, on by default): while one request with the
 * same subgraph, tenant and body is under way, others wait for its answer instead of sending their own.
 *
 * The timeout is undici's: `timeoutMs` for the headers, and at most `timeoutMs` between body chunks.
 * Failures become client-safe gateway errors (the URL, status text and body are log-only):
 * no answer in time -> SUBGRAPH_TIMEOUT; connection failure, 5xx -> SUBGRAPH_UNAVAILABLE (both
 * retryable); another non-2xx status -> an uncoded error the mask turns into "Unexpected error".
 *
 * Observability: `onFetch` hears of every real HTTP exchange once (a fetch answered by a shared one
 * is not an exchange). With `tracing`, each exchange is a span under the request's `traceparent`
 * header, and the subgraph receives that span's `traceparent`; a shared fetch belongs to the trace of
 * the request that sent it.
 */
import { Pool, type Dispatcher } from 'undici';
import { parseTraceparent, TRACEPARENT_HEADER } from '../subgraphs/kit/traceContext';
import type { Tracing } from '../subgraphs/kit/tracing';
import { gatewayError } from './gatewayErrors';

export interface SubgraphResponse {
  status: number;
  /** The raw JSON body; each waiter parses its own copy, so merged results never leak between requests. */
  text: string;
  /** The subgraph's `Cache-Control` header, if any. */
  cacheControl: string | undefined;
}

/** How one exchange ended: `error` = an HTTP answer we refuse (non-2xx, not JSON, too large). */
export type SubgraphFetchOutcome = 'success' | 'error' | 'timeout' | 'unreachable';

export interface SubgraphFetchEvent {
  subgraph: string;
  url: string;
  /** HTTP status, 0 when no answer came. */
  status: number;
  outcome: SubgraphFetchOutcome;
  durationMs: number;
}

export interface SubgraphClientOptions {
  /** GraphQL endpoint per subgraph name. */
  urls: Record<string, string>;
  /** Share identical in-flight query fetches. @default true */
  dedupe?: boolean;
  /** Time for one subgraph exchange, headers and body. @default 15_000 */
  timeoutMs?: number;
  /** Keep-alive connections per subgraph. @default 128 */
  connections?: number;
  /** Largest subgraph response body. @default 67_108_864 (64 MiB) */
  maxResponseBytes?: number;
  /** Called once per real HTTP exchange, after it ended; must not throw (a throw is ignored). @default none */
  onFetch?: (e: SubgraphFetchEvent) => void;
  /** Makes each exchange a span (`subgraph <name>`) and sends its `traceparent`. @default none (headers sent as given) */
  tracing?: Pick<Tracing, 'startSpan'>;
  /** Clock in ms for `durationMs`. @default performance.now */
  now?: () => number;
}

export interface SubgraphClient {
  /**
   * Sends `body` to subgraph `service`. `shareKey` (tenant and anything else that changes the answer)
   * is given only for queries: requests with equal service, shareKey and body share one fetch.
   */
  send(service: string, body: string, headers: Record<string, string>, shareKey?: string): Promise<SubgraphResponse>;
  /** Number of HTTP requests actually sent, and fetches answered by a shared one. */
  stats(): { sent: number; shared: number };
  close(): Promise<void>;
}

interface Target {
  pool: Pool;
  path: string;
  url: string;
}

class ResponseTooLarge extends Error {}

/** `application/json` or `application/graphql-response+json`, any parameters. */
const JSON_TYPE = /^application\/(?:graphql-response\+)?json\s*(?:;|$)/i;

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);

async function readText(body: Dispatcher.ResponseData['body'], length: number, maxBytes: number): Promise<string> {
  if (length > maxBytes) {
    body.destroy();
    throw new ResponseTooLarge(`subgraph response over ${maxBytes} bytes`);
  }
  if (length >= 0) return body.text();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) {
      body.destroy();
      throw new ResponseTooLarge(`subgraph response over ${maxBytes} bytes`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** What an exchange learnt, even when it threw: the status (0 = none) and whether it timed out. */
interface Probe {
  status: number;
  timedOut: boolean;
}

async function exchange(t: Target, service: string, body: string, headers: Record<string, string>, maxBytes: number, probe: Probe): Promise<SubgraphResponse> {
  let status: number;
  let text: string;
  let cc: string | string[] | undefined;
  let type: string | undefined;
  try {
    const res = await t.pool.request({ path: t.path, method: 'POST', headers, body });
    status = res.statusCode;
    probe.status = status;
    cc = res.headers['cache-control'];
    type = res.headers['content-type'] as string | undefined;
    const length = res.headers['content-length'];
    text = await readText(res.body, typeof length === 'string' ? Number(length) : -1, maxBytes);
  } catch (err) {
    probe.timedOut = TIMEOUT_CODES.has((err as { code?: string }).code ?? '');
    throw transportError(service, t.url, err, probe.timedOut);
  }
  if (status >= 500) {
    throw gatewayError({ code: 'SUBGRAPH_UNAVAILABLE', system: service, retryable: true, message: `The ${service} subgraph is unavailable`, cause: new Error(`HTTP ${status}`), logFields: { subgraphUrl: t.url, status, body: text.slice(0, 500) } });
  }
  if (status < 200 || status >= 300) throw new Error(`${service} subgraph answered HTTP ${status}: ${text.slice(0, 500)}`);
  if (!JSON_TYPE.test(type ?? '')) throw new Error(`Expected JSON response body, but received: ${text.slice(0, 100)}`);
  return { status, text, cacheControl: Array.isArray(cc) ? cc.join(', ') : cc };
}

function transportError(service: string, url: string, err: unknown, timedOut: boolean): Error {
  if (timedOut) return gatewayError({ code: 'SUBGRAPH_TIMEOUT', system: service, retryable: true, message: `The ${service} subgraph did not answer in time`, cause: err, logFields: { subgraphUrl: url } });
  return gatewayError({ code: 'SUBGRAPH_UNAVAILABLE', system: service, retryable: true, message: `The ${service} subgraph is unavailable`, cause: err, logFields: { subgraphUrl: url } });
}

function outcomeOf(probe: Probe, failed: boolean): SubgraphFetchOutcome {
  if (!failed) return 'success';
  if (probe.timedOut) return 'timeout';
  return probe.status === 0 ? 'unreachable' : 'error';
}

/** Runs one exchange inside a span (when tracing) and reports it to `onFetch` once it ended. */
async function observed(opts: SubgraphClientOptions, t: Target, service: string, body: string, headers: Record<string, string>, maxBytes: number): Promise<SubgraphResponse> {
  const now = opts.now ?? (() => performance.now());
  const span = opts.tracing?.startSpan(`subgraph ${service}`, parseTraceparent(headers[TRACEPARENT_HEADER]), { 'graphql.subgraph': service });
  const sent = span ? { ...headers, [TRACEPARENT_HEADER]: span.traceparent } : headers;
  const probe: Probe = { status: 0, timedOut: false };
  const start = now();
  let failure: unknown;
  try {
    return await exchange(t, service, body, sent, maxBytes, probe);
  } catch (err) {
    failure = err ?? new Error('subgraph fetch failed');
    throw err;
  } finally {
    span?.set({ 'http.response.status_code': probe.status });
    span?.end(failure);
    try {
      opts.onFetch?.({ subgraph: service, url: t.url, status: probe.status, outcome: outcomeOf(probe, failure !== undefined), durationMs: now() - start });
    } catch {
      // an observer bug must not fail the fetch
    }
  }
}

export function createSubgraphClient(opts: SubgraphClientOptions): SubgraphClient {
  const dedupe = opts.dedupe ?? true;
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const maxBytes = opts.maxResponseBytes ?? 67_108_864;
  const targets = new Map<string, Target>();
  for (const [name, url] of Object.entries(opts.urls)) {
    const u = new URL(url);
    const pool = new Pool(u.origin, { connections: opts.connections ?? 128, keepAliveTimeout: 30_000, headersTimeout: timeoutMs, bodyTimeout: timeoutMs, connectTimeout: Math.min(timeoutMs, 10_000) });
    targets.set(name, { pool, path: `${u.pathname}${u.search}`, url });
  }
  const inFlight = new Map<string, Promise<SubgraphResponse>>();
  let sent = 0;
  let shared = 0;

  const direct = (service: string, body: string, headers: Record<string, string>): Promise<SubgraphResponse> => {
    const t = targets.get(service);
    if (!t) return Promise.reject(new Error(`Couldn't find service with name "${service}"`));
    sent += 1;
    return observed(opts, t, service, body, headers, maxBytes);
  };

  return {
    send(service, body, headers, shareKey) {
      if (!dedupe || shareKey === undefined) return direct(service, body, headers);
      const key = `${service}\u0000${shareKey}\u0000${body}`;
      const running = inFlight.get(key);
      if (running) {
        shared += 1;
        return running;
      }
      const p = direct(service, body, headers).finally(() => inFlight.delete(key));
      inFlight.set(key, p);
      return p;
    },
    stats: () => ({ sent, shared }),
    async close() {
      await Promise.all([...targets.values()].map((t) => t.pool.close()));
    },
  };
}
