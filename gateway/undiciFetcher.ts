/**
 * The fetcher the gateway's subgraph data sources use instead of `make-fetch-happen`: undici
 * `request` over a keep-alive `Agent`, with a per-request timeout covering headers and body.
 *
 * It implements the `Fetcher` contract `@apollo/gateway` 2.x expects (`@apollo/utils.fetcher` v2:
 * `(url, { method, headers: Record<string,string>, body, signal }) => FetcherResponse`). The body is
 * read completely (up to `maxResponseBytes`) before the response is returned, so `text()`, `json()`
 * and `clone()` are cheap and the timeout covers the whole exchange.
 */
import { STATUS_CODES } from 'node:http';
import type { RemoteGraphQLDataSource } from '@apollo/gateway';
import { Agent, Headers, request, type Dispatcher } from 'undici';

/** The fetcher type `RemoteGraphQLDataSource` takes (from `@apollo/utils.fetcher`). */
export type GatewayFetcher = RemoteGraphQLDataSource['fetcher'];
type FetcherResponse = Awaited<ReturnType<GatewayFetcher>>;

export interface UndiciFetcherOptions {
  /** Time allowed for one subgraph request, headers and body. @default 15_000 */
  timeoutMs?: number;
  /** Keep-alive connections per subgraph origin. @default 64 */
  connections?: number;
  /** Idle keep-alive sockets are closed after this long. @default 30_000 */
  keepAliveTimeoutMs?: number;
  /** Largest subgraph response body accepted. @default 67_108_864 (64 MiB) */
  maxResponseBytes?: number;
}

export interface UndiciFetcher {
  fetch: GatewayFetcher;
  /** Closes the keep-alive connections. */
  close(): Promise<void>;
}

/** The subgraph did not answer (headers and body) within `timeoutMs`. */
export class SubgraphTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`subgraph did not answer within ${timeoutMs} ms`);
    this.name = 'SubgraphTimeoutError';
  }
}

/** The subgraph's response body was larger than `maxResponseBytes`. */
export class SubgraphResponseTooLargeError extends Error {
  constructor(readonly maxResponseBytes: number) {
    super(`subgraph response over ${maxResponseBytes} bytes`);
    this.name = 'SubgraphResponseTooLargeError';
  }
}

function bufferedResponse(url: string, status: number, headers: Headers, body: Buffer): FetcherResponse {
  let used = false;
  const consume = (): Buffer => {
    used = true;
    return body;
  };
  return {
    url,
    status,
    statusText: STATUS_CODES[status] ?? '',
    ok: status >= 200 && status < 300,
    redirected: false,
    headers,
    get bodyUsed() {
      return used;
    },
    text: () => Promise.resolve(consume().toString('utf8')),
    json: () => Promise.resolve(JSON.parse(consume().toString('utf8')) as unknown),
    arrayBuffer: () => {
      const b = consume();
      return Promise.resolve(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer);
    },
    clone: () => bufferedResponse(url, status, new Headers(headers), body),
  };
}

function toHeaders(raw: Record<string, string | string[] | undefined>): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw)) {
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else if (value !== undefined) headers.append(name, value);
  }
  return headers;
}

async function readBody(body: Dispatcher.ResponseData['body'], limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > limit) {
      body.destroy();
      throw new SubgraphResponseTooLargeError(limit);
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

export function createUndiciFetcher(opts: UndiciFetcherOptions = {}): UndiciFetcher {
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const maxBytes = opts.maxResponseBytes ?? 67_108_864;
  const agent = new Agent({
    connections: opts.connections ?? 64,
    keepAliveTimeout: opts.keepAliveTimeoutMs ?? 30_000,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });

  const fetch: GatewayFetcher = async (url, init = {}) => {
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(new SubgraphTimeoutError(timeoutMs)), timeoutMs);
    const signal = init.signal instanceof AbortSignal ? AbortSignal.any([timeout.signal, init.signal]) : timeout.signal;
    try {
      const res = await request(url, {
        method: (init.method ?? 'GET') as Dispatcher.HttpMethod,
        headers: init.headers,
        body: init.body,
        dispatcher: agent,
        signal,
      });
      const body = await readBody(res.body, maxBytes);
      return bufferedResponse(url, res.statusCode, toHeaders(res.headers), body);
    } catch (err) {
      if (timeout.signal.aborted) throw new SubgraphTimeoutError(timeoutMs);
      throw err;
    } finally {
      clearTimeout(timer);
    }
  };

  return { fetch, close: () => agent.close() };
}
