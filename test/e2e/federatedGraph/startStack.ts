/**
 * Boots the whole stack for end-to-end tests, every component a real server on an ephemeral
 * loopback port: the three sandboxes, the three subgraphs pointed at them, a supergraph composed
 * from `schema/` into a temp file, and the gateway. Tests talk to the gateway over HTTP and read
 * upstream request counts from the sandboxes' counters.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import net from 'node:net';
import path from 'node:path';
import pino from 'pino';
import { composeSupergraph } from '../../../gateway/composeSupergraph';
import { ALL_SCOPES, signDevToken } from '../../../gateway/devTokens';
import { createAuditLog } from '../../../subgraphs/kit/auditLog';
import { startGateway, type Gateway, type GatewayOptions } from '../../../gateway/server';
import { SUBGRAPH_NAMES, subgraphSdl } from '../../../schema/subgraphSchemas';
import { startSalesforceSandbox, type SalesforceSandbox } from '../../../subgraphs/salesforce/sandbox/salesforceSandbox';
import { startSalesforceSubgraph } from '../../../subgraphs/salesforce/server';
import { startSapSandbox, type SapSandbox } from '../../../subgraphs/sap/sandbox/sapSandbox';
import { startSapSubgraph } from '../../../subgraphs/sap/server';
import { startGraphSandbox, type GraphSandbox } from '../../../subgraphs/teams/sandbox/graphSandbox';
import { startTeamsSubgraph } from '../../../subgraphs/teams/server';
import type { SubgraphServer } from '../../../subgraphs/kit/subgraphServer';

export interface StackOptions {
  /** Extra environment for the subgraphs (e.g. TEAMS_INDEX_MAX_STALENESS_MS). */
  env?: Record<string, string>;
  /**
   * Subgraph entity caches and the gateway's response cache. Off by default so tests that count
   * upstream requests see every request; the caching scenarios turn them on.
   */
  caches?: boolean;
  /** More gateway options (persisted-document mode, manifests, internal token, executor ...). */
  gateway?: Partial<GatewayOptions>;
  /**
   * Event delivery end to end: Salesforce CDC over CometD, SAP CloudEvents webhooks and Graph change
   * notifications into the subgraphs' event logs, which invalidate through the gateway. Off by
   * default (no CDC consumer, no webhooks) so other tests see only their own upstream requests.
   */
  events?: boolean;
  /**
   * More tenants besides `default`, each served by the same sandboxes (the environment's system
   * configuration): written to a LUMINA_TENANTS_FILE that gateway and subgraphs read.
   */
  tenants?: string[];
}

/** A free loopback port (the gateway's, known before the subgraphs that call it start). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** Sandbox webhook password of the SAP event intake in tests. */
export const TEST_SAP_EVENTS_PASSWORD = 'e2e-event-mesh-password-0123';
export const TEST_INTERNAL_TOKEN = 'e2e-internal-token-for-events';
/** The internal-context secret gateway and subgraphs share in tests. */
export const TEST_CONTEXT_SECRET = 'e2e-internal-context-secret-0123456789abcdef';
/** HS256 secret, issuer and audience of the tests' JWTs. */
export const TEST_JWT = { secret: 'e2e-jwt-secret-for-tests-0123456789abcdef', issuer: 'lumina-e2e', audience: 'lumina-gateway' };

/** What every gateway on a test stack's subgraphs needs: the shared context secret and JWT verification. */
export const STACK_GATEWAY_OPTIONS: Partial<GatewayOptions> = {
  contextSecrets: [TEST_CONTEXT_SECRET],
  auth: { mode: 'required', secret: TEST_JWT.secret, issuer: TEST_JWT.issuer, audience: TEST_JWT.audience, production: false },
  rateLimits: null,
  audit: false,
};

export interface TokenClaims {
  /** @default 'default' */
  tenant?: string;
  /** @default every scope */
  scopes?: readonly string[];
  /** @default 'e2e-user' */
  subject?: string;
  /** @default 3600 */
  expiresInS?: number;
}

/** A bearer token the test gateway accepts. */
export function testToken(claims: TokenClaims = {}): Promise<string> {
  return signDevToken({
    secret: TEST_JWT.secret, issuer: TEST_JWT.issuer, audience: TEST_JWT.audience,
    tenant: claims.tenant ?? 'default', scopes: [...(claims.scopes ?? ALL_SCOPES)], subject: claims.subject ?? 'e2e-user', expiresInS: claims.expiresInS ?? 3600,
  });
}

export interface GraphQLResponse<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  data?: T | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
}

export type SandboxName = 'salesforce' | 'sap' | 'teams';

export interface Stack {
  gatewayUrl: string;
  gateway: Gateway;
  /** The composed supergraph file (for starting more gateways on the same subgraphs). */
  supergraphPath: string;
  sandboxes: { salesforce: SalesforceSandbox; sap: SapSandbox; teams: GraphSandbox };
  /** The audit log file of this stack's gateway. */
  auditPath: string;
  /** `authorization` header value of the default token (default tenant, every scope). */
  authorization: string;
  /** The subgraph servers (fault tests stop one). */
  subgraphs: { salesforce: SubgraphServer; sap: SubgraphServer; teams: SubgraphServer };
  /**
   * POSTs an operation with a token of the default tenant carrying every scope, unless `headers`
   * has its own `authorization` (an empty string sends none).
   */
  query<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<GraphQLResponse<T>>;
  resetCounters(): void;
  /** Upstream requests per sandbox since the last reset, by endpoint counter name. */
  counts(): Record<SandboxName, Record<string, number>>;
  close(): Promise<void>;
}

