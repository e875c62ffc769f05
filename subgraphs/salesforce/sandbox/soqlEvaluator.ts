/**
 * Run a parsed SOQL query against the store: resolve and type-check fields (INVALID_FIELD,
 * INVALID_TYPE, INVALID_QUERY_FILTER_OPERATOR), filter, sort, apply OFFSET/LIMIT and project the
 * records. Text comparisons and LIKE are case-insensitive, as in Salesforce; `!=` and NOT IN match
 * nulls. `Id`/`Email` equality and IN use the store's indexes, so a 200-email IN list is cheap.
 */
import { SalesforceApiError, invalidTypeMessage } from './salesforceErrors';
import type { FieldValue } from './fieldValidation';
import { normalizeId } from './salesforceIds';
import type { SalesforceStore, SfRecord } from './salesforceStore';
import { projectRecord, readPath, resolvePath, type JsonRecord, type ResolvedPath } from './recordShape';
import { dateLiteralRange } from './soqlDates';
import { isTextType, findSObject, type SObjectDef } from './sobjectSchema';
import { plainString, queryErrorMessage, type Condition, type Literal, type SoqlQuery } from './soqlParser';

export const MAX_OFFSET = 2000;

export interface QueryContext {
  store: SalesforceStore;
  soql: string;
  version: string;
  scanAll: boolean;
  now: number;
}

export interface QueryResult {
  totalSize: number;
  records: JsonRecord[];
}

type Predicate = (rec: SfRecord) => boolean;
type Key = string | number | boolean;

function filterError(ctx: QueryContext, pos: number, code: string, reason: string): SalesforceApiError {
  return new SalesforceApiError(400, code, queryErrorMessage(ctx.soql, pos, reason));
}

/** Normalise a stored value for comparison: ids to 18 chars, text lower-cased. */
function keyOf(p: ResolvedPath, v: FieldValue | undefined): Key | null {
  if (v === undefined || v === null) return null;
  if (typeof v === 'string' && isTextType(p.field.type) && p.field.type !== 'id' && p.field.type !== 'reference') return v.toLowerCase();
  return v;
}

/** Convert a literal for comparison with field `p`, rejecting type mismatches as Salesforce does. */
function literalKey(ctx: QueryContext, p: ResolvedPath, lit: Literal, pos: number): Key | null {
  const t = p.field.type;
  if (lit.kind === 'null') return null;
  const mismatch = (want: string, quoted: boolean): SalesforceApiError =>
    filterError(ctx, pos, 'INVALID_FIELD', `value of filter criterion for field '${p.field.name}' must be of type ${want} and should ${quoted ? '' : 'not '}be enclosed in quotes`);
  if (t === 'id' || t === 'reference') {
    if (lit.kind !== 'string') throw mismatch('id', true);
    const id = normalizeId(plainString(lit));
    if (!id) throw filterError(ctx, pos, 'INVALID_QUERY_FILTER_OPERATOR', `invalid ID field: ${plainString(lit)}`);
    return id;
  }
  if (isTextType(t)) {
    if (lit.kind !== 'string') throw mismatch('string', true);
    return plainString(lit).toLowerCase();
  }
  if (t === 'boolean') {
    if (lit.kind !== 'boolean') throw mismatch('boolean', false);
    return lit.value;
  }
  if (t === 'int' || t === 'currency') {
    if (lit.kind !== 'number') throw mismatch('double', false);
    return lit.value;
  }
  // datetime (date literals are handled as ranges by the caller)
  if (lit.kind === 'datetime') return lit.value;
  if (lit.kind === 'date' && t === 'date') return Date.parse(lit.value);
  throw mismatch(t === 'date' ? 'date' : 'dateTime', false);
}

function compareKeys(a: Key, b: Key): number {
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  return (a as number) - (b as number);
}

