/**
 * The federated gateway, served by a plain Node HTTP server that WebSockets can share later. Two
 * executors over the same hot-reloaded supergraph file (`supergraphFile.ts`):
 * - `fast` (default): our own plan executor (`fastGraph.ts`, `operationHandler.ts`) with persisted
 *   documents (APQ + trusted-document manifests), the response cache and `POST /internal/invalidate`;
 * - `stock`: `@apollo/gateway` inside `@apollo/server` (`graphqlHttpHandler.ts`), kept for comparison.
 * Routes: `POST`/`GET /graphql` (and graphql-ws on the same path); `GET /health` (live: 200 while
 * the process runs, `{ status, supergraph }`); `GET /ready` (200 only when a supergraph is loaded and
 * every subgraph answers its `/health`; 503 while starting or stopping); `GET /metrics`
 * (Prometheus, `gatewayMetrics.ts`); `POST /internal/invalidate` (fast only, token-protected); else 404.
 * Errors go through `formatGatewayError` on both paths. The stock path is kept for comparison: it
 * has no authentication, limits or rate limits, and does not enforce `@authenticated`/`@requiresScopes`.
 *
 * Slow clients: request headers within GATEWAY_HEADERS_TIMEOUT_MS and the whole request within
 * GATEWAY_REQUEST_TIMEOUT_MS (Node answers 408). Graceful shutdown (`close()`, SIGTERM): `/ready`
 * turns 503, WebSockets close with 1001, no new connections are accepted, requests under way finish
 * (up to GATEWAY_SHUTDOWN_GRACE_MS), then the remaining connections are cut.
 *
 * Run directly (`npm run start:gateway`): settings from the environment (`gatewayConfig.ts`),
 * stops cleanly on SIGINT/SIGTERM, prints `gateway ready at <url>`.
 */
import { sendJson } from '../subgraphs/kit/graphqlHttp';
import { runUntilStopped } from '../subgraphs/kit/runUntilStopped';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import type { Logger } from 'pino';
import { gatewayConfigFromEnv, type GatewayConfig } from './gatewayConfig';
import { formatGatewayError } from './gatewayErrors';
import { createLogger } from '../subgraphs/kit/logger';
import { createGraphQLHttpHandler, type GraphQLHttpHandler } from './graphqlHttpHandler';
import { currentRequest, type GatewayContext } from './requestContext';
import { SubgraphDataSource } from './subgraphDataSource';
import { createSupergraphFile, type SupergraphFile } from './supergraphFile';
import { createUndiciFetcher, type UndiciFetcher } from './undiciFetcher';
import { createApqStore } from './apqStore';
import { startFastGraph, type FastGraph } from './fastGraph';
import type { FederatedExecutor } from './federatedExecutor';
import { INVALIDATE_PATH, createInvalidation, type Invalidation } from './invalidation';
import { createOperationHandler, formatExecutionErrors } from './operationHandler';
import { createRequestContext } from './requestContext';
import type { ExecutionErrorOut } from './responseShaper';
import { createSubscriptionHub } from './subscriptionHub';
import { attachSubscriptionServer } from './subscriptionServer';
import { createPersistedDocuments, type PersistedDocumentsStats } from './persistedDocuments';
import { createResponseCache, type ResponseCache, type ResponseCacheStats } from './responseCache';
import { createAuditLog, type AuditLog } from '../subgraphs/kit/auditLog';
import { INTERNAL_CONTEXT_SECRET_KEY } from '../subgraphs/kit/internalContext';
import { loadTenantRegistry } from '../subgraphs/kit/tenantRegistry';
import { createTracing, type Tracing } from '../subgraphs/kit/tracing';
import { createCallerAdmission } from './callerAdmission';
import { createGatewayMetrics, type GatewayMetrics, type GatewayStatsLike } from './gatewayMetrics';
import { createJwtAuth, loadJwtAuthConfig, type JwtAuthOptions } from './jwtAuth';
import { loadOperationLimits, type OperationLimits } from './operationLimits';
import { createRateLimiter, loadRateLimits, type RateLimiter, type RateLimiterOptions } from './rateLimiter';
import { createAdminRoute, type AdminRoute } from './adminPage';
import { createIdeRoute, type IdeRoute } from './ideAssets';
import { createReadiness } from './readiness';
import { createRedisRateLimitStore } from './redisRateLimitStore';
import { stockSupergraphHook } from './stockSupergraph';
import { loadGatewayWorkers, relayInvalidations, runGatewayCluster } from './gatewayCluster';

