/**
 * Tenant ids. Subgraphs take a request's tenant only from the gateway's signed internal context
 * (`internalContext.ts`: header `x-lumina-context`, or `connectionParams.context` over graphql-ws;
 * checked by `checkCaller` in `tenantRegistry.ts`), never from a plain header or parameter. Caches
 * that outlive a request are keyed by it (STYLE.md rule 10), so a value that is not a plain id is
 * refused rather than guessed at.
 * No request header names a tenant anywhere: the gateway takes it from the caller's verified token.
 */
export const DEFAULT_TENANT = 'default';
/** What a tenant id may look like. */
export const TENANT_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export function isTenantId(value: unknown): value is string {
  return typeof value === 'string' && TENANT_PATTERN.test(value);
}
