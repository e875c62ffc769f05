/**
 * The tenant of a request: the gateway forwards it in `x-lumina-tenant`; absent means the default
 * tenant. Caches that outlive a request are keyed by it (STYLE.md rule 10), so a value that is not a
 * plain id is refused rather than guessed at.
 */
import type { IncomingHttpHeaders } from 'node:http';

export const TENANT_HEADER = 'x-lumina-tenant';
export const DEFAULT_TENANT = 'default';
/** What a tenant id may look like. */
export const TENANT_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export function isTenantId(value: unknown): value is string {
  return typeof value === 'string' && TENANT_PATTERN.test(value);
}

/** The request's tenant: the header's value, `default` when absent, null when it is not a tenant id. */
export function tenantFrom(headers: IncomingHttpHeaders): string | null {
  const given = headers[TENANT_HEADER];
  if (given === undefined || given === '') return DEFAULT_TENANT;
  return isTenantId(given) ? given : null;
}
