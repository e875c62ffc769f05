/**
 * A subgraph's GraphQL over WebSocket (`graphql-transport-ws`, graphql-ws `useServer`) on the same
 * HTTP server and path as its HTTP endpoint (`/graphql`), with the same schema: this is how the
 * gateway (and tests) run the subgraph's `Subscription` fields.
 *
 * - Upgrades to any other path are refused (socket destroyed); frames are capped at `maxPayload`.
 * - Each operation gets its context from the server's `createContext`: the tenant is
 *   `connectionParams.tenant` (absent = `default`; anything but `[A-Za-z0-9_-]{1,64}` fails the
 *   operation with `BAD_USER_INPUT`), a new request id, and a child logger bound to both.
 * - Errors are formatted by `maskSubgraphError` like HTTP responses; graphql-ws's own parse and
 *   validation errors are client errors (`GRAPHQL_VALIDATION_FAILED`).
 * - `close()` closes the clients (1001) and the ws server; call it before closing the HTTP server.
 */
import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import type { GraphQLError, GraphQLFormattedError, GraphQLSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import type { Logger } from 'pino';
import { WebSocket, WebSocketServer } from 'ws';
import { badUserInput, maskSubgraphError, type SystemName } from './subgraphErrors';
import { DEFAULT_TENANT, isTenantId } from './tenant';

export const GRAPHQL_WS_PATH = '/graphql';

export interface SubgraphWebSocketOptions {
  server: http.Server;
  schema: GraphQLSchema;
  system: SystemName;
  logger: Logger;
  /** Builds an operation's context (the subgraph server's `createContext`). */
  contextFor: (info: { requestId: string; tenant: string; log: Logger; headers: http.IncomingHttpHeaders }) => Promise<object>;
  /** Largest frame accepted, in bytes. @default 1_048_576 */
  maxPayload?: number;
  /** How long `close()` waits for a client's close handshake before cutting it. @default 1_000 */
  closeGraceMs?: number;
}

export interface SubgraphWebSocket {
  close(): Promise<void>;
}

/** `connectionParams.tenant` as a tenant id, `default` when absent, null when not a tenant id. */
export function tenantFromParams(params: Readonly<Record<string, unknown>> | undefined): string | null {
  const given = params?.tenant;
  if (given === undefined || given === null || given === '') return DEFAULT_TENANT;
  return isTenantId(given) ? given : null;
}

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
      onSubscribe: (ctx) => {
        if (tenantFromParams(ctx.connectionParams) !== null) return undefined;
        return [badUserInput(system, 'connectionParams.tenant', 'connectionParams.tenant must match [A-Za-z0-9_-]{1,64}')];
      },
      context: async (ctx) => {
        const tenant = tenantFromParams(ctx.connectionParams) ?? DEFAULT_TENANT;
        const requestId = randomUUID();
        const log = logger.child({ requestId, tenant, transport: 'ws' });
        try {
          const value = await opts.contextFor({ requestId, tenant, log, headers: ctx.extra.request.headers });
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

