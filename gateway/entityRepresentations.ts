/**
 * What a plan's entity fetch sends and how its answer is merged, with the semantics of
 * `@apollo/gateway`'s `executeSelectionSet`, `applyRewrites` and `deepMerge`:
 * - `representation(schema, entity, requires)`: the `requires` selection (`... on Product { __typename upc }`,
 *   `@requires` fields with their nested selections) read from the merged data; a missing field means no
 *   representation (the entity is not sent);
 * - `applyRewrites`: input rewrites (e.g. `__typename` set to an interface object's name) and output
 *   rewrites (key renames) at paths that may carry `... on T` conditions;
 * - `deepMerge`: a fetch's answer merged into the data, arrays of equal length element-wise.
 * `__proto__` keys from a subgraph's JSON are written as plain own properties, never as prototypes.
 */
import { isAbstractType, isInterfaceType, isObjectType, type GraphQLSchema } from 'graphql';
import type { FetchDataRewrite, QueryPlanSelectionNode } from '@apollo/query-planner';

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function setOwn(target: Obj, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
  else target[key] = value;
}

function getOwn(obj: Obj, key: string): unknown {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

/** Whether `obj` (by its `__typename`) is of `typeCondition`, like the gateway's `isObjectOfType`. */
export function isObjectOfType(schema: GraphQLSchema, obj: Obj, typeCondition: string, defaultOnUnknown = false): boolean {
  const typename = obj.__typename;
  if (!typename || typeof typename !== 'string') return defaultOnUnknown;
  if (typename === typeCondition) return true;
  const type = schema.getType(typename);
  const cond = schema.getType(typeCondition);
  if (!type || !cond || !isAbstractType(cond)) return false;
  return (isObjectType(type) || isInterfaceType(type)) && schema.isSubType(cond, type);
}

export function deepMerge(target: Obj, source: unknown): void {
  if (source === undefined || source === null) return;
  const src = source as Obj;
  for (const key of Object.keys(src)) {
    const s = src[key];
    if (s === undefined) continue;
    const t = getOwn(target, key);
    if (t && isObj(s)) {
      deepMerge(t as Obj, s);
    } else if (Array.isArray(s) && Array.isArray(t) && s.length === t.length) {
      for (let i = 0; i < s.length; i += 1) {
        const se: unknown = s[i];
        const te: unknown = t[i];
        if (isObj(te) && isObj(se)) deepMerge(te, se);
        else t[i] = se;
      }
    } else {
      setOwn(target, key, s);
    }
  }
}

/** The representation of `source` for `requires`, or null when a required field is missing. */
export function representation(schema: GraphQLSchema, source: unknown, selections: readonly QueryPlanSelectionNode[]): Obj | null {
  if (source === null || source === undefined) return null;
  const src = source as Obj;
  const result: Obj = {};
  for (const sel of selections) {
    if (sel.kind === 'Field') {
      const name = sel.alias ?? sel.name;
      const value = getOwn(src, name);
      if (value === undefined) return null;
      if (Array.isArray(value)) {
        setOwn(result, name, value.map((v: unknown) => (sel.selections ? representation(schema, v, sel.selections) : v)));
      } else if (sel.selections) {
        setOwn(result, name, representation(schema, value, sel.selections));
      } else {
        setOwn(result, name, value);
      }
    } else if (sel.typeCondition && isObjectOfType(schema, src, sel.typeCondition)) {
      deepMerge(result, representation(schema, src, sel.selections));
    }
  }
  return result;
}

const FRAGMENT_PREFIX = '... on ';

function applyAtPath(schema: GraphQLSchema, path: readonly string[], value: unknown, fn: (o: Obj) => void): void {
  if (Array.isArray(value)) {
    for (const v of value) applyAtPath(schema, path, v, fn);
    return;
  }
  if (!isObj(value)) return;
  if (path.length === 0) {
    fn(value);
    return;
  }
  const [first, ...rest] = path as [string, ...string[]];
  if (first.startsWith(FRAGMENT_PREFIX)) {
    if (isObjectOfType(schema, value, first.slice(FRAGMENT_PREFIX.length), true)) applyAtPath(schema, rest, value, fn);
  } else {
    applyAtPath(schema, rest, getOwn(value, first), fn);
  }
}

export function applyRewrites(schema: GraphQLSchema, rewrites: readonly FetchDataRewrite[] | undefined, value: unknown): void {
  if (!rewrites) return;
  for (const rw of rewrites) {
    if (rw.path.length === 0) continue;
    const parent = rw.path.slice(0, -1);
    const field = rw.path[rw.path.length - 1]!;
    if (rw.kind === 'ValueSetter') {
      applyAtPath(schema, parent, value, (o) => setOwn(o, field, rw.setValueTo));
    } else {
      applyAtPath(schema, parent, value, (o) => {
        const v = getOwn(o, field);
        if (v) {
          setOwn(o, rw.renameKeyTo, v);
          o[field] = undefined;
        }
      });
    }
  }
}

/** Turns an entity into the JSON text of its representation, or null when it has none. */
export type RepresentationWriter = (entity: unknown) => string | null;

/**
 * The JSON of `representation()` for one `requires`, written directly for the usual shape
 * (`... on T { __typename key1 key2 }` with leaf fields and no input rewrite), else built as an object
 * and stringified. Either way a representation without a `__typename` is null (not sent).
 */
export function representationWriter(schema: GraphQLSchema, selections: readonly QueryPlanSelectionNode[], inputRewrites: readonly FetchDataRewrite[] | undefined): RepresentationWriter {
  const only = selections.length === 1 ? selections[0] : undefined;
  const flat = !inputRewrites?.length && only?.kind === 'InlineFragment' && only.typeCondition !== undefined
    && only.selections.every((s) => s.kind === 'Field' && !s.selections);
  if (!flat) {
    return (entity) => {
      const rep = representation(schema, entity, selections);
      if (!rep || !rep.__typename) return null;
      applyRewrites(schema, inputRewrites, rep);
      return JSON.stringify(rep);
    };
  }
  const condition = only.typeCondition!;
  const names = only.selections.map((s) => (s as { alias?: string; name: string }).alias ?? (s as { name: string }).name);
  const prefixes = names.map((n, i) => `${i === 0 ? '{' : ','}${JSON.stringify(n)}:`);
  const typenameAt = names.indexOf('__typename');
  return (entity) => {
    if (entity === null || entity === undefined) return null;
    const e = entity as Obj;
    if (!isObjectOfType(schema, e, condition)) return null;
    let out = '';
    for (let i = 0; i < names.length; i += 1) {
      const v = getOwn(e, names[i]!);
      if (v === undefined) return null;
      if (i === typenameAt && !v) return null;
      out += prefixes[i]! + JSON.stringify(v);
    }
    return typenameAt < 0 ? null : `${out}}`;
  };
}
