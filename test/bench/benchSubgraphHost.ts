/**
 * Serves the four bench subgraphs (`benchSubgraphSchemas.ts`) as real Federation 2 subgraph HTTP
 * servers on loopback, cheap enough not to be the bottleneck of a gateway benchmark:
 * - `POST /graphql`: the first time a body is seen it is parsed, validated and executed for real;
 *   the response bytes are then kept in an LRU keyed by the exact body, so the repeated identical
 *   fetches of a load test are answered from memory;
 * - `GET /stats`: `{ requests }`, the number of `/graphql` requests served since start.
 *
 * Run directly (the bench does, pinned to a core): prints one line
 * `bench subgraphs ready {"accounts":"http://127.0.0.1:port/graphql",...}`.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parse, validate, execute, type GraphQLSchema, type ExecutionResult } from 'graphql';
import { LRUCache } from 'lru-cache';
import { readBody, sendJson } from '../../subgraphs/kit/graphqlHttp';
import { createLogger } from '../../subgraphs/kit/logger';
import { runUntilStopped } from '../../subgraphs/kit/runUntilStopped';
import { BENCH_SUBGRAPH_NAMES, buildBenchSubgraphSchema, type BenchSubgraphName } from './benchSubgraphSchemas';

export interface BenchSubgraphHostOptions {
  /** @default '127.0.0.1' */
  host?: string;
  /** Response byte budget of each subgraph's LRU. @default 64 MiB */
  cacheBytes?: number;
}

export interface BenchSubgraphHost {
  urls: Record<BenchSubgraphName, string>;
  close(): Promise<void>;
}

const MAX_BODY = 1_048_576;

function executeBody(schema: GraphQLSchema, raw: string): Promise<ExecutionResult> | ExecutionResult {
  let req: { query?: unknown; variables?: unknown; operationName?: unknown };
  try {
    req = JSON.parse(raw) as typeof req;
  } catch {
    return { errors: [{ message: 'body is not JSON' }] } as unknown as ExecutionResult;
  }
  if (typeof req.query !== 'string') return { errors: [{ message: 'missing query' }] } as unknown as ExecutionResult;
  const document = parse(req.query);
  const errors = validate(schema, document);
  if (errors.length > 0) return { errors };
  return execute({
    schema,
    document,
    variableValues: (req.variables ?? undefined) as Record<string, unknown> | undefined,
    operationName: typeof req.operationName === 'string' ? req.operationName : undefined,
  });
}

function createHandler(schema: GraphQLSchema, cacheBytes: number) {
  const cache = new LRUCache<string, Buffer>({ maxSize: cacheBytes, sizeCalculation: (b, k) => b.length + k.length });
  const stats = { requests: 0 };
  const write = (res: http.ServerResponse, bytes: Buffer): void => {
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': bytes.length });
    res.end(bytes);
  };
  return async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/stats') return sendJson(res, 200, stats);
    if (path !== '/graphql' || req.method !== 'POST') return sendJson(res, 404, { error: 'POST /graphql or GET /stats' });
    stats.requests += 1;
    const raw = await readBody(req, MAX_BODY);
    if (raw === null) return sendJson(res, 413, { errors: [{ message: 'body too large' }] });
    const hit = cache.get(raw);
    if (hit) return write(res, hit);
    let bytes: Buffer;
    try {
      bytes = Buffer.from(JSON.stringify(await executeBody(schema, raw)));
    } catch (err) {
      return sendJson(res, 400, { errors: [{ message: err instanceof Error ? err.message : String(err) }] });
    }
    cache.set(raw, bytes);
    return write(res, bytes);
  };
}

function listen(server: http.Server, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve((server.address() as AddressInfo).port));
  });
}

export async function startBenchSubgraphHost(opts: BenchSubgraphHostOptions = {}): Promise<BenchSubgraphHost> {
  const host = opts.host ?? '127.0.0.1';
  const servers: http.Server[] = [];
  const urls = {} as Record<BenchSubgraphName, string>;
  try {
    for (const name of BENCH_SUBGRAPH_NAMES) {
      const handle = createHandler(buildBenchSubgraphSchema(name), opts.cacheBytes ?? 64 * 1024 * 1024);
      const server = http.createServer((req, res) => {
        handle(req, res).catch(() => res.destroy());
      });
      server.keepAliveTimeout = 65_000;
      servers.push(server);
      urls[name] = `http://${host}:${await listen(server, host)}/graphql`;
    }
  } catch (err) {
    for (const s of servers) s.close();
    throw err;
  }
  return {
    urls,
    close: async () => {
      await Promise.all(servers.map((s) => new Promise<void>((resolve) => {
        s.close(() => resolve());
        s.closeAllConnections();
      })));
    },
  };
}

if (require.main === module) {
  const log = createLogger('bench-subgraphs');
  runUntilStopped({
    name: 'bench subgraphs', log,
    start: () => startBenchSubgraphHost(),
    readyText: (h) => `bench subgraphs ready ${JSON.stringify(h.urls)}\n`,
  });
}
