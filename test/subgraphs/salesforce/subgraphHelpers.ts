/**
 * Shared set-up for the Salesforce subgraph tests: a real Salesforce sandbox and the real subgraph
 * pointed at it (both on port 0), a GraphQL-over-HTTP helper and the sandbox's request counters.
 */
import pino from 'pino';
import {
  startSalesforceSandbox, type SalesforceSandbox, type SalesforceSandboxOptions,
} from '../../../subgraphs/salesforce/sandbox/salesforceSandbox';
import { startSalesforceSubgraph, type SalesforceSubgraph, type SalesforceSubgraphOptions } from '../../../subgraphs/salesforce/server';
import { CONTEXT_ENV, contextHeaders, testTenantRegistry } from '../signedContext';

export const QUERY = 'GET /services/data/vXX.X/query';
export const TOKEN = 'POST /services/oauth2/token';

export interface GraphQLError {
  message: string;
  path?: (string | number)[];
  extensions?: Record<string, unknown>;
}

export interface GraphQLReply<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  data?: T | null;
  errors?: GraphQLError[];
}

export interface Harness {
  sandbox: SalesforceSandbox;
  subgraph: SalesforceSubgraph;
  /** POSTs with a context signed for `default` unless `headers` carry another `x-lumina-context` (`contextHeaders(tenant)`). */
  gql<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<GraphQLReply<T>>;
  /** Requests the sandbox served since the last `resetCounters`, by endpoint. */
  counts(): Record<string, number>;
  count(endpoint: string): number;
  resetCounters(): void;
  /** Runs one query so the subgraph has its Salesforce session before a test counts requests. */
  warmUp(): Promise<void>;
  admin(method: string, path: string, body?: unknown): Promise<unknown>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  sandbox?: SalesforceSandboxOptions;
  /** SALESFORCE_* keys for the subgraph (SALESFORCE_LOGIN_URL is set to the sandbox; SALESFORCE_CDC defaults to 'false'; INTERNAL_CONTEXT_SECRET to the test secret). */
  env?: Record<string, string>;
  /** Other subgraph options (e.g. a shared `eventLog`). */
  subgraph?: Omit<SalesforceSubgraphOptions, 'env' | 'port' | 'logger'>;
}

export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const logger = pino({ level: process.env.LOG_LEVEL ?? 'silent' });
  const sandbox = await startSalesforceSandbox({ port: 0, logger, size: { accounts: 40, people: 700 }, ...opts.sandbox });
  const subgraph = await startSalesforceSubgraph({
    // CDC off unless a test turns it on: its cache invalidations would race the counting tests.
    port: 0, logger, env: { ...CONTEXT_ENV, SALESFORCE_LOGIN_URL: sandbox.url, SALESFORCE_RETRY_DELAY_MS: '10', SALESFORCE_CDC: 'false', ...opts.env },
    tenants: testTenantRegistry(), ...opts.subgraph,
  });
  const harness: Harness = {
    sandbox,
    subgraph,
    async gql(query, variables, headers = {}) {
      const res = await fetch(subgraph.url, {
        method: 'POST', headers: { 'content-type': 'application/json', ...contextHeaders(), ...headers }, body: JSON.stringify({ query, variables }),
      });
      const body = (await res.json()) as { data?: unknown; errors?: GraphQLError[] };
      return { status: res.status, headers: res.headers, ...body } as GraphQLReply<never>;
    },
    counts: () => sandbox.counters.snapshot().byEndpoint,
    count: (endpoint) => sandbox.counters.snapshot().byEndpoint[endpoint] ?? 0,
    resetCounters: () => sandbox.counters.reset(),
    async warmUp() {
      const res = await harness.gql('{ contacts(first: 1) { nodes { id } } }');
      if (res.errors) throw new Error(`warm-up failed: ${JSON.stringify(res.errors)}`);
    },
    async admin(method, path, body) {
      const res = await fetch(`${sandbox.url}/__admin/${path}`, {
        method, ...(body !== undefined ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}),
      });
      return res.json();
    },
    async close() {
      await subgraph.close();
      await sandbox.close();
    },
  };
  return harness;
}

/** The first N live contacts of the sandbox, ordered by id, as `{ id, email, accountId }`. */
export function seedContacts(sandbox: SalesforceSandbox, n: number): { id: string; email: string; accountId: string | null }[] {
  const rows = sandbox.store.all('Contact')
    .filter((r) => r.values.IsDeleted !== true)
    .map((r) => ({ id: String(r.values.Id), email: String(r.values.Email), accountId: (r.values.AccountId as string | null) ?? null }))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return rows.slice(0, n);
}