export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  const logger = pino({ level: process.env.LOG_LEVEL ?? 'silent' });
  const [salesforce, sap, teams] = await Promise.all([
    startSalesforceSandbox({ port: 0, logger }),
    startSapSandbox({ port: 0, logger }),
    startGraphSandbox({ port: 0, logger }),
  ]);
  const dir = mkdtempSync(path.join(tmpdir(), 'lumina-stack-'));
  const gatewayPort = opts.events ? await freePort() : 0;
  const internalToken = opts.gateway?.internalToken ?? (opts.events ? TEST_INTERNAL_TOKEN : undefined);
  const events: Record<string, string> = opts.events
    ? {
      SALESFORCE_CDC: 'true',
      SALESFORCE_CDC_RETRY_MS: '200',
      SAP_EVENTS_AUTH: 'basic',
      SAP_EVENTS_PASSWORD: TEST_SAP_EVENTS_PASSWORD,
      SAP_EVENTS_REGISTER_URL: 'auto',
      TEAMS_NOTIFICATION_URL: 'auto',
      GATEWAY_INVALIDATE_URL: `http://127.0.0.1:${gatewayPort}/internal/invalidate`,
    }
    : { SALESFORCE_CDC: 'false' };
  const tenantsFile: Record<string, string> = {};
  if (opts.tenants) {
    const file = path.join(dir, 'tenants.json');
    const all = ['default', ...opts.tenants.filter((t) => t !== 'default')];
    writeFileSync(file, JSON.stringify({ tenants: Object.fromEntries(all.map((t) => [t, { salesforce: {}, sap: {}, teams: {} }])) }));
    tenantsFile.LUMINA_TENANTS_FILE = file;
  }
  const env = {
    ...tenantsFile,
    SALESFORCE_REPLAY_STORE: path.join(dir, 'salesforce-replay.json'),
    ...events,
    SALESFORCE_LOGIN_URL: salesforce.url,
    SAP_BASE_URL: sap.url,
    GRAPH_AUTHORITY_HOST: teams.url,
    GRAPH_BASE_URL: teams.url,
    // The message index is built at start and then left alone, so request counts are exact;
    // tests of index freshness live in test/subgraphs/teams.
    TEAMS_INDEX_REFRESH_MS: '600000',
    TEAMS_INDEX_MAX_STALENESS_MS: '600000',
    ENTITY_CACHE: opts.caches ? 'true' : 'false',
    ...(internalToken ? { INTERNAL_API_TOKEN: internalToken } : {}),
    INTERNAL_CONTEXT_SECRET: TEST_CONTEXT_SECRET,
    ...opts.env,
  };
  const subgraphs = await Promise.all([
    startSalesforceSubgraph({ port: 0, logger, env }),
    startSapSubgraph({ port: 0, logger, env }),
    startTeamsSubgraph({ port: 0, logger, env }),
  ]);
  await subgraphs[2].index.ready();
  const supergraphPath = path.join(dir, 'supergraph.graphql');
  writeFileSync(supergraphPath, composeSupergraph(SUBGRAPH_NAMES.map((name, i) => ({ name, url: subgraphs[i]!.url, sdl: subgraphSdl(name) }))));
  const auditPath = path.join(dir, 'audit.log');
  const gateway = await startGateway({
    port: gatewayPort, supergraphPath, logger, introspection: true, responseCache: opts.caches ?? false,
    ...STACK_GATEWAY_OPTIONS,
    audit: createAuditLog({ destination: auditPath }),
    env: { ...process.env, ...env },
    ...opts.gateway, ...(internalToken ? { internalToken } : {}),
  });
  const defaultToken = await testToken();
  const sandboxes = { salesforce, sap, teams };

  return {
    gatewayUrl: gateway.url,
    gateway,
    supergraphPath,
    sandboxes,
    auditPath,
    authorization: `Bearer ${defaultToken}`,
    subgraphs: { salesforce: subgraphs[0], sap: subgraphs[1], teams: subgraphs[2] },
    async query(query, variables, headers = {}) {
      const { authorization = `Bearer ${defaultToken}`, ...rest } = headers;
      const auth: Record<string, string> = authorization === '' ? {} : { authorization };
      const res = await fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json', ...auth, ...rest }, body: JSON.stringify({ query, variables }) });
      const body = (await res.json()) as Omit<GraphQLResponse, 'status' | 'headers'>;
      return { status: res.status, headers: res.headers, ...body } as GraphQLResponse<never>;
    },
    resetCounters() {
      for (const s of Object.values(sandboxes)) s.counters.reset();
    },
    counts() {
      return {
        salesforce: salesforce.counters.snapshot().byEndpoint,
        sap: sap.counters.snapshot().byEndpoint,
        teams: teams.counters.snapshot().byEndpoint,
      };
    },
    async close() {
      await gateway.close();
      await Promise.all(subgraphs.map((s) => s.close().catch(() => undefined)));
      await Promise.all(Object.values(sandboxes).map((s) => s.close()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Sum of the counters whose name matches. */
export function countOf(byEndpoint: Record<string, number>, pattern: RegExp): number {
  return Object.entries(byEndpoint).filter(([name]) => pattern.test(name)).reduce((n, [, v]) => n + v, 0);
}
