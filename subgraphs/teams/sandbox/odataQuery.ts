/**
 * The small OData query subset Microsoft Graph supports on the sandbox's collections:
 *
 * - `$filter`: `eq ne gt ge lt le` comparisons, `prop in ('a','b')`, `startswith(prop,'x')`,
 *   `endswith(prop,'x')`, `and`, `or`, `not` and parentheses, over the properties (and operators) a
 *   resource declares filterable. Literals: `'strings'` (`''` escapes a quote), numbers,
 *   `true`/`false`/`null` and unquoted ISO date-times (`2024-01-01T00:00:00Z`). String comparisons
 *   ignore case, as the directory does.
 * - `$select` (a known-property list), `$top` (bounded), opaque `$skiptoken`s.
 *
 * Anything else is refused with a 400 in Graph's error shape; parse limits (length, nesting,
 * number of clauses) keep hostile filters cheap.
 */
import { GraphHttpError } from './graphErrors';

export type FilterOp = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le' | 'in' | 'startswith' | 'endswith';
type Literal = string | number | boolean | null;

export type FilterNode =
  | { kind: 'and' | 'or'; left: FilterNode; right: FilterNode }
  | { kind: 'not'; operand: FilterNode }
  | { kind: 'cmp'; op: FilterOp; prop: string; values: Literal[] };

export interface FilterSchema {
  /** Resource name used in error messages, e.g. `User`. */
  resource: string;
  /** Filterable properties: their type and the operators allowed on them. */
  props: Record<string, { type: 'string' | 'datetime' | 'boolean'; ops: FilterOp[] }>;
  /** Error code for unsupported properties/operators (`Request_UnsupportedQuery` for the directory). @default 'BadRequest' */
  unsupportedCode?: 'Request_UnsupportedQuery' | 'BadRequest';
  /** Most comparisons (counting each `in` value) a filter may hold. @default 15 */
  maxClauses?: number;
}

export const MAX_FILTER_LENGTH = 4096;
const MAX_DEPTH = 16;

type Token = { t: 'str'; v: string } | { t: 'word'; v: string } | { t: '(' | ')' | ',' };

function invalid(detail: string): GraphHttpError {
  return new GraphHttpError(400, 'BadRequest', `Invalid filter clause: ${detail}`);
}

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === ' ' || c === '\t') { i++; continue; }
    if (c === '(' || c === ')' || c === ',') { out.push({ t: c }); i++; continue; }
    if (c === "'") {
      let v = '';
      i++;
      for (;;) {
        if (i >= text.length) throw invalid('unterminated string literal.');
        const d = text[i] as string;
        if (d === "'") {
          if (text[i + 1] === "'") { v += "'"; i += 2; continue; }
          i++;
          break;
        }
        v += d;
        i++;
      }
      out.push({ t: 'str', v });
      continue;
    }
    const m = /^[A-Za-z0-9_.:+\-/@]+/.exec(text.slice(i, i + 256));
    if (!m) throw invalid(`unexpected character '${c}' at position ${i}.`);
    out.push({ t: 'word', v: m[0] });
    i += m[0].length;
  }
  return out;
}

const COMPARISONS = new Set(['eq', 'ne', 'gt', 'ge', 'lt', 'le']);
const ISO_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?(Z|[+-]\d{2}:\d{2})$/;

