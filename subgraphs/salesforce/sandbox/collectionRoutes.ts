/**
 * sObject Collections (`/composite/sobjects`): retrieve many by id, and create, update and delete
 * up to 200 records per call. Each record gets a SaveResult whose errors carry `statusCode` (not
 * `errorCode`). With `allOrNone` one failure rolls back the others, which then fail with
 * ALL_OR_NONE_OPERATION_ROLLED_BACK.
 */
import type { SandboxReply } from '../../kit/sandboxServer';
import { SalesforceApiError, parseJsonBody } from './salesforceErrors';
import { keyPrefixOf, normalizeId } from './salesforceIds';
import { projectRecord } from './recordShape';
import { changeOrigin, type RestCall, type RestResource } from './restSupport';
import { fieldPaths, sobjectType } from './sobjectRoutes';
import { findSObject, sobjectForPrefix } from './sobjectSchema';

export const MAX_COLLECTION_RECORDS = 200;
export const MAX_RETRIEVE_IDS = 2000;

interface SaveResult {
  id?: string | null;
  success: boolean;
  errors: Array<{ statusCode: string; message: string; fields: string[] }>;
}

const ROLLED_BACK = { statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK', message: 'Record rolled back because not all records were valid and the request was using AllOrNone header', fields: [] };

function tooMany(): SalesforceApiError {
  return new SalesforceApiError(400, 'EXCEEDED_ID_LIMIT', `record limit reached. cannot submit more than ${MAX_COLLECTION_RECORDS} records into this call`);
}

function failure(err: unknown, id?: string): SaveResult {
  if (!(err instanceof SalesforceApiError)) throw err;
  return { ...(id !== undefined ? { id } : {}), success: false, errors: [err.toSaveError()] };
}

/** Run one operation per item inside a journal; allOrNone turns any failure into a full rollback. */
function saveAll<T>(call: RestCall, items: T[], allOrNone: boolean, op: (item: T) => SaveResult): SandboxReply {
  const journal = call.deps.store.begin();
  let results: SaveResult[];
  try {
    results = items.map(op);
  } catch (err) {
    journal.rollback();
    throw err;
  }
  if (allOrNone && results.some((r) => !r.success)) {
    journal.rollback();
    results = results.map((r) => (r.success ? { ...(r.id && call.req.method !== 'POST' ? { id: r.id } : {}), success: false, errors: [ROLLED_BACK] } : r));
  } else journal.commit();
  return { status: 200, body: results };
}

function readCollectionBody(call: RestCall): { allOrNone: boolean; records: unknown[] } {
  const body = parseJsonBody(call.req.body) as Record<string, unknown>;
  if (!Array.isArray(body.records)) {
    throw new SalesforceApiError(400, 'JSON_PARSER_ERROR', "The 'records' property must be an array of records");
  }
  if (body.records.length > MAX_COLLECTION_RECORDS) throw tooMany();
  return { allOrNone: body.allOrNone === true, records: body.records };
}

function recordType(rec: unknown): { type: string; fields: Record<string, unknown> } {
  if (!rec || typeof rec !== 'object' || Array.isArray(rec)) {
    throw new SalesforceApiError(400, 'JSON_PARSER_ERROR', 'Each element of records must be a JSON object');
  }
  const fields = rec as Record<string, unknown>;
  const attrs = fields.attributes;
  const type = attrs && typeof attrs === 'object' && !Array.isArray(attrs) ? (attrs as Record<string, unknown>).type : undefined;
  const def = typeof type === 'string' ? findSObject(type) : undefined;
  if (!def) throw new SalesforceApiError(400, 'INVALID_TYPE', `sObject type '${typeof type === 'string' ? type : ''}' is not supported. Every record needs attributes.type.`);
  return { type: def.name, fields };
}

function createMany(call: RestCall): SandboxReply {
  const { allOrNone, records } = readCollectionBody(call);
  return saveAll(call, records, allOrNone, (raw) => {
    try {
      const { type, fields } = recordType(raw);
      const rec = call.deps.store.create(type, fields, call.userId, changeOrigin(call));
      return { id: rec.id, success: true, errors: [] };
    } catch (err) {
      return failure(err);
    }
  });
}

function updateMany(call: RestCall): SandboxReply {
  const { allOrNone, records } = readCollectionBody(call);
  return saveAll(call, records, allOrNone, (raw) => {
    let id: string | undefined;
    try {
      const { type, fields } = recordType(raw);
      const rawId = fields.id ?? fields.Id;
      if (typeof rawId !== 'string' || rawId === '') throw new SalesforceApiError(400, 'MISSING_ARGUMENT', 'Id not specified in an update call', []);
      const norm = normalizeId(rawId);
      id = norm ?? rawId;
      if (!norm) throw new SalesforceApiError(400, 'MALFORMED_ID', `malformed id ${rawId}`, ['Id']);
      const { id: _lower, Id: _upper, ...rest } = fields;
      call.deps.store.update(type, norm, rest, call.userId, changeOrigin(call));
      return { id: norm, success: true, errors: [] };
    } catch (err) {
      return failure(err, id);
    }
  });
}

function deleteMany(call: RestCall): SandboxReply {
  const ids = (call.req.query.get('ids') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  if (ids.length === 0) throw new SalesforceApiError(400, 'MISSING_ARGUMENT', 'The ids parameter is required');
  if (ids.length > MAX_COLLECTION_RECORDS) throw tooMany();
  const allOrNone = call.req.query.get('allOrNone') === 'true';
  return saveAll(call, ids, allOrNone, (raw) => {
    try {
      const id = normalizeId(raw);
      const def = id ? sobjectForPrefix(keyPrefixOf(id)) : undefined;
      if (!id || !def) throw new SalesforceApiError(400, 'MALFORMED_ID', `malformed id ${raw}`, []);
      const rec = call.deps.store.get(def.name, id);
      if (!rec) throw new SalesforceApiError(400, 'INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id', []);
      if (rec.values.IsDeleted === true) throw new SalesforceApiError(400, 'ENTITY_IS_DELETED', 'entity is deleted', []);
      call.deps.store.delete(def.name, id, call.userId, changeOrigin(call));
      return { id, success: true, errors: [] };
    } catch (err) {
      return failure(err, normalizeId(raw) ?? raw);
    }
  });
}

function retrieveMany(call: RestCall, ids: unknown, fields: unknown): SandboxReply {
  const def = sobjectType(call.params.type);
  if (!Array.isArray(ids) || !ids.every((x) => typeof x === 'string')) throw new SalesforceApiError(400, 'MISSING_ARGUMENT', 'ids must be an array of record ids');
  if (!Array.isArray(fields) || fields.length === 0 || !fields.every((x) => typeof x === 'string')) {
    throw new SalesforceApiError(400, 'MISSING_ARGUMENT', 'fields must be a non-empty array of field names');
  }
  if (ids.length > MAX_RETRIEVE_IDS) throw new SalesforceApiError(400, 'EXCEEDED_ID_LIMIT', `too many ids: at most ${MAX_RETRIEVE_IDS} are allowed`);
  const paths = fieldPaths(def, fields as string[]);
  const body = (ids as string[]).map((raw) => {
    const id = normalizeId(raw);
    if (!id) throw new SalesforceApiError(400, 'MALFORMED_ID', `malformed id ${raw}`);
    const rec = call.deps.store.get(def.name, id);
    return rec && rec.values.IsDeleted !== true ? projectRecord(call.deps.store, rec, paths, call.version) : null;
  });
  return { status: 200, body };
}

export function collectionResources(): RestResource[] {
  return [
    { method: 'POST', pattern: '/composite/sobjects', handler: createMany },
    { method: 'PATCH', pattern: '/composite/sobjects', handler: updateMany },
    { method: 'DELETE', pattern: '/composite/sobjects', handler: deleteMany },
    {
      method: 'POST', pattern: '/composite/sobjects/:type',
      handler: (call) => {
        const body = parseJsonBody(call.req.body) as Record<string, unknown>;
        return retrieveMany(call, body.ids, body.fields);
      },
    },
    {
      method: 'GET', pattern: '/composite/sobjects/:type',
      handler: (call) => retrieveMany(call, (call.req.query.get('ids') ?? '').split(',').filter(Boolean), (call.req.query.get('fields') ?? '').split(',').filter(Boolean)),
    },
  ];
}
