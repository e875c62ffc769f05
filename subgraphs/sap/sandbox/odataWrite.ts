/**
 * Writes, protocol side: JSON payload reading and validation against the entity model, ETag
 * preconditions (`If-Match` missing → 428, stale → 412, `*` forces) and the reply shapes
 * (201 + `Location` for a create, 204 for update and delete). What a write *does* is up to the
 * entity set's `EntityWriter` (see `salesOrderRoutes.ts`).
 */
import type { SandboxReply } from '../../kit/sandboxServer';
import type { EntitySetDef, Rec } from './edmModel';
import { entityJson, entityPath, storedValue, type SerializeContext } from './odataJson';
import { selectAll } from './odataQueryOptions';
import type { ReadEnv, ResolvedTarget, ResourceRef } from './odataRead';
import { resolveTarget } from './odataRead';
import { ODataError, SapCode } from './sapErrors';

export interface Payload {
  /** Validated primitive values, stored representation. */
  values: Rec;
  /** Navigation properties with inline content (deep insert). */
  navs: Map<string, Array<Record<string, unknown>>>;
}

/** Who writes: stamped into `CreatedByUser`. */
export interface WriteContext {
  user: string;
}

export interface EntityWriter {
  /** Create an entity (optionally under `parent` through a navigation); returns the stored record. */
  create?(payload: Payload, parent: ResolvedTarget['parent'], ctx: WriteContext): Rec;
  /** Apply validated changes (`replace` for PUT); returns the stored record. */
  update?(current: Rec, changes: Rec, replace: boolean, ctx: WriteContext): Rec;
  remove?(current: Rec, ctx: WriteContext): void;
}

const payloadError = (message: string, prop = ''): ODataError =>
  new ODataError(400, SapCode.payload, message, [{ code: SapCode.payload, message, propertyref: prop, target: prop }]);

export function readJsonObject(body: Buffer | string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof body === 'string' ? body : body.toString('utf8'));
  } catch {
    throw payloadError('The request body is not valid JSON');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw payloadError('The request body must be a JSON object');
  const obj = parsed as Record<string, unknown>;
  const d = obj.d;
  return d && typeof d === 'object' && !Array.isArray(d) && Object.keys(obj).length === 1 ? (d as Record<string, unknown>) : obj;
}

function inlineList(name: string, v: unknown): Array<Record<string, unknown>> {
  const list = Array.isArray(v) ? v : v && typeof v === 'object' && Array.isArray((v as { results?: unknown }).results) ? (v as { results: unknown[] }).results : null;
  if (!list) throw payloadError(`Navigation property '${name}' must be an array or {"results": [...]}`, name);
  return list.map((x) => {
    if (!x || typeof x !== 'object' || Array.isArray(x)) throw payloadError(`Entries of '${name}' must be objects`, name);
    return x as Record<string, unknown>;
  });
}

/**
 * Validate a payload against the entity set: unknown properties, types and lengths, read-only
 * properties (rejected unless unchanged from `current`), key changes on update.
 */
export function readPayload(def: EntitySetDef, obj: Record<string, unknown>, current: Rec | undefined): Payload {
  const values: Rec = {};
  const navs = new Map<string, Array<Record<string, unknown>>>();
  for (const [name, raw] of Object.entries(obj)) {
    if (name === '__metadata') continue;
    const nav = def.navByName.get(name);
    if (nav) {
      if (raw && typeof raw === 'object' && '__deferred' in raw) continue;
      if (current) throw payloadError(`Deep update of navigation property '${name}' is not supported`, name);
      if (!nav.many) throw payloadError(`Deep insert is only supported for collection navigation properties`, name);
      navs.set(name, inlineList(name, raw));
      continue;
    }
    const p = def.byName.get(name);
    if (!p) throw new ODataError(400, SapCode.propertyNotFound, `Property '${name}' is invalid`, [{ code: SapCode.propertyNotFound, message: `Property '${name}' not found in type '${def.type}'`, propertyref: name, target: name }]);
    const v = storedValue(p, raw);
    const isKey = def.keys.includes(name);
    if (current && (p.readOnly || isKey)) {
      if (v !== current[name]) {
        const msg = isKey ? `Key property '${name}' cannot be changed` : `Property '${name}' is read-only and cannot be changed`;
        throw new ODataError(400, SapCode.readOnly, msg, [{ code: SapCode.readOnly, message: msg, propertyref: name, target: name }]);
      }
      continue;
    }
    if (!current && p.readOnly && v !== null) {
      const msg = `Property '${name}' is read-only and cannot be set`;
      throw new ODataError(400, SapCode.readOnly, msg, [{ code: SapCode.readOnly, message: msg, propertyref: name, target: name }]);
    }
    values[name] = v;
  }
  return { values, navs };
}

