/**
 * Change Data Capture event bodies, built from the record changes of one committed transaction
 * (`SalesforceStore.onChanges`), in the shape Salesforce delivers on `/data/<Entity>ChangeEvent`:
 *
 * ```json
 * {"schema":"<id>","payload":{"ChangeEventHeader":{"entityName":"Contact","recordIds":["003..."],
 *   "changeType":"UPDATE","changedFields":["Email","LastModifiedDate"],"changeOrigin":"com/salesforce/api/rest/59.0",
 *   "transactionKey":"...","sequenceNumber":1,"commitTimestamp":1705312800000,"commitNumber":123,
 *   "commitUser":"005...","diffFields":[],"nulledFields":[]},"Email":"a@b.c","LastModifiedDate":"2024-01-15T10:00:00.000Z"},
 *  "event":{"replayId":42}}
 * ```
 * - CREATE (and UNDELETE) carry every non-null field, UPDATE only the changed ones (`changedFields`,
 *   with `nulledFields` for those set to null), DELETE only the header.
 * - Contact's `Name` is the compound `{Salutation, FirstName, LastName}`; a changed component is
 *   listed as `Name.FirstName`. `Id`, `IsDeleted` and `SystemModstamp` are never in a payload.
 * - Several changes to one record in a transaction make one event (its net change); UPDATEs that set
 *   the same values on several records, and DELETEs, are merged into one event with several
 *   `recordIds`, as Salesforce does. Datetimes are ISO-8601 UTC strings.
 */
import { createHash } from 'node:crypto';
import type { FieldValues } from './fieldValidation';
import type { RecordChange } from './salesforceStore';
import { findSObject, type SObjectDef } from './sobjectSchema';

export const CHANGE_TYPES = ['CREATE', 'UPDATE', 'DELETE', 'UNDELETE', 'GAP_CREATE', 'GAP_UPDATE', 'GAP_DELETE', 'GAP_UNDELETE', 'GAP_OVERFLOW'] as const;
export type CdcChangeType = (typeof CHANGE_TYPES)[number];

/** The entities selected for Change Data Capture in the sandbox org. */
export const CDC_ENTITIES = ['Contact', 'Account'] as const;

export interface ChangeEventHeader {
  entityName: string;
  recordIds: string[];
  changeType: CdcChangeType;
  changeOrigin: string;
  transactionKey: string;
  sequenceNumber: number;
  commitTimestamp: number;
  commitNumber: number;
  commitUser: string;
  changedFields: string[];
  diffFields: string[];
  nulledFields: string[];
}

export interface ChangeEventPayload {
  ChangeEventHeader: ChangeEventHeader;
  [field: string]: unknown;
}

/** What a subscriber receives as the message's `data`. */
export interface ChangeEventData {
  schema: string;
  payload: ChangeEventPayload;
  event: { replayId: number };
}

/** An event before the stream numbers it: header fields the stream fills are left out. */
export interface PendingChangeEvent {
  entityName: string;
  payload: Omit<ChangeEventPayload, 'ChangeEventHeader'>;
  header: Pick<ChangeEventHeader, 'recordIds' | 'changeType' | 'changeOrigin' | 'commitTimestamp' | 'commitUser' | 'changedFields' | 'nulledFields'>;
}

const NEVER_SENT = new Set(['Id', 'IsDeleted', 'SystemModstamp']);
const NAME_PARTS = ['Salutation', 'FirstName', 'LastName'];

/** The schema id of an entity's change events (stable: a hash of its field list). */
export function schemaIdOf(entityName: string): string {
  const def = findSObject(entityName);
  const fields = def ? def.fields.map((f) => f.name).join(',') : '';
  return createHash('sha256').update(`${entityName}ChangeEvent:${fields}`).digest('base64url').slice(0, 22);
}

function hasCompoundName(def: SObjectDef): boolean {
  return def.name === 'Contact';
}