export interface GatewayOptions {
  /** @default GATEWAY_PORT, else 4000 (0 picks a free port) */
  port?: number;
  /** @default GATEWAY_HOST, else '127.0.0.1' */
  host?: string;
  /** The supergraph file written by `npm run compose`. @default SUPERGRAPH_PATH, else 'var/supergraph.graphql' */
  supergraphPath?: string;
  /** @default a pino logger named `gateway` */
  logger?: Logger;
  /** @default GATEWAY_INTROSPECTION, else true unless NODE_ENV=production */
  introspection?: boolean;
  /** Per subgraph request. @default GATEWAY_SUBGRAPH_TIMEOUT_MS, else 15_000 */
  subgraphTimeoutMs?: number;
  /** @default GATEWAY_MAX_BODY_BYTES, else 1_048_576 */
  maxBodyBytes?: number;
  /** Poll interval of the supergraph file (fallback for fs.watch). @default GATEWAY_SUPERGRAPH_POLL_MS, else 1_000 */
  supergraphPollMs?: number;
  /** @default GATEWAY_EXECUTOR, else 'fast' */
  executor?: 'fast' | 'stock';
  /** Share identical in-flight subgraph fetches (fast executor). @default GATEWAY_DEDUPE, else true */
  dedupe?: boolean;
  /** Cache whole query responses (fast executor). @default GATEWAY_RESPONSE_CACHE, else true */
  responseCache?: boolean;
  /** @default GATEWAY_PERSISTED_MODE, else 'allow' ('safelist' when NODE_ENV=production) */
  persistedMode?: 'allow' | 'safelist' | 'log';
  /** Trusted-document manifests. @default GATEWAY_MANIFESTS, else the one `npm run codegen` writes */
  manifests?: string[];
  /** APQ store and response cache in Redis. @default REDIS_URL, else in memory */
  redisUrl?: string;
  /** Bearer token of `POST /internal/invalidate` (also sent to the subgraphs'). @default INTERNAL_API_TOKEN, else the endpoint is off */
  internalToken?: string;
  /** JWT verification; null = authentication off (everyone anonymous in the default tenant). @default loadJwtAuthConfig(env) (GATEWAY_AUTH_MODE, GATEWAY_JWKS_URL, ...) */
  auth?: JwtAuthOptions | null;
  /** Secrets signing the internal context sent to subgraphs. @default INTERNAL_CONTEXT_SECRET (required) */
  contextSecrets?: string[];
  /** @default loadOperationLimits(env) */
  limits?: Partial<OperationLimits>;
  /** Token buckets per tenant and per client; null = no rate limits. @default loadRateLimits(env) */
  rateLimits?: Pick<RateLimiterOptions, 'perTenant' | 'perClient'> | null;
  /** Batched HTTP requests. @default GATEWAY_BATCHING (false) */
  batching?: boolean;
  /** "Did you mean ...?" in validation errors. @default GATEWAY_FIELD_SUGGESTIONS, else true unless NODE_ENV=production */
  fieldSuggestions?: boolean;
  /** Where mutations are audited; false = no audit log. @default createAuditLog() (AUDIT_LOG_PATH, else var/audit.log) */
  audit?: AuditLog | false;
  /** In-flight requests get this long on close/SIGTERM. @default GATEWAY_SHUTDOWN_GRACE_MS, else 10_000 */
  shutdownGraceMs?: number;
  /** Wraps the response cache (fast executor), e.g. `relayInvalidations` to share invalidations between cluster workers. @default none */
  wrapResponseCache?: (cache: ResponseCache) => ResponseCache;
  /** Environment the defaults above are read from. @default process.env */
  env?: NodeJS.ProcessEnv;
}

