/**
 * Reads: resolve a resource path to an entity or a collection, apply `$filter`, `$orderby`,
 * `$skip`/`$top`/`$skiptoken` with server-driven paging (`__next`), `$inlinecount`, `$select` and
 * `$expand`, and write JSON or Atom.
 */
import type { SandboxReply } from '../../kit/sandboxServer';
import { compareStrings, keyOf, type EntitySetDef, type NavDef, type PropDef, type Rec, type Value } from './edmModel';
import { atomEntry, atomFeed, atomProperty } from './odataAtom';
import { compileFilter, equalityChain, FilterTypeError } from './odataFilterEval';
import { entityJson, jsonValue, type SerializeContext } from './odataJson';
import type { QueryOptions } from './odataQueryOptions';
import type { ResourcePath } from './odataUri';
import { ODataError, SapCode } from './sapErrors';
import type { SapStore } from './sapStore';

export type ResourceRef = Extract<ResourcePath, { kind: 'resource' }>;

export interface ResolvedTarget {
  def: EntitySetDef;
  /** Set when the path addresses one entity. */
  entity: Rec | undefined;
  /** Set when the path addresses a collection (whole set, or a navigation from `parent`). */
  collection: readonly Rec[] | undefined;
  /** The entity a navigation collection hangs off (for creates through a navigation). */
  parent: { def: EntitySetDef; rec: Rec; nav: NavDef } | undefined;
}

export interface ReadEnv {
  store: SapStore;
  ser: SerializeContext;
  notFound(def: EntitySetDef, key: Rec): ODataError;
  pageSize: number;
  /** The request's origin + raw path, for `__next`. */
  selfUrl: string;
  query: URLSearchParams;
  json: boolean;
}

/** Walk the path; throws 404 when a keyed entity does not exist. */
export function resolveTarget(store: SapStore, path: ResourceRef, notFound: ReadEnv['notFound']): ResolvedTarget {
  let def = path.set;
  let entity: Rec | undefined;
  let collection: readonly Rec[] | undefined;
  let parent: ResolvedTarget['parent'];
  if (path.key) {
    entity = store.get(def.set, keyOf(def, path.key));
    if (!entity) throw notFound(def, path.key);
  } else {
    collection = store.all(def.set);
  }
  for (const step of path.navs) {
    const from = entity as Rec;
    const related = store.navigate(step.nav, from);
    parent = { def, rec: from, nav: step.nav };
    def = step.target;
    if (Array.isArray(related)) {
      if (step.key) {
        const wanted = keyOf(def, step.key);
        entity = related.find((r) => keyOf(def, r) === wanted);
        if (!entity) throw notFound(def, step.key);
        collection = undefined;
      } else {
        entity = undefined;
        collection = related;
      }
    } else {
      if (!related) throw new ODataError(404, SapCode.resourceNotFound, `Resource not found for segment '${step.nav.name}'`);
      entity = related as Rec;
      collection = undefined;
    }
  }
  return { def, entity, collection, parent };
}

function sortValue(p: PropDef, v: Value | undefined): number | string | null {
  if (v === null || v === undefined) return null;
  if (p.type === 'Edm.String' || p.type === 'Edm.Guid') return String(v);
  return Number(v);
}

function sortRows(def: EntitySetDef, rows: Rec[], orderby: QueryOptions['orderby']): Rec[] {
  const keys = orderby.map((o) => ({ p: def.byName.get(o.prop) as PropDef, dir: o.desc ? -1 : 1 }));
  return rows.sort((a, b) => {
    for (const { p, dir } of keys) {
      const x = sortValue(p, a[p.name]);
      const y = sortValue(p, b[p.name]);
      if (x === y) continue;
      if (x === null) return -dir;
      if (y === null) return dir;
      const c = typeof x === 'string' ? compareStrings(x, String(y), p.alpha === true) : x < (y as number) ? -1 : 1;
      if (c !== 0) return c * dir;
    }
    return 0;
  });
}

function applyFilter(env: ReadEnv, def: EntitySetDef, source: readonly Rec[], wholeSet: boolean, opts: QueryOptions): readonly Rec[] {
  if (!opts.filter) return source;
  let predicate: (r: Rec) => boolean;
  try {
    predicate = compileFilter(opts.filter, def);
  } catch (err) {
    if (err instanceof FilterTypeError) throw new ODataError(400, err.code === 'property' ? SapCode.propertyNotFound : SapCode.filterSyntax, err.message);
    throw err;
  }
  const chain = wholeSet ? equalityChain(opts.filter, def) : null;
  const candidates = chain ? env.store.byValues(def.set, chain.prop, chain.values) : source;
  return candidates.filter(predicate);
}

