/**
 * Turn a caller's record body into typed field values, rejecting what Salesforce rejects, with its
 * error codes: INVALID_FIELD (unknown column), INVALID_FIELD_FOR_INSERT_UPDATE (read-only),
 * REQUIRED_FIELD_MISSING, STRING_TOO_LONG, INVALID_EMAIL_ADDRESS, MALFORMED_ID,
 * INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST and JSON_PARSER_ERROR for values of the wrong JSON type.
 */
import { SalesforceApiError } from './salesforceErrors';
import { keyPrefixOf, normalizeId } from './salesforceIds';
import { findSObject, isTextType, type FieldDef, type SObjectDef } from './sobjectSchema';

export type FieldValue = string | number | boolean | null;
export type FieldValues = Record<string, FieldValue>;

/** Picklists whose values are restricted to the defined list. */
const RESTRICTED_PICKLISTS = new Set(['CurrencyIsoCode']);
const EMAIL = /^[^\s@"(),:;<>[\\\]]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/;

function jsonKind(v: unknown): string {
  if (Array.isArray(v)) return 'START_ARRAY';
  if (typeof v === 'object' && v !== null) return 'START_OBJECT';
  if (typeof v === 'string') return 'VALUE_STRING';
  if (typeof v === 'boolean') return v ? 'VALUE_TRUE' : 'VALUE_FALSE';
  return Number.isInteger(v) ? 'VALUE_NUMBER_INT' : 'VALUE_NUMBER_FLOAT';
}

function wrongJson(javaType: string, v: unknown): SalesforceApiError {
  // Never stringify objects here: a hostile body may nest deeper than the stack allows.
  const shown = v !== null && typeof v === 'object' ? '' : ` value ${String(v).slice(0, 40)}`;
  return new SalesforceApiError(400, 'JSON_PARSER_ERROR', `Cannot deserialize instance of ${javaType} from ${jsonKind(v)}${shown} at [line:1, column:1]`);
}

/** Coerce one JSON value for a field; null passes through (required-ness is checked separately). */
export function coerceValue(field: FieldDef, v: unknown, exists: (type: string, id: string) => boolean): FieldValue {
  if (v === null) return null;
  if (isTextType(field.type) || field.type === 'datetime' || field.type === 'date') {
    if (typeof v === 'object') throw wrongJson('string', v);
    const s = String(v);
    if (field.type === 'reference') {
      const id = normalizeId(s);
      const target = findSObject(field.referenceTo[0] ?? '');
      if (!id || !target || keyPrefixOf(id) !== target.keyPrefix) {
        throw new SalesforceApiError(400, 'MALFORMED_ID', `${field.label}: id value of incorrect type: ${s}`, [field.name]);
      }
      if (!exists(target.name, id)) {
        throw new SalesforceApiError(400, 'INVALID_CROSS_REFERENCE_KEY', `invalid cross reference id`, [field.name]);
      }
      return id;
    }
    if (field.type === 'datetime' || field.type === 'date') {
      const ms = Date.parse(s.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
      if (Number.isNaN(ms)) throw new SalesforceApiError(400, 'JSON_PARSER_ERROR', `Cannot deserialize value of type \`${field.type}\` from String "${s.slice(0, 40)}"`);
      return field.type === 'date' ? new Date(ms).toISOString().slice(0, 10) : ms;
    }
    if (s === '') return null;
    if (field.length && s.length > field.length) {
      throw new SalesforceApiError(400, 'STRING_TOO_LONG', `${field.label}: data value too large: ${s.slice(0, 60)} (max length=${field.length})`, [field.name]);
    }
    if (field.type === 'email' && !EMAIL.test(s)) {
      throw new SalesforceApiError(400, 'INVALID_EMAIL_ADDRESS', `${field.label}: invalid email address: ${s.slice(0, 80)}`, [field.name]);
    }
    if (field.type === 'picklist' && RESTRICTED_PICKLISTS.has(field.name) && !field.picklistValues.includes(s)) {
      throw new SalesforceApiError(400, 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', `${field.label}: bad value for restricted picklist field: ${s.slice(0, 40)}`, [field.name]);
    }
    return s;
  }
  if (field.type === 'boolean') {
    if (typeof v !== 'boolean') throw wrongJson('boolean', v);
    return v;
  }
  // int, currency
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isFinite(n)) throw wrongJson(field.type === 'int' ? 'int' : 'double', v);
  if (field.type === 'int' && !Number.isInteger(n)) throw wrongJson('int', v);
  return n;
}

/**
 * Validate a record body for insert or update and return the typed changes. `current` is the
 * stored record for updates (used to check that required fields stay filled).
 */
export function validateRecordBody(
  def: SObjectDef,
  body: Record<string, unknown>,
  op: 'insert' | 'update',
  exists: (type: string, id: string) => boolean,
  recordId?: string,
): FieldValues {
  const fields: Array<[FieldDef, unknown]> = [];
  for (const key of Object.keys(body)) {
    if (key === 'attributes') continue;
    const field = def.fieldByLower.get(key.toLowerCase());
    if (!field) throw new SalesforceApiError(400, 'INVALID_FIELD', `No such column '${key}' on sobject of type ${def.name}`);
    if (field.name === 'Id' && op === 'update' && recordId && normalizeId(String(body[key])) === recordId) continue;
    fields.push([field, body[key]]);
  }
  const readOnly = fields.filter(([f]) => (op === 'insert' ? !f.createable : !f.updateable)).map(([f]) => f.name);
  if (readOnly.length > 0) {
    throw new SalesforceApiError(400, 'INVALID_FIELD_FOR_INSERT_UPDATE',
      `Unable to create/update fields: ${readOnly.join(', ')}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`, readOnly);
  }
  const changes: FieldValues = Object.create(null) as FieldValues;
  for (const [field, raw] of fields) changes[field.name] = coerceValue(field, raw, exists);
  const missing = def.fields
    .filter((f) => !f.nillable && f.createable)
    .filter((f) => changes[f.name] === null || (op === 'insert' && !f.defaultedOnCreate && changes[f.name] === undefined))
    .map((f) => f.name);
  if (missing.length > 0) {
    throw new SalesforceApiError(400, 'REQUIRED_FIELD_MISSING', `Required fields are missing: [${missing.join(', ')}]`, missing);
  }
  return changes;
}
