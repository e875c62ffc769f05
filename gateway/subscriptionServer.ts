/**
 * GraphQL over WebSocket (`graphql-transport-ws`, the `graphql-ws` library) on the gateway's `/graphql`
 * path, beside HTTP on the same server. Subscriptions are federated by `subscriptionHub.ts`; queries
 * and mutations sent over the socket run on the fast executor like HTTP ones.
 *
 * - `connection_init` payload: `{ authorization?: "Bearer <JWT>" }`, admitted by the same rules as
 *   HTTP (`callerAdmission.ts`): a refused caller closes the socket with 4403 Forbidden. Every
 *   later `subscribe` is admitted again (an expired token or a spent rate limit refuses it with a
 *   coded error, `UNAUTHENTICATED` / `RATE_LIMITED`).
 * - Slow clients: `connection_init` must come within `initTimeoutMs` (else 4408); a client that
 *   does not read what it is sent (more than `maxBufferedBytes` waiting in its socket) is dropped.
 * - On shutdown every socket is closed with 1001 Going Away.
 * - Persisted documents as over HTTP (`persistedDocuments.ts`): `extensions.persistedQuery` (APQ
 *   hash) or `extensions.documentId` with an empty `query`; in safelist mode free text is refused.
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
import { INTERNAL_CONTEXT_HEADER, signInternalContext } from '../subgraphs/kit/internalContext';
import { REQUEST_ID_HEADER } from '../subgraphs/kit/requestId';
import { shareKeyOf, type Caller, type CallerAdmission } from './callerAdmission';
import { OperationError, type FederatedExecutor, type PreparedOperation } from './federatedExecutor';
import type { PersistedDocuments } from './persistedDocuments';
import { asGraphQLErrors, type SubscriptionHub } from './subscriptionHub';
import type { ExecutionErrorOut } from './responseShaper';
import { randomUUID } from 'node:crypto';

export interface SubscriptionServerOptions {
  server: http.Server;
  executor: () => FederatedExecutor | undefined;
  hub: SubscriptionHub;
  logger: Logger;
  formatErrors: (errors: ExecutionErrorOut[]) => GraphQLFormattedError[];
  admission: CallerAdmission;
  /** APQ and trusted documents, with the HTTP path's mode; without it, any query text runs. */
  persisted?: PersistedDocuments;
  /** Secrets signing the internal context (first signs). */
  contextSecrets: readonly string[];
  /** @default 12_000 */
  keepAliveMs?: number;
  /** Time a client has to send `connection_init`. @default 3_000 */
  initTimeoutMs?: number;
  /** Bytes waiting in a client's socket before it is dropped as too slow. @default 4_194_304 */
  maxBufferedBytes?: number;
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

interface Connection {
  authorization: string | undefined;
  peer: string | undefined;
}

const authorizationOf = (params: Readonly<Record<string, unknown>> | undefined): string | undefined =>
  (typeof params?.authorization === 'string' ? params.authorization : undefined);

/** Drops a client that does not read: sends are refused once too much waits in its socket. */
function guardSlowReader(ws: WebSocket, maxBuffered: number, log: Logger): void {
  const send = ws.send.bind(ws) as (data: unknown, cb?: (err?: Error) => void) => void;
  (ws as unknown as { send: typeof send }).send = (data, cb) => {
    if (ws.bufferedAmount > maxBuffered) {
      log.warn({ buffered: ws.bufferedAmount }, 'dropping a websocket client that does not read');
      ws.terminate();
      // No error to graphql-ws: the socket is gone, there is nobody left to tell.
      cb?.();
      return;
    }
    send(data, cb);
  };
}