export interface Gateway {
  /** The GraphQL endpoint, e.g. `http://127.0.0.1:4000/graphql`. */
  url: string;
  port: number;
  /** The HTTP server (WebSocket servers attach to its `upgrade` event). */
  server: http.Server;
  supergraph: {
    /** sha256 of the served supergraph SDL, or '' before the first load. */
    hash(): string;
    loadedAt(): Date | null;
    /** Re-reads the supergraph file now instead of waiting for the watcher. */
    reload(): Promise<void>;
  };
  /** Which executor serves `/graphql`. */
  executor: 'fast' | 'stock';
  /** Evicts response-cache entries holding these entity tags, here and in every subgraph (fast only). */
  invalidate(request: { tags: readonly string[]; tenant?: string }): Promise<{ evicted: number; subgraphs: Record<string, number | 'failed'> }>;
  /** Counters of the fast executor, persisted documents and response cache (zeros on stock). */
  stats(): GatewayStats;
  close(): Promise<void>;
}

export interface GatewayStats {
  executor: ReturnType<FederatedExecutor['stats']> | null;
  persisted: PersistedDocumentsStats | null;
  responseCache: ResponseCacheStats | null;
}

/** Apollo's logger: lines logged while a request is handled carry its request id. */
function apolloLogger(log: Logger) {
  const current = (): Logger => currentRequest()?.log ?? log;
  return { debug: (m: string) => current().debug(m), info: (m: string) => current().info(m), warn: (m: string) => current().warn(m), error: (m: string) => current().error(m) };
}

interface Routes {
  handle?: GraphQLHttpHandler;
  invalidation?: Invalidation;
  ready?: () => Promise<{ ready: boolean; body: Record<string, unknown> }>;
  metrics?: GatewayMetrics;
  /** What the metrics read at each scrape (set once the fast executor is up). */
  collect?: () => GatewayStatsLike;
  /** GraphiQL (`/ide`) and the operations page (`/admin`), fast executor only. */
  ide?: IdeRoute;
  admin?: AdminRoute;
  stopping: boolean;
}

function route(file: SupergraphFile, routes: Routes, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://gateway');
  const read = req.method === 'GET' || req.method === 'HEAD';
  if (url.pathname === '/graphql') {
    if (routes.handle) return routes.handle(req, res, url);
    sendJson(res, 503, { errors: [{ message: 'The gateway is starting', extensions: { code: 'UNAVAILABLE', retryable: true } }] });
    return Promise.resolve();
  }
  if (url.pathname === INVALIDATE_PATH && routes.invalidation) return routes.invalidation.handle(req, res);
  if (url.pathname === '/health' && read) {
    const state = file.current();
    sendJson(res, 200, { status: routes.stopping ? 'stopping' : 'ok', supergraph: state ? { hash: state.hash, loadedAt: state.loadedAt.toISOString() } : null });
    return Promise.resolve();
  }
  if (url.pathname === '/ready' && read) return ready(file, routes, res);
  if (url.pathname === '/metrics' && read && routes.metrics) return routes.metrics.handler(req, res);
  const page = url.pathname === '/ide' || url.pathname.startsWith('/ide/') ? routes.ide : url.pathname === '/admin' || url.pathname.startsWith('/admin/') ? routes.admin : undefined;
  if (page) return page.handle(req, res, url).then((done) => { if (!done) sendJson(res, 404, { error: 'not found' }); });
  sendJson(res, 404, { error: 'not found: use /graphql, /ide, /admin, /health, /ready or /metrics' });
  return Promise.resolve();
}

async function ready(file: SupergraphFile, routes: Routes, res: http.ServerResponse): Promise<void> {
  if (routes.stopping) {
    sendJson(res, 503, { status: 'stopping' });
    return;
  }
  if (!routes.ready) {
    const loaded = file.current() !== null;
    sendJson(res, loaded ? 200 : 503, { status: loaded ? 'ready' : 'starting', supergraph: loaded });
    return;
  }
  const r = await routes.ready();
  sendJson(res, r.ready ? 200 : 503, { status: r.ready ? 'ready' : 'not ready', ...r.body });
}

interface Parts {
  log: Logger;
  env: GatewayConfig;
  file: SupergraphFile;
  fetcher: UndiciFetcher;
  server: http.Server;
  routes: Routes;
  contextSecrets: string[];
  metrics: GatewayMetrics;
  audit?: AuditLog;
}

