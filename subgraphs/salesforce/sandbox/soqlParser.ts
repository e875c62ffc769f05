/**
 * A SOQL subset: tokenizer and recursive-descent parser to an AST. Errors are MALFORMED_QUERY with
 * Salesforce's message layout (the query, a caret, `ERROR at Row:r:Column:c`, the reason).
 *
 * Grammar (keywords are case-insensitive):
 *
 *   query     := SELECT item (',' item)* FROM name [WHERE cond] [ORDER BY order (',' order)*]
 *                [LIMIT int] [OFFSET int]
 *   item      := path | COUNT '(' [path] ')' [alias] | FIELDS '(' ALL|STANDARD|CUSTOM ')'
 *              | '(' SELECT path (',' path)* FROM childRelationship [WHERE cond] [ORDER BY ...] [LIMIT int] ')'
 *   cond      := unary (AND unary)* | unary (OR unary)*     -- mixing AND and OR needs parentheses
 *   unary     := NOT unary | '(' cond ')' | path op value | path [NOT] IN '(' value (',' value)* ')'
 *   op        := '=' | '!=' | '<>' | '<' | '<=' | '>' | '>=' | LIKE
 *   value     := 'string' | number | TRUE | FALSE | NULL | 2024-01-15 | 2024-01-15T10:00:00Z
 *              | TODAY | LAST_N_DAYS ':' int | ...
 *   order     := path [ASC|DESC] [NULLS FIRST|LAST]
 *
 * Parentheses and NOT nest at most `MAX_DEPTH` deep, so hostile input cannot exhaust the stack.
 */
import { SalesforceApiError } from './salesforceErrors';

export const MAX_QUERY_LENGTH = 100_000;
export const MAX_DEPTH = 64;

export type Literal =
  | { kind: 'string'; value: string; raw: string }
  | { kind: 'number'; value: number }
  | { kind: 'boolean'; value: boolean }
  | { kind: 'null' }
  | { kind: 'date'; value: string }
  | { kind: 'datetime'; value: number }
  | { kind: 'dateLiteral'; name: string; n: number };

export interface FieldPath {
  path: string[];
  pos: number;
}

export type SelectItem =
  | ({ kind: 'field' } & FieldPath)
  | { kind: 'count'; field: FieldPath | null; alias: string | null; pos: number }
  | { kind: 'fields'; which: 'ALL' | 'STANDARD' | 'CUSTOM'; pos: number }
  | { kind: 'subquery'; query: SoqlQuery; pos: number };

export type CompareOp = '=' | '!=' | '<' | '<=' | '>' | '>=' | 'LIKE';

export type Condition =
  | { kind: 'and' | 'or'; items: Condition[] }
  | { kind: 'not'; item: Condition }
  | { kind: 'compare'; field: FieldPath; op: CompareOp; value: Literal; valuePos: number }
  | { kind: 'in'; field: FieldPath; negated: boolean; values: Literal[]; valuePos: number };

export interface OrderItem {
  field: FieldPath;
  descending: boolean;
  nullsLast: boolean;
}

export interface SoqlQuery {
  select: SelectItem[];
  from: { name: string; pos: number };
  where: Condition | null;
  orderBy: OrderItem[];
  limit: number | null;
  offset: number | null;
  offsetPos: number;
}

type TokenType = 'ident' | 'string' | 'number' | 'date' | 'datetime' | 'op' | 'eof';
interface Token {
  type: TokenType;
  text: string;
  pos: number;
  /** Unescaped value of a string token. */
  value?: string;
}

const DATE_LITERALS = new Set(['YESTERDAY', 'TODAY', 'TOMORROW', 'LAST_WEEK', 'THIS_WEEK', 'NEXT_WEEK', 'LAST_MONTH',
  'THIS_MONTH', 'NEXT_MONTH', 'LAST_90_DAYS', 'NEXT_90_DAYS', 'THIS_YEAR', 'LAST_YEAR', 'NEXT_YEAR']);
const N_DATE_LITERALS = new Set(['LAST_N_DAYS', 'NEXT_N_DAYS', 'N_DAYS_AGO', 'LAST_N_WEEKS', 'NEXT_N_WEEKS',
  'LAST_N_MONTHS', 'NEXT_N_MONTHS', 'LAST_N_YEARS', 'NEXT_N_YEARS']);
const UNSUPPORTED = new Set(['GROUP', 'HAVING', 'WITH', 'USING', 'TYPEOF', 'FOR', 'INCLUDES', 'EXCLUDES', 'UPDATE']);
const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', '"': '"', "'": "'", '\\': '\\', '%': '%', _: '_' };

