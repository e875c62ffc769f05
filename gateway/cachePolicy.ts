/**
 * Cache policy of a gateway response, derived from the subgraph responses it was built from
 * (cache protocol, issue 4):
 * - each subgraph sends `Cache-Control` computed by Apollo Server's cache-control plugin from the
 *   `@cacheControl` hints in its SDL (`max-age=N, public|private`); absent, `no-store`, `no-cache`,
 *   `max-age=0` or anything unreadable means "not cacheable";
 * - `combinePolicies` folds the subgraph policies of one operation: the smallest max-age, private if
 *   any is private, not cacheable if any is not (or if there is none at all);
 * - `cacheControlHeader` renders the result for the gateway's own response;
 * - `readCacheTags` reads `extensions.cacheTags` / `extensions.invalidatedTags` of a subgraph body.
 * Pure functions; every input is treated as untrusted (subgraph headers and bodies). Tags longer
 * than the kit's `MAX_TAG_LENGTH`, and those past the first `MAX_INVALIDATION_TAGS`, are ignored.
 */
import { MAX_TAG_LENGTH } from '../subgraphs/kit/cacheTags';
import { MAX_INVALIDATION_TAGS } from '../subgraphs/kit/invalidationRequest';

export type CacheScope = 'public' | 'private';

export type CachePolicy =
  | { cacheable: true; /** Seconds, at least 1. */ maxAgeS: number; scope: CacheScope }
  | { cacheable: false };

export const NOT_CACHEABLE: CachePolicy = Object.freeze({ cacheable: false });

/** RFC 9111 5.2: a larger delta-seconds is treated as 2^31. */
const MAX_AGE_CAP_S = 2_147_483_648;
/** Longer headers are not read (Apollo writes about 25 characters). */
const MAX_HEADER_CHARS = 1_024;
const MAX_DIRECTIVES = 16;
const DIRECTIVE = /^([a-z0-9!#$%&'*+.^_`|~-]+)(?:=(?:"(\d{1,12})"|(\d{1,12})|"[^"]*"|[^\s",;=]*))?$/;

interface Directives {
  maxAge: number[];
  names: Set<string>;
}

function readDirectives(header: string): Directives | null {
  const parts = header.split(',').map((p) => p.trim()).filter((p) => p !== '');
  if (parts.length > MAX_DIRECTIVES) return null;
  const out: Directives = { maxAge: [], names: new Set() };
  for (const part of parts) {
    const m = DIRECTIVE.exec(part.toLowerCase());
    if (!m?.[1]) return null;
    out.names.add(m[1]);
    if (m[1] !== 'max-age') continue;
    const digits = m[2] ?? m[3];
    if (digits === undefined) return null;
    out.maxAge.push(Math.min(Number(digits), MAX_AGE_CAP_S));
  }
  return out;
}

/**
 * The policy of one subgraph response from its `Cache-Control` header (a string, or the list of
 * repeated header lines). Only `max-age`, `public`, `private`, `no-store` and `no-cache` count;
 * other directives (`s-maxage`, `must-revalidate` ...) are ignored. Conflicting `max-age` values,
 * a malformed directive or an over-long header make the response not cacheable.
 */
export function parseCacheControl(header: string | readonly string[] | null | undefined): CachePolicy {
  const text = typeof header === 'string' ? header : Array.isArray(header) ? header.join(',') : undefined;
  if (text === undefined || text.length > MAX_HEADER_CHARS) return NOT_CACHEABLE;
  const d = readDirectives(text);
  if (!d || d.names.has('no-store') || d.names.has('no-cache')) return NOT_CACHEABLE;
  const maxAgeS = d.maxAge[0];
  if (maxAgeS === undefined || maxAgeS <= 0 || d.maxAge.some((a) => a !== maxAgeS)) return NOT_CACHEABLE;
  return { cacheable: true, maxAgeS, scope: d.names.has('private') ? 'private' : 'public' };
}

/** The policy of a response built from all of `policies`; an empty list is not cacheable. */
export function combinePolicies(policies: readonly CachePolicy[]): CachePolicy {
  if (policies.length === 0) return NOT_CACHEABLE;
  let maxAgeS = Infinity;
  let scope: CacheScope = 'public';
  for (const p of policies) {
    if (!p.cacheable) return NOT_CACHEABLE;
    maxAgeS = Math.min(maxAgeS, p.maxAgeS);
    if (p.scope === 'private') scope = 'private';
  }
  return { cacheable: true, maxAgeS, scope };
}

/** `Cache-Control` for the gateway's response: `max-age=N, public|private`, or `no-store`. */
export function cacheControlHeader(policy: CachePolicy): string {
  return policy.cacheable ? `max-age=${policy.maxAgeS}, ${policy.scope}` : 'no-store';
}

function tagList(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  const tags = new Set<string>();
  for (const tag of value.slice(0, MAX_INVALIDATION_TAGS)) {
    if (typeof tag === 'string' && tag.length > 0 && tag.length <= MAX_TAG_LENGTH) tags.add(tag);
  }
  return [...tags];
}

/**
 * The cache tags in a subgraph response's `extensions` (deduplicated; anything that is not a tag
 * string of 1..512 characters is dropped; at most 10 000 of each are read).
 */
export function readCacheTags(extensions: unknown): { cacheTags: string[]; invalidatedTags: string[] } {
  if (typeof extensions !== 'object' || extensions === null) return { cacheTags: [], invalidatedTags: [] };
  const ext = extensions as { cacheTags?: unknown; invalidatedTags?: unknown };
  return { cacheTags: tagList(ext.cacheTags), invalidatedTags: tagList(ext.invalidatedTags) };
}
