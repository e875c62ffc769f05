/**
 * OData V2 `$filter` grammar (the subset SAP Gateway clients use), as a tokenizer and a
 * recursive-descent parser producing a typed AST. No evaluation here; see `odataFilterEval.ts`.
 *
 * ```
 * orExpr     = andExpr *( "or" andExpr )            ; flattened into one n-ary node
 * andExpr    = unary *( "and" unary )
 * unary      = "not" unary / comparison
 * comparison = primary [ ("eq"/"ne"/"gt"/"ge"/"lt"/"le") primary ]
 * primary    = "(" orExpr ")" / literal / function "(" [ orExpr *( "," orExpr ) ] ")" / property
 * literal    = 'str' ('' escapes a quote) / 12 / 12L / 12.5M / 1.5d / 1.5f / true / false / null
 *            / datetime'2024-01-20T00:00:00' / datetimeoffset'2024-01-20T00:00:00Z'
 *            / guid'01234567-89ab-cdef-0123-456789abcdef' / time'PT10H00M00S'
 * ```
 * Limits (abuse): input length `MAX_FILTER_LENGTH`, nesting depth `MAX_FILTER_DEPTH`, token count
 * `MAX_FILTER_TOKENS`. Every failure is a `FilterSyntaxError` with the character position.
 */

export type CompareOp = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le';
export type LiteralType = 'string' | 'int' | 'decimal' | 'double' | 'boolean' | 'null' | 'datetime' | 'datetimeoffset' | 'guid' | 'time';
export const FILTER_FUNCTIONS = [
  'substringof', 'startswith', 'endswith', 'tolower', 'toupper', 'trim', 'length', 'indexof', 'concat', 'substring',
  'year', 'month', 'day', 'hour', 'minute', 'second', 'round', 'floor', 'ceiling',
] as const;
export type FilterFunction = (typeof FILTER_FUNCTIONS)[number];

export type FilterExpr =
  /** `value`: string for string/guid, number for numbers and epoch ms for datetime(offset), ms of day for time. */
  | { kind: 'literal'; type: LiteralType; value: string | number | boolean | null }
  | { kind: 'property'; name: string }
  | { kind: 'and' | 'or'; args: FilterExpr[] }
  | { kind: 'not'; arg: FilterExpr }
  | { kind: 'compare'; op: CompareOp; left: FilterExpr; right: FilterExpr }
  | { kind: 'call'; name: FilterFunction; args: FilterExpr[] };

export const MAX_FILTER_LENGTH = 64 * 1024;
export const MAX_FILTER_DEPTH = 64;
export const MAX_FILTER_TOKENS = 20_000;

export class FilterSyntaxError extends Error {
  constructor(message: string, readonly position: number) {
    super(message);
  }
}

type Token =
  | { t: 'ident'; v: string; pos: number }
  | { t: 'lit'; lit: Extract<FilterExpr, { kind: 'literal' }>; pos: number }
  | { t: '(' | ')' | ','; pos: number };

const COMPARE_OPS = new Set<string>(['eq', 'ne', 'gt', 'ge', 'lt', 'le']);
const FUNCTIONS = new Set<string>(FILTER_FUNCTIONS);
const NUMBER_RE = /^-?\d+(\.\d+)?([eE][+-]?\d+)?([mMdDfFlL])?/;
const IDENT_RE = /^[A-Za-z_][A-Za-z0-9_]*(\/[A-Za-z_][A-Za-z0-9_]*)*/;

/** Read a quoted string starting at `i` (on the opening quote); returns the text and the index after the closing quote. */
function readQuoted(src: string, i: number): { text: string; end: number } {
  let text = '';
  let j = i + 1;
  for (;;) {
    const q = src.indexOf("'", j);
    if (q === -1) throw new FilterSyntaxError(`Unterminated string literal starting at position ${i}`, i);
    text += src.slice(j, q);
    if (src[q + 1] === "'") {
      text += "'";
      j = q + 2;
      continue;
    }
    return { text, end: q + 1 };
  }
}

