/**
 * Tenant ids. Subgraphs take a request's tenant only from the gateway's signed internal context
 * (`internalContext.ts`: header `x-lumina-context`, or `connectionParams.context` over graphql-ws;
 * checked by `checkCaller` in `tenantRegistry.ts`), never from a plain header or parameter. Caches
 * that outlive a request are keyed by it (STYLE.md rule 10), so a value that is not a plain id is
 * refused rather than guessed at.
 *
 * `TENANT_HEADER` (`x-lumina-tenant`) is what the *gateway* reads from its callers
 * (`gateway/callerIdentity.ts`); subgraphs ignore it.
 */
export const TENANT_HEADER = 'x-lumina-tenant';
export const DEFAULT_TENANT = 'default';
/** What a tenant id may look like. */
export const TENANT_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export function isTenantId(value: unknown): value is string {
  return typeof value === 'string' && TENANT_PATTERN.test(value);
}
