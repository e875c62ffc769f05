/**
 * Server bootstrap shared by the three subgraphs: an `@apollo/subgraph` schema served by
 * `@apollo/server` on a plain Node HTTP server.
 * - `POST /graphql` (and GET for queries) must carry the gateway's signed internal context
 *   (`x-lumina-context`, `internalContext.ts`): missing, malformed, forged, stale or future = 401
 *   `UNAUTHENTICATED` with `extensions.reason`; a tenant not in the tenant registry = 403
 *   `UNKNOWN_TENANT`, one without this system's section = 403 `SYSTEM_NOT_CONFIGURED`; nothing is
 *   executed then. The verified context gives the tenant, scopes, subject and request id (the
 *   signed one; else a sane `x-request-id`, else a new UUID), echoed in `x-request-id`, bound into a
 *   child logger and handed to `createContext` with the entity cache, the request's cache-tag
 *   collector and a child `traceparent` of the incoming one.
 * - Responses carry `extensions.cacheTags` / `extensions.invalidatedTags` (`cacheTagsPlugin.ts`)
 *   and the `Cache-Control` header Apollo's cache-control plugin computes from the SDL's
 *   `@cacheControl` hints (`max-age=N, public`, or `no-store`).
 * - `POST /internal/invalidate`: evicts entity-cache entries by tag (`invalidationEndpoint.ts`);
 *   enabled by `INTERNAL_API_TOKEN`. The same is `invalidate()` on the returned server.
 * - `GET /internal/events/recent?limit=N`: the event log's last N envelopes, newest first, for the
 *   gateway's operations page (`recentEventsEndpoint.ts`); same token, and needs the `eventLog` option.
 * - `GET /health`: 200 `{"status":"ok"}` once listening.
 * - `routes`: the subgraph's own endpoints (webhooks), matched by method and exact path before
 *   `/graphql` (a known path with another method is a 405).
 * - GraphQL over WebSocket (`graphql-transport-ws`) on `/graphql` with the same schema, for
 *   `Subscription` fields (`subgraphWebSocket.ts`); `connectionParams.context` carries the same
 *   signed context, checked at `connection_init`.
 * - Errors go through `maskSubgraphError`; bodies over `maxBodyBytes` get 413.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer, type BaseContext } from '@apollo/server';
import { ApolloServerPluginCacheControl } from '@apollo/server/plugin/cacheControl';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap';
import { parse, type GraphQLSchema } from 'graphql';
import type { Logger } from 'pino';
import { createCacheTagCollector, type CacheTagCollector } from './cacheTags';
import { createCacheTagsPlugin, type EntityTaggers } from './cacheTagsPlugin';
import { createEntityCache, loadEntityCacheOptions, type EntityCache } from './entityCache';
import { envOptional, type Env } from './envConfig';
import { headerMap, parseBody, readBody, sendGraphQLError, sendJson, writeGraphQLResponse } from './graphqlHttp';
import { INTERNAL_CONTEXT_HEADER, INTERNAL_CONTEXT_SECRET_KEY, parseContextSecrets } from './internalContext';
import type { EventLog } from './eventLog';
import { handleInvalidation, INVALIDATE_PATH } from './invalidationEndpoint';
import { parseInvalidationRequest, type InvalidationRequest } from './invalidationRequest';
import { handleRecentEvents, RECENT_EVENTS_PATH } from './recentEventsEndpoint';
import { REQUEST_ID_HEADER, REQUEST_ID_PATTERN, requestIdFrom } from './requestId';
import { maskSubgraphError, type SystemName } from './subgraphErrors';
import type { SubgraphMetrics } from './subgraphMetrics';
import { serveGraphQLOverWebSocket, type WebSocketOperationInfo } from './subgraphWebSocket';
import { checkCaller, loadTenantRegistry, type CallerCheck, type TenantRegistry } from './tenantRegistry';
import { outgoingTraceparent, traceFrom } from './traceContext';

/** Who is calling (signed), the request id, the trace and a bound logger: see `WebSocketOperationInfo`. */
export interface SubgraphRequestInfo extends WebSocketOperationInfo {
  /** The process's entity cache (`cachedBatch` puts it in front of a loader). */
  entityCache: EntityCache;
  /** Tags of what the response contains; resolvers may add to it. */
  cacheTags: CacheTagCollector;
  /** Evicts `tags` from this tenant's entity cache and reports them in `extensions.invalidatedTags`; returns entries evicted. */
  invalidate(tags: Iterable<string>): number;
}

/** A plain HTTP endpoint of the subgraph (a webhook receiver). */
export interface SubgraphRoute {
  /** `GET`, `POST`, ... (exact, upper case). */
  method: string;
  /** The exact path, e.g. `/webhooks/sap/events` (no query string). */
  path: string;
  /** Answers the request; a rejection is logged and answered 500 (when nothing was sent yet). */
  handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void>;
}

