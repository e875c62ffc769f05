/**
 * GraphQL over WebSocket (`graphql-transport-ws`, the `graphql-ws` library) on the gateway's `/graphql`
 * path, beside HTTP on the same server. Subscriptions are federated by `subscriptionHub.ts`; queries
 * and mutations sent over the socket run on the fast executor like HTTP ones.
 *
 * - `connection_init` payload: `{ tenant?: string, authorization?: string }` (the same caller rules
 *   as the HTTP headers); a bad tenant closes the socket with 4403 Forbidden.
 * - Every operation is prepared (parsed, validated, planned) by the executor's cache; invalid ones get
 *   an `error` message with coded errors. Protocol errors (4400 bad message, 4401 subscribe before
 *   ack, 4408 init timeout, 4409 duplicate id, 4429 repeated init) are graphql-ws's own.
 * - Keep-alive: ws pings every `keepAliveMs`; a client that stops answering is dropped.
 */
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { GraphQLError, type ExecutionArgs, type ExecutionResult, type GraphQLFormattedError } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import type { Logger } from 'pino';
import { WebSocketServer, type WebSocket } from 'ws';
import { REQUEST_ID_HEADER } from '../subgraphs/kit/requestId';
import { TENANT_HEADER } from '../subgraphs/kit/tenant';
import { CallerIdentityError, callerFromHeaders, type Caller } from './callerIdentity';
import { OperationError, type FederatedExecutor, type PreparedOperation } from './federatedExecutor';
import { asGraphQLErrors, type SubscriptionHub } from './subscriptionHub';
import type { ExecutionErrorOut } from './responseShaper';
import { randomUUID } from 'node:crypto';

export interface SubscriptionServerOptions {
  server: http.Server;
  executor: () => FederatedExecutor | undefined;
  hub: SubscriptionHub;
  logger: Logger;
  formatErrors: (errors: ExecutionErrorOut[]) => GraphQLFormattedError[];
  /** @default 12_000 */
  keepAliveMs?: number;
}

export interface SubscriptionServer {
  /** Open sockets. */
  clients(): number;
  close(): Promise<void>;
}

interface OperationContext {
  prepared: PreparedOperation;
  caller: Caller;
  variables: Record<string, unknown>;
  requestId: string;
}

function callerFrom(params: Readonly<Record<string, unknown>> | undefined): Caller {
  const p = params ?? {};
  const headers: http.IncomingHttpHeaders = {};
  if (typeof p.tenant === 'string') headers[TENANT_HEADER] = p.tenant;
  if (typeof p.authorization === 'string') headers.authorization = p.authorization;
  if (typeof p.scopes === 'string') headers['x-lumina-scopes'] = p.scopes;
  return callerFromHeaders(headers);
}

export function attachSubscriptionServer(opts: SubscriptionServerOptions): SubscriptionServer {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1_048_576 });
  const callers = new WeakMap<WebSocket, Caller>();
  const onUpgrade = (req: http.IncomingMessage, socket: Duplex, head: Buffer): void => {
    if (new URL(req.url ?? '/', 'http://gateway').pathname !== '/graphql') {
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  };
  opts.server.on('upgrade', onUpgrade);

  const headersOf = (c: OperationContext): Record<string, string> => ({ [REQUEST_ID_HEADER]: c.requestId, [TENANT_HEADER]: c.caller.tenant });
  const formatted = (errors: ExecutionErrorOut[]): ExecutionResult => ({ errors: asGraphQLErrors(opts.formatErrors(errors)) });
  const asResult = (r: { errors?: ExecutionErrorOut[]; data?: Record<string, unknown> | null }): ExecutionResult =>
    (r.errors ? { errors: asGraphQLErrors(opts.formatErrors(r.errors)), data: r.data } : { data: r.data });

  const disposable = useServer<Record<string, unknown>>({
    onConnect: (ctx) => {
      try {
        callers.set(ctx.extra.socket, callerFrom(ctx.connectionParams));
        return true;
      } catch (err) {
        if (err instanceof CallerIdentityError) return false;
        throw err;
      }
    },
    onSubscribe: (ctx, _id, payload) => {
      const executor = opts.executor();
      if (!executor) return [new GraphQLError('The gateway is starting', { extensions: { code: 'UNAVAILABLE', retryable: true } })];
      let prepared: PreparedOperation;
      try {
        prepared = executor.prepareSource(payload.query, payload.operationName ?? null);
      } catch (err) {
        if (err instanceof OperationError) return err.errors.map((e) => new GraphQLError(e.message, { extensions: e.extensions }));
        throw err;
      }
      const context: OperationContext = { prepared, caller: callers.get(ctx.extra.socket)!, variables: payload.variables ?? {}, requestId: randomUUID() };
      const args: ExecutionArgs = { schema: executor.apiSchema, document: prepared.document, operationName: prepared.operationName, variableValues: payload.variables ?? {}, contextValue: context };
      return args;
    },
    execute: async (args) => {
      const c = args.contextValue as OperationContext;
      const executor = opts.executor()!;
      return asResult(await executor.execute(c.prepared, { variables: c.variables, headers: headersOf(c), shareKey: c.caller.tenant }));
    },
    subscribe: (args) => {
      const c = args.contextValue as OperationContext;
      const executor = opts.executor()!;
      if (c.prepared.kind !== 'subscription') {
        return executor.execute(c.prepared, { variables: c.variables, headers: headersOf(c), shareKey: c.caller.tenant }).then(asResult);
      }
      const bad = executor.checkVariables(c.prepared, c.variables);
      if (bad) return formatted(bad);
      return opts.hub.subscribe({ prepared: c.prepared, variables: c.variables, tenant: c.caller.tenant, headers: headersOf(c) }) as AsyncIterableIterator<ExecutionResult>;
    },
    onError: (_ctx, _id, _payload, errors) => {
      opts.logger.debug({ errors: errors.map((e) => e.message) }, 'subscription refused');
    },
  }, wss, opts.keepAliveMs ?? 12_000);

  return {
    clients: () => wss.clients.size,
    async close() {
      opts.server.off('upgrade', onUpgrade);
      for (const ws of wss.clients) ws.close(1001, 'Going away');
      await disposable.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
