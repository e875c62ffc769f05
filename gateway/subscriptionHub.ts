/**
 * Federated subscriptions: one upstream subscription per distinct (operation, variables, tenant,
 * scopes), shared by every client that asked for it.
 *
 * The plan's primary fetch runs against the owning subgraph over graphql-ws (`graphql-transport-ws`,
 * one lazy client per subgraph, tenant and scopes, connectionParams `{ context }`: the signed
 * internal context, signed afresh on every connect). Each upstream `next` is
 * resolved once through the fast executor (the rest of the plan: fields of other subgraphs, through
 * the same batched, cached fetch path as queries) and the result is pushed to every client of that
 * key. A client's `return()` (its `complete`) removes it at once, so it never gets another `next`;
 * the last client leaving disposes the upstream subscription. An upstream error or completion ends
 * every client of the key (error code SUBGRAPH_UNAVAILABLE, retryable): the gateway does not
 * resubscribe silently, which would skip the events of the gap; clients resume with `after`.
 */
import { createClient, type Client } from 'graphql-ws';
import { GraphQLError, type ExecutionResult, type GraphQLFormattedError } from 'graphql';
import type { Logger } from 'pino';
import WebSocket from 'ws';
import { randomUUID } from 'node:crypto';
import { INTERNAL_CONTEXT_HEADER, signInternalContext } from '../subgraphs/kit/internalContext';
import { shareKeyOf, type Caller } from './callerAdmission';
import type { FederatedExecutor, PreparedOperation } from './federatedExecutor';
import type { ExecutionErrorOut } from './responseShaper';

export interface SubscriptionRequest {
  prepared: PreparedOperation;
  variables: Record<string, unknown>;
  caller: Caller;
  /** Sent with the rest-of-plan fetches (request id, traceparent); the signed context is added per event. */
  headers: Record<string, string>;
}

type Result = ExecutionResult<Record<string, unknown>, Record<string, unknown>>;

interface Listener {
  push(value: Result): void;
  end(error?: unknown): void;
}

interface Upstream {
  listeners: Set<Listener>;
  dispose: () => void;
}

export interface SubscriptionHub {
  /** An async iterator of results for one client. */
  subscribe(req: SubscriptionRequest): AsyncIterableIterator<Result>;
  /** Distinct upstream subscriptions and attached clients. */
  stats(): { upstreams: number; clients: number };
  close(): Promise<void>;
}

export interface SubscriptionHubOptions {
  executor: () => FederatedExecutor | undefined;
  logger: Logger;
  /** Client-safe errors (the gateway's error mask), applied once per event for all its clients. */
  formatErrors: (errors: ExecutionErrorOut[]) => GraphQLFormattedError[];
  /** Secrets signing the internal context (first signs). */
  contextSecrets: readonly string[];
}

function wsUrl(httpUrl: string): string {
  const u = new URL(httpUrl);
  u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
  return u.toString();
}