/** Build Salesforce's MALFORMED_QUERY-style message pointing at `pos`. */
export function queryErrorMessage(soql: string, pos: number, reason: string): string {
  const before = soql.slice(0, pos);
  const row = (before.match(/\n/g)?.length ?? 0) + 1;
  const lineStart = before.lastIndexOf('\n') + 1;
  const col = pos - lineStart + 1;
  const lineEnd = soql.indexOf('\n', pos);
  const line = soql.slice(lineStart, lineEnd === -1 ? undefined : lineEnd);
  const from = Math.max(0, col - 1 - 60);
  const snippet = line.slice(from, col - 1 + 60);
  return `\n${snippet}\n${' '.repeat(col - 1 - from)}^\nERROR at Row:${row}:Column:${col}\n${reason}`;
}

function malformed(soql: string, pos: number, reason: string): SalesforceApiError {
  return new SalesforceApiError(400, 'MALFORMED_QUERY', queryErrorMessage(soql, pos, reason));
}

const WS = /\s+/y;
const IDENT = /[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*/y;
const DATETIME = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z|[+-]\d{2}:?\d{2})/y;
const DATE = /\d{4}-\d{2}-\d{2}(?![\dT])/y;
const NUMBER = /-?\d+(\.\d+)?(?![A-Za-z_])/y;
const OPS = ['<=', '>=', '!=', '<>', '=', '<', '>', '(', ')', ',', ':'];

function sticky(re: RegExp, s: string, pos: number): string | null {
  re.lastIndex = pos;
  const m = re.exec(s);
  return m ? m[0] : null;
}

/** Split a SOQL string into tokens. */
export function tokenize(soql: string): Token[] {
  const tokens: Token[] = [];
  let pos = 0;
  while (pos < soql.length) {
    const ws = sticky(WS, soql, pos);
    if (ws) { pos += ws.length; continue; }
    const ch = soql.charAt(pos);
    if (ch === "'") {
      let value = '';
      let i = pos + 1;
      for (; i < soql.length && soql.charAt(i) !== "'"; i++) {
        if (soql.charAt(i) !== '\\') { value += soql.charAt(i); continue; }
        const next = soql.charAt(i + 1);
        const mapped = ESCAPES[next];
        if (mapped === undefined) {
          throw malformed(soql, pos, `Invalid string literal '${soql.slice(pos + 1, i + 2)}'. Illegal character sequence '\\${next}' in string literal.`);
        }
        value += next === '%' || next === '_' ? `\\${next}` : mapped;
        i++;
      }
      if (i >= soql.length) throw malformed(soql, pos, `line 1:${pos} mismatched character '<EOF>' expecting '''`);
      tokens.push({ type: 'string', text: soql.slice(pos, i + 1), pos, value });
      pos = i + 1;
      continue;
    }
    const dt = sticky(DATETIME, soql, pos);
    if (dt) { tokens.push({ type: 'datetime', text: dt, pos }); pos += dt.length; continue; }
    const d = sticky(DATE, soql, pos);
    if (d) { tokens.push({ type: 'date', text: d, pos }); pos += d.length; continue; }
    const n = sticky(NUMBER, soql, pos);
    if (n) { tokens.push({ type: 'number', text: n, pos }); pos += n.length; continue; }
    const id = sticky(IDENT, soql, pos);
    if (id) { tokens.push({ type: 'ident', text: id, pos }); pos += id.length; continue; }
    const op = OPS.find((o) => soql.startsWith(o, pos));
    if (op) { tokens.push({ type: 'op', text: op, pos }); pos += op.length; continue; }
    throw malformed(soql, pos, `line 1:${pos} no viable alternative at character '${ch}'`);
  }
  tokens.push({ type: 'eof', text: '<EOF>', pos: soql.length });
  return tokens;
}

/** Strip the `\%` / `\_` markers a string literal keeps for LIKE, giving the plain value. */
export function plainString(lit: { value: string }): string {
  return lit.value.replace(/\\([%_])/g, '$1');
}

