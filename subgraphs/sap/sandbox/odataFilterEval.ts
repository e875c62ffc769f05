/**
 * Type-checks a `$filter` AST against an entity set and compiles it into a predicate over stored
 * records. Type errors (unknown property, `'a' gt 5`, `substringof(5, X)`) throw
 * `FilterTypeError`. Also recognises `P eq 'a' or P eq 'b' ...` chains so the store can answer
 * them from an index instead of scanning.
 */
import { compareStrings, type EntitySetDef, type PropDef, type Rec, type Value } from './edmModel';
import type { CompareOp, FilterExpr, FilterFunction, LiteralType } from './odataFilterParser';

export class FilterTypeError extends Error {
  constructor(message: string, readonly code: 'property' | 'type') {
    super(message);
  }
}

type Kind = 'string' | 'number' | 'boolean' | 'date' | 'guid' | 'time' | 'null';
interface Compiled {
  kind: Kind;
  alpha: boolean;
  edm: string;
  fn: (r: Rec) => Value;
}

const LITERAL_KIND: Record<LiteralType, [Kind, string]> = {
  string: ['string', 'Edm.String'], int: ['number', 'Edm.Int32'], decimal: ['number', 'Edm.Decimal'], double: ['number', 'Edm.Double'],
  boolean: ['boolean', 'Edm.Boolean'], null: ['null', 'null'], datetime: ['date', 'Edm.DateTime'],
  datetimeoffset: ['date', 'Edm.DateTimeOffset'], guid: ['guid', 'Edm.Guid'], time: ['time', 'Edm.Time'],
};

function propKind(p: PropDef): Kind {
  switch (p.type) {
    case 'Edm.String': return 'string';
    case 'Edm.Decimal': case 'Edm.Int32': return 'number';
    case 'Edm.DateTime': case 'Edm.DateTimeOffset': return 'date';
    case 'Edm.Boolean': return 'boolean';
    case 'Edm.Guid': return 'guid';
    case 'Edm.Time': return 'time';
  }
}

/** Signatures: argument kinds and result kind. */
const SIGNATURES: Record<FilterFunction, { args: Kind[][]; result: Kind }> = {
  substringof: { args: [['string', 'string']], result: 'boolean' },
  startswith: { args: [['string', 'string']], result: 'boolean' },
  endswith: { args: [['string', 'string']], result: 'boolean' },
  tolower: { args: [['string']], result: 'string' },
  toupper: { args: [['string']], result: 'string' },
  trim: { args: [['string']], result: 'string' },
  length: { args: [['string']], result: 'number' },
  indexof: { args: [['string', 'string']], result: 'number' },
  concat: { args: [['string', 'string']], result: 'string' },
  substring: { args: [['string', 'number'], ['string', 'number', 'number']], result: 'string' },
  year: { args: [['date']], result: 'number' },
  month: { args: [['date']], result: 'number' },
  day: { args: [['date']], result: 'number' },
  hour: { args: [['date']], result: 'number' },
  minute: { args: [['date']], result: 'number' },
  second: { args: [['date']], result: 'number' },
  round: { args: [['number']], result: 'number' },
  floor: { args: [['number']], result: 'number' },
  ceiling: { args: [['number']], result: 'number' },
};

const s = (v: Value): string => (v === null ? '' : String(v));
const n = (v: Value): number => (v === null ? NaN : Number(v));

function callImpl(name: FilterFunction, a: Value[]): Value {
  const [x = null, y = null, z = null] = a;
  if (x === null && name !== 'concat') return null;
  switch (name) {
    case 'substringof': return y === null ? null : s(y).includes(s(x));
    case 'startswith': return y === null ? null : s(x).startsWith(s(y));
    case 'endswith': return y === null ? null : s(x).endsWith(s(y));
    case 'tolower': return s(x).toLowerCase();
    case 'toupper': return s(x).toUpperCase();
    case 'trim': return s(x).trim();
    case 'length': return s(x).length;
    case 'indexof': return y === null ? null : s(x).indexOf(s(y));
    case 'concat': return s(x) + s(y);
    case 'substring': return z === null ? s(x).substring(n(y)) : s(x).substr(n(y), n(z));
    case 'year': return new Date(n(x)).getUTCFullYear();
    case 'month': return new Date(n(x)).getUTCMonth() + 1;
    case 'day': return new Date(n(x)).getUTCDate();
    case 'hour': return new Date(n(x)).getUTCHours();
    case 'minute': return new Date(n(x)).getUTCMinutes();
    case 'second': return new Date(n(x)).getUTCSeconds();
    case 'round': return Math.round(n(x));
    case 'floor': return Math.floor(n(x));
    case 'ceiling': return Math.ceil(n(x));
  }
}

