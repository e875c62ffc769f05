/**
 * The federated gateway: `@apollo/gateway` (query planning and execution over the supergraph file)
 * inside `@apollo/server`, served by a plain Node HTTP server that WebSockets can share later.
 * - `POST`/`GET /graphql`: see `graphqlHttpHandler.ts` (request id, 413, 400, CSRF prevention);
 * - `GET /health`: 200 `{ status: 'ok', supergraph: { hash, loadedAt } }`, 503 before a graph is loaded;
 * - anything else: 404.
 * Subgraphs are called through `SubgraphDataSource` (undici keep-alive, timeout, `x-request-id`);
 * errors go through `formatGatewayError`. The supergraph file hot-reloads (`supergraphFile.ts`).
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
  close(): Promise<void>;
}

/** Apollo's logger: lines logged while a request is handled carry its request id. */
function apolloLogger(log: Logger) {
  const current = (): Logger => currentRequest()?.log ?? log;
  return { debug: (m: string) => current().debug(m), info: (m: string) => current().info(m), warn: (m: string) => current().warn(m), error: (m: string) => current().error(m) };
}

function route(file: SupergraphFile, graphql: { handle?: GraphQLHttpHandler }, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://gateway');
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
  graphql: { handle?: GraphQLHttpHandler };
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

export async function startGateway(opts: GatewayOptions = {}): Promise<Gateway> {
  const env = gatewayConfigFromEnv();
  const p = createParts(opts, env);
  const apollo = createApollo(p, opts.introspection ?? env.introspection);
  const host = opts.host ?? env.host;
  let port: number;
  try {
    await apollo.start();
    p.graphql.handle = createGraphQLHttpHandler({ apollo, logger: p.log, maxBodyBytes: opts.maxBodyBytes ?? env.maxBodyBytes });
    port = await listen(p.server, opts.port ?? env.port, host);
  } catch (err) {
    await apollo.stop().catch(() => undefined);
    await p.fetcher.close();
    throw err;
  }
  const url = `http://${host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host}:${port}/graphql`;
  p.log.info({ url }, 'gateway listening');
  return {
    url,
    port,
    server: p.server,
    supergraph: {
      hash: () => p.file.current()?.hash ?? '',
      loadedAt: () => p.file.current()?.loadedAt ?? null,
      reload: () => p.file.reload(),
    },
    async close() {
      await apollo.stop();
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