export interface SubgraphServerOptions<TContext extends BaseContext> {
  system: SystemName;
  /** The subgraph's full SDL (see `schema/subgraphSchemas.ts`). */
  sdl: string;
  /** The subgraph's resolvers, typically typed with its generated `Resolvers<Context>`. */
  resolvers: object;
  createContext: (info: SubgraphRequestInfo) => TContext | Promise<TContext>;
  logger: Logger;
  /** @default 0 (a free port) */
  port?: number | undefined;
  /** @default '127.0.0.1' */
  host?: string | undefined;
  /** @default true */
  introspection?: boolean;
  /** @default 1_048_576 */
  maxBodyBytes?: number;
  /** Cache tags of each entity type's objects, by GraphQL type name (see `cacheTagsPlugin.ts`). @default {} */
  entityTags?: EntityTaggers;
  /** Where `ENTITY_CACHE_*` and `INTERNAL_API_TOKEN` are read. @default process.env */
  env?: Env;
  /** The entity cache. @default createEntityCache(loadEntityCacheOptions(env)) */
  entityCache?: EntityCache;
  /** Bearer token of `POST /internal/invalidate`; none disables the endpoint (404). @default env.INTERNAL_API_TOKEN */
  internalApiToken?: string;
  /** The subgraph's event log, served on `GET /internal/events/recent` (with the internal token). @default none (the endpoint is 404) */
  eventLog?: EventLog;
  /** Extra endpoints matched before `/graphql`. @default [] */
  routes?: readonly SubgraphRoute[];
  /** Prometheus metrics (`subgraphMetrics.ts`): served on `GET /metrics`, fed with every `/graphql` request and the entity cache. @default none */
  metrics?: SubgraphMetrics;
  /** Secrets verifying the signed internal context (first signs, all verify); none = the start fails. @default parseContextSecrets(env.INTERNAL_CONTEXT_SECRET) */
  contextSecrets?: readonly string[];
  /** The tenants served and their systems. @default loadTenantRegistry(env) */
  tenants?: TenantRegistry;
}

export interface SubgraphServer {
  url: string;
  port: number;
  /** The process's entity cache (for its stats). */
  entityCache: EntityCache;
  /** Evicts the entries carrying any of `tags` (in `tenant`, else every tenant); resolves to how many. For the event pipeline. */
  invalidate(req: { tags: readonly string[]; tenant?: string }): Promise<number>;
  close(): Promise<void>;
}

/**
 * The request's collector rides on its context under a symbol: Apollo Server hands plugins a
 * shallow clone of the context, which keeps own symbol properties (a WeakMap by context would miss).
 */
const COLLECTOR = Symbol('lumina.cacheTagCollector');
const collectorOf = (ctx: object): CacheTagCollector | undefined => (ctx as { [COLLECTOR]?: CacheTagCollector })[COLLECTOR];

function buildApollo<TContext extends BaseContext>(opts: SubgraphServerOptions<TContext>, schema: GraphQLSchema, log: Logger): ApolloServer<TContext> {
  return new ApolloServer<TContext>({
    schema,
    introspection: opts.introspection ?? true,
    csrfPrevention: true,
    includeStacktraceInErrorResponses: false,
    formatError: (formatted, error) => maskSubgraphError(formatted, error, log, opts.system),
    logger: { debug: (m) => log.debug(m), info: (m) => log.info(m), warn: (m) => log.warn(m), error: (m) => log.error(m) },
    plugins: [
      // Explicit so the policy is visible: no hint on a root or composite field = not cacheable.
      ApolloServerPluginCacheControl({ defaultMaxAge: 0, calculateHttpHeaders: true }),
      createCacheTagsPlugin<TContext>({ entityTags: opts.entityTags ?? {}, collectorOf }),
    ],
  });
}

