/**
 * Several gateway processes on one port (`GATEWAY_WORKERS=n`, node:cluster). The primary serves no
 * request: it forks `n` workers, each running the whole gateway (`startGateway`) on the same port
 * (the primary owns the listening socket and hands connections to the workers in turn), and:
 * - prints `gateway ready at <url>` once, when every worker is listening (launchers wait for it);
 * - replaces a worker that dies unexpectedly, after a backoff that doubles with each death in the
 *   last minute (`restartBackoffMs` .. `maxRestartBackoffMs`), so a crashing worker cannot spin;
 *   a worker that dies before the cluster was ever ready is a start failure: every worker is
 *   stopped and the primary exits 1 (misconfiguration fails fast, once, with the worker's error);
 * - on SIGTERM/SIGINT sends SIGTERM to every worker (each drains like a single gateway:
 *   `/ready` 503, WebSockets closed with 1001, requests under way finish within
 *   GATEWAY_SHUTDOWN_GRACE_MS), SIGKILLs those still running `shutdownMarginMs` after that grace,
 *   and exits 0 when all exited cleanly (else 1). A worker also stops when the primary is gone.
 *
 * Per-worker state and how it stays correct:
 * - Response cache (in memory without REDIS_URL): an invalidation reaching one worker (the
 *   `POST /internal/invalidate` endpoint or a mutation's evictions) is relayed over the cluster IPC
 *   channel to the primary, which broadcasts it to the other workers; they evict locally (subgraphs
 *   are not called again). Fire and forget: the other workers evict within the IPC latency
 *   (typically well under a millisecond). The hook is `relayInvalidations` around the response
 *   cache. With REDIS_URL the cache (and APQ) is shared already; the relay only repeats the
 *   eviction, which is harmless.
 * - Rate limits (in process, per worker): the primary divides GATEWAY_RATE_LIMIT_TENANT and
 *   GATEWAY_RATE_LIMIT_CLIENT (rate and burst) by `n` in the workers' environment, so the total
 *   stays the configured one when the kernel spreads connections evenly (a client on one
 *   keep-alive connection stays on one worker and gets 1/n of its budget).
 * - Subscriptions: each worker keeps its own upstream subscriptions; nothing to share.
 *
 * | key | default | meaning |
 * |---|---|---|
 * | GATEWAY_WORKERS | `1` | gateway processes; `auto` = one per CPU (`os.availableParallelism()`); 1 runs no cluster |
 */
import cluster, { type Worker } from 'node:cluster';
import { availableParallelism } from 'node:os';
import type { Logger } from 'pino';
import { loadRateLimits, type TokenBucketLimit } from './rateLimiter';
import type { InvalidationRequest, ResponseCache } from './responseCache';

/** Most workers GATEWAY_WORKERS accepts. */
export const MAX_GATEWAY_WORKERS = 64;

/** What a worker's `start` resolves: the gateway (`startGateway`) or anything alike. */
export interface ClusterWorkerGateway {
  url: string;
  close(): Promise<void>;
}

export interface GatewayClusterOptions {
  /** Worker processes (2 or more for a cluster). @default loadGatewayWorkers(env) */
  workers?: number;
  /** Runs in each worker: starts the gateway (pass `relayInvalidations` to its response cache). */
  start: () => Promise<ClusterWorkerGateway>;
  logger: Logger;
  /** First restart delay of a dead worker, doubled per death in the last minute. @default 500 */
  restartBackoffMs?: number;
  /** @default 30_000 */
  maxRestartBackoffMs?: number;
  /** Time after the workers' shutdown grace before they are SIGKILLed. @default 5_000 */
  shutdownMarginMs?: number;
  /** Read for GATEWAY_WORKERS, GATEWAY_SHUTDOWN_GRACE_MS and the rate limits. @default process.env */
  env?: NodeJS.ProcessEnv;
}