export function attachSubscriptionServer(opts: SubscriptionServerOptions): SubscriptionServer {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1_048_576 });
  const connections = new WeakMap<WebSocket, Connection>();
  const maxBuffered = opts.maxBufferedBytes ?? 4_194_304;
  wss.on('connection', (ws: WebSocket) => guardSlowReader(ws, maxBuffered, opts.logger));
  const onUpgrade = (req: http.IncomingMessage, socket: Duplex, head: Buffer): void => {
    if (new URL(req.url ?? '/', 'http://gateway').pathname !== '/graphql') {
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  };
  opts.server.on('upgrade', onUpgrade);

  const headersOf = (c: OperationContext, signed: boolean): Record<string, string> => ({
    [REQUEST_ID_HEADER]: c.requestId,
    ...(signed ? { [INTERNAL_CONTEXT_HEADER]: signInternalContext({ tenant: c.caller.tenant, scopes: c.caller.scopes, subject: c.caller.subject, requestId: c.requestId }, opts.contextSecrets) } : {}),
  });
  const formatted = (errors: ExecutionErrorOut[]): ExecutionResult => ({ errors: asGraphQLErrors(opts.formatErrors(errors)) });
  const asResult = (r: { errors?: ExecutionErrorOut[]; data?: Record<string, unknown> | null }): ExecutionResult =>
    (r.errors ? { errors: asGraphQLErrors(opts.formatErrors(r.errors)), data: r.data } : { data: r.data });

  const disposable = useServer<Record<string, unknown>>({
    onConnect: async (ctx) => {
      const conn: Connection = { authorization: authorizationOf(ctx.connectionParams), peer: ctx.extra.request.socket.remoteAddress };
      const admitted = await opts.admission.admit(conn.authorization, conn.peer);
      if (!admitted.ok) {
        opts.logger.debug({ code: admitted.code, reason: admitted.reason }, 'websocket connection refused');
        return false;
      }
      connections.set(ctx.extra.socket, conn);
      return true;
    },
    onSubscribe: async (ctx, _id, payload) => {
      const conn = connections.get(ctx.extra.socket);
      const admitted = conn ? await opts.admission.admit(conn.authorization, conn.peer) : null;
      if (!admitted?.ok) {
        const code = admitted?.code ?? 'UNAUTHENTICATED';
        return [new GraphQLError(admitted?.message ?? 'not authenticated', { extensions: { code, ...(admitted ? { reason: admitted.reason } : {}) } })];
      }
      const executor = opts.executor();
      if (!executor) return [new GraphQLError('The gateway is starting', { extensions: { code: 'UNAVAILABLE', retryable: true } })];
      // The same persisted-document rules as HTTP (safelist mode refuses free text here too): a
      // persisted operation comes with `extensions.persistedQuery` or `extensions.documentId` and an empty `query`.
      let text = payload.query;
      if (opts.persisted) {
        const ext = payload.extensions as Record<string, unknown> | undefined;
        const r = await opts.persisted.resolve({ query: payload.query === '' ? undefined : payload.query, documentId: ext?.documentId, extensions: ext });
        if (!r.ok) return [new GraphQLError(r.message, { extensions: { code: r.code } })];
        text = r.query;
      }
      let prepared: PreparedOperation;
      try {
        prepared = executor.prepareSource(text, payload.operationName ?? null);
      } catch (err) {
        if (err instanceof OperationError) return err.errors.map((e) => new GraphQLError(e.message, { extensions: e.extensions }));
        throw err;
      }
      const context: OperationContext = { prepared, caller: admitted.caller, variables: payload.variables ?? {}, requestId: randomUUID() };
      const args: ExecutionArgs = { schema: executor.apiSchema, document: prepared.document, operationName: prepared.operationName, variableValues: payload.variables ?? {}, contextValue: context };
      return args;
    },
    execute: async (args) => {
      const c = args.contextValue as OperationContext;
      const executor = opts.executor()!;
      return asResult(await executor.execute(c.prepared, { variables: c.variables, headers: headersOf(c, true), shareKey: shareKeyOf(c.caller), caller: c.caller }));
    },
    subscribe: (args) => {
      const c = args.contextValue as OperationContext;
      const executor = opts.executor()!;
      if (c.prepared.kind !== 'subscription') {
        return executor.execute(c.prepared, { variables: c.variables, headers: headersOf(c, true), shareKey: shareKeyOf(c.caller), caller: c.caller }).then(asResult);
      }
      const bad = executor.checkVariables(c.prepared, c.variables);
      if (bad) return formatted(bad);
      const decision = executor.access(c.prepared, c.caller);
      if (decision.refused) return formatted(decision.refused);
      return opts.hub.subscribe({ prepared: c.prepared, variables: c.variables, caller: c.caller, headers: headersOf(c, false) }) as AsyncIterableIterator<ExecutionResult>;
    },
    onError: (_ctx, _id, _payload, errors) => {
      opts.logger.debug({ errors: errors.map((e) => e.message) }, 'subscription refused');
    },
    connectionInitWaitTimeout: opts.initTimeoutMs ?? 3_000,
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
