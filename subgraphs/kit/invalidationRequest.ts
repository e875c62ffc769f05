/**
 * An invalidation request of the cache protocol (issue 4), as the gateway and every subgraph accept it
 * on `POST /internal/invalidate` and in their in-process `invalidate()`:
 * - credentials: header `authorization: Bearer <INTERNAL_API_TOKEN>` (`bearerToken` reads it);
 * - body: `{"tags": [<1..512-character string>, ...], "tenant"?: <[A-Za-z0-9_-]{1,64}>}`, at most
 *   `MAX_INVALIDATION_TAGS` tags; no tenant = every tenant. Any other field is refused: a typo in
 *   `tenant` must not widen an invalidation to every tenant.
 * The parsers never throw; a refusal lists every reason found (the first bad tag only).
 */
import { MAX_TAG_LENGTH } from './cacheTags';
import { isTenantId } from './tenant';

/** Most tags in one invalidation request (and read from one subgraph response). */
export const MAX_INVALIDATION_TAGS = 10_000;

export interface InvalidationRequest {
  tags: string[];
  /** Only this tenant's entries; every tenant when absent. */
  tenant?: string;
}

export type ParsedInvalidation = { ok: true; request: InvalidationRequest } | { ok: false; reasons: string[] };

/** The token of an `authorization: Bearer <token>` header (scheme in any case), else undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  const m = header === undefined ? null : /^Bearer +(\S+)$/i.exec(header);
  return m?.[1];
}

function tagReasons(tags: unknown): string[] {
  if (!Array.isArray(tags)) return ['tags must be an array of strings'];
  if (tags.length > MAX_INVALIDATION_TAGS) return [`tags has more than ${MAX_INVALIDATION_TAGS} entries`];
  const bad = tags.findIndex((t) => typeof t !== 'string' || t.length < 1 || t.length > MAX_TAG_LENGTH);
  return bad === -1 ? [] : [`tags[${bad}] must be a string of 1..${MAX_TAG_LENGTH} characters`];
}

/** Validates an invalidation request (a parsed JSON body, or the argument of `invalidate()`). */
export function parseInvalidationRequest(body: unknown): ParsedInvalidation {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { ok: false, reasons: ['body must be a JSON object {"tags": [...], "tenant"?: "..."}'] };
  const { tags, tenant, ...rest } = body as Record<string, unknown>;
  const reasons = tagReasons(tags);
  if (tenant !== undefined && !isTenantId(tenant)) reasons.push('tenant must match [A-Za-z0-9_-]{1,64}');
  const unknown = Object.keys(rest);
  if (unknown.length > 0) reasons.push(`unknown fields: ${unknown.slice(0, 5).map((k) => JSON.stringify(k.slice(0, 64))).join(', ')}`);
  if (reasons.length > 0) return { ok: false, reasons };
  return { ok: true, request: { tags: tags as string[], ...(tenant === undefined ? {} : { tenant: tenant as string }) } };
}

/** Validates an invalidation request body (untrusted JSON text). */
export function parseInvalidationBody(raw: string): ParsedInvalidation {
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    return { ok: false, reasons: ['body is not JSON'] };
  }
  return parseInvalidationRequest(body);
}