/** A push-fed async iterator; `onReturn` runs once when the consumer stops or the feed ends. */
function channel(onReturn: () => void): { listener: Listener; iterator: AsyncIterableIterator<Result> } {
  const queue: Result[] = [];
  let wake: (() => void) | undefined;
  let done = false;
  let failure: unknown;
  const finish = (): void => {
    if (!done) {
      done = true;
      onReturn();
    }
    wake?.();
  };
  const listener: Listener = {
    push(value) {
      if (done) return;
      queue.push(value);
      wake?.();
    },
    end(error) {
      failure = error;
      finish();
    },
  };
  const iterator: AsyncIterableIterator<Result> = {
    async next() {
      for (;;) {
        const value = queue.shift();
        if (value !== undefined) return { value, done: false };
        if (done) {
          if (failure !== undefined) throw failure;
          return { value: undefined, done: true };
        }
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
      }
    },
    return() {
      queue.length = 0;
      finish();
      return Promise.resolve({ value: undefined, done: true });
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
  return { listener, iterator };
}

export function createSubscriptionHub(opts: SubscriptionHubOptions): SubscriptionHub {
  const upstreams = new Map<string, Upstream>();
  const clients = new Map<string, Client>();

  const sign = (caller: Caller, requestId: string): string =>
    signInternalContext({ tenant: caller.tenant, scopes: caller.scopes, subject: null, requestId }, opts.contextSecrets);

  const clientFor = (url: string, caller: Caller): Client => {
    const key = `${url}\u0000${shareKeyOf(caller)}`;
    let c = clients.get(key);
    if (!c) {
      // No silent retries: a resubscription would skip the events of the gap. An upstream failure ends
      // the clients with a retryable error instead, and they resume with `after: <last cursor>`.
      c = createClient({ url: wsUrl(url), webSocketImpl: WebSocket, connectionParams: () => ({ context: sign(caller, `ws-${randomUUID()}`) }), lazy: true, retryAttempts: 0 });
      clients.set(key, c);
    }
    return c;
  };

  const start = (key: string, req: SubscriptionRequest, executor: FederatedExecutor): Upstream => {
    // The caller's plan: fields the caller may not see are not even asked for upstream.
    const node = executor.access(req.prepared, req.caller).plan.node;
    if (node?.kind !== 'Subscription') throw new Error('not a subscription plan');
    const primary = node.primary;
    const url = executor.subgraphUrls[primary.serviceName];
    if (!url) throw new Error(`no URL for subgraph ${primary.serviceName}`);
    const variables: Record<string, unknown> = {};
    for (const name of primary.variableUsages ?? []) if (req.variables[name] !== undefined) variables[name] = req.variables[name];
    const up: Upstream = { listeners: new Set(), dispose: () => undefined };
    const log = opts.logger.child({ subgraph: primary.serviceName, tenant: req.caller.tenant });
    // Events are resolved one after another, so clients see them in the order the subgraph sent them.
    let chain = Promise.resolve();
    const dispose = clientFor(url, req.caller).subscribe<Record<string, unknown>>(
      { query: primary.operation, variables, ...(primary.operationName ? { operationName: primary.operationName } : {}) },
      {
        next: (payload) => {
          chain = chain.then(async () => {
            const headers = { ...req.headers, [INTERNAL_CONTEXT_HEADER]: sign(req.caller, req.headers['x-request-id'] ?? randomUUID()) };
            const result = await executor.executeSubscriptionEvent(req.prepared, payload as Record<string, unknown>, { variables: req.variables, headers, shareKey: shareKeyOf(req.caller), caller: req.caller });
            const out = toResult(result.errors ? opts.formatErrors(result.errors) : undefined, result.data);
            for (const l of [...up.listeners]) l.push(out);
          }).catch((err: unknown) => log.error({ err }, 'resolving a subscription event failed'));
        },
        error: (err) => {
          log.warn({ err }, 'upstream subscription failed');
          upstreams.delete(key);
          // A last `next` with the coded error, then `complete`: the other operations on each client's socket go on.
          const ended: Result = { errors: asGraphQLErrors([{
            message: `The ${primary.serviceName} subgraph ended the subscription; resubscribe with \`after\` set to the last cursor`,
            extensions: { code: 'SUBGRAPH_UNAVAILABLE', system: primary.serviceName, retryable: true },
          }]) };
          void chain.then(() => {
            for (const l of [...up.listeners]) {
              l.push(ended);
              l.end();
            }
          });
        },
        complete: () => {
          upstreams.delete(key);
          for (const l of [...up.listeners]) l.end();
        },
      },
    );
    up.dispose = dispose;
    return up;
  };

  return {
    subscribe(req) {
      const executor = opts.executor();
      if (!executor) throw new Error('the gateway is starting');
      const key = JSON.stringify([shareKeyOf(req.caller), req.prepared.operationName, req.prepared.document.loc?.source.body ?? '', req.variables]);
      let up = upstreams.get(key);
      if (!up) {
        up = start(key, req, executor);
        upstreams.set(key, up);
      }
      const shared = up;
      const { listener, iterator } = channel(() => {
        shared.listeners.delete(listener);
        if (shared.listeners.size === 0 && upstreams.get(key) === shared) {
          upstreams.delete(key);
          shared.dispose();
        }
      });
      shared.listeners.add(listener);
      return iterator;
    },
    stats: () => ({ upstreams: upstreams.size, clients: [...upstreams.values()].reduce((n, u) => n + u.listeners.size, 0) }),
    async close() {
      for (const up of upstreams.values()) {
        for (const l of [...up.listeners]) l.end();
        up.dispose();
      }
      upstreams.clear();
      await Promise.all([...clients.values()].map((c) => c.dispose()));
      clients.clear();
    },
  };
}

/** graphql-ws serializes errors with `toJSON()`: masked errors go back into `GraphQLError`s. */
export function asGraphQLErrors(errors: readonly GraphQLFormattedError[]): GraphQLError[] {
  return errors.map((e) => new GraphQLError(e.message, { path: e.path, extensions: e.extensions }));
}

function toResult(errors: GraphQLFormattedError[] | undefined, data: Record<string, unknown> | null | undefined): Result {
  return (errors ? { errors: asGraphQLErrors(errors), data } : { data }) as unknown as Result;
}