function wire(def: SObjectDef, name: string, v: unknown): unknown {
  if (v === undefined || v === null) return null;
  return def.fieldByLower.get(name.toLowerCase())?.type === 'datetime' && typeof v === 'number' ? new Date(v).toISOString() : v;
}

/** Payload fields for `names` (API names; Name parts folded into the compound). */
function payloadOf(def: SObjectDef, values: FieldValues, names: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of names) {
    if (hasCompoundName(def) && NAME_PARTS.includes(name)) {
      const compound = (out.Name ?? {}) as Record<string, unknown>;
      compound[name] = values[name] ?? null;
      out.Name = compound;
    } else out[name] = wire(def, name, values[name]);
  }
  return out;
}

/** Fields an event may carry: not calculated (Contact.Name), not in NEVER_SENT. */
function sendable(def: SObjectDef): string[] {
  return def.fields.filter((f) => !f.calculated && !NEVER_SENT.has(f.name)).map((f) => f.name);
}

function label(def: SObjectDef, name: string): string {
  return hasCompoundName(def) && NAME_PARTS.includes(name) ? `Name.${name}` : name;
}

/** Net change per record, in first-change order. */
function netChanges(changes: RecordChange[]): RecordChange[] {
  const byId = new Map<string, RecordChange>();
  for (const c of changes) {
    const prev = byId.get(c.id);
    if (!prev) byId.set(c.id, c);
    else if (prev.kind === 'CREATE' && c.kind === 'DELETE') byId.delete(c.id);
    else byId.set(c.id, { ...c, kind: prev.kind === 'CREATE' ? 'CREATE' : c.kind, before: prev.before });
  }
  return [...byId.values()];
}

function eventOf(c: RecordChange, def: SObjectDef): PendingChangeEvent {
  const base = { recordIds: [c.id], changeOrigin: c.origin, commitTimestamp: c.at, commitUser: c.userId, changedFields: [] as string[], nulledFields: [] as string[] };
  if (c.kind === 'DELETE') return { entityName: def.name, payload: {}, header: { ...base, changeType: 'DELETE' } };
  if (c.kind === 'CREATE' || !c.before) {
    const names = sendable(def).filter((n) => c.after[n] !== null && c.after[n] !== undefined);
    return { entityName: def.name, payload: payloadOf(def, c.after, names), header: { ...base, changeType: 'CREATE' } };
  }
  const before = c.before;
  const changed = sendable(def).filter((n) => (before[n] ?? null) !== (c.after[n] ?? null));
  return {
    entityName: def.name,
    payload: payloadOf(def, c.after, changed),
    header: {
      ...base, changeType: 'UPDATE',
      changedFields: changed.map((n) => label(def, n)),
      nulledFields: changed.filter((n) => (c.after[n] ?? null) === null).map((n) => label(def, n)),
    },
  };
}

/** Merge key: UPDATEs with equal payloads and DELETEs of one entity; CREATEs never merge. */
function mergeKey(e: PendingChangeEvent): string | null {
  if (e.header.changeType === 'DELETE') return `${e.entityName}\u0000DELETE`;
  if (e.header.changeType === 'UPDATE') return `${e.entityName}\u0000UPDATE\u0000${JSON.stringify(e.payload)}`;
  return null;
}

/** The change events of one committed transaction, for the CDC-enabled entities only. */
export function changeEventsOf(changes: RecordChange[]): PendingChangeEvent[] {
  const out: PendingChangeEvent[] = [];
  const merged = new Map<string, PendingChangeEvent>();
  for (const c of netChanges(changes)) {
    const def = (CDC_ENTITIES as readonly string[]).includes(c.type) ? findSObject(c.type) : undefined;
    if (!def) continue;
    const event = eventOf(c, def);
    const key = mergeKey(event);
    const into = key === null ? undefined : merged.get(key);
    if (into) {
      into.header.recordIds.push(c.id);
      continue;
    }
    if (key !== null) merged.set(key, event);
    out.push(event);
  }
  return out;
}