/** Messages on the cluster IPC channel (both directions). */
type ClusterMessage =
  | { lumina: 'ready'; url: string }
  | { lumina: 'invalidate'; request: InvalidationRequest };

function parseMessage(raw: unknown): ClusterMessage | undefined {
  if (raw === null || typeof raw !== 'object') return undefined;
  const m = raw as { lumina?: unknown; url?: unknown; request?: { tags?: unknown; tenant?: unknown } };
  if (m.lumina === 'ready' && typeof m.url === 'string') return { lumina: 'ready', url: m.url };
  const tags = m.request?.tags;
  const tenant = m.request?.tenant;
  if (m.lumina !== 'invalidate' || !Array.isArray(tags) || !tags.every((t) => typeof t === 'string')) return undefined;
  if (tenant !== undefined && typeof tenant !== 'string') return undefined;
  return { lumina: 'invalidate', request: tenant === undefined ? { tags } : { tags, tenant } };
}

/** GATEWAY_WORKERS: an integer 1..64 or `auto`; throws naming the key. */
export function loadGatewayWorkers(env: NodeJS.ProcessEnv = process.env): number {
  const raw = (env.GATEWAY_WORKERS ?? '').trim();
  if (raw === '') return 1;
  if (raw === 'auto') return Math.min(MAX_GATEWAY_WORKERS, availableParallelism());
  const n = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n < 1 || n > MAX_GATEWAY_WORKERS) {
    throw new Error(`GATEWAY_WORKERS must be an integer from 1 to ${MAX_GATEWAY_WORKERS} or 'auto' (got '${raw}')`);
  }
  return n;
}

function dividedLimit(limit: TokenBucketLimit | null, n: number): string {
  if (!limit) return 'off';
  // Per hour with fixed decimals: no exponent notation, whatever the rate.
  return `${((limit.ratePerS * 3_600) / n).toFixed(6)}/h,burst=${Math.max(1, Math.ceil(limit.burst / n))}`;
}

/** The workers' rate-limit settings: the configured ones (or defaults) divided by `n`. */
export function workerRateLimitEnv(env: NodeJS.ProcessEnv, n: number): Record<string, string> {
  const limits = loadRateLimits(env);
  return {
    GATEWAY_RATE_LIMIT_TENANT: dividedLimit(limits.perTenant ?? null, n),
    GATEWAY_RATE_LIMIT_CLIENT: dividedLimit(limits.perClient ?? null, n),
  };
}

/**
 * In a cluster worker: the response cache, whose invalidations are also sent to the other workers
 * (through the primary), and which applies theirs. Outside a worker: the cache unchanged.
 */
export function relayInvalidations(cache: ResponseCache, logger?: Logger): ResponseCache {
  if (!cluster.isWorker || !process.send) return cache;
  process.on('message', (raw: unknown) => {
    const m = parseMessage(raw);
    if (m?.lumina !== 'invalidate') return;
    cache.invalidate(m.request).catch((err: unknown) => logger?.warn({ err }, 'relayed cache invalidation failed'));
  });
  return {
    ...cache,
    invalidate(request) {
      const message: ClusterMessage = { lumina: 'invalidate', request: { tags: [...request.tags], ...(request.tenant === undefined ? {} : { tenant: request.tenant }) } };
      if (process.connected) process.send?.(message);
      return cache.invalidate(request);
    },
  };
}

/** Starts the cluster's primary, or, in a worker, this worker's gateway. */
export function runGatewayCluster(opts: GatewayClusterOptions): void {
  if (cluster.isWorker) runWorker(opts);
  else runPrimary(opts);
}

