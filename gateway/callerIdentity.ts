/**
 * Who is calling, as far as the response cache is concerned: the tenant, an opaque identity derived
 * from the caller's credentials, and the caller's scopes, taken from the request headers exactly as
 * the request carries them. Cache keys include all three, so a cached response is never served to
 * another tenant or to a caller with different credentials or scopes.
 *
 * Until real authentication lands (a later issue replaces this with JWT verification):
 * - tenant: header `x-lumina-tenant`, `[A-Za-z0-9_-]{1,64}` (`isTenantId` of the kit); absent =
 *   `default`; present but invalid (including empty, or sent twice) = `CallerIdentityError` code
 *   `BAD_TENANT` (stricter than the kit's `tenantFrom`, which takes empty as `default`);
 * - identity: `anon` without an `authorization` header, else the first 32 hex characters of the
 *   sha256 of its exact value (the credential itself is never kept);
 * - scopes: header `x-lumina-scopes`, split on spaces and commas, each `[A-Za-z0-9_.:-]{1,64}`, at
 *   most 64, sorted and deduplicated; anything else = `CallerIdentityError` code `BAD_SCOPES`.
 * The HTTP handler maps a `CallerIdentityError` to status 400 with its `code`.
 */
import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { DEFAULT_TENANT, isTenantId, TENANT_HEADER } from '../subgraphs/kit/tenant';

export interface Caller {
  tenant: string;
  /** `anon`, or 32 hex characters identifying the exact `authorization` header value. */
  identity: string;
  /** Sorted, deduplicated. */
  scopes: string[];
}

export const SCOPES_HEADER = 'x-lumina-scopes';
export const ANONYMOUS_IDENTITY = 'anon';
/**
 * The request headers a response depends on: a shared HTTP cache (CDN) in front of the gateway
 * must vary on them (`Vary` header) when a response is marked `public`.
 */
export const CALLER_VARY_HEADERS = `authorization, ${TENANT_HEADER}, ${SCOPES_HEADER}`;

const SCOPE_PATTERN = /^[A-Za-z0-9_.:-]{1,64}$/;
const MAX_SCOPES = 64;
/** 64 scopes of 64 characters with separators, plus slack for extra spaces. */
const MAX_SCOPES_HEADER_CHARS = 8_192;

export type CallerIdentityErrorCode = 'BAD_TENANT' | 'BAD_SCOPES';

/** The request's tenant or scopes header is malformed: answer 400 with `code`. */
export class CallerIdentityError extends Error {
  readonly status = 400;
  constructor(readonly code: CallerIdentityErrorCode, message: string) {
    super(message);
    this.name = 'CallerIdentityError';
  }
}

/** Node joins repeated custom headers with ', '; an array can still come from other callers. */
function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

function tenantFrom(headers: IncomingHttpHeaders): string {
  const raw = headerValue(headers[TENANT_HEADER]);
  if (raw === undefined) return DEFAULT_TENANT;
  if (!isTenantId(raw)) throw new CallerIdentityError('BAD_TENANT', `${TENANT_HEADER} must match [A-Za-z0-9_-]{1,64}`);
  return raw;
}

function identityFrom(headers: IncomingHttpHeaders): string {
  const raw = headerValue(headers.authorization);
  if (raw === undefined) return ANONYMOUS_IDENTITY;
  return createHash('sha256').update(raw, 'utf8').digest('hex').slice(0, 32);
}

function scopesFrom(headers: IncomingHttpHeaders): string[] {
  const raw = headerValue(headers[SCOPES_HEADER]);
  if (raw === undefined) return [];
  if (raw.length > MAX_SCOPES_HEADER_CHARS) throw new CallerIdentityError('BAD_SCOPES', `${SCOPES_HEADER} is too long`);
  const scopes = [...new Set(raw.split(/[\s,]+/).filter((s) => s !== ''))];
  if (scopes.length > MAX_SCOPES) throw new CallerIdentityError('BAD_SCOPES', `${SCOPES_HEADER} has more than ${MAX_SCOPES} scopes`);
  if (!scopes.every((s) => SCOPE_PATTERN.test(s))) {
    throw new CallerIdentityError('BAD_SCOPES', `each scope in ${SCOPES_HEADER} must match [A-Za-z0-9_.:-]{1,64}`);
  }
  return scopes.sort();
}

/** The caller of a request; throws `CallerIdentityError` on a malformed tenant or scopes header. */
export function callerFromHeaders(headers: IncomingHttpHeaders): Caller {
  return { tenant: tenantFrom(headers), identity: identityFrom(headers), scopes: scopesFrom(headers) };
}
