/**
 * Single-record sObject resources: `GET|PATCH|DELETE /sobjects/{Type}/{id}` and
 * `POST /sobjects/{Type}`. Create answers 201 `{"id","success":true,"errors":[]}`, update and
 * delete 204. A path segment that is not an id of the type is read the way Salesforce reads it, as
 * an external-id field name, hence 404 "Provided external ID field does not exist".
 */
import { SalesforceApiError, notFound, parseJsonBody } from './salesforceErrors';
import { keyPrefixOf, normalizeId } from './salesforceIds';
import type { SfRecord } from './salesforceStore';
import { allFieldPaths, projectRecord, resolvePath } from './recordShape';
import { changeOrigin, type RestCall, type RestResource } from './restSupport';
import { findSObject, type SObjectDef } from './sobjectSchema';

export function sobjectType(name: string | undefined): SObjectDef {
  const def = findSObject(name ?? '');
  if (!def) throw notFound();
  return def;
}

/** The canonical id a URL segment names for a type, or 404 as Salesforce answers. */
export function idForType(def: SObjectDef, raw: string): string {
  const id = normalizeId(raw);
  if (!id || keyPrefixOf(id) !== def.keyPrefix) {
    throw new SalesforceApiError(404, 'NOT_FOUND', `Provided external ID field does not exist or is not accessible: ${raw}`);
  }
  return id;
}

/** A live record or the 404 Salesforce gives for missing (NOT_FOUND) and deleted (ENTITY_IS_DELETED) ones. */
export function liveRecord(call: RestCall, def: SObjectDef, id: string): SfRecord {
  const rec = call.deps.store.get(def.name, id);
  if (!rec) throw notFound();
  if (rec.values.IsDeleted === true) throw new SalesforceApiError(404, 'ENTITY_IS_DELETED', 'entity is deleted');
  return rec;
}

/** Resolve a `fields` list (`Id,Name,Account.Name`) against a type. */
export function fieldPaths(def: SObjectDef, names: string[]) {
  return names.map((n) => n.trim()).filter(Boolean).map((n) => resolvePath(def, n.split('.')));
}

function retrieve(call: RestCall) {
  const def = sobjectType(call.params.type);
  const rec = liveRecord(call, def, idForType(def, call.params.id ?? ''));
  const fields = call.req.query.get('fields');
  const paths = fields ? fieldPaths(def, fields.split(',')) : allFieldPaths(def);
  return { status: 200, body: projectRecord(call.deps.store, rec, paths, call.version) };
}

function create(call: RestCall) {
  const def = sobjectType(call.params.type);
  const body = parseJsonBody(call.req.body) as Record<string, unknown>;
  const rec = call.deps.store.create(def.name, body, call.userId, changeOrigin(call));
  return {
    status: 201,
    headers: { Location: `/services/data/v${call.version}/sobjects/${def.name}/${rec.id}` },
    body: { id: rec.id, success: true, errors: [] },
  };
}

function update(call: RestCall) {
  const def = sobjectType(call.params.type);
  const id = idForType(def, call.params.id ?? '');
  liveRecord(call, def, id);
  const body = parseJsonBody(call.req.body) as Record<string, unknown>;
  call.deps.store.update(def.name, id, body, call.userId, changeOrigin(call));
  return { status: 204 };
}

function destroy(call: RestCall) {
  const def = sobjectType(call.params.type);
  const id = idForType(def, call.params.id ?? '');
  liveRecord(call, def, id);
  call.deps.store.delete(def.name, id, call.userId, changeOrigin(call));
  return { status: 204 };
}

export function sobjectResources(): RestResource[] {
  return [
    { method: 'POST', pattern: '/sobjects/:type', handler: create },
    { method: 'GET', pattern: '/sobjects/:type/:id', handler: retrieve },
    { method: 'PATCH', pattern: '/sobjects/:type/:id', handler: update },
    { method: 'DELETE', pattern: '/sobjects/:type/:id', handler: destroy },
  ];
}
