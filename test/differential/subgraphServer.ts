/**
 * A scenario subgraph as a real HTTP server on 127.0.0.1 (ephemeral port): `node:http` +
 * `buildSubgraphSchema` + graphql-js `validate`/`execute`, nothing else, so the differential suite
 * boots dozens of them quickly. Every POST is counted (`requests`), so the harness can compare how
 * many subgraph calls each executor made. A scenario can script a raw reply (`rawReply`) to
 * simulate a broken subgraph: HTTP 500, invalid JSON, ...
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap';
import { execute, parse, validate, type DocumentNode, type ExecutionResult, type GraphQLSchema } from 'graphql';

/** The GraphQL request a subgraph received. */
export interface SubgraphRequest {
  query: string;
  variables?: Record<string, unknown>;
  operationName?: string;
}

/** A scripted HTTP reply that bypasses GraphQL execution. */
export interface RawReply {
  status: number;
  /** @default 'application/json' */
  contentType?: string;
  body: string;
}

export interface ScenarioSubgraphOptions {
  name: string;
  /** Federation 2 SDL (with `@link`). */
  typeDefs: string;
  resolvers: GraphQLResolverMap<unknown>;
  /** Returns a raw reply for requests the scenario wants to break; `undefined` executes normally. */
  rawReply?: (request: SubgraphRequest) => RawReply | undefined;
}

export interface ScenarioSubgraph {
  name: string;
  url: string;
  /** GraphQL POSTs received since start. */
  readonly requests: number;
  close(): Promise<void>;
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function reply(res: http.ServerResponse, status: number, body: string, contentType = 'application/json'): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** Parses and validates once per distinct query string (the gateway sends few distinct ones). */
function documentCache(schema: GraphQLSchema): (query: string) => DocumentNode | ExecutionResult {
  const cache = new Map<string, DocumentNode | ExecutionResult>();
  return (query) => {
    let hit = cache.get(query);
    if (!hit) {
      try {
        const doc = parse(query);
        const errors = validate(schema, doc);
        hit = errors.length ? { errors } : doc;
      } catch (err) {
        hit = { errors: [err as never] };
      }
      cache.set(query, hit);
    }
    return hit;
  };
}

async function handle(opts: ScenarioSubgraphOptions, schema: GraphQLSchema, documentFor: ReturnType<typeof documentCache>, raw: string): Promise<{ status: number; body: string; contentType?: string }> {
  const request = JSON.parse(raw) as SubgraphRequest;
  const scripted = opts.rawReply?.(request);
  if (scripted) return scripted;
  const doc = documentFor(request.query);
  if (!('kind' in doc)) return { status: 400, body: JSON.stringify(doc) };
  const result = await execute({ schema, document: doc, variableValues: request.variables ?? {}, operationName: request.operationName, contextValue: {} });
  return { status: 200, body: JSON.stringify(result) };
}

/** Starts the subgraph; `close()` stops it (call it in `finally`/`afterAll`). */
export async function startScenarioSubgraph(opts: ScenarioSubgraphOptions): Promise<ScenarioSubgraph> {
  const schema = buildSubgraphSchema({ typeDefs: parse(opts.typeDefs), resolvers: opts.resolvers });
  const documentFor = documentCache(schema);
  let requests = 0;
  const server = http.createServer((req, res) => {
    requests += 1;
    readBody(req)
      .then((raw) => handle(opts, schema, documentFor, raw))
      .then((out) => reply(res, out.status, out.body, out.contentType))
      .catch((err: unknown) => reply(res, 500, JSON.stringify({ errors: [{ message: `subgraph ${opts.name} crashed: ${String(err)}` }] })));
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    name: opts.name,
    url: `http://127.0.0.1:${port}/graphql`,
    get requests() {
      return requests;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