export async function startSubgraphServer<TContext extends BaseContext>(opts: SubgraphServerOptions<TContext>): Promise<SubgraphServer> {
  const log = opts.logger;
  const env = opts.env ?? process.env;
  const entityCache = opts.entityCache ?? createEntityCache({ ...loadEntityCacheOptions(env), logger: log });
  const token = opts.internalApiToken ?? envOptional(env, 'INTERNAL_API_TOKEN');
  const schema = buildSubgraphSchema({ typeDefs: parse(opts.sdl), resolvers: opts.resolvers as GraphQLResolverMap<unknown> });
  const apollo = buildApollo(opts, schema, log);
  await apollo.start();
  const maxBody = opts.maxBodyBytes ?? 1_048_576;
  const secrets = opts.contextSecrets ?? parseContextSecrets(env[INTERNAL_CONTEXT_SECRET_KEY]);
  if (secrets.length === 0) throw new Error(`${INTERNAL_CONTEXT_SECRET_KEY} is not set: the ${opts.system} subgraph refuses every request without a signed internal context (comma-separated secrets of at least 32 characters)`);
  const registry = opts.tenants ?? loadTenantRegistry(env);
  const check = (value: unknown): CallerCheck => checkCaller(value, { secrets, registry, system: opts.system });
  const invalidate = (req: InvalidationRequest): number => entityCache.invalidate(req);

  const createContext = async (info: Omit<SubgraphRequestInfo, 'cacheTags' | 'invalidate'>): Promise<TContext> => {
    const cacheTags = createCacheTagCollector();
    const ctx = await opts.createContext({
      ...info,
      cacheTags,
      invalidate(tags) {
        const list = [...tags];
        cacheTags.addInvalidated(list);
        return entityCache.invalidate({ tags: list, tenant: info.tenant });
      },
    });
    (ctx as { [COLLECTOR]?: CacheTagCollector })[COLLECTOR] = cacheTags;
    return ctx;
  };

  const handleGraphQL = async (req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> => {
    const caller = check(req.headers[INTERNAL_CONTEXT_HEADER]);
    if (!caller.ok) {
      const requestId = requestIdFrom(req.headers);
      log.warn({ requestId, reason: caller.reason }, 'subgraph request refused');
      req.resume();
      sendJson(res, caller.status, { errors: [{ message: caller.message, extensions: { code: caller.code, reason: caller.reason } }] }, { [REQUEST_ID_HEADER]: requestId });
      return;
    }
    const { tenant, scopes, subject } = caller.context;
    const requestId = REQUEST_ID_PATTERN.test(caller.context.requestId) ? caller.context.requestId : requestIdFrom(req.headers);
    const traceparent = outgoingTraceparent(traceFrom(req.headers));
    const reqLog = log.child({ requestId, tenant });
    const raw = await readBody(req, maxBody);
    if (raw === null) {
      sendGraphQLError(res, 413, `request body over ${maxBody} bytes`, { [REQUEST_ID_HEADER]: requestId });
      return;
    }
    const parsed = parseBody(req, raw);
    if (!parsed.ok) {
      sendGraphQLError(res, 400, 'request body is not valid JSON', { [REQUEST_ID_HEADER]: requestId });
      return;
    }
    const started = performance.now();
    const result = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: req.method ?? 'GET', headers: headerMap(req.headers), search: url.search, body: parsed.body },
      context: () => createContext({ requestId, tenant, scopes, subject, traceparent, log: reqLog, headers: req.headers, entityCache }),
    });
    await writeGraphQLResponse(res, result, { [REQUEST_ID_HEADER]: requestId, vary: INTERNAL_CONTEXT_HEADER });
    const body = parsed.body as { operationName?: unknown } | undefined;
    opts.metrics?.request({ operation: typeof body?.operationName === 'string' ? body.operationName : null, status: result.status ?? 200, durationMs: performance.now() - started });
  };

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://subgraph');
    const routes = opts.routes?.filter((r) => r.path === url.pathname) ?? [];
    const route = routes.find((r) => r.method === req.method);
    if (route) {
      await route.handle(req, res);
    } else if (routes.length > 0) {
      sendJson(res, 405, { error: `method not allowed: use ${routes.map((r) => r.method).join(', ')}` }, { allow: routes.map((r) => r.method).join(', ') });
    } else if (url.pathname === '/metrics' && opts.metrics && (req.method === 'GET' || req.method === 'HEAD')) {
      await opts.metrics.route.handle(req, res);
    } else if (url.pathname === '/health' && (req.method === 'GET' || req.method === 'HEAD')) {
      sendJson(res, 200, { status: 'ok', system: opts.system });
    } else if (url.pathname === INVALIDATE_PATH) {
      await handleInvalidation(req, res, { token, invalidate, log });
    } else if (url.pathname === RECENT_EVENTS_PATH) {
      await handleRecentEvents(req, res, url, { token, eventLog: opts.eventLog, log });
    } else if (url.pathname === '/graphql' || url.pathname === '/') {
      await handleGraphQL(req, res, url);
    } else {
      sendJson(res, 404, { error: 'not found: use /graphql or /health' });
    }
  };

  opts.metrics?.observeEntityCache(() => entityCache.stats());
  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      log.error({ err }, 'subgraph request failed');
      if (!res.headersSent) sendJson(res, 500, { errors: [{ message: 'Unexpected error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 65_000;
  const ws = serveGraphQLOverWebSocket({
    server, schema, system: opts.system, logger: log, maxPayload: maxBody, checkCaller: check,
    contextFor: (info) => createContext({ ...info, entityCache }),
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${opts.host && opts.host !== '0.0.0.0' ? opts.host : '127.0.0.1'}:${port}/graphql`;
  log.info({ url, entityCache: entityCache.enabled, invalidationEndpoint: token !== undefined }, 'subgraph listening');
  return {
    url,
    port,
    entityCache,
    async invalidate(req) {
      const parsed = parseInvalidationRequest(req);
      if (!parsed.ok) throw new TypeError(`invalidate: ${parsed.reasons.join('; ')}`);
      return invalidate(parsed.request);
    },
    async close() {
      await ws.close();
      server.closeIdleConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await apollo.stop();
    },
  };
}