function likeRegex(lit: Literal & { kind: 'string' }): RegExp {
  let src = '';
  const v = lit.value;
  for (let i = 0; i < v.length; i++) {
    const ch = v.charAt(i);
    if (ch === '\\' && (v.charAt(i + 1) === '%' || v.charAt(i + 1) === '_')) { src += `\\${v.charAt(++i)}`; continue; }
    if (ch === '%') src += '[\\s\\S]*';
    else if (ch === '_') src += '[\\s\\S]';
    else src += ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${src}$`, 'i');
}

function compileCondition(ctx: QueryContext, def: SObjectDef, cond: Condition): Predicate {
  switch (cond.kind) {
    case 'and': {
      const items = cond.items.map((c) => compileCondition(ctx, def, c));
      return (r) => items.every((f) => f(r));
    }
    case 'or': {
      const items = cond.items.map((c) => compileCondition(ctx, def, c));
      return (r) => items.some((f) => f(r));
    }
    case 'not': {
      const inner = compileCondition(ctx, def, cond.item);
      return (r) => !inner(r);
    }
    case 'in': {
      const p = resolvePath(def, cond.field.path, ctx.soql, cond.field.pos);
      if (p.field.type === 'datetime' && cond.values.some((v) => v.kind === 'dateLiteral')) {
        throw filterError(ctx, cond.valuePos, 'INVALID_FIELD', 'date literals are not supported in IN lists by the Lumina Salesforce sandbox');
      }
      const set = new Set(cond.values.map((v) => literalKey(ctx, p, v, cond.valuePos)));
      const { store } = ctx;
      return (r) => set.has(keyOf(p, readPath(store, r, p))) !== cond.negated;
    }
    case 'compare': {
      const p = resolvePath(def, cond.field.path, ctx.soql, cond.field.pos);
      const { store } = ctx;
      const read = (r: SfRecord): Key | null => keyOf(p, readPath(store, r, p));
      if (cond.op === 'LIKE') {
        if (!isTextType(p.field.type) || p.field.type === 'id' || p.field.type === 'reference') {
          throw filterError(ctx, cond.valuePos, 'INVALID_FIELD', `invalid operator on ${p.field.type} field: LIKE`);
        }
        const re = likeRegex(cond.value as Literal & { kind: 'string' });
        return (r) => { const v = readPath(store, r, p); return typeof v === 'string' && re.test(v); };
      }
      if (cond.value.kind === 'dateLiteral') {
        if (p.field.type !== 'datetime' && p.field.type !== 'date') {
          throw filterError(ctx, cond.valuePos, 'INVALID_FIELD', `value of filter criterion for field '${p.field.name}' must be of type ${p.field.type} and should not be a date literal`);
        }
        const { start, end } = dateLiteralRange(cond.value.name, cond.value.n, ctx.now);
        const test: Record<string, (v: number) => boolean> = {
          '=': (v) => v >= start && v < end, '!=': (v) => v < start || v >= end, '<': (v) => v < start,
          '<=': (v) => v < end, '>': (v) => v >= end, '>=': (v) => v >= start,
        };
        const fn = test[cond.op] as (v: number) => boolean;
        return (r) => { const v = read(r); return typeof v === 'number' ? fn(v) : cond.op === '!='; };
      }
      const want = literalKey(ctx, p, cond.value, cond.valuePos);
      switch (cond.op) {
        case '=': return (r) => read(r) === want;
        case '!=': return (r) => read(r) !== want;
        default: {
          if (want === null) return () => false;
          const op = cond.op;
          return (r) => {
            const v = read(r);
            if (v === null) return false;
            const c = compareKeys(v, want);
            return op === '<' ? c < 0 : op === '<=' ? c <= 0 : op === '>' ? c > 0 : c >= 0;
          };
        }
      }
    }
  }
}

/** Use the Id / Email indexes when the WHERE clause pins them down at the top level. */
function indexedCandidates(ctx: QueryContext, def: SObjectDef, where: Condition | null): readonly SfRecord[] | null {
  if (!where) return null;
  const terms = where.kind === 'and' ? where.items : [where];
  for (const t of terms) {
    if (t.kind !== 'compare' && t.kind !== 'in') continue;
    if ((t.kind === 'compare' && t.op !== '=') || (t.kind === 'in' && t.negated) || t.field.path.length !== 1) continue;
    const name = (t.field.path[0] as string).toLowerCase();
    const values = t.kind === 'in' ? t.values : [t.value];
    if (!values.every((v) => v.kind === 'string')) continue;
    const strings = values.map((v) => plainString(v as { value: string }));
    if (name === 'id') {
      return strings.map((s) => normalizeId(s)).map((id) => (id ? ctx.store.get(def.name, id) : undefined)).filter((r): r is SfRecord => !!r);
    }
    if (name === 'email' && def.name === 'Contact') {
      const seen = new Set<SfRecord>();
      for (const s of strings) for (const r of ctx.store.contactsByEmail(s)) seen.add(r);
      return [...seen];
    }
  }
  return null;
}

interface Selection {
  def: SObjectDef;
  paths: ResolvedPath[];
  subqueries: Array<{ name: string; run: (parent: SfRecord) => JsonRecord | null }>;
}

function compileSelection(ctx: QueryContext, def: SObjectDef, q: SoqlQuery): Selection {
  const paths: ResolvedPath[] = [];
  const seen = new Set<string>();
  const add = (p: ResolvedPath): void => { if (!seen.has(p.name)) { seen.add(p.name); paths.push(p); } };
  const subqueries: Selection['subqueries'] = [];
  for (const item of q.select) {
    if (item.kind === 'field') add(resolvePath(def, item.path, ctx.soql, item.pos));
    else if (item.kind === 'fields') {
      if (item.which !== 'STANDARD' && (q.limit === null || q.limit > 200)) {
        throw filterError(ctx, item.pos, 'MALFORMED_QUERY', `The SOQL FIELDS function must have a LIMIT of at most 200`);
      }
      if (item.which !== 'CUSTOM') for (const f of def.fields) add({ hops: [], field: f, name: f.name });
    } else if (item.kind === 'subquery') {
      const rel = def.childByLower.get(item.query.from.name.toLowerCase());
      const child = rel ? findSObject(rel.childSObject) : undefined;
      if (!rel || !child) {
        throw filterError(ctx, item.query.from.pos, 'INVALID_TYPE', `Didn't understand relationship '${item.query.from.name}' in FROM part of query call. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names.`);
      }
      const inner = compileSelection(ctx, child, item.query);
      const where = item.query.where ? compileCondition(ctx, child, item.query.where) : null;
      const sorter = compileOrder(ctx, child, item.query);
      const limit = item.query.limit;
      subqueries.push({
        name: rel.relationshipName,
        run: (parent) => {
          let rows = ctx.store.contactsOfAccount(parent.id).filter((r) => (ctx.scanAll || r.values.IsDeleted !== true) && (!where || where(r)));
          if (sorter) rows = [...rows].sort(sorter);
          if (limit !== null) rows = rows.slice(0, limit);
          if (rows.length === 0) return null;
          return { totalSize: rows.length, done: true, records: rows.map((r) => project(ctx, inner, r)) };
        },
      });
    } else {
      throw filterError(ctx, item.pos, 'MALFORMED_QUERY', 'Field must be grouped or aggregated: COUNT');
    }
  }
  return { def, paths, subqueries };
}

