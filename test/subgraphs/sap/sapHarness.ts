/**
 * Boots the real SAP sandbox (small seed) and the real SAP subgraph pointed at it, and talks
 * GraphQL over HTTP. Upstream request counts come from the sandbox's counters.
 */
import pino from 'pino';
import { loadSapConfig } from '../../../subgraphs/sap/config';
import { startSapSandbox, type SapSandbox, type SapSandboxOptions } from '../../../subgraphs/sap/sandbox/sapSandbox';
import { startSapSubgraph, type SapSubgraphServer } from '../../../subgraphs/sap/server';
import { CONTEXT_ENV, contextHeaders, testTenantRegistry } from '../signedContext';

export const SIZE = { people: 300, accounts: 30, orders: 3000 };

export interface GraphQLResult {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- test convenience: asserted field by field
  data?: any;
  errors?: Array<{ message: string; path?: Array<string | number>; extensions?: Record<string, unknown> }>;
}

export interface SapHarness {
  sandbox: SapSandbox;
  subgraph: SapSubgraphServer;
  /** POSTs with a context signed for `default` unless `headers` carry another `x-lumina-context` (`contextHeaders(tenant)`). */
  gql(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<GraphQLResult>;
  /** Upstream requests by counter name since the last `resetCounts`. */
  counts(): Record<string, number>;
  resetCounts(): void;
  /** Set sandbox fault knobs (`PUT /__admin/faults`). */
  faults(knobs: Record<string, unknown>): Promise<void>;
  close(): Promise<void>;
}

/**
 * `env`: SAP_* keys (SAP_EVENTS_* included), ENTITY_CACHE_* and INTERNAL_API_TOKEN for the subgraph
 * (not process.env); `sandboxOptions` add to the sandbox's (e.g. its event retry policy).
 */
export async function startSapHarness(env: Record<string, string> = {}, sandboxOptions: SapSandboxOptions = {}): Promise<SapHarness> {
  const logger = pino({ level: process.env.LOG_LEVEL ?? 'silent' });
  const sandbox = await startSapSandbox({ port: 0, logger, size: SIZE, ...sandboxOptions });
  const subgraphEnv = { ...CONTEXT_ENV, SAP_BASE_URL: sandbox.url, SAP_TIMEOUT_MS: '5000', ...env };
  let subgraph: SapSubgraphServer;
  try {
    subgraph = await startSapSubgraph({ port: 0, logger, config: loadSapConfig(subgraphEnv), env: subgraphEnv, tenants: testTenantRegistry() });
  } catch (err) {
    await sandbox.close();
    throw err;
  }
  return {
    sandbox,
    subgraph,
    async gql(query, variables, headers = {}) {
      const res = await fetch(subgraph.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...contextHeaders(), ...headers },
        body: JSON.stringify({ query, variables }),
      });
      return (await res.json()) as GraphQLResult;
    },
    counts: () => sandbox.counters.snapshot().byEndpoint,
    resetCounts: () => sandbox.counters.reset(),
    async faults(knobs) {
      const res = await fetch(`${sandbox.url}/__admin/faults`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(knobs) });
      if (res.status !== 200) throw new Error(`fault knobs refused: ${await res.text()}`);
    },
    async close() {
      await subgraph.close();
      await sandbox.close();
    },
  };
}

/** Counts without the (once per process) CSRF token fetch, for tests whose order must not matter. */
export function withoutCsrfFetch(counts: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).filter(([k]) => !k.startsWith('HEAD ')));
}

/** `_entities` query text for the given representations and selection. */
export const ENTITIES = (selection: string): string =>
  `query($reps: [_Any!]!) { _entities(representations: $reps) { ${selection} } }`;

export const ORDER_FIELDS = 'id number type status version soldToParty totalNetAmount { amount currency } createdAt updatedAt orderDate items { id itemNumber material quantity quantityUnit netAmount { amount currency } }';
