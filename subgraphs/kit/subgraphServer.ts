/**
 * Server bootstrap shared by the three subgraphs: an `@apollo/subgraph` schema served by
 * `@apollo/server` on a plain Node HTTP server.
 * - `POST /graphql` (and GET for queries): each request gets a request id (the caller's
 *   `x-request-id` when it is sane, else a new UUID), echoed in the response header, bound into a
 *   child logger and handed to `createContext`, which builds the per-request loaders.
 * - `GET /health`: 200 `{"status":"ok"}` once listening.
 * - Errors go through `maskSubgraphError`; bodies over `maxBodyBytes` get 413.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer, type BaseContext } from '@apollo/server';
import { requestIdFrom } from './requestId';
import { headerMap, parseBody, readBody, sendGraphQLError, sendJson, writeGraphQLResponse } from './graphqlHttp';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap';
import { parse } from 'graphql';
import type { Logger } from 'pino';
import { maskSubgraphError, type SystemName } from './subgraphErrors';

export interface SubgraphRequestInfo {
  requestId: string;
  log: Logger;
  headers: http.IncomingHttpHeaders;
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
  port?: number;
  /** @default '127.0.0.1' */
  host?: string;
  /** @default true */
  introspection?: boolean;
  /** @default 1_048_576 */
  maxBodyBytes?: number;
}

export interface SubgraphServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startSubgraphServer<TContext extends BaseContext>(opts: SubgraphServerOptions<TContext>): Promise<SubgraphServer> {
  const log = opts.logger;
  const schema = buildSubgraphSchema({ typeDefs: parse(opts.sdl), resolvers: opts.resolvers as GraphQLResolverMap<unknown> });
  const apollo = new ApolloServer<TContext>({
    schema,
    introspection: opts.introspection ?? true,
    csrfPrevention: true,
    includeStacktraceInErrorResponses: false,
    formatError: (formatted, error) => maskSubgraphError(formatted, error, log, opts.system),
    logger: { debug: (m) => log.debug(m), info: (m) => log.info(m), warn: (m) => log.warn(m), error: (m) => log.error(m) },
  });
  await apollo.start();
  const maxBody = opts.maxBodyBytes ?? 1_048_576;

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://subgraph');
    if (url.pathname === '/health' && (req.method === 'GET' || req.method === 'HEAD')) {
      sendJson(res, 200, { status: 'ok', system: opts.system });
      return;
    }
    if (url.pathname !== '/graphql' && url.pathname !== '/') {
      sendJson(res, 404, { error: 'not found: use /graphql or /health' });
      return;
    }
    const requestId = requestIdFrom(req.headers);
    const reqLog = log.child({ requestId });
    const raw = await readBody(req, maxBody);
    if (raw === null) {
      sendGraphQLError(res, 413, `request body over ${maxBody} bytes`, { 'x-request-id': requestId });
      return;
    }
    const parsed = parseBody(req, raw);
    if (!parsed.ok) {
      sendGraphQLError(res, 400, 'request body is not valid JSON', { 'x-request-id': requestId });
      return;
    }
    const result = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: req.method ?? 'GET', headers: headerMap(req.headers), search: url.search, body: parsed.body },
      context: () => Promise.resolve(opts.createContext({ requestId, log: reqLog, headers: req.headers })),
    });
    await writeGraphQLResponse(res, result, { 'x-request-id': requestId });
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      log.error({ err }, 'subgraph request failed');
      if (!res.headersSent) sendJson(res, 500, { errors: [{ message: 'Unexpected error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${opts.host && opts.host !== '0.0.0.0' ? opts.host : '127.0.0.1'}:${port}/graphql`;
  log.info({ url }, 'subgraph listening');
  return {
    url,
    port,
    async close() {
      server.closeIdleConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await apollo.stop();
    },
  };
}