function contextSecretsOf(opts: GatewayOptions, env: GatewayConfig): string[] {
  const secrets = opts.contextSecrets ?? env.contextSecrets;
  if (secrets.length === 0) throw new Error(`${INTERNAL_CONTEXT_SECRET_KEY} is required: the secret (>= 32 characters) the gateway signs the internal context with and the subgraphs verify it with`);
  return secrets;
}

function createParts(opts: GatewayOptions, env: GatewayConfig): Parts {
  const log = opts.logger ?? createLogger('gateway');
  const contextSecrets = contextSecretsOf(opts, env);
  const audit = opts.audit === false ? undefined : opts.audit ?? createAuditLog({ env: opts.env ?? process.env });
  const file = createSupergraphFile({
    path: opts.supergraphPath ?? env.supergraphPath, logger: log, pollIntervalMs: opts.supergraphPollMs ?? env.supergraphPollMs,
    onChange: (c) => audit?.record({ actor: null, tenant: null, action: 'config.supergraph', operation: 'reload', target: { type: 'supergraph', id: c.to }, outcome: c.outcome, ...(c.reason ? { errorCodes: ['INVALID_SUPERGRAPH'] } : {}) }),
  });
  const fetcher = createUndiciFetcher({ timeoutMs: opts.subgraphTimeoutMs ?? env.subgraphTimeoutMs });
  const routes: Routes = { stopping: false };
  const metrics = createGatewayMetrics({ collect: () => routes.collect?.() ?? {} });
  routes.metrics = metrics;
  // Node checks the headers and request timeouts every `connectionsCheckingInterval` (30 s by default).
  const server = http.createServer({ connectionsCheckingInterval: Math.min(1_000, env.headersTimeoutMs) }, (req, res) => {
    const started = performance.now();
    route(file, routes, req, res).catch((err: unknown) => {
      log.error({ err }, 'gateway request failed');
      if (!res.headersSent) sendJson(res, 500, { errors: [{ message: 'Unexpected error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
      else res.destroy();
    }).finally(() => {
      const path = (req.url ?? '/').split('?')[0];
      if (path !== '/graphql') metrics.request({ route: ['/health', '/ready', '/metrics', '/ide', '/admin', INVALIDATE_PATH].includes(path ?? '') ? path! : 'other', method: req.method ?? 'GET', status: res.statusCode, durationMs: performance.now() - started });
    });
  });
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = env.headersTimeoutMs;
  server.requestTimeout = env.requestTimeoutMs;
  return { log, env, file, fetcher, server, routes, contextSecrets, metrics, audit };
}

function createApollo(p: Parts, introspection: boolean): ApolloServer<GatewayContext> {
  const gateway = new ApolloGateway({
    // The stock gateway refuses supergraphs linking the security specs; it does not enforce them either.
    supergraphSdl: stockSupergraphHook(p.file.hook),
    buildService: ({ name, url }) => new SubgraphDataSource({ name, url: url ?? '', fetcher: p.fetcher.fetch, contextSecrets: p.contextSecrets }),
    logger: apolloLogger(p.log),
  });
  return new ApolloServer<GatewayContext>({
    gateway,
    introspection,
    csrfPrevention: true,
    includeStacktraceInErrorResponses: false,
    formatError: (formatted, error) => formatGatewayError(formatted, error, p.log),
    logger: apolloLogger(p.log),
    plugins: [ApolloServerPluginDrainHttpServer({ httpServer: p.server })],
  });
}

function listen(server: http.Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

async function startStock(p: Parts, opts: GatewayOptions, env: GatewayConfig): Promise<Served> {
  const apollo = createApollo(p, opts.introspection ?? env.introspection);
  await apollo.start();
  p.routes.handle = createGraphQLHttpHandler({ apollo, logger: p.log, maxBodyBytes: opts.maxBodyBytes ?? env.maxBodyBytes });
  return {
    invalidate: () => Promise.resolve({ evicted: 0, subgraphs: {} }),
    stats: () => ({ executor: null, persisted: null, responseCache: null }),
    async close() {
      await apollo.stop();
      await p.audit?.close();
    },
  };
}

interface Guards {
  rateLimiter?: RateLimiter;
  audit?: AuditLog;
  tracing: Tracing;
}

function createGuards(opts: GatewayOptions, p: Parts, redisUrl: string | undefined): Guards & { admission: ReturnType<typeof createCallerAdmission>; auth: ReturnType<typeof createJwtAuth> | null } {
  const rawEnv = opts.env ?? process.env;
  const authOptions = opts.auth !== undefined ? opts.auth : loadJwtAuthConfig(rawEnv);
  const tenants = loadTenantRegistry(rawEnv);
  const auth = authOptions ? createJwtAuth({ knownTenant: (t) => tenants.has(t), ...authOptions }) : null;
  const limits = opts.rateLimits !== undefined ? opts.rateLimits : loadRateLimits(rawEnv);
  // With REDIS_URL the buckets are shared by every gateway (and cluster worker); fail open when Redis is down.
  const rateLimiter = limits && (limits.perTenant || limits.perClient)
    ? createRateLimiter({ ...limits, ...(redisUrl ? { store: createRedisRateLimitStore({ url: redisUrl, logger: p.log }) } : {}) })
    : undefined;
  const tracing = createTracing({ serviceName: 'lumina-gateway', env: rawEnv });
  return { admission: createCallerAdmission({ auth, rateLimiter }), auth, rateLimiter, audit: p.audit, tracing };
}

async function startFast(p: Parts, opts: GatewayOptions, env: GatewayConfig): Promise<Served> {
  const redisUrl = opts.redisUrl ?? env.redisUrl;
  const guards = createGuards(opts, p, redisUrl);
  const apq = createApqStore({ redisUrl, logger: p.log });
  const persisted = createPersistedDocuments({
    mode: opts.persistedMode ?? env.persistedMode, manifestPaths: opts.manifests ?? env.manifests, apq, logger: p.log,
  });
  const cacheOn = opts.responseCache ?? env.responseCache;
  const created = cacheOn ? createResponseCache({ maxBytes: env.responseCacheMaxBytes, redisUrl, logger: p.log }) : undefined;
  const responseCache = created && opts.wrapResponseCache ? opts.wrapResponseCache(created) : created;
  const closeGuards = async () => {
    await Promise.all([guards.rateLimiter?.close(), guards.audit?.close(), guards.tracing.close()]);
  };
  let fast: FastGraph | undefined;
  try {
    fast = await startFastGraph({
      file: p.file, logger: p.log, dedupe: opts.dedupe ?? env.dedupe, timeoutMs: opts.subgraphTimeoutMs ?? env.subgraphTimeoutMs,
      introspection: opts.introspection ?? env.introspection, documents: () => persisted.documents(),
      limits: { ...loadOperationLimits(opts.env ?? process.env), ...opts.limits },
      onFetch: (e) => p.metrics.subgraphFetch(e), tracing: guards.tracing,
    });
  } catch (err) {
    await Promise.all([persisted.close(), apq.close(), responseCache?.close(), closeGuards()]);
    throw err;
  }
  const graph = fast;
  const stopWarming = persisted.onChange((docs) => graph.warm(docs));
  const invalidation = createInvalidation({
    responseCache: responseCache ?? { invalidate: () => Promise.resolve(0) },
    subgraphUrls: () => graph.current()?.subgraphUrls ?? {},
    token: opts.internalToken ?? env.internalToken,
    logger: p.log,
  });
  p.routes.invalidation = invalidation;
  const readiness = createReadiness({ loaded: () => graph.current() !== undefined, subgraphUrls: () => graph.current()?.subgraphUrls ?? {} });
  p.routes.ready = async () => {
    const r = await readiness.check();
    return { ready: r.ready, body: { supergraph: r.supergraph, subgraphs: r.subgraphs } };
  };
  const formatErrors = (errors: ExecutionErrorOut[]) => {
    const ctx = createRequestContext({}, p.log);
    return formatExecutionErrors(errors, ctx, ctx.log);
  };
  const hub = createSubscriptionHub({ executor: () => graph.current(), logger: p.log, formatErrors, contextSecrets: p.contextSecrets });
  const subscriptions = attachSubscriptionServer({
    server: p.server, executor: () => graph.current(), hub, logger: p.log, formatErrors, admission: guards.admission, persisted,
    contextSecrets: p.contextSecrets, initTimeoutMs: env.wsInitTimeoutMs, maxBufferedBytes: env.wsMaxBufferedBytes,
  });
  p.routes.handle = createOperationHandler({
    executor: () => graph.current(), logger: p.log, maxBodyBytes: opts.maxBodyBytes ?? env.maxBodyBytes, persisted, responseCache,
    admission: guards.admission, contextSecrets: p.contextSecrets, batching: { enabled: opts.batching ?? env.batching, max: env.maxBatch },
    hideSuggestions: !(opts.fieldSuggestions ?? env.fieldSuggestions), metrics: p.metrics, audit: guards.audit, tracing: guards.tracing,
  });
  const stats = (): GatewayStats => ({ executor: graph.current()?.stats() ?? null, persisted: persisted.stats(), responseCache: responseCache?.stats() ?? null });
  p.routes.collect = () => ({ ...stats(), subscriptions: hub.stats(), websocketConnections: subscriptions.clients() });
  p.routes.ide = createIdeRoute({ logger: p.log, env: opts.env ?? process.env });
  p.routes.admin = createAdminRoute({ auth: guards.auth, readiness, stats, subgraphUrls: () => graph.current()?.subgraphUrls ?? {}, metricsRegistry: p.metrics.registry, internalToken: opts.internalToken ?? env.internalToken });
  return {
    invalidate: (request) => invalidation.invalidate(request),
    stats,
    async close() {
      stopWarming();
      await subscriptions.close();
      await hub.close();
      await drain(p.server, opts.shutdownGraceMs ?? env.shutdownGraceMs);
      await Promise.all([graph.close(), persisted.close(), invalidation.close(), readiness.close(), p.routes.admin?.close()]);
      await Promise.all([apq.close(), responseCache?.close(), closeGuards()]);
    },
  };
}

/** Stops accepting, lets requests under way finish (up to `graceMs`), then closes every connection. */
function drain(server: http.Server, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) {
      resolve();
      return;
    }
    const force = setTimeout(() => server.closeAllConnections(), graceMs);
    force.unref();
    server.close(() => {
      clearTimeout(force);
      resolve();
    });
    server.closeIdleConnections();
  });
}

interface Served {
  invalidate: Gateway['invalidate'];
  stats: Gateway['stats'];
  close(): Promise<void>;
}

export async function startGateway(opts: GatewayOptions = {}): Promise<Gateway> {
  const env = gatewayConfigFromEnv(opts.env ?? process.env);
  const p = createParts(opts, env);
  const executor = opts.executor ?? env.executor;
  const host = opts.host ?? env.host;
  const served = executor === 'fast' ? await startFast(p, opts, env) : await startStock(p, opts, env);
  let port: number;
  try {
    port = await listen(p.server, opts.port ?? env.port, host);
  } catch (err) {
    await served.close().catch(() => undefined);
    await p.fetcher.close();
    throw err;
  }
  const url = `http://${host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host}:${port}/graphql`;
  p.log.info({ url, executor }, 'gateway listening');
  return {
    url,
    port,
    server: p.server,
    executor,
    supergraph: {
      hash: () => p.file.current()?.hash ?? '',
      loadedAt: () => p.file.current()?.loadedAt ?? null,
      reload: () => p.file.reload(),
    },
    invalidate: served.invalidate,
    stats: served.stats,
    async close() {
      p.routes.stopping = true;
      await served.close();
      await p.fetcher.close();
    },
  };
}

if (require.main === module) {
  const log = createLogger('gateway');
  let workers = 1;
  try {
    workers = loadGatewayWorkers(process.env);
  } catch (err) {
    log.fatal({ err }, 'gateway failed to start');
    process.exit(1);
  }
  if (workers > 1) {
    runGatewayCluster({ workers, logger: log, start: () => startGateway({ logger: log, wrapResponseCache: (cache) => relayInvalidations(cache, log) }) });
  } else {
    runUntilStopped({
      name: 'gateway', log,
      start: () => startGateway({ logger: log }),
      readyText: (started) => `gateway ready at ${started.url}\n`,
    });
  }
}
