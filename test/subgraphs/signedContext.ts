/**
 * Test side of the gateway -> subgraph internal context (`subgraphs/kit/internalContext.ts`): a test
 * secret, the env that configures it, and freshly signed `x-lumina-context` values / headers, as
 * the gateway sends them.
 */
import { randomUUID } from 'node:crypto';
import { INTERNAL_CONTEXT_HEADER, signInternalContext, type InternalContext } from '../../subgraphs/kit/internalContext';
import { parseTenantRegistry, type TenantRegistry } from '../../subgraphs/kit/tenantRegistry';

export const TEST_CONTEXT_SECRET = 'test-internal-context-secret-0123456789abcdef';
/** What a subgraph under test needs in its env to verify the test contexts. */
export const CONTEXT_ENV = { INTERNAL_CONTEXT_SECRET: TEST_CONTEXT_SECRET } as const;

/** A context signed now (or at `issuedAt`) for `tenant`, with a new request id unless given. */
export function signedContext(tenant = 'default', extra: Partial<InternalContext> = {}, secret = TEST_CONTEXT_SECRET): string {
  return signInternalContext({ tenant, scopes: [], subject: null, requestId: randomUUID(), ...extra }, [secret]);
}

/** `{ 'x-lumina-context': <signed for tenant> }`. */
export function contextHeaders(tenant = 'default', extra: Partial<InternalContext> = {}): Record<string, string> {
  return { [INTERNAL_CONTEXT_HEADER]: signedContext(tenant, extra) };
}

/** Tenants the test subgraphs serve, every system from the environment. */
export const TEST_TENANTS = ['default', 'tenant-a', 'tenant-b', 'acme', 'globex', 'other-tenant'];

/** A registry serving `TEST_TENANTS` with every system configured from the environment. */
export function testTenantRegistry(tenants: readonly string[] = TEST_TENANTS): TenantRegistry {
  return parseTenantRegistry({ tenants: Object.fromEntries(tenants.map((t) => [t, { salesforce: {}, sap: {}, teams: {} }])) }, 'test tenants');
}
