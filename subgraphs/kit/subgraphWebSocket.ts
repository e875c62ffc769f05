/**
 * A subgraph's GraphQL over WebSocket (`graphql-transport-ws`, graphql-ws `useServer`) on the same
 * HTTP server and path as its HTTP endpoint (`/graphql`), with the same schema: this is how the
 * gateway (and tests) run the subgraph's `Subscription` fields.
 *
 * - Upgrades to any other path are refused (socket destroyed); frames are capped at `maxPayload`.
 * - `connection_init` must carry the gateway's signed internal context in
 *   `connectionParams.context` (`internalContext.ts`), checked by `checkCaller`: a missing,
 *   malformed, forged, stale or future one closes the socket with 4401 (`Unauthorized: <reason>`),
 *   an unknown tenant or one without this system with 4403; nothing is subscribed then.
 *   `connectionParams.tenant` is ignored.
 * - Each operation gets its context from the server's `createContext` with the connection's
 *   verified tenant, scopes, subject and request id (the signed one when sane, else a new UUID),
 *   a child `traceparent` of the upgrade request's, and a child logger.
 * - Errors are formatted by `maskSubgraphError` like HTTP responses; graphql-ws's own parse and
 *   validation errors are client errors (`GRAPHQL_VALIDATION_FAILED`).
 * - `close()` closes the clients (1001) and the ws server; call it before closing the HTTP server.
 */
import { randomUUID } from 'node:crypto';
import type { InternalContext } from './internalContext';
import { REQUEST_ID_PATTERN } from './requestId';
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import type { GraphQLError, GraphQLFormattedError, GraphQLSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import type { Logger } from 'pino';
import { WebSocket, WebSocketServer } from 'ws';
import { maskSubgraphError, type SystemName } from './subgraphErrors';
import type { CallerCheck } from './tenantRegistry';
import { outgoingTraceparent, traceFrom } from './traceContext';

export const GRAPHQL_WS_PATH = '/graphql';

export interface SubgraphWebSocketOptions {
  server: http.Server;
  schema: GraphQLSchema;
  system: SystemName;
  logger: Logger;
  /** Checks `connectionParams.context` (the server's `checkCaller` over its secrets and tenant registry). */
  checkCaller: (value: unknown) => CallerCheck;
  /** Builds an operation's context (the subgraph server's `createContext`). */
  contextFor: (info: WebSocketOperationInfo) => Promise<object>;
  /** Largest frame accepted, in bytes. @default 1_048_576 */
  maxPayload?: number;
  /** How long `close()` waits for a client's close handshake before cutting it. @default 1_000 */
  closeGraceMs?: number;
}

/** What an operation's context is built from (over HTTP and WebSocket alike). */
export interface WebSocketOperationInfo {
  requestId: string;
  /** The request's tenant (from the signed internal context, in the registry); key cross-request caches by it. */
  tenant: string;
  /** The caller's scopes (signed), sorted. */
  scopes: string[];
  /** The caller's subject (signed); null for anonymous callers. */
  subject: string | null;
  /** The `traceparent` to send upstream: a child span of the incoming `traceparent` (or a new trace). */
  traceparent: string;
  log: Logger;
  headers: http.IncomingHttpHeaders;
}

export interface SubgraphWebSocket {
  close(): Promise<void>;
}

/** Close codes of a refused `connection_init` (graphql-ws uses 4403 for a refused `onConnect`). */
export const WS_CLOSE_UNAUTHORIZED = 4401;
export const WS_CLOSE_FORBIDDEN = 4403;

function formatErrors(errors: readonly GraphQLError[], log: Logger, system: SystemName): GraphQLFormattedError[] {
  return errors.map((e) => {
    const formatted = e.toJSON();
    // graphql-ws's own parse/validation errors carry no code and no cause: safe client errors.
    const isValidation = formatted.extensions?.code === undefined && e.originalError === undefined;
    const withCode = isValidation ? { ...formatted, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } } : formatted;
    return maskSubgraphError(withCode, e, log, system);
  });
}

export function serveGraphQLOverWebSocket(opts: SubgraphWebSocketOptions): SubgraphWebSocket {
  const { system, logger } = opts;
  const wss = new WebSocketServer({ noServer: true, maxPayload: opts.maxPayload ?? 1_048_576 });
  const logs = new WeakMap<object, Logger>();
  const callers = new WeakMap<object, InternalContext>();
  const onUpgrade = (req: http.IncomingMessage, socket: Duplex, head: Buffer): void => {
    if (new URL(req.url ?? '/', 'http://subgraph').pathname !== GRAPHQL_WS_PATH) {
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  };
  opts.server.on('upgrade', onUpgrade);

  const disposable = useServer(
    {
      schema: opts.schema,
      // Close reasons never carry an internal error's message.
      isProd: true,
      onConnect: (ctx) => {
        const caller = opts.checkCaller(ctx.connectionParams?.context);
        if (caller.ok) {
          callers.set(ctx, caller.context);
          return true;
        }
        logger.warn({ reason: caller.reason, transport: 'ws' }, 'subgraph ws connection refused');
        if (caller.status === 401) ctx.extra.socket.close(WS_CLOSE_UNAUTHORIZED, `Unauthorized: ${caller.reason}`);
        else ctx.extra.socket.close(WS_CLOSE_FORBIDDEN, `Forbidden: ${caller.reason}`);
        return false;
      },
      context: async (ctx) => {
        const caller = callers.get(ctx);
        // graphql-ws subscribes only after an acknowledged connection_init, which set it.
        if (!caller) throw new Error('subgraph ws: operation without a verified connection');
        const { tenant, scopes, subject } = caller;
        const requestId = REQUEST_ID_PATTERN.test(caller.requestId) ? caller.requestId : randomUUID();
        const headers = ctx.extra.request.headers;
        const traceparent = outgoingTraceparent(traceFrom(headers));
        const log = logger.child({ requestId, tenant, transport: 'ws' });
        try {
          const value = await opts.contextFor({ requestId, tenant, scopes, subject, traceparent, log, headers });
          logs.set(value, log);
          return value as Record<PropertyKey, unknown>;
        } catch (err) {
          log.error({ err }, 'subgraph ws: createContext failed (the socket closes with 4500)');
          throw err;
        }
      },
      onNext: (_ctx, _id, _payload, args, result) => {
        if (!result.errors) return undefined;
        const log = logs.get(args.contextValue as object) ?? logger;
        return { ...result, errors: formatErrors(result.errors, log, system) };
      },
      onError: (_ctx, _id, _payload, errors) => formatErrors(errors, logger, system),
    },
    wss,
  );

  return {
    async close() {
      opts.server.off('upgrade', onUpgrade);
      const clients = [...wss.clients];
      await disposable.dispose();
      await Promise.all(clients.map((c) => closedOrCut(c, opts.closeGraceMs ?? 1_000)));
    },
  };
}

function closedOrCut(ws: WebSocket, graceMs: number): Promise<void> {
  if (ws.readyState === WebSocket.CLOSED) return Promise.resolve();
  return new Promise((resolve) => {
    const cut = setTimeout(() => ws.terminate(), graceMs);
    ws.once('close', () => {
      clearTimeout(cut);
      resolve();
    });
  });
}

