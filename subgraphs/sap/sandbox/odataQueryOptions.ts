/**
 * OData V2 system query options: `$filter $select $expand $orderby $top $skip $inlinecount
 * $skiptoken $format`, parsed and checked against the addressed entity set. Custom options
 * (`sap-client`, `sap-language`, ...) are ignored; unknown `$` options are a 400.
 */
import type { EntitySetDef, ServiceDef } from './edmModel';
import { FilterSyntaxError, parseFilter, type FilterExpr } from './odataFilterParser';
import { ODataError, SapCode } from './sapErrors';

/** Which properties and navigations to write for one entity level. */
export interface SelectTree {
  all: boolean;
  props: Set<string>;
  /** Navigation properties named in `$select`: an entry means "write it" (inline if expanded). */
  navs: Map<string, SelectTree>;
}

/** Navigations to expand inline, nested. */
export type ExpandTree = Map<string, ExpandTree>;

export interface QueryOptions {
  filter: FilterExpr | undefined;
  select: SelectTree;
  expand: ExpandTree;
  orderby: Array<{ prop: string; desc: boolean }>;
  top: number | undefined;
  skip: number;
  skiptoken: number | undefined;
  inlinecount: boolean;
  /** `json` when asked by `$format=json`; `atom`/`xml` when asked; undefined leaves it to `Accept`. */
  format: 'json' | 'atom' | undefined;
}

const KNOWN = new Set(['$filter', '$select', '$expand', '$orderby', '$top', '$skip', '$skiptoken', '$inlinecount', '$format']);
export const MAX_EXPAND_DEPTH = 5;
export const MAX_EXPAND_PATHS = 20;
const MAX_INT32 = 2_147_483_647;

const bad = (message: string): ODataError => new ODataError(400, SapCode.uriSyntax, message);

export const selectAll = (): SelectTree => ({ all: true, props: new Set(), navs: new Map() });

function nonNegativeInt(name: string, raw: string): number {
  if (!/^\d{1,10}$/.test(raw) || Number(raw) > MAX_INT32) throw bad(`Invalid value '${raw.slice(0, 40)}' for system query option ${name}`);
  return Number(raw);
}

function splitList(raw: string): string[] {
  return raw.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
}

export function parseExpand(raw: string, set: EntitySetDef, service: ServiceDef): ExpandTree {
  const tree: ExpandTree = new Map();
  const paths = splitList(raw);
  if (paths.length > MAX_EXPAND_PATHS) throw bad(`$expand names more than ${MAX_EXPAND_PATHS} paths`);
  for (const path of paths) {
    const segs = path.split('/');
    if (segs.length > MAX_EXPAND_DEPTH) throw bad(`$expand path '${path.slice(0, 80)}' is deeper than ${MAX_EXPAND_DEPTH}`);
    let def = set;
    let node = tree;
    for (const seg of segs) {
      const nav = def.navByName.get(seg);
      const target = nav ? service.sets.get(nav.target) : undefined;
      if (!nav || !target) throw new ODataError(400, SapCode.propertyNotFound, `Navigation property '${seg}' not found in type '${def.type}'`);
      let child = node.get(seg);
      if (!child) node.set(seg, (child = new Map()));
      node = child;
      def = target;
    }
  }
  return tree;
}

export function parseSelect(raw: string, set: EntitySetDef, service: ServiceDef, expand: ExpandTree): SelectTree {
  const root: SelectTree = { all: false, props: new Set(), navs: new Map() };
  for (const path of splitList(raw)) {
    const segs = path.split('/');
    let def = set;
    let node = root;
    let exp: ExpandTree | undefined = expand;
    for (let i = 0; i < segs.length; i++) {
      const seg = segs[i] as string;
      const last = i === segs.length - 1;
      if (seg === '*' && last) { node.all = true; break; }
      if (def.byName.has(seg) && last) { node.props.add(seg); break; }
      const nav = def.navByName.get(seg);
      const target = nav ? service.sets.get(nav.target) : undefined;
      if (!nav || !target) throw new ODataError(400, SapCode.propertyNotFound, `Property '${seg}' not found in type '${def.type}'`);
      const nextExp: ExpandTree | undefined = exp?.get(seg);
      if (!last && !nextExp) throw bad(`$select path '${path}' requires $expand=${segs.slice(0, i + 1).join('/')}`);
      let child = node.navs.get(seg);
      if (!child) node.navs.set(seg, (child = { all: last, props: new Set(), navs: new Map() }));
      if (last) child.all = true;
      node = child;
      def = target;
      exp = nextExp;
    }
  }
  return root;
}

export function parseOrderby(raw: string, set: EntitySetDef): Array<{ prop: string; desc: boolean }> {
  return splitList(raw).map((item) => {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:\s+(asc|desc))?$/i.exec(item);
    if (!m) throw bad(`Invalid $orderby item '${item.slice(0, 80)}'`);
    const prop = m[1] as string;
    if (!set.byName.has(prop)) throw new ODataError(400, SapCode.propertyNotFound, `Property '${prop}' not found in type '${set.type}'`);
    return { prop, desc: (m[2] ?? '').toLowerCase() === 'desc' };
  });
}

/** Parse the query string for a request addressing `set` (or nothing, for `$metadata` and the service document). */
export function parseQueryOptions(query: URLSearchParams, set: EntitySetDef | undefined, service: ServiceDef): QueryOptions {
  for (const k of query.keys()) {
    if (k.startsWith('$') && !KNOWN.has(k)) throw bad(`The system query option '${k.slice(0, 40)}' is not supported`);
  }
  const get = (k: string): string | undefined => query.get(k) ?? undefined;
  const fmt = get('$format');
  let format: QueryOptions['format'];
  if (fmt !== undefined) {
    const f = fmt.toLowerCase();
    if (f === 'json' || f === 'application/json') format = 'json';
    else if (f === 'atom' || f === 'xml' || f === 'application/atom+xml' || f === 'application/xml') format = 'atom';
    else throw bad(`Unsupported $format value '${fmt.slice(0, 40)}'`);
  }
  const inline = get('$inlinecount');
  if (inline !== undefined && inline !== 'allpages' && inline !== 'none') throw bad(`Invalid value '${inline.slice(0, 40)}' for $inlinecount`);
  const opts: QueryOptions = {
    filter: undefined, select: selectAll(), expand: new Map(), orderby: [], top: undefined, skip: 0, skiptoken: undefined,
    inlinecount: inline === 'allpages', format,
  };
  const top = get('$top');
  if (top !== undefined) opts.top = nonNegativeInt('$top', top);
  const skip = get('$skip');
  if (skip !== undefined) opts.skip = nonNegativeInt('$skip', skip);
  const token = get('$skiptoken');
  if (token !== undefined) opts.skiptoken = nonNegativeInt('$skiptoken', token);
  if (!set) return opts;
  const expand = get('$expand');
  if (expand !== undefined) opts.expand = parseExpand(expand, set, service);
  const select = get('$select');
  if (select !== undefined && select.trim() !== '') opts.select = parseSelect(select, set, service, opts.expand);
  const orderby = get('$orderby');
  if (orderby !== undefined) opts.orderby = parseOrderby(orderby, set);
  const filter = get('$filter');
  if (filter !== undefined) {
    try {
      opts.filter = parseFilter(filter);
    } catch (err) {
      if (err instanceof FilterSyntaxError) throw new ODataError(400, SapCode.filterSyntax, err.message);
      throw err;
    }
  }
  return opts;
}
