/**
 * One page of a Graph collection: `$filter`, `$select`, `$top` and offset-based `$skiptoken`
 * paging with an absolute `@odata.nextLink` that repeats the caller's other query options.
 */
import type { SandboxRequest } from '../../kit/sandboxServer';
import { GraphHttpError } from './graphErrors';
import {
  applySelect, decodeToken, encodeToken, linkWith, matchesFilter, parseFilter, parseSelect, parseTop, type FilterSchema,
} from './odataQuery';

export interface CollectionOptions<T extends object> {
  req: SandboxRequest;
  items: readonly T[];
  /** The `@odata.context` URL for the whole collection (a `$select` list is appended as Graph does). */
  context: (select: string[] | null) => string;
  /** Properties `$select` may name, and the OData type name used in its errors. */
  selectable: readonly string[];
  typeName: string;
  /** Properties returned without `$select` (all when absent). */
  defaults?: readonly string[];
  filter?: FilterSchema;
  defaultTop: number;
  maxTop: number;
  /** Kind tag inside the skiptoken, so a token from another collection is refused. */
  kind: string;
  /** Add `@odata.count` (the filtered total). */
  count?: boolean;
}

export function collectionPage<T extends object>(o: CollectionOptions<T>): Record<string, unknown> {
  const { req } = o;
  const select = parseSelect(req.query, o.selectable, o.typeName);
  const top = parseTop(req.query, o.defaultTop, o.maxTop);
  const filterText = req.query.get('$filter');
  const tree = filterText !== null && o.filter ? parseFilter(filterText, o.filter) : null;
  if (filterText !== null && !o.filter) throw new GraphHttpError(400, 'BadRequest', "Query option '$filter' is not supported on this resource.");
  const skip = req.query.get('$skiptoken');
  const offset = skip === null ? 0 : Number(decodeToken(skip, o.kind).o);
  if (!Number.isInteger(offset) || offset < 0) throw new GraphHttpError(400, 'BadRequest', 'The $skiptoken value is invalid or has expired.');
  const matching = tree ? o.items.filter((it) => matchesFilter(tree, it as Record<string, unknown>)) : o.items;
  const page = matching.slice(offset, offset + top);
  const body: Record<string, unknown> = { '@odata.context': o.context(select) };
  if (o.count) body['@odata.count'] = matching.length;
  if (offset + top < matching.length) {
    const keep = [...req.query.entries()].filter(([k]) => k !== '$skiptoken');
    body['@odata.nextLink'] = linkWith(req.origin, req.rawPath, [...keep, ['$skiptoken', encodeToken({ k: o.kind, o: offset + top })]]);
  }
  body.value = page.map((it) => applySelect(it, select ?? (o.defaults ? [...o.defaults] : null)));
  return body;
}

/** The `@odata.context` suffix for a `$select`: `(a,b)`, or nothing without one. */
export function selectSuffix(select: string[] | null): string {
  return select ? `(${select.join(',')})` : '';
}
