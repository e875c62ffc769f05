/**
 * Field paths (`Email`, `Account.Name`, `Account.Owner.Name`) resolved against the schema, and the
 * JSON shape of records in responses: `attributes` first, relationship fields nested under the
 * relationship name (null when there is no parent), datetimes in Salesforce's wire format.
 */
import { SalesforceApiError, invalidFieldMessage } from './salesforceErrors';
import type { FieldValue } from './fieldValidation';
import type { SalesforceStore, SfRecord } from './salesforceStore';
import { formatDatetime } from './soqlDates';
import { findSObject, type FieldDef, type SObjectDef } from './sobjectSchema';
import { queryErrorMessage } from './soqlParser';

export interface ResolvedPath {
  /** Reference fields followed, in order, with the type each lands on. */
  hops: Array<{ field: FieldDef; relationship: string; target: SObjectDef }>;
  field: FieldDef;
  /** Canonical dotted name, e.g. `Account.Name`. */
  name: string;
}

export type JsonRecord = Record<string, unknown>;

/** Resolve a path against `root`; errors point into `soql` at `pos` when given. */
export function resolvePath(root: SObjectDef, path: string[], soql?: string, pos = 0): ResolvedPath {
  const fail = (reason: string): SalesforceApiError =>
    new SalesforceApiError(400, 'INVALID_FIELD', soql !== undefined ? queryErrorMessage(soql, pos, reason) : reason);
  let def = root;
  const hops: ResolvedPath['hops'] = [];
  for (let i = 0; i < path.length - 1; i++) {
    const seg = path[i] as string;
    const ref = def.relationshipByLower.get(seg.toLowerCase());
    const target = ref ? findSObject(ref.referenceTo[0] ?? '') : undefined;
    if (!ref || !target || hops.length >= 5) {
      throw fail(`Didn't understand relationship '${seg}' in field path. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names.`);
    }
    hops.push({ field: ref, relationship: ref.relationshipName as string, target });
    def = target;
  }
  const last = path[path.length - 1] ?? '';
  const field = def.fieldByLower.get(last.toLowerCase());
  if (!field) throw fail(invalidFieldMessage(last, def.name));
  return { hops, field, name: [...hops.map((h) => h.relationship), field.name].join('.') };
}

/** Read a resolved path's raw value; undefined when a parent along the way is missing. */
export function readPath(store: SalesforceStore, rec: SfRecord, p: ResolvedPath): FieldValue | undefined {
  let cur: SfRecord | undefined = rec;
  for (const hop of p.hops) {
    const id: FieldValue | undefined = cur.values[hop.field.name];
    cur = typeof id === 'string' ? store.getById(id) : undefined;
    if (!cur) return undefined;
  }
  return cur.values[p.field.name] ?? null;
}

export function wireValue(field: FieldDef, v: FieldValue | undefined): unknown {
  if (v === undefined || v === null) return null;
  if (field.type === 'datetime' && typeof v === 'number') return formatDatetime(v);
  return v;
}

export function attributesOf(type: string, id: string, version: string): { type: string; url: string } {
  return { type, url: `/services/data/v${version}/sobjects/${type}/${id}` };
}

/** Project a record onto resolved paths, nesting relationship fields the way the REST API does. */
export function projectRecord(store: SalesforceStore, rec: SfRecord, paths: readonly ResolvedPath[], version: string): JsonRecord {
  const out: JsonRecord = { attributes: attributesOf(rec.type, rec.id, version) };
  for (const p of paths) {
    let target: JsonRecord | null = out;
    let cur: SfRecord | undefined = rec;
    for (const hop of p.hops) {
      const id: FieldValue | undefined = cur?.values[hop.field.name];
      cur = typeof id === 'string' ? store.getById(id) : undefined;
      const existing: unknown = target[hop.relationship];
      if (!cur) {
        if (existing === undefined) target[hop.relationship] = null;
        target = null;
        break;
      }
      if (existing && typeof existing === 'object') target = existing as JsonRecord;
      else {
        const child: JsonRecord = { attributes: attributesOf(cur.type, cur.id, version) };
        target[hop.relationship] = child;
        target = child;
      }
    }
    if (target && cur) target[p.field.name] = wireValue(p.field, cur.values[p.field.name]);
  }
  return out;
}

/** Every field of a type, for `GET /sobjects/X/{id}` without `fields`. */
export function allFieldPaths(def: SObjectDef): ResolvedPath[] {
  return def.fields.map((field) => ({ hops: [], field, name: field.name }));
}
