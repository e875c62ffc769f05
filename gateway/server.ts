/**
 * The federated gateway, served by a plain Node HTTP server that WebSockets can share later. Two
 * executors over the same hot-reloaded supergraph file (`supergraphFile.ts`):
 * - `fast` (default): our own plan executor (`fastGraph.ts`, `operationHandler.ts`) with persisted
 *   documents (APQ + trusted-document manifests), the response cache and `POST /internal/invalidate`;
 * - `stock`: `@apollo/gateway` inside `@apollo/server` (`graphqlHttpHandler.ts`), kept for comparison.
 * Routes: `POST`/`GET /graphql`; `GET /health` (200 `{ status: 'ok', supergraph: { hash, loadedAt } }`,
 * 503 before a graph is loaded); `POST /internal/invalidate` (fast only, token-protected); else 404.
 * Errors go through `formatGatewayError` on both paths.
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
import { createResponseCache, type ResponseCacheStats } from './responseCache';

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

function route(file: SupergraphFile, graphql: Parts['graphql'], req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://gateway');
  if (url.pathname === INVALIDATE_PATH && graphql.invalidation) return graphql.invalidation.handle(req, res);
  if (url.pathname === '/graphql') {
    if (graphql.handle) return graphql.handle(req, res, url);
    sendJson(res, 503, { errors: [{ message: 'The gateway is starting', extensions: { code: 'UNAVAILABLE', retryable: true } }] });
    return Promise.resolve();
  }
  if (url.pathname === '/health' && (req.method === 'GET' || req.method === 'HEAD')) {
    const state = file.current();
    if (!state) sendJson(res, 503, { status: 'starting', supergraph: null });
    else sendJson(res, 200, { status: 'ok', supergraph: { hash: state.hash, loadedAt: state.loadedAt.toISOString() } });
    return Promise.resolve();
  }
  sendJson(res, 404, { error: 'not found: use /graphql or /health' });
  return Promise.resolve();
}

interface Parts {
  log: Logger;
  file: SupergraphFile;
  fetcher: UndiciFetcher;
  server: http.Server;
  graphql: { handle?: GraphQLHttpHandler; invalidation?: Invalidation };
}

function createParts(opts: GatewayOptions, env: GatewayConfig): Parts {
  const log = opts.logger ?? createLogger('gateway');
  const file = createSupergraphFile({ path: opts.supergraphPath ?? env.supergraphPath, logger: log, pollIntervalMs: opts.supergraphPollMs ?? env.supergraphPollMs });
  const fetcher = createUndiciFetcher({ timeoutMs: opts.subgraphTimeoutMs ?? env.subgraphTimeoutMs });
  const graphql: Parts['graphql'] = {};
  const server = http.createServer((req, res) => {
    route(file, graphql, req, res).catch((err: unknown) => {
      log.error({ err }, 'gateway request failed');
      if (!res.headersSent) sendJson(res, 500, { errors: [{ message: 'Unexpected error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 65_000;
  return { log, file, fetcher, server, graphql };
}

function createApollo(p: Parts, introspection: boolean): ApolloServer<GatewayContext> {
  const gateway = new ApolloGateway({
    supergraphSdl: p.file.hook,
    buildService: ({ name, url }) => new SubgraphDataSource({ name, url: url ?? '', fetcher: p.fetcher.fetch }),
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
  p.graphql.handle = createGraphQLHttpHandler({ apollo, logger: p.log, maxBodyBytes: opts.maxBodyBytes ?? env.maxBodyBytes });
  return {
    invalidate: () => Promise.resolve({ evicted: 0, subgraphs: {} }),
    stats: () => ({ executor: null, persisted: null, responseCache: null }),
    close: () => apollo.stop(),
  };
}

async function startFast(p: Parts, opts: GatewayOptions, env: GatewayConfig): Promise<Served> {
  const redisUrl = opts.redisUrl ?? env.redisUrl;
  const apq = createApqStore({ redisUrl, logger: p.log });
  const persisted = createPersistedDocuments({
    mode: opts.persistedMode ?? env.persistedMode, manifestPaths: opts.manifests ?? env.manifests, apq, logger: p.log,
  });
  const cacheOn = opts.responseCache ?? env.responseCache;
  const responseCache = cacheOn ? createResponseCache({ maxBytes: env.responseCacheMaxBytes, redisUrl, logger: p.log }) : undefined;
  let fast: FastGraph | undefined;
  try {
    fast = await startFastGraph({
      file: p.file, logger: p.log, dedupe: opts.dedupe ?? env.dedupe, timeoutMs: opts.subgraphTimeoutMs ?? env.subgraphTimeoutMs,
      introspection: opts.introspection ?? env.introspection, documents: () => persisted.documents(),
    });
  } catch (err) {
    await Promise.all([persisted.close(), apq.close(), responseCache?.close()]);
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
  p.graphql.invalidation = invalidation;
  const formatErrors = (errors: ExecutionErrorOut[]) => {
    const ctx = createRequestContext({}, p.log);
    return formatExecutionErrors(errors, ctx, ctx.log);
  };
  const hub = createSubscriptionHub({ executor: () => graph.current(), logger: p.log, formatErrors });
  const subscriptions = attachSubscriptionServer({ server: p.server, executor: () => graph.current(), hub, logger: p.log, formatErrors });
  p.graphql.handle = createOperationHandler({ executor: () => graph.current(), logger: p.log, maxBodyBytes: opts.maxBodyBytes ?? env.maxBodyBytes, persisted, responseCache });
  return {
    invalidate: (request) => invalidation.invalidate(request),
    stats: () => ({ executor: graph.current()?.stats() ?? null, persisted: persisted.stats(), responseCache: responseCache?.stats() ?? null }),
    async close() {
      stopWarming();
      await subscriptions.close();
      await hub.close();
      await drain(p.server);
      await Promise.all([graph.close(), persisted.close(), invalidation.close()]);
      await Promise.all([apq.close(), responseCache?.close()]);
    },
  };
}

/** Stops accepting, lets requests under way finish (up to 10 s), then closes every connection. */
function drain(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) {
      resolve();
      return;
    }
    const force = setTimeout(() => server.closeAllConnections(), 10_000);
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
  const env = gatewayConfigFromEnv();
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
      await served.close();
      await p.fetcher.close();
    },
  };
}

if (require.main === module) {
  const log = createLogger('gateway');
  runUntilStopped({
    name: 'gateway', log,
    start: () => startGateway({ logger: log }),
    readyText: (started) => `gateway ready at ${started.url}\n`,
  });
}
