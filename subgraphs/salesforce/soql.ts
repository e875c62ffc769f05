/**
 * Building SOQL safely. Values never reach a statement unquoted: strings go through `soqlString`
 * (Salesforce's escapes for `\`, `'` and control characters), LIKE patterns through `soqlLikePrefix`
 * (which also escapes `%` and `_`), datetimes through `soqlDateTime`, and ids are normalised by
 * `salesforceId.ts` before they get here. `chunkInList` splits a long `IN (...)` list so that each
 * statement's URL-encoded length stays under a budget (the query travels in a GET URL).
 */
import { packByCost } from '../kit/packByCost';

const ESCAPES: Record<string, string> = { '\\': '\\\\', "'": "\\'", '\n': '\\n', '\r': '\\r', '\t': '\\t', '\b': '\\b', '\f': '\\f' };

/** Escapes a value for use between single quotes in SOQL. */
export function escapeSoql(value: string): string {
  return value.replace(/[\\'\n\r\t\b\f]/g, (ch) => ESCAPES[ch] ?? ch);
}

/** A quoted SOQL string literal. */
export function soqlString(value: string): string {
  return `'${escapeSoql(value)}'`;
}

/** A quoted LIKE pattern matching values that start with `prefix` (its `%` and `_` match literally). */
export function soqlLikePrefix(prefix: string): string {
  return `'${escapeSoql(prefix).replace(/[%_]/g, (ch) => `\\${ch}`)}%'`;
}

/**
 * A SOQL datetime literal (unquoted, `YYYY-MM-DDThh:mm:ssZ`) for an ISO-8601 instant. SOQL has no
 * fractional seconds, so the instant is truncated to the second.
 */
export function soqlDateTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) throw new Error(`not an ISO-8601 instant: ${iso}`);
  return `${d.toISOString().slice(0, 19)}Z`;
}

/**
 * Length of `text` in the request URL: jsforce writes `encodeURIComponent(soql)`, and the WHATWG URL
 * parser then also escapes `'` (3 characters) in the query of an http(s) URL.
 */
const encodedLength = (text: string): number => encodeURIComponent(text).replace(/'/g, '%27').length;

/**
 * Splits `items` into groups so that `build(<their literals joined by commas>)` stays within
 * `maxEncodedChars` once URL-encoded, measuring each literal's encoded length (not a fixed count).
 * Throws when a single literal cannot fit, which means the budget is far too small.
 */
export function chunkInList<T>(items: readonly T[], literal: (item: T) => string, build: (list: string) => string, maxEncodedChars: number): T[][] {
  const base = encodedLength(build(''));
  const cost = (item: T): number => encodedLength(literal(item));
  for (const item of items) {
    if (base + cost(item) > maxEncodedChars) throw new Error(`one SOQL value is longer than the ${maxEncodedChars}-character budget`);
  }
  return packByCost(items, { base, cost, separator: encodedLength(','), budget: maxEncodedChars });
}