function runWorker(opts: GatewayClusterOptions): void {
  const log = opts.logger.child({ worker: cluster.worker?.id });
  opts.start().then((gateway) => {
    let stopping = false;
    const stop = (reason: string): void => {
      if (stopping) return;
      stopping = true;
      log.info({ reason }, 'stopping gateway worker');
      gateway.close().then(() => process.exit(0), (err: unknown) => {
        log.error({ err }, 'error while stopping gateway worker');
        process.exit(1);
      });
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('disconnect', () => stop('primary gone'));
    process.send?.({ lumina: 'ready', url: gateway.url } satisfies ClusterMessage);
    log.info({ pid: process.pid, url: gateway.url }, 'gateway worker ready');
  }, (err: unknown) => {
    log.fatal({ err }, 'gateway worker failed to start');
    process.exit(1);
  });
}

const RESTART_WINDOW_MS = 60_000;

function runPrimary(opts: GatewayClusterOptions): void {
  const env = opts.env ?? process.env;
  const log = opts.logger;
  const n = opts.workers ?? loadGatewayWorkers(env);
  const graceMs = Number(env.GATEWAY_SHUTDOWN_GRACE_MS ?? '') || 10_000;
  const workerEnv = { ...workerRateLimitEnv(env, n), GATEWAY_WORKERS: String(n) };
  const base = opts.restartBackoffMs ?? 500;
  const maxBackoff = opts.maxRestartBackoffMs ?? 30_000;
  const readyUrls = new Map<number, string>();
  const deaths: number[] = [];
  let announced = false;
  let stopping = false;

  const broadcast = (from: Worker, message: ClusterMessage): void => {
    for (const w of Object.values(cluster.workers ?? {})) {
      if (w && w !== from && w.isConnected()) w.send(message);
    }
  };
  const fork = (): void => {
    const worker = cluster.fork(workerEnv);
    worker.on('message', (raw: unknown) => {
      const m = parseMessage(raw);
      if (m?.lumina === 'invalidate') broadcast(worker, m);
      if (m?.lumina !== 'ready') return;
      readyUrls.set(worker.id, m.url);
      log.info({ workerPid: worker.process.pid, ready: readyUrls.size, of: n }, 'cluster worker ready');
      if (!announced && readyUrls.size >= n) {
        announced = true;
        process.stdout.write(`gateway ready at ${m.url}\n`);
      }
    });
  };

  const stopAll = (reason: string, exitCode: number): void => {
    if (stopping) return;
    stopping = true;
    log.info({ reason, workers: Object.keys(cluster.workers ?? {}).length }, 'stopping gateway cluster');
    let failed = exitCode !== 0;
    const kill = setTimeout(() => {
      failed = true;
      for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGKILL');
    }, graceMs + (opts.shutdownMarginMs ?? 5_000));
    kill.unref();
    const done = (): void => {
      if (Object.keys(cluster.workers ?? {}).length > 0) return;
      clearTimeout(kill);
      process.exit(failed ? 1 : 0);
    };
    cluster.on('exit', (_w, code) => {
      if (code !== 0) failed = true;
      done();
    });
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
    done();
  };

  cluster.on('exit', (worker, code, signal) => {
    readyUrls.delete(worker.id);
    if (stopping) return;
    if (!announced) {
      log.fatal({ workerPid: worker.process.pid, code, signal }, 'a gateway worker failed to start');
      stopAll('start failed', 1);
      return;
    }
    const now = Date.now();
    deaths.push(now);
    while (deaths.length > 0 && deaths[0]! < now - RESTART_WINDOW_MS) deaths.shift();
    const delayMs = Math.min(maxBackoff, base * 2 ** (deaths.length - 1));
    log.error({ workerPid: worker.process.pid, code, signal, restartInMs: delayMs }, 'gateway worker died; replacing it');
    setTimeout(() => {
      if (!stopping) fork();
    }, delayMs);
  });
  process.on('SIGTERM', () => stopAll('SIGTERM', 0));
  process.on('SIGINT', () => stopAll('SIGINT', 0));
  log.info({ workers: n, primaryPid: process.pid }, 'starting gateway cluster');
  for (let i = 0; i < n; i++) fork();
}