/** Parse a `$filter` expression against a schema; throws a 400 GraphHttpError on anything unsupported. */
export function parseFilter(text: string, schema: FilterSchema): FilterNode {
  if (text.length > MAX_FILTER_LENGTH) throw invalid(`the expression is longer than ${MAX_FILTER_LENGTH} characters.`);
  const tokens = tokenize(text);
  const unsupportedCode = schema.unsupportedCode ?? 'BadRequest';
  const maxClauses = schema.maxClauses ?? 15;
  let pos = 0;
  let clauses = 0;
  const peek = (): Token | undefined => tokens[pos];
  const isWord = (tok: Token | undefined, v: string): boolean => tok?.t === 'word' && tok.v.toLowerCase() === v;
  const expect = (t: '(' | ')' | ','): void => {
    if (peek()?.t !== t) throw invalid(`expected '${t}' at token ${pos + 1}.`);
    pos++;
  };

  const literal = (): Literal => {
    const tok = peek();
    pos++;
    if (!tok) throw invalid('a literal value is missing.');
    if (tok.t === 'str') return tok.v;
    if (tok.t !== 'word') throw invalid(`expected a literal at token ${pos}.`);
    const w = tok.v.toLowerCase();
    if (w === 'true') return true;
    if (w === 'false') return false;
    if (w === 'null') return null;
    if (/^-?\d+(\.\d+)?$/.test(tok.v)) return Number(tok.v);
    if (ISO_DATETIME.test(tok.v) && !Number.isNaN(Date.parse(tok.v))) return tok.v;
    throw invalid(`'${tok.v.slice(0, 50)}' is not a valid literal.`);
  };

  const property = (op: FilterOp): string => {
    const tok = peek();
    if (tok?.t !== 'word') throw invalid(`expected a property name at token ${pos + 1}.`);
    pos++;
    const def = schema.props[tok.v];
    if (!def) {
      throw new GraphHttpError(400, unsupportedCode,
        `Unsupported or invalid query filter clause specified for property '${tok.v.slice(0, 80)}' of resource '${schema.resource}'.`);
    }
    if (!def.ops.includes(op)) {
      throw new GraphHttpError(400, unsupportedCode,
        `Unsupported query operator '${op}' for property '${tok.v}' of resource '${schema.resource}'.`);
    }
    return tok.v;
  };

  const count = (n: number): void => {
    clauses += n;
    if (clauses > maxClauses) {
      throw new GraphHttpError(400, unsupportedCode,
        `Too many child clauses specified in search filter expression containing 'OR' operators: ${clauses}. Max allowed: ${maxClauses}.`);
    }
  };

  const checkType = (prop: string, values: Literal[]): void => {
    const type = schema.props[prop]?.type;
    for (const v of values) {
      if (v === null) continue;
      const ok = type === 'boolean' ? typeof v === 'boolean' : typeof v === 'string' && (type !== 'datetime' || ISO_DATETIME.test(v));
      if (!ok) throw invalid(`a value of the wrong type was given for property '${prop}'.`);
    }
  };

  const primary = (depth: number): FilterNode => {
    if (depth > MAX_DEPTH) throw invalid(`the expression is nested deeper than ${MAX_DEPTH} levels.`);
    const tok = peek();
    if (!tok) throw invalid('the expression ended unexpectedly.');
    if (tok.t === '(') {
      pos++;
      const inner = orExpr(depth + 1);
      expect(')');
      return inner;
    }
    if (isWord(tok, 'not')) {
      pos++;
      return { kind: 'not', operand: primary(depth + 1) };
    }
    if (isWord(tok, 'startswith') || isWord(tok, 'endswith')) {
      const op = tok.t === 'word' && tok.v.toLowerCase() === 'startswith' ? 'startswith' : 'endswith';
      pos++;
      expect('(');
      const prop = property(op);
      expect(',');
      const value = literal();
      expect(')');
      checkType(prop, [value]);
      count(1);
      return { kind: 'cmp', op, prop, values: [value] };
    }
    const next = tokens[pos + 1];
    const opWord = next?.t === 'word' ? next.v.toLowerCase() : '';
    if (opWord === 'in') {
      const prop = property('in');
      pos++;
      expect('(');
      const values: Literal[] = [literal()];
      while (peek()?.t === ',') { pos++; values.push(literal()); }
      expect(')');
      checkType(prop, values);
      count(values.length);
      return { kind: 'cmp', op: 'in', prop, values };
    }
    if (!COMPARISONS.has(opWord)) throw invalid(`expected a comparison operator after token ${pos + 1}.`);
    const prop = property(opWord as FilterOp);
    pos++;
    const value = literal();
    checkType(prop, [value]);
    count(1);
    return { kind: 'cmp', op: opWord as FilterOp, prop, values: [value] };
  };

  const andExpr = (depth: number): FilterNode => {
    let left = primary(depth);
    while (isWord(peek(), 'and')) { pos++; left = { kind: 'and', left, right: primary(depth) }; }
    return left;
  };
  const orExpr = (depth: number): FilterNode => {
    let left = andExpr(depth);
    while (isWord(peek(), 'or')) { pos++; left = { kind: 'or', left, right: andExpr(depth) }; }
    return left;
  };

  if (tokens.length === 0) throw invalid('the expression is empty.');
  const tree = orExpr(0);
  if (pos !== tokens.length) throw invalid(`unexpected token at position ${pos + 1}.`);
  return tree;
}

