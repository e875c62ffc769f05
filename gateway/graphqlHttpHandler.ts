/**
 * `/graphql` over a plain Node HTTP server, in front of Apollo Server's
 * `executeHTTPGraphQLRequest`:
 * - every request gets a `GatewayContext` (request id + child logger), echoed as `x-request-id`
 *   and active for the whole request (`runInRequest`), so the error mask can name it;
 * - bodies over `maxBodyBytes` answer 413, bodies that are not JSON answer 400, both with a GraphQL
 *   error body; Apollo Server does the rest (CSRF prevention, GET/POST rules, 405, 415 ...).
 */
import type http from 'node:http';
import type { ApolloServer } from '@apollo/server';
import { headerMap, parseBody, readBody, sendGraphQLError, writeGraphQLResponse } from '../subgraphs/kit/graphqlHttp';
import type { Logger } from 'pino';
import { createRequestContext, runInRequest, type GatewayContext } from './requestContext';
import { REQUEST_ID_HEADER } from '../subgraphs/kit/requestId';

export interface GraphQLHttpHandlerOptions {
  apollo: ApolloServer<GatewayContext>;
  logger: Logger;
  /** Largest request body accepted. @default 1_048_576 (1 MiB) */
  maxBodyBytes?: number;
}

export type GraphQLHttpHandler = (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => Promise<void>;

export function createGraphQLHttpHandler(opts: GraphQLHttpHandlerOptions): GraphQLHttpHandler {
  const maxBody = opts.maxBodyBytes ?? 1_048_576;
  return (req, res, url) => {
    const ctx = createRequestContext(req.headers, opts.logger);
    return runInRequest(ctx, async () => {
      const raw = await readBody(req, maxBody);
      if (raw === null) {
        ctx.log.info({ maxBody }, 'request body too large');
        sendGraphQLError(res, 413, `request body over ${maxBody} bytes`, { [REQUEST_ID_HEADER]: ctx.requestId });
        return;
      }
      const parsed = parseBody(req, raw);
      if (!parsed.ok) {
        sendGraphQLError(res, 400, 'request body is not valid JSON', { [REQUEST_ID_HEADER]: ctx.requestId });
        return;
      }
      const result = await opts.apollo.executeHTTPGraphQLRequest({
        httpGraphQLRequest: { method: req.method ?? 'GET', headers: headerMap(req.headers), search: url.search, body: parsed.body },
        context: () => Promise.resolve(ctx),
      });
      await writeGraphQLResponse(res, result, { [REQUEST_ID_HEADER]: ctx.requestId });
      ctx.log.debug({ method: req.method, status: result.status ?? 200 }, 'graphql request done');
    });
  };
}