function nextLink(env: ReadEnv, skiptoken: number, remainingTop: number | undefined): string {
  const q: string[] = [];
  for (const [k, v] of env.query) {
    if (k === '$skip' || k === '$skiptoken' || k === '$top') continue;
    q.push(`${encodeURIComponent(k).replace(/^%24/, '$')}=${encodeURIComponent(v)}`);
  }
  if (remainingTop !== undefined) q.push(`$top=${remainingTop}`);
  q.push(`$skiptoken=${skiptoken}`);
  return `${env.selfUrl}?${q.join('&')}`;
}

const JSON_HEADERS = { 'content-type': 'application/json;charset=utf-8', dataserviceversion: '2.0' };

function readCollection(env: ReadEnv, def: EntitySetDef, target: ResolvedTarget, path: ResourceRef, opts: QueryOptions): SandboxReply {
  const wholeSet = path.navs.length === 0;
  let rows = applyFilter(env, def, target.collection ?? [], wholeSet, opts);
  if (opts.orderby.length) rows = sortRows(def, [...rows], opts.orderby);
  const start = Math.min(rows.length, (opts.skiptoken ?? 0) + opts.skip);
  const end = opts.top === undefined ? rows.length : Math.min(rows.length, start + opts.top);
  if (path.count) {
    return { status: 200, headers: { 'content-type': 'text/plain;charset=utf-8', dataserviceversion: '2.0' }, body: String(end - start) };
  }
  const pageEnd = Math.min(end, start + env.pageSize);
  const page = rows.slice(start, pageEnd);
  const next = pageEnd < end ? nextLink(env, pageEnd, opts.top === undefined ? undefined : end - pageEnd) : undefined;
  const count = opts.inlinecount ? rows.length : undefined;
  if (!env.json) {
    const title = env.selfUrl.slice(env.ser.serviceUrl.length + 1);
    return {
      status: 200, headers: { 'content-type': 'application/atom+xml;type=feed;charset=utf-8', dataserviceversion: '2.0' },
      body: atomFeed(env.ser, def, title, page, opts.select, opts.expand, { ...(count !== undefined ? { count } : {}), ...(next ? { next } : {}) }),
    };
  }
  const d: Record<string, unknown> = { results: page.map((r) => entityJson(env.ser, def, r, opts.select, opts.expand)) };
  if (count !== undefined) d.__count = String(count);
  if (next) d.__next = next;
  return { status: 200, headers: JSON_HEADERS, body: { d } };
}

/** GET (and HEAD) on an entity set, entity, navigation, `$count` or property. */
export function readResource(env: ReadEnv, path: ResourceRef, opts: QueryOptions): SandboxReply {
  const target = resolveTarget(env.store, path, env.notFound);
  const def = target.def;
  if (target.collection) return readCollection(env, def, target, path, opts);
  const rec = target.entity as Rec;
  const etag = env.ser.etagOf(def, rec);
  const etagHeader: Record<string, string> = etag ? { etag } : {};
  if (path.property) {
    const p = def.byName.get(path.property) as PropDef;
    const v = rec[p.name];
    if (path.value) return { status: 200, headers: { 'content-type': 'text/plain;charset=utf-8', ...etagHeader }, body: v === null || v === undefined ? '' : String(jsonValue(p, v)) };
    if (!env.json) return { status: 200, headers: { 'content-type': 'application/xml;charset=utf-8', dataserviceversion: '2.0', ...etagHeader }, body: atomProperty(p, v) };
    return { status: 200, headers: { ...JSON_HEADERS, ...etagHeader }, body: { d: { [p.name]: jsonValue(p, v) } } };
  }
  if (!env.json) {
    return {
      status: 200, headers: { 'content-type': 'application/atom+xml;type=entry;charset=utf-8', dataserviceversion: '2.0', ...etagHeader },
      body: atomEntry(env.ser, def, rec, opts.select, opts.expand),
    };
  }
  return { status: 200, headers: { ...JSON_HEADERS, ...etagHeader }, body: { d: entityJson(env.ser, def, rec, opts.select, opts.expand) } };
}