function compare(actual: unknown, op: FilterOp, value: Literal): boolean {
  if (value === null || actual === null || actual === undefined) {
    return op === 'eq' ? (actual ?? null) === value : op === 'ne' ? (actual ?? null) !== value : false;
  }
  if (typeof value === 'boolean') return op === 'eq' ? actual === value : op === 'ne' ? actual !== value : false;
  const a = String(actual);
  const v = String(value);
  const dated = ISO_DATETIME.test(v) && ISO_DATETIME.test(a);
  const x = dated ? Date.parse(a) : a.toLowerCase();
  const y = dated ? Date.parse(v) : v.toLowerCase();
  switch (op) {
    case 'eq': case 'in': return x === y;
    case 'ne': return x !== y;
    case 'gt': return x > y;
    case 'ge': return x >= y;
    case 'lt': return x < y;
    case 'le': return x <= y;
    case 'startswith': return String(x).startsWith(String(y));
    case 'endswith': return String(x).endsWith(String(y));
  }
}

/** Evaluate a parsed filter against one resource object. */
export function matchesFilter(node: FilterNode, item: Record<string, unknown>): boolean {
  switch (node.kind) {
    case 'and': return matchesFilter(node.left, item) && matchesFilter(node.right, item);
    case 'or': return matchesFilter(node.left, item) || matchesFilter(node.right, item);
    case 'not': return !matchesFilter(node.operand, item);
    case 'cmp': return node.values.some((v) => compare(item[node.prop], node.op, v));
  }
}

/** `$top` as an integer in 1..max (default when absent); a 400 otherwise. */
export function parseTop(query: URLSearchParams, defaultTop: number, maxTop: number): number {
  const raw = query.get('$top');
  if (raw === null) return defaultTop;
  if (!/^\d{1,9}$/.test(raw.trim())) throw new GraphHttpError(400, 'BadRequest', `Invalid value '${raw.slice(0, 50)}' for query option '$top'.`);
  const top = Number(raw.trim());
  if (top < 1 || top > maxTop) {
    throw new GraphHttpError(400, 'BadRequest', `Invalid page size specified: '${top}'. Must be between 1 and ${maxTop} inclusive.`);
  }
  return top;
}

/** `$select` as a list of known properties (null when absent); unknown names are a 400. */
export function parseSelect(query: URLSearchParams, known: readonly string[], typeName: string): string[] | null {
  const raw = query.get('$select');
  if (raw === null) return null;
  const names = raw.split(',').map((s) => s.trim()).filter(Boolean);
  if (names.length === 0 || names.length > 100) throw new GraphHttpError(400, 'BadRequest', "Invalid value for query option '$select'.");
  for (const n of names) {
    if (!known.includes(n)) {
      throw new GraphHttpError(400, 'BadRequest', `Could not find a property named '${n.slice(0, 80)}' on type '${typeName}'.`);
    }
  }
  return names;
}

/** Keep only the selected properties (`id` is always returned, as Graph does). */
export function applySelect<T extends object>(item: T, select: string[] | null): Record<string, unknown> {
  if (!select) return { ...(item as Record<string, unknown>) };
  const src = item as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  if ('id' in src) out.id = src.id;
  for (const k of select) out[k] = src[k] ?? null;
  return out;
}

/** Encode an opaque paging/state token. */
export function encodeToken(state: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(state)).toString('base64url');
}

/** Decode a token made by `encodeToken`, checking its kind; a 400 when it is not one of ours. */
export function decodeToken(raw: string, kind: string, option = '$skiptoken'): Record<string, unknown> {
  const bad = (): GraphHttpError => new GraphHttpError(400, 'BadRequest', `The ${option} value is invalid or has expired.`);
  if (raw.length > 2048 || !/^[A-Za-z0-9_-]+$/.test(raw)) throw bad();
  try {
    const v: unknown = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
    if (!v || typeof v !== 'object' || Array.isArray(v) || (v as Record<string, unknown>).k !== kind) throw bad();
    return v as Record<string, unknown>;
  } catch {
    throw bad();
  }
}

/** A link back to this path with the given query (and `$` left readable in option names, as Graph writes them). */
export function linkWith(origin: string, rawPath: string, params: Array<[string, string]>): string {
  const q = params.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');
  return `${origin}${rawPath}${q ? `?${q}` : ''}`;
}