function compareValues(a: Value, b: Value, kind: Kind, alpha: boolean): number {
  if (kind === 'string' || kind === 'guid') return compareStrings(s(a), s(b), alpha);
  const x = kind === 'boolean' ? Number(a) : n(a);
  const y = kind === 'boolean' ? Number(b) : n(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

function compileCompare(op: CompareOp, l: Compiled, r: Compiled): (rec: Rec) => boolean {
  if (l.kind !== r.kind && l.kind !== 'null' && r.kind !== 'null') {
    throw new FilterTypeError(`Operator '${op}' incompatible with operand types '${l.edm}' and '${r.edm}'`, 'type');
  }
  if ((l.kind === 'null' || r.kind === 'null') && op !== 'eq' && op !== 'ne') {
    return () => false;
  }
  const kind = l.kind === 'null' ? r.kind : l.kind;
  const alpha = l.alpha || r.alpha;
  const test: (c: number) => boolean = { eq: (c: number) => c === 0, ne: (c: number) => c !== 0, gt: (c: number) => c > 0, ge: (c: number) => c >= 0, lt: (c: number) => c < 0, le: (c: number) => c <= 0 }[op];
  return (rec) => {
    const a = l.fn(rec);
    const b = r.fn(rec);
    if (a === null || b === null) {
      if (op === 'eq') return a === b;
      if (op === 'ne') return a !== b;
      return false;
    }
    return test(compareValues(a, b, kind, alpha));
  };
}

function compile(e: FilterExpr, def: EntitySetDef): Compiled {
  switch (e.kind) {
    case 'literal': {
      const [kind, edm] = LITERAL_KIND[e.type];
      const v = e.value;
      return { kind, edm, alpha: false, fn: () => v };
    }
    case 'property': {
      const p = def.byName.get(e.name);
      if (!p) {
        const why = e.name.includes('/') || def.navByName.has(e.name) ? 'Filtering by navigation properties is not supported' : `Property '${e.name}' not found in type '${def.type}'`;
        throw new FilterTypeError(why, 'property');
      }
      const name = p.name;
      const kind = propKind(p);
      const fn = kind === 'number' ? (r: Rec): Value => (r[name] === null || r[name] === undefined ? null : Number(r[name])) : (r: Rec): Value => r[name] ?? null;
      return { kind, edm: p.type, alpha: p.alpha === true, fn };
    }
    case 'and':
    case 'or': {
      const parts = e.args.map((a) => boolOf(a, def));
      const fn = e.kind === 'and' ? (r: Rec): Value => parts.every((p) => p(r)) : (r: Rec): Value => parts.some((p) => p(r));
      return { kind: 'boolean', edm: 'Edm.Boolean', alpha: false, fn };
    }
    case 'not': {
      const inner = boolOf(e.arg, def);
      return { kind: 'boolean', edm: 'Edm.Boolean', alpha: false, fn: (r) => !inner(r) };
    }
    case 'compare': {
      const fn = compileCompare(e.op, compile(e.left, def), compile(e.right, def));
      return { kind: 'boolean', edm: 'Edm.Boolean', alpha: false, fn };
    }
    case 'call': {
      const args = e.args.map((a) => compile(a, def));
      const sig = SIGNATURES[e.name];
      const ok = sig.args.some((kinds) => kinds.length === args.length && kinds.every((k, i) => args[i]?.kind === k || args[i]?.kind === 'null'));
      if (!ok) throw new FilterTypeError(`Invalid arguments for function '${e.name}'`, 'type');
      const name = e.name;
      return { kind: sig.result, edm: sig.result === 'boolean' ? 'Edm.Boolean' : sig.result === 'number' ? 'Edm.Int32' : 'Edm.String', alpha: false, fn: (r) => callImpl(name, args.map((a) => a.fn(r))) };
    }
  }
}

function boolOf(e: FilterExpr, def: EntitySetDef): (r: Rec) => boolean {
  const c = compile(e, def);
  if (c.kind !== 'boolean') throw new FilterTypeError(`Expression of type '${c.edm}' cannot be used as a condition`, 'type');
  return (r) => c.fn(r) === true;
}

/** Compile a filter into a predicate; throws `FilterTypeError` for type errors. */
export function compileFilter(expr: FilterExpr, def: EntitySetDef): (r: Rec) => boolean {
  return boolOf(expr, def);
}

/**
 * If the filter is `P eq 'v'` or an `or` of such terms on one string property `P`, return the
 * property and the values, so the caller can look rows up in an index.
 */
export function equalityChain(expr: FilterExpr, def: EntitySetDef): { prop: string; values: string[] } | null {
  const terms = expr.kind === 'or' ? expr.args : [expr];
  let prop: string | null = null;
  const values: string[] = [];
  for (const t of terms) {
    if (t.kind !== 'compare' || t.op !== 'eq') return null;
    const [p, l] = t.left.kind === 'property' ? [t.left, t.right] : [t.right, t.left];
    if (p.kind !== 'property' || l.kind !== 'literal' || l.type !== 'string') return null;
    if (prop !== null && prop !== p.name) return null;
    const pd = def.byName.get(p.name);
    if (pd?.type !== 'Edm.String') return null;
    prop = p.name;
    const v = String(l.value);
    values.push(pd.alpha && /^\d+$/.test(v) ? v.replace(/^0+(?=\d)/, '') : v);
  }
  return prop === null ? null : { prop, values };
}