const ISO_DATETIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,7})?)?$/;
const ISO_OFFSET = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,7})?)?(Z|[+-]\d{2}:\d{2})$/;
const GUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const TIME_RE = /^PT(?:(\d{1,2})H)?(?:(\d{1,2})M)?(?:(\d{1,2})(?:\.\d+)?S)?$/;

function parseDate(text: string, withOffset: boolean, pos: number): number {
  const m = (withOffset ? ISO_OFFSET : ISO_DATETIME).exec(text);
  const ms = m ? Date.parse(withOffset ? text : `${text}Z`) : NaN;
  if (!m || Number.isNaN(ms)) throw new FilterSyntaxError(`Invalid ${withOffset ? 'datetimeoffset' : 'datetime'} literal '${text}'`, pos);
  return ms;
}

function typedLiteral(prefix: string, text: string, pos: number): Extract<FilterExpr, { kind: 'literal' }> {
  switch (prefix.toLowerCase()) {
    case 'datetime': return { kind: 'literal', type: 'datetime', value: parseDate(text, false, pos) };
    case 'datetimeoffset': return { kind: 'literal', type: 'datetimeoffset', value: parseDate(text, true, pos) };
    case 'guid':
      if (!GUID_RE.test(text)) throw new FilterSyntaxError(`Invalid guid literal '${text}'`, pos);
      return { kind: 'literal', type: 'guid', value: text.toLowerCase() };
    case 'time': {
      const m = TIME_RE.exec(text);
      if (!m || text === 'PT') throw new FilterSyntaxError(`Invalid time literal '${text}'`, pos);
      return { kind: 'literal', type: 'time', value: ((Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0)) * 60 + Number(m[3] ?? 0)) * 1000 };
    }
    default: throw new FilterSyntaxError(`Unsupported literal prefix '${prefix}'`, pos);
  }
}

function numberLiteral(text: string, pos: number): Extract<FilterExpr, { kind: 'literal' }> {
  const suffix = /[mMdDfFlL]$/.test(text) ? text.slice(-1).toLowerCase() : '';
  const body = suffix ? text.slice(0, -1) : text;
  const value = Number(body);
  if (!Number.isFinite(value)) throw new FilterSyntaxError(`Invalid number '${text}'`, pos);
  if (suffix === 'm') return { kind: 'literal', type: 'decimal', value };
  if (suffix === 'd' || suffix === 'f' || /[.eE]/.test(body)) return { kind: 'literal', type: suffix ? 'double' : 'decimal', value };
  if (!Number.isSafeInteger(value)) throw new FilterSyntaxError(`Integer literal '${text}' is out of range`, pos);
  return { kind: 'literal', type: 'int', value };
}

