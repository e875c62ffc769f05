/**
 * Building OData V2 URLs safely: key validation before anything reaches a URL (BAD_USER_INPUT
 * otherwise), string literals with single quotes doubled, `datetime'…'` literals, query strings
 * with percent-encoded values, and `P eq 'a' or P eq 'b' …` filters chunked so that no URL grows
 * past the configured length.
 */
import { badUserInput } from '../kit/subgraphErrors';
import { packByCost } from '../kit/packByCost';

/** Sales order numbers: digits, up to 10 (SAP's `VBELN`). */
const SALES_ORDER_ID = /^\d{1,10}$/;
/** Business partner numbers: digits or letters, up to 10 (SAP's `BU_PARTNER`). */
const BUSINESS_PARTNER_ID = /^[A-Za-z0-9]{1,10}$/;
/** Longest email SAP stores (`AD_SMTPADR`). */
export const MAX_EMAIL_LENGTH = 241;

/** SAP's external (ALPHA) form of a numeric key: no leading zeros (`'0000000042'` → `'42'`). */
export function alphaOut(key: string): string {
  return /^\d+$/.test(key) ? key.replace(/^0+(?=\d)/, '') : key;
}

/** The sales order number in external form, or null when it is not one. */
export function parseSalesOrderId(id: string): string | null {
  return SALES_ORDER_ID.test(id) ? alphaOut(id) : null;
}

/** The sales order number in external form, or BAD_USER_INPUT naming `field`. */
export function checkSalesOrderId(id: string, field = 'id'): string {
  const ok = parseSalesOrderId(id);
  if (ok === null) throw badUserInput('sap', field, `${field} must be a sales order number (1 to 10 digits)`);
  return ok;
}

/** The business partner number in external form, or null when it is not one. */
export function parseBusinessPartnerId(bp: string): string | null {
  return BUSINESS_PARTNER_ID.test(bp) ? alphaOut(bp) : null;
}

/** The business partner number in external form, or BAD_USER_INPUT naming `field`. */
export function checkBusinessPartnerId(bp: string, field: string): string {
  const ok = parseBusinessPartnerId(bp);
  if (ok === null) throw badUserInput('sap', field, `${field} must be a business partner number (1 to 10 letters or digits)`);
  return ok;
}

/** An email as the join key: trimmed and lower-cased; null when it cannot be an address SAP stores. */
export function normalizeEmail(email: string): string | null {
  const e = email.trim().toLowerCase();
  // eslint-disable-next-line no-control-regex -- control characters are exactly what we refuse
  if (e.length < 3 || e.length > MAX_EMAIL_LENGTH || !e.includes('@') || /[\u0000-\u001f\u007f]/.test(e)) return null;
  return e;
}

/** An OData string literal: `'it''s'`. */
export function stringLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** An `Edm.DateTime` literal from an ISO instant, in UTC: `datetime'2024-01-20T00:00:00'`. */
export function dateTimeLiteral(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) throw new Error(`not an instant: ${iso}`);
  return `datetime'${d.toISOString().replace(/\.000Z$|Z$/, '')}'`;
}

/** `P eq 'a'`. */
export function eqTerm(prop: string, value: string): string {
  return `${prop} eq ${stringLiteral(value)}`;
}

/** `P eq 'a' or P eq 'b'`, parenthesised when it has several terms (so it can be AND-ed). */
export function orFilter(prop: string, values: readonly string[]): string {
  const terms = values.map((v) => eqTerm(prop, v));
  return terms.length > 1 ? `(${terms.join(' or ')})` : (terms[0] ?? '');
}

/** Percent-encode a query option value, leaving the characters OData URLs commonly show as is. */
export function encodeQueryValue(value: string): string {
  return encodeURIComponent(value).replace(/%2C/g, ',').replace(/%2F/g, '/').replace(/%3A/g, ':').replace(/%24/g, '$');
}

/** System query options (and custom ones such as `sap-client`); undefined values are left out. */
export type ODataQuery = Record<string, string | number | undefined>;

/** `?$filter=…&$top=…` (empty string when there is nothing to add). */
export function queryString(query: ODataQuery): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(query)) if (v !== undefined) parts.push(`${k}=${encodeQueryValue(String(v))}`);
  return parts.length ? `?${parts.join('&')}` : '';
}

/**
 * Split `values` into groups whose `or` filter, once encoded, stays within `budget` characters.
 * Every group holds at least one value; the order of values is kept.
 */
export function chunkForFilter(prop: string, values: readonly string[], budget: number): string[][] {
  return packByCost(values, { base: 2, cost: (v) => encodeQueryValue(`${eqTerm(prop, v)} or `).length, budget });
}