function compileOrder(ctx: QueryContext, def: SObjectDef, q: SoqlQuery): ((a: SfRecord, b: SfRecord) => number) | null {
  if (q.orderBy.length === 0) return null;
  const keys = q.orderBy.map((o) => ({ o, p: resolvePath(def, o.field.path, ctx.soql, o.field.pos) }));
  return (a, b) => {
    for (const { o, p } of keys) {
      const va = keyOf(p, readPath(ctx.store, a, p));
      const vb = keyOf(p, readPath(ctx.store, b, p));
      if (va === vb) continue;
      if (va === null) return o.nullsLast ? 1 : -1;
      if (vb === null) return o.nullsLast ? -1 : 1;
      const c = compareKeys(va, vb);
      if (c !== 0) return o.descending ? -c : c;
    }
    return 0;
  };
}

function project(ctx: QueryContext, sel: Selection, rec: SfRecord): JsonRecord {
  const out = projectRecord(ctx.store, rec, sel.paths, ctx.version);
  for (const sq of sel.subqueries) out[sq.name] = sq.run(rec);
  return out;
}

/** Execute a parsed query. COUNT() gives `totalSize` with no records; COUNT(field) one AggregateResult. */
export function executeQuery(ctx: QueryContext, q: SoqlQuery): QueryResult {
  const def = findSObject(q.from.name);
  if (!def || !def.queryable) throw filterError(ctx, q.from.pos, 'INVALID_TYPE', invalidTypeMessage(q.from.name));
  if (q.offset !== null && q.offset > MAX_OFFSET) {
    throw filterError(ctx, q.offsetPos, 'NUMBER_OUTSIDE_VALID_RANGE', `Maximum SOQL offset allowed is ${MAX_OFFSET}`);
  }
  const counts = q.select.filter((s) => s.kind === 'count');
  if (counts.length > 0 && counts.length !== q.select.length) {
    const other = q.select.find((s) => s.kind !== 'count');
    throw filterError(ctx, other?.pos ?? 0, 'MALFORMED_QUERY', `Field must be grouped or aggregated: ${other?.kind === 'field' ? other.path.join('.') : 'field'}`);
  }
  const countPaths = counts.map((c) => (c.kind === 'count' && c.field ? resolvePath(def, c.field.path, ctx.soql, c.field.pos) : null));
  const selection = counts.length === 0 ? compileSelection(ctx, def, q) : null;
  const where = q.where ? compileCondition(ctx, def, q.where) : null;
  const sorter = compileOrder(ctx, def, q);
  const candidates = indexedCandidates(ctx, def, q.where) ?? ctx.store.all(def.name);
  const hasDeleted = def.fieldByLower.has('isdeleted');
  let rows = candidates.filter((r) => (ctx.scanAll || !hasDeleted || r.values.IsDeleted !== true) && (!where || where(r)));
  if (sorter) rows = [...rows].sort(sorter);
  if (q.offset) rows = rows.slice(q.offset);
  if (q.limit !== null) rows = rows.slice(0, q.limit);
  if (!selection) {
    const plain = counts.length === 1 && counts[0]?.kind === 'count' && counts[0].field === null;
    if (plain) return { totalSize: rows.length, records: [] };
    const agg: JsonRecord = { attributes: { type: 'AggregateResult' } };
    counts.forEach((c, i) => {
      const p = countPaths[i];
      const alias = c.kind === 'count' && c.alias ? c.alias : `expr${i}`;
      agg[alias] = p ? rows.filter((r) => readPath(ctx.store, r, p) !== null && readPath(ctx.store, r, p) !== undefined).length : rows.length;
    });
    return { totalSize: 1, records: [agg] };
  }
  return { totalSize: rows.length, records: rows.map((r) => project(ctx, selection, r)) };
}