export function tokenizeFilter(src: string): Token[] {
  if (src.length > MAX_FILTER_LENGTH) throw new FilterSyntaxError(`$filter is longer than ${MAX_FILTER_LENGTH} characters`, 0);
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    if (out.length > MAX_FILTER_TOKENS) throw new FilterSyntaxError(`$filter has more than ${MAX_FILTER_TOKENS} tokens`, i);
    const c = src[i] as string;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') { i++; continue; }
    if (c === '(' || c === ')' || c === ',') { out.push({ t: c, pos: i }); i++; continue; }
    if (c === "'") {
      const { text, end } = readQuoted(src, i);
      out.push({ t: 'lit', lit: { kind: 'literal', type: 'string', value: text }, pos: i });
      i = end;
      continue;
    }
    const rest = src.slice(i, i + 400);
    const num = NUMBER_RE.exec(rest);
    if (num) {
      out.push({ t: 'lit', lit: numberLiteral(num[0], i), pos: i });
      i += num[0].length;
      if (i < src.length && /[A-Za-z0-9_.']/.test(src[i] as string)) throw new FilterSyntaxError(`Invalid token at position ${i}`, i);
      continue;
    }
    const id = IDENT_RE.exec(rest);
    if (id) {
      const end = i + id[0].length;
      if (src[end] === "'") {
        const { text, end: after } = readQuoted(src, end);
        out.push({ t: 'lit', lit: typedLiteral(id[0], text, i), pos: i });
        i = after;
        continue;
      }
      out.push({ t: 'ident', v: id[0], pos: i });
      i = end;
      continue;
    }
    throw new FilterSyntaxError(`Invalid token detected at position ${i}`, i);
  }
  return out;
}

/** Parse a `$filter` value into an AST or throw `FilterSyntaxError`. */
export function parseFilter(src: string): FilterExpr {
  const tokens = tokenizeFilter(src);
  if (tokens.length === 0) throw new FilterSyntaxError('$filter is empty', 0);
  let pos = 0;
  let depth = 0;
  const peek = (): Token | undefined => tokens[pos];
  const at = (): number => peek()?.pos ?? src.length;
  const isWord = (w: string): boolean => { const t = peek(); return t?.t === 'ident' && t.v.toLowerCase() === w; };
  const enter = (): void => {
    if (++depth > MAX_FILTER_DEPTH) throw new FilterSyntaxError(`$filter is nested deeper than ${MAX_FILTER_DEPTH} levels`, at());
  };
  const expect = (t: ')' | ','): void => {
    if (peek()?.t !== t) throw new FilterSyntaxError(`Expected '${t}' at position ${at()}`, at());
    pos++;
  };

  function chain(kind: 'or' | 'and', next: () => FilterExpr): FilterExpr {
    const args = [next()];
    while (isWord(kind)) {
      pos++;
      args.push(next());
    }
    return args.length === 1 ? (args[0] as FilterExpr) : { kind, args };
  }
  const orExpr = (): FilterExpr => chain('or', andExpr);
  const andExpr = (): FilterExpr => chain('and', unary);

  function unary(): FilterExpr {
    if (isWord('not')) {
      pos++;
      enter();
      const arg = unary();
      depth--;
      return { kind: 'not', arg };
    }
    const left = primary();
    const t = peek();
    if (t?.t === 'ident' && COMPARE_OPS.has(t.v.toLowerCase())) {
      pos++;
      return { kind: 'compare', op: t.v.toLowerCase() as CompareOp, left, right: primary() };
    }
    return left;
  }

  function primary(): FilterExpr {
    const t = peek();
    if (!t) throw new FilterSyntaxError('Unexpected end of $filter', src.length);
    if (t.t === '(') {
      pos++;
      enter();
      const inner = orExpr();
      expect(')');
      depth--;
      return inner;
    }
    if (t.t === 'lit') { pos++; return t.lit; }
    if (t.t !== 'ident') throw new FilterSyntaxError(`Unexpected '${t.t}' at position ${t.pos}`, t.pos);
    pos++;
    const word = t.v.toLowerCase();
    if (peek()?.t === '(') {
      if (!FUNCTIONS.has(word)) throw new FilterSyntaxError(`Unknown function '${t.v}' at position ${t.pos}`, t.pos);
      pos++;
      enter();
      const args: FilterExpr[] = [];
      if (peek()?.t !== ')') {
        args.push(orExpr());
        while (peek()?.t === ',') { pos++; args.push(orExpr()); }
      }
      expect(')');
      depth--;
      return { kind: 'call', name: word as FilterFunction, args };
    }
    if (word === 'true' || word === 'false') return { kind: 'literal', type: 'boolean', value: word === 'true' };
    if (word === 'null') return { kind: 'literal', type: 'null', value: null };
    if (COMPARE_OPS.has(word) || word === 'and' || word === 'or' || word === 'not') {
      throw new FilterSyntaxError(`Unexpected operator '${t.v}' at position ${t.pos}`, t.pos);
    }
    return { kind: 'property', name: t.v };
  }

  const expr = orExpr();
  if (pos < tokens.length) throw new FilterSyntaxError(`Unexpected token at position ${at()}`, at());
  return expr;
}
