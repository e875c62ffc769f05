/**
 * The AI core's typed client for the gateway, driven by the documents `npm run codegen` generates
 * from `schema/operations/` (`schema/generated/operations/graphql.ts`).
 *
 * - `query(document, variables)` (queries and mutations) POSTs only the document's persisted id,
 *   `{ documentId: "sha256:<hex>", variables }` (GraphQL-over-HTTP Appendix A, see
 *   `gateway/persistedDocuments.ts`), never the text: the id is the `__meta__.hash` codegen embeds
 *   in each typed document, the key of `persisted-documents.json`. A document without one is refused
 *   before anything is sent, so the client runs against a gateway in `safelist` mode.
 * - `subscribe(document, variables)` opens a graphql-ws subscription (`connectionParams:
 *   { authorization }`) and yields each event's data; it too sends only the document's id
 *   (`extensions.documentId` with an empty `query`), which the gateway resolves like HTTP requests.
 *
 * Results are typed by the document (`TypedDocumentNode<Result, Variables>`): `query` resolves to
 * `{ data, errors }` (partial data is data: a failing system nulls only its own fields) and rejects
 * with `AiCoreClientError` (stable `code`) when there is no data at all.
 */
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

export interface AiCoreClientOptions {
  /** The gateway's GraphQL endpoint, e.g. `http://localhost:4000/graphql` (WebSocket: same URL, `ws(s)://`). */
  url: string;
  /** Bearer token (the JWT itself, without `Bearer `). */
  token: string;
  /** HTTP implementation (tests wrap it to see what is sent). @default globalThis.fetch */
  fetch?: typeof fetch;
  /** Extra HTTP headers on every query. @default {} */
  headers?: Record<string, string>;
}

/** One GraphQL error as the gateway sends it. */
export interface AiCoreGraphQLError {
  message: string;
  path?: (string | number)[];
  extensions?: { code?: string; [key: string]: unknown };
}

export interface AiCoreResult<R> {
  data: R;
  /** Errors next to partial data; empty when none. */
  errors: AiCoreGraphQLError[];
}

/** A request that produced no data: `code` is the gateway's `extensions.code` or one of the client's own. */
export class AiCoreClientError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status?: number,
    readonly errors: readonly AiCoreGraphQLError[] = [],
  ) {
    super(message);
    this.name = 'AiCoreClientError';
  }
}

export interface AiCoreClient {
  /** Runs a persisted query or mutation by its `documentId`. */
  query<R, V extends Record<string, unknown>>(document: TypedDocumentNode<R, V>, variables?: V): Promise<AiCoreResult<R>>;
  /** Subscribes over graphql-ws; iterate for each event's data, `return()` (or `break`) to stop. */
  subscribe<R, V extends Record<string, unknown>>(document: TypedDocumentNode<R, V>, variables?: V): AsyncIterableIterator<R>;
  /** Closes the WebSocket connection, if one was opened. */
  close(): Promise<void>;
}

/** The persisted id codegen embeds in a typed document (`__meta__.hash`), or undefined. */
export function documentIdOf(document: TypedDocumentNode<unknown, never>): string | undefined {
  const hash = (document as { __meta__?: { hash?: unknown } }).__meta__?.hash;
  return typeof hash === 'string' && /^sha256:[0-9a-f]{64}$/.test(hash) ? hash : undefined;
}

async function readBody(res: Response): Promise<{ data?: unknown; errors?: AiCoreGraphQLError[] }> {
  const text = await res.text();
  try {
    const body = JSON.parse(text) as unknown;
    if (body && typeof body === 'object' && !Array.isArray(body)) return body as { data?: unknown; errors?: AiCoreGraphQLError[] };
  } catch {
    // not JSON: reported below
  }
  throw new AiCoreClientError('BAD_RESPONSE', `the gateway answered ${res.status} without a GraphQL response`, res.status);
}

export function createAiCoreClient(opts: AiCoreClientOptions): AiCoreClient {
  const doFetch = opts.fetch ?? globalThis.fetch;
  const authorization = `Bearer ${opts.token}`;
  let ws: Client | undefined;
  const wsClient = (): Client => {
    ws ??= createClient({ url: opts.url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, lazy: true, retryAttempts: 3, connectionParams: { authorization } });
    return ws;
  };

  return {
    async query<R, V extends Record<string, unknown>>(document: TypedDocumentNode<R, V>, variables?: V): Promise<AiCoreResult<R>> {
      const documentId = documentIdOf(document as TypedDocumentNode<unknown, never>);
      if (!documentId) throw new AiCoreClientError('NOT_PERSISTED', 'the document has no persisted id (__meta__.hash): add it to schema/operations/ and run npm run codegen');
      const res = await doFetch(opts.url, {
        method: 'POST',
        headers: { ...opts.headers, 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', authorization },
        body: JSON.stringify({ documentId, variables: variables ?? {} }),
      });
      const body = await readBody(res);
      const errors = Array.isArray(body.errors) ? body.errors : [];
      if (body.data === undefined || body.data === null) {
        const first = errors[0];
        throw new AiCoreClientError(first?.extensions?.code ?? 'NO_DATA', first?.message ?? `the gateway answered ${res.status} without data`, res.status, errors);
      }
      return { data: body.data as R, errors };
    },

    subscribe<R, V extends Record<string, unknown>>(document: TypedDocumentNode<R, V>, variables?: V): AsyncIterableIterator<R> {
      const documentId = documentIdOf(document as TypedDocumentNode<unknown, never>);
      if (!documentId) throw new AiCoreClientError('NOT_PERSISTED', 'the document has no persisted id (__meta__.hash): add it to schema/operations/ and run npm run codegen');
      const events = wsClient().iterate<R>({ query: '', variables: variables ?? {}, extensions: { documentId } });
      const next = async (): Promise<IteratorResult<R>> => {
        const r = await events.next();
        if (r.done) return { done: true, value: undefined };
        const errors = (r.value.errors ?? []) as unknown as AiCoreGraphQLError[];
        if (r.value.data === undefined || r.value.data === null) {
          const first = errors[0];
          throw new AiCoreClientError(first?.extensions?.code ?? 'NO_DATA', first?.message ?? 'a subscription event without data', undefined, errors);
        }
        return { done: false, value: r.value.data as R };
      };
      const iterator: AsyncIterableIterator<R> = {
        next,
        return: async () => {
          await events.return?.();
          return { done: true, value: undefined };
        },
        [Symbol.asyncIterator]: () => iterator,
      };
      return iterator;
    },

    async close(): Promise<void> {
      await ws?.dispose();
      ws = undefined;
    },
  };
}