class Parser {
  private i = 0;
  private depth = 0;
  constructor(private readonly soql: string, private readonly tokens: Token[]) {}

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.i + offset, this.tokens.length - 1)] as Token;
  }
  private next(): Token {
    const t = this.peek();
    if (this.i < this.tokens.length - 1) this.i++;
    return t;
  }
  private isKw(kw: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t.type === 'ident' && t.text.toUpperCase() === kw;
  }
  private isOp(op: string): boolean {
    const t = this.peek();
    return t.type === 'op' && t.text === op;
  }
  unexpected(t: Token = this.peek()): SalesforceApiError {
    if (t.type === 'ident' && UNSUPPORTED.has(t.text.toUpperCase())) {
      return malformed(this.soql, t.pos, `unexpected token: '${t.text}' (${t.text.toUpperCase()} is not supported by the Lumina Salesforce sandbox)`);
    }
    return malformed(this.soql, t.pos, t.type === 'eof' ? 'unexpected token: <EOF>' : `unexpected token: '${t.text}'`);
  }
  private expectKw(kw: string): Token {
    if (!this.isKw(kw)) throw this.unexpected();
    return this.next();
  }
  private expectOp(op: string): Token {
    if (!this.isOp(op)) throw this.unexpected();
    return this.next();
  }
  private enter(t: Token): void {
    if (++this.depth > MAX_DEPTH) throw malformed(this.soql, t.pos, `unexpected token: '${t.text}' (expressions may nest at most ${MAX_DEPTH} levels)`);
  }

  parseTop(): SoqlQuery {
    const q = this.parseQuery(false);
    if (this.peek().type !== 'eof') throw this.unexpected();
    return q;
  }

  private parseQuery(nested: boolean): SoqlQuery {
    this.expectKw('SELECT');
    const select: SelectItem[] = [this.parseSelectItem(nested)];
    while (this.isOp(',')) {
      this.next();
      select.push(this.parseSelectItem(nested));
    }
    this.expectKw('FROM');
    const fromTok = this.next();
    if (fromTok.type !== 'ident' || fromTok.text.includes('.')) throw this.unexpected(fromTok);
    const q: SoqlQuery = { select, from: { name: fromTok.text, pos: fromTok.pos }, where: null, orderBy: [], limit: null, offset: null, offsetPos: 0 };
    if (this.isKw('WHERE')) {
      this.next();
      q.where = this.parseCondition();
    }
    if (this.isKw('ORDER')) {
      this.next();
      this.expectKw('BY');
      q.orderBy.push(this.parseOrderItem());
      while (this.isOp(',')) {
        this.next();
        q.orderBy.push(this.parseOrderItem());
      }
    }
    if (this.isKw('LIMIT')) {
      this.next();
      q.limit = this.parseNonNegativeInt();
    }
    if (this.isKw('OFFSET')) {
      this.next();
      q.offsetPos = this.peek().pos;
      q.offset = this.parseNonNegativeInt();
    }
    return q;
  }

  private parseNonNegativeInt(): number {
    const t = this.next();
    if (t.type !== 'number' || !/^\d+$/.test(t.text)) throw this.unexpected(t);
    return Number(t.text);
  }

  private parsePath(): FieldPath {
    const t = this.next();
    if (t.type !== 'ident') throw this.unexpected(t);
    return { path: t.text.split('.'), pos: t.pos };
  }

  private parseSelectItem(nested: boolean): SelectItem {
    const t = this.peek();
    if (this.isOp('(')) {
      if (nested) throw this.unexpected();
      this.next();
      const query = this.parseQuery(true);
      this.expectOp(')');
      return { kind: 'subquery', query, pos: t.pos };
    }
    if (t.type === 'ident' && this.peek(1).type === 'op' && this.peek(1).text === '(') {
      const fn = t.text.toUpperCase();
      if (fn === 'COUNT') {
        this.next();
        this.next();
        const field = this.isOp(')') ? null : this.parsePath();
        this.expectOp(')');
        let alias: string | null = null;
        if (this.peek().type === 'ident' && !this.isKw('FROM')) alias = this.next().text;
        return { kind: 'count', field, alias, pos: t.pos };
      }
      if (fn === 'FIELDS') {
        this.next();
        this.next();
        const which = this.next();
        const w = which.text.toUpperCase();
        if (which.type !== 'ident' || (w !== 'ALL' && w !== 'STANDARD' && w !== 'CUSTOM')) throw this.unexpected(which);
        this.expectOp(')');
        return { kind: 'fields', which: w, pos: t.pos };
      }
      throw malformed(this.soql, t.pos, `unexpected token: '${t.text}' (the function ${fn}() is not supported by the Lumina Salesforce sandbox)`);
    }
    return { kind: 'field', ...this.parsePath() };
  }

  private parseOrderItem(): OrderItem {
    const field = this.parsePath();
    let descending = false;
    if (this.isKw('ASC')) this.next();
    else if (this.isKw('DESC')) { this.next(); descending = true; }
    let nullsLast = descending;
    if (this.isKw('NULLS')) {
      this.next();
      if (this.isKw('FIRST')) nullsLast = false;
      else if (this.isKw('LAST')) nullsLast = true;
      else throw this.unexpected();
      this.next();
    }
    return { field, descending, nullsLast };
  }

  private parseCondition(): Condition {
    const first = this.parseUnary();
    if (!this.isKw('AND') && !this.isKw('OR')) return first;
    const joiner = this.peek().text.toUpperCase();
    const items = [first];
    while (this.isKw('AND') || this.isKw('OR')) {
      if (this.peek().text.toUpperCase() !== joiner) throw this.unexpected();
      this.next();
      items.push(this.parseUnary());
    }
    return { kind: joiner === 'AND' ? 'and' : 'or', items };
  }

  private parseUnary(): Condition {
    const t = this.peek();
    if (this.isKw('NOT')) {
      this.enter(t);
      this.next();
      const item = this.parseUnary();
      this.depth--;
      return { kind: 'not', item };
    }
    if (this.isOp('(')) {
      this.enter(t);
      this.next();
      const inner = this.parseCondition();
      this.expectOp(')');
      this.depth--;
      return inner;
    }
    return this.parsePredicate();
  }

  private parsePredicate(): Condition {
    const field = this.parsePath();
    let negated = false;
    if (this.isKw('NOT') && this.isKw('IN', 1)) { this.next(); negated = true; }
    if (this.isKw('IN')) {
      this.next();
      const open = this.expectOp('(');
      if (this.isKw('SELECT')) {
        throw malformed(this.soql, this.peek().pos, "unexpected token: 'SELECT' (semi-join subqueries are not supported by the Lumina Salesforce sandbox)");
      }
      const values = [this.parseValue()];
      while (this.isOp(',')) {
        this.next();
        values.push(this.parseValue());
      }
      this.expectOp(')');
      return { kind: 'in', field, negated, values, valuePos: open.pos };
    }
    const opTok = this.next();
    let op: CompareOp;
    if (opTok.type === 'ident' && opTok.text.toUpperCase() === 'LIKE') op = 'LIKE';
    else if (opTok.type === 'op' && ['=', '!=', '<>', '<', '<=', '>', '>='].includes(opTok.text)) op = (opTok.text === '<>' ? '!=' : opTok.text) as CompareOp;
    else throw this.unexpected(opTok);
    const valuePos = this.peek().pos;
    const value = this.parseValue();
    if (op === 'LIKE' && value.kind !== 'string') throw malformed(this.soql, valuePos, 'invalid LIKE expression: the pattern must be a string literal');
    return { kind: 'compare', field, op, value, valuePos };
  }

  private parseValue(): Literal {
    const t = this.next();
    switch (t.type) {
      case 'string': return { kind: 'string', value: t.value ?? '', raw: t.text };
      case 'number': return { kind: 'number', value: Number(t.text) };
      case 'date': return { kind: 'date', value: t.text };
      case 'datetime': {
        const ms = Date.parse(t.text.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
        if (Number.isNaN(ms)) throw malformed(this.soql, t.pos, `line 1:${t.pos} invalid datetime literal '${t.text}'`);
        return { kind: 'datetime', value: ms };
      }
      case 'ident': {
        const up = t.text.toUpperCase();
        if (up === 'TRUE' || up === 'FALSE') return { kind: 'boolean', value: up === 'TRUE' };
        if (up === 'NULL') return { kind: 'null' };
        if (DATE_LITERALS.has(up)) return { kind: 'dateLiteral', name: up, n: 0 };
        if (N_DATE_LITERALS.has(up)) {
          this.expectOp(':');
          return { kind: 'dateLiteral', name: up, n: this.parseNonNegativeInt() };
        }
        throw this.unexpected(t);
      }
      default:
        throw this.unexpected(t);
    }
  }
}

/** Parse a SOQL string. Throws SalesforceApiError(400, MALFORMED_QUERY) on bad input. */
export function parseSoql(soql: string): SoqlQuery {
  if (soql.length > MAX_QUERY_LENGTH) {
    throw new SalesforceApiError(400, 'MALFORMED_QUERY', `SOQL statements cannot be longer than ${MAX_QUERY_LENGTH} characters.`);
  }
  return new Parser(soql, tokenize(soql)).parseTop();
}
