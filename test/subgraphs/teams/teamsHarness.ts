/**
 * Test harness for the Teams subgraph: a real Graph sandbox (HTTPS, trusted through
 * NODE_EXTRA_CA_CERTS) and the real subgraph pointed at it, both on port 0; GraphQL over HTTP;
 * upstream request counts from the sandbox's counters; expectations computed from the sandbox store.
 */
import pino from 'pino';
import { startGraphSandbox, type GraphSandbox, type GraphSandboxOptions } from '../../../subgraphs/teams/sandbox/graphSandbox';
import type { ChatMessage, GraphData } from '../../../subgraphs/teams/sandbox/graphStore';
import { startTeamsSubgraph, type TeamsSubgraph } from '../../../subgraphs/teams/server';
import { CONTEXT_ENV, contextHeaders, testTenantRegistry } from '../signedContext';

export const silent = pino({ level: 'silent' });

export interface GqlResult<T = Record<string, any>> { // eslint-disable-line @typescript-eslint/no-explicit-any
  status: number;
  data?: T | null;
  errors?: Array<{ message: string; path?: Array<string | number>; extensions?: Record<string, unknown> }>;
  raw: string;
}

/** POSTs with a context signed for `tenant`. */
export async function gql<T = Record<string, any>>(url: string, query: string, variables?: Record<string, unknown>, tenant = 'default'): Promise<GqlResult<T>> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...contextHeaders(tenant) }, body: JSON.stringify({ query, variables }) });
  const raw = await res.text();
  return { status: res.status, ...(JSON.parse(raw) as object), raw };
}

/** The subgraph env pointing at a sandbox (and verifying the test contexts); no background refresh unless a test asks for one. */
export function subgraphEnv(sb: GraphSandbox, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...CONTEXT_ENV,
    GRAPH_AUTHORITY_HOST: sb.url, GRAPH_BASE_URL: sb.url, TEAMS_INDEX_REFRESH_MS: '600000', TEAMS_INDEX_MAX_STALENESS_MS: '600000',
    ...extra,
  };
}

export interface Harness {
  sb: GraphSandbox;
  sub: TeamsSubgraph;
  query<T = Record<string, any>>(query: string, variables?: Record<string, unknown>): Promise<GqlResult<T>>; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** Upstream requests since the last `resetCounts()`, by counter name. */
  counts(): Record<string, number>;
  resetCounts(): void;
  close(): Promise<void>;
}

/** Sandbox (unthrottled unless `sandbox.requestsPerSecond` says otherwise) + subgraph with a ready index. */
export async function startHarness(opts: { env?: Record<string, string>; sandbox?: GraphSandboxOptions } = {}): Promise<Harness> {
  const sb = await startGraphSandbox({ port: 0, logger: silent, requestsPerSecond: 100_000, ...opts.sandbox });
  const sub = await startTeamsSubgraph({ port: 0, logger: silent, env: subgraphEnv(sb, opts.env), tenants: testTenantRegistry() });
  await sub.index.ready();
  sb.counters.reset();
  return {
    sb,
    sub,
    query: (q, v) => gql(sub.url, q, v),
    counts: () => sb.counters.snapshot().byEndpoint,
    resetCounts: () => sb.counters.reset(),
    async close() {
      await sub.close();
      await sb.close();
    },
  };
}

/** Admin call on the sandbox (`/__admin/<path>`). */
export async function sandboxAdmin(sb: GraphSandbox, method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${sb.url}/__admin/${path}`, {
    method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
  });
  return (await res.json()) as Record<string, unknown>;
}

/** A Graph token for the sandbox's default app (to post "elsewhere", straight to Graph). */
export async function sandboxToken(sb: GraphSandbox): Promise<string> {
  const res = await fetch(`${sb.url}/${sb.tenantId}/oauth2/v2.0/token`, {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: sb.clientId, client_secret: sb.clientSecret ?? '', scope: 'https://graph.microsoft.com/.default' }).toString(),
  });
  return ((await res.json()) as { access_token: string }).access_token;
}

export interface StoredRoot {
  teamId: string;
  channelId: string;
  message: ChatMessage;
}

/** Every served root message in the sandbox store (no system events, no deleted ones). */
export function storedRoots(data: GraphData): StoredRoot[] {
  const out: StoredRoot[] = [];
  for (const [key, store] of data.messages) {
    const [teamId, channelId] = key.split('|') as [string, string];
    for (const r of store.roots) {
      if (r.message.messageType === 'message' && !r.message.deletedDateTime) out.push({ teamId, channelId, message: r.message });
    }
  }
  return out;
}

/** The index's order: newest first by creation time, then message id, then canonical id. */
export function newestFirst(a: StoredRoot, b: StoredRoot): number {
  const ka = `${new Date(a.message.createdDateTime).toISOString()}|${a.message.id.padStart(20, '0')}`;
  const kb = `${new Date(b.message.createdDateTime).toISOString()}|${b.message.id.padStart(20, '0')}`;
  return ka < kb ? 1 : ka > kb ? -1 : 0;
}

/** A sandbox user's served root messages, newest first. */
export function rootsBy(data: GraphData, userId: string): StoredRoot[] {
  return storedRoots(data).filter((r) => r.message.from?.user?.id === userId).sort(newestFirst);
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
