/**
 * The per-request context of the gateway: the request id (the client's `x-request-id` when it is
 * sane, else a new UUID) and a pino child logger bound to it. Apollo Server hands it to the data
 * sources (which forward the id to every subgraph fetch); `formatError` has no context argument, so
 * the same value is also reachable through `currentRequest()` (AsyncLocalStorage) while a request
 * is being handled.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { IncomingHttpHeaders } from 'node:http';
import type { Logger } from 'pino';
import { requestIdFrom } from '../subgraphs/kit/requestId';

export interface GatewayContext {
  requestId: string;
  /** Child logger with `{ requestId }` bound: use it for every log line of this request. */
  log: Logger;
}

export function createRequestContext(headers: IncomingHttpHeaders, logger: Logger): GatewayContext {
  const requestId = requestIdFrom(headers);
  return { requestId, log: logger.child({ requestId }) };
}

const scope = new AsyncLocalStorage<GatewayContext>();

/** Runs `fn` with `ctx` as the current request (see `currentRequest`). */
export function runInRequest<T>(ctx: GatewayContext, fn: () => T): T {
  return scope.run(ctx, fn);
}

/** The request being handled on this async path, if any. */
export function currentRequest(): GatewayContext | undefined {
  return scope.getStore();
}
