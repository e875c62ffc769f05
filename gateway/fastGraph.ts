/**
 * Keeps a fast executor (`federatedExecutor.ts`) for the supergraph being served: one is built at
 * start from the supergraph file, and a new one on every accepted change of the file (the file's own
 * validation refuses broken graphs). Before a new executor serves, the trusted documents are
 * prepared on it (parsed, validated, planned, shaper compiled), so the first request of a known
 * operation costs what the thousandth does; the same happens when the manifests change.
 */
import { Kind, parse, type OperationDefinitionNode } from 'graphql';
import type { Logger } from 'pino';
import { createFederatedExecutor, type FederatedExecutor, type FederatedExecutorOptions } from './federatedExecutor';
import type { ManifestDocument } from './persistedDocuments';
import type { SupergraphFile } from './supergraphFile';

export interface FastGraphOptions {
  file: SupergraphFile;
  logger: Logger;
  /** @default true */
  dedupe?: boolean;
  /** @default 15_000 */
  timeoutMs?: number;
  /** @default true */
  introspection?: boolean;
  /** The documents to prepare ahead of their first request. @default () => [] */
  documents?: () => ManifestDocument[];
  /** Operation limits (`operationLimits.ts`). @default none */
  limits?: FederatedExecutorOptions['limits'];
  /** Hears of every subgraph HTTP exchange (metrics). @default none */
  onFetch?: FederatedExecutorOptions['onFetch'];
  /** Spans per subgraph exchange. @default none */
  tracing?: FederatedExecutorOptions['tracing'];
}

export interface FastGraph {
  current(): FederatedExecutor | undefined;
  /** Prepares `documents` on the current executor; returns how many are ready. */
  warm(documents: ManifestDocument[]): number;
  close(): Promise<void>;
}

/** `[null]` for a document with one operation (requests may omit its name), else each operation's name. */
function operationNames(text: string): Array<string | null> {
  const ops = parse(text).definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  return ops.length === 1 ? [null] : ops.map((o) => o.name?.value ?? null);
}

export async function startFastGraph(opts: FastGraphOptions): Promise<FastGraph> {
  let executor: FederatedExecutor | undefined;
  const build = (sdl: string): FederatedExecutor => createFederatedExecutor({
    supergraphSdl: sdl, dedupe: opts.dedupe, timeoutMs: opts.timeoutMs, introspection: opts.introspection,
    limits: opts.limits, onFetch: opts.onFetch, tracing: opts.tracing,
  });
  const warmOn = (ex: FederatedExecutor, documents: ManifestDocument[]): number => {
    let ready = 0;
    for (const d of documents) {
      try {
        for (const name of operationNames(d.query)) ex.prepareSource(d.query, name);
        ready += 1;
      } catch (err) {
        opts.logger.warn({ hash: d.hash, err }, 'trusted document does not validate against the served graph');
      }
    }
    return ready;
  };
  const swap = (sdl: string): void => {
    const next = build(sdl);
    const ready = warmOn(next, opts.documents?.() ?? []);
    const previous = executor;
    executor = next;
    opts.logger.info({ warmed: ready }, 'fast executor serving the supergraph');
    previous?.close().catch((err: unknown) => opts.logger.warn({ err }, 'closing the previous executor failed'));
  };
  const { supergraphSdl, cleanup } = await opts.file.hook({
    update: swap,
    healthCheck: () => Promise.resolve(),
    getDataSource: () => {
      throw new Error('the fast executor has no Apollo data sources');
    },
  });
  swap(supergraphSdl);
  return {
    current: () => executor,
    warm: (documents) => (executor ? warmOn(executor, documents) : 0),
    async close() {
      await cleanup?.();
      await executor?.close();
    },
  };
}