/** Enforce `If-Match` against the entity's current ETag. */
export function checkIfMatch(ifMatch: string | undefined, current: string | undefined): void {
  if (current === undefined) return;
  if (ifMatch === undefined || ifMatch.trim() === '') {
    throw new ODataError(428, SapCode.preconditionRequired, 'Precondition required');
  }
  const candidates = ifMatch.split(/,(?=\s*(?:W\/)?"|\s*\*)/).map((s) => s.trim());
  if (candidates.includes('*') || candidates.includes(current)) return;
  throw new ODataError(412, SapCode.preconditionFailed, 'State of the resource (entity) was already changed (If-Match)');
}

export interface WriteRequest {
  method: 'POST' | 'PUT' | 'PATCH' | 'MERGE' | 'DELETE';
  ifMatch: string | undefined;
  body: Buffer | string;
  user: string;
}

function methodNotAllowed(method: string, def: EntitySetDef): ODataError {
  return new ODataError(405, SapCode.methodNotAllowed, `The method '${method}' is not allowed for entity set '${def.set}'`);
}

/** Perform a write against the addressed resource. */
export function writeResource(env: ReadEnv, writers: ReadonlyMap<string, EntityWriter>, path: ResourceRef, req: WriteRequest): SandboxReply {
  if (path.count || path.property) throw methodNotAllowed(req.method, path.set);
  const target = resolveTarget(env.store, path, env.notFound);
  const def = target.def;
  const writer = writers.get(def.set);
  const ser: SerializeContext = env.ser;
  if (req.method === 'POST') {
    if (!target.collection) throw methodNotAllowed(req.method, def);
    if (!writer?.create) throw methodNotAllowed(req.method, def);
    const rec = writer.create(readPayload(def, readJsonObject(req.body), undefined), target.parent, { user: req.user });
    const location = `${ser.serviceUrl}/${entityPath(def, rec)}`;
    const etag = ser.etagOf(def, rec);
    const expand = new Map([...def.navs].filter((n) => n.many).map((n) => [n.name, new Map()] as const));
    return {
      status: 201,
      headers: { 'content-type': 'application/json;charset=utf-8', dataserviceversion: '2.0', location, ...(etag ? { etag } : {}) },
      body: { d: entityJson(ser, def, rec, selectAll(), expand) },
    };
  }
  const current = target.entity;
  if (!current) throw methodNotAllowed(req.method, def);
  if (req.method === 'DELETE' ? !writer?.remove : !writer?.update) throw methodNotAllowed(req.method, def);
  checkIfMatch(req.ifMatch, ser.etagOf(def, current));
  if (req.method === 'DELETE') {
    writer?.remove?.(current, { user: req.user });
    return { status: 204, headers: { dataserviceversion: '2.0' } };
  }
  const payload = readPayload(def, readJsonObject(req.body), current);
  const updated = writer?.update?.(current, payload.values, req.method === 'PUT', { user: req.user }) as Rec;
  const etag = ser.etagOf(def, updated);
  return { status: 204, headers: { dataserviceversion: '2.0', ...(etag ? { etag } : {}) } };
}
