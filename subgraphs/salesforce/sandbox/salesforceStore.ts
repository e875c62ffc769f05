/**
 * The sandbox org's records, in memory: seeded Accounts, Contacts and Users, indexed by id, by
 * Contact email (lower-cased) and by Contact AccountId. Deletes are soft (IsDeleted, visible to
 * queryAll). Every mutation can be recorded in a journal so that allOrNone collections and
 * composite requests roll back as a unit. Committed changes are reported to `onChanges` listeners
 * once per transaction (the outermost journal's commit, or each mutation outside a journal): this is
 * what Change Data Capture publishes; rolled-back changes are never reported.
 */
import type { SeedSize } from '../../kit/seedPeople';
import { SalesforceApiError } from './salesforceErrors';
import { validateRecordBody, type FieldValues } from './fieldValidation';
import { keyPrefixOf, makeId } from './salesforceIds';
import { buildSeedRecords, DEFAULT_USERNAME } from './seedRecords';
import { findSObject, type SObjectDef } from './sobjectSchema';

export interface SfRecord {
  type: string;
  /** 18-character id. */
  id: string;
  /** Field values by canonical API name; datetimes are epoch milliseconds. Replaced, never mutated. */
  values: FieldValues;
}

/** One committed record change, as Change Data Capture sees it. */
export interface RecordChange {
  type: string;
  id: string;
  kind: 'CREATE' | 'UPDATE' | 'DELETE';
  /** Values before the change; null for CREATE. */
  before: FieldValues | null;
  after: FieldValues;
  userId: string;
  /** Where the change came from, e.g. `com/salesforce/api/rest/59.0`. */
  origin: string;
  /** Epoch ms of the change. */
  at: number;
}

/** The origin of changes made without one (seed, internal calls). */
export const DEFAULT_ORIGIN = 'com/salesforce/api/rest';

export interface Journal {
  /** Keep the changes and stop recording. */
  commit(): void;
  /** Undo every change recorded since `begin()` and stop recording. */
  rollback(): void;
}

export interface SalesforceStore {
  get(type: string, id: string): SfRecord | undefined;
  /** Any record with this id, whatever its type. */
  getById(id: string): SfRecord | undefined;
  /** All records of a type in creation order, deleted ones included. */
  all(type: string): readonly SfRecord[];
  /** Contacts whose Email equals `email` case-insensitively. */
  contactsByEmail(email: string): readonly SfRecord[];
  /** Contacts whose AccountId is `accountId`. */
  contactsOfAccount(accountId: string): readonly SfRecord[];
  create(type: string, body: Record<string, unknown>, userId: string, origin?: string): SfRecord;
  update(type: string, id: string, body: Record<string, unknown>, userId: string, origin?: string): SfRecord;
  /** Soft-delete; deleting an Account deletes its Contacts too, as Salesforce cascades. */
  delete(type: string, id: string, userId: string, origin?: string): void;
  /** Calls `listener` with the changes of every committed transaction; returns the unsubscribe. */
  onChanges(listener: (changes: RecordChange[]) => void): () => void;
  /** Start recording undo steps until `commit()` or `rollback()`; journals nest. */
  begin(): Journal;
  /** Discard all changes and rebuild the seeded org. */
  reset(): void;
  counts(): Record<string, number>;
}

export interface StoreOptions {
  seed: number;
  size: SeedSize;
  username?: string;
  now: () => number;
}

function dmlDef(type: string, op: 'insert' | 'update' | 'delete'): SObjectDef {
  const def = findSObject(type);
  if (!def) throw new SalesforceApiError(404, 'NOT_FOUND', 'The requested resource does not exist');
  const allowed = op === 'insert' ? def.createable : op === 'update' ? def.updateable : def.deletable;
  if (!allowed) throw new SalesforceApiError(400, 'INVALID_TYPE_FOR_OPERATION', `entity type ${def.name} does not support ${op}`);
  return def;
}

export function createSalesforceStore(opts: StoreOptions): SalesforceStore {
  let byId = new Map<string, SfRecord>();
  let byType = new Map<string, SfRecord[]>();
  let byEmail = new Map<string, SfRecord[]>();
  let byAccount = new Map<string, SfRecord[]>();
  let serial = new Map<string, number>();
  /** Open journals, innermost last; mutations record their undo step in the innermost. */
  const journals: Array<Array<() => void>> = [];
  const record = (undo: () => void): void => { journals[journals.length - 1]?.push(undo); };
  /** Changes not yet committed (inside a journal); `marks` holds each open journal's start. */
  let pending: RecordChange[] = [];
  const marks: number[] = [];
  const listeners = new Set<(changes: RecordChange[]) => void>();
  function flush(): void {
    if (journals.length > 0 || pending.length === 0) return;
    const batch = pending;
    pending = [];
    for (const l of [...listeners]) l(batch);
  }
  function changed(change: RecordChange): void {
    pending.push(change);
    flush();
  }

  function addToIndex(map: Map<string, SfRecord[]>, key: unknown, rec: SfRecord): void {
    if (typeof key !== 'string' || key === '') return;
    const k = map === byEmail ? key.toLowerCase() : key;
    const list = map.get(k);
    if (list) list.push(rec);
    else map.set(k, [rec]);
  }
  function removeFromIndex(map: Map<string, SfRecord[]>, key: unknown, rec: SfRecord): void {
    if (typeof key !== 'string' || key === '') return;
    const k = map === byEmail ? key.toLowerCase() : key;
    const list = map.get(k);
    if (!list) return;
    const i = list.indexOf(rec);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) map.delete(k);
  }
  function setValues(rec: SfRecord, values: FieldValues): void {
    if (rec.type === 'Contact') {
      removeFromIndex(byEmail, rec.values.Email, rec);
      removeFromIndex(byAccount, rec.values.AccountId, rec);
      addToIndex(byEmail, values.Email, rec);
      addToIndex(byAccount, values.AccountId, rec);
    }
    rec.values = values;
  }
  function insert(rec: SfRecord): void {
    rec.values.Id = rec.id;
    byId.set(rec.id, rec);
    const list = byType.get(rec.type);
    if (list) list.push(rec);
    else byType.set(rec.type, [rec]);
    if (rec.type === 'Contact') {
      addToIndex(byEmail, rec.values.Email, rec);
      addToIndex(byAccount, rec.values.AccountId, rec);
    }
  }
  function unInsert(rec: SfRecord): void {
    byId.delete(rec.id);
    const list = byType.get(rec.type);
    if (list && list[list.length - 1] === rec) list.pop();
    else if (list) list.splice(list.indexOf(rec), 1);
    if (rec.type === 'Contact') {
      removeFromIndex(byEmail, rec.values.Email, rec);
      removeFromIndex(byAccount, rec.values.AccountId, rec);
    }
  }
  const exists = (type: string, id: string): boolean => {
    const rec = byId.get(id);
    return !!rec && rec.type === type && rec.values.IsDeleted !== true;
  };
  function live(type: string, id: string): SfRecord {
    const rec = byId.get(id);
    if (!rec || rec.type !== type) throw new SalesforceApiError(404, 'NOT_FOUND', 'The requested resource does not exist');
    if (rec.values.IsDeleted === true) throw new SalesforceApiError(404, 'ENTITY_IS_DELETED', 'entity is deleted');
    return rec;
  }
  function derive(def: SObjectDef, values: FieldValues): FieldValues {
    if (def.name === 'Contact' || def.name === 'User') {
      const first = typeof values.FirstName === 'string' ? values.FirstName : '';
      const last = typeof values.LastName === 'string' ? values.LastName : '';
      values.Name = [first, last].filter(Boolean).join(' ');
    }
    return values;
  }

  function seed(): void {
    journals.length = 0;
    marks.length = 0;
    pending = [];
    byId = new Map();
    byType = new Map();
    byEmail = new Map();
    byAccount = new Map();
    serial = new Map();
    for (const r of buildSeedRecords(opts.seed, opts.size, opts.username ?? DEFAULT_USERNAME)) {
      insert({ type: r.type, id: r.id, values: r.values });
      const prefix = keyPrefixOf(r.id);
      serial.set(prefix, (serial.get(prefix) ?? 0) + 1);
    }
  }
  seed();

  return {
    get: (type, id) => {
      const rec = byId.get(id);
      return rec && rec.type === type ? rec : undefined;
    },
    getById: (id) => byId.get(id),
    all: (type) => byType.get(type) ?? [],
    contactsByEmail: (email) => byEmail.get(email.toLowerCase()) ?? [],
    contactsOfAccount: (accountId) => byAccount.get(accountId) ?? [],
    create(type, body, userId, origin = DEFAULT_ORIGIN) {
      const def = dmlDef(type, 'insert');
      if (Object.keys(body).some((k) => k.toLowerCase() === 'id')) {
        throw new SalesforceApiError(400, 'INVALID_FIELD', 'cannot specify Id in an insert call');
      }
      const changes = validateRecordBody(def, body, 'insert', exists);
      const n = (serial.get(def.keyPrefix) ?? 0) + 1;
      serial.set(def.keyPrefix, n);
      const now = opts.now();
      const values: FieldValues = {};
      for (const f of def.fields) values[f.name] = null;
      Object.assign(values, changes, {
        IsDeleted: false, OwnerId: changes.OwnerId ?? userId, CreatedDate: now, CreatedById: userId,
        LastModifiedDate: now, LastModifiedById: userId, SystemModstamp: now,
      });
      const rec: SfRecord = { type: def.name, id: makeId(def.keyPrefix, n), values: derive(def, values) };
      insert(rec);
      record(() => unInsert(rec));
      changed({ type: def.name, id: rec.id, kind: 'CREATE', before: null, after: rec.values, userId, origin, at: now });
      return rec;
    },
    update(type, id, body, userId, origin = DEFAULT_ORIGIN) {
      const def = dmlDef(type, 'update');
      const rec = live(def.name, id);
      const changes = validateRecordBody(def, body, 'update', exists, id);
      const now = opts.now();
      const before = rec.values;
      setValues(rec, derive(def, { ...before, ...changes, LastModifiedDate: now, LastModifiedById: userId, SystemModstamp: now }));
      record(() => setValues(rec, before));
      changed({ type: def.name, id, kind: 'UPDATE', before, after: rec.values, userId, origin, at: now });
      return rec;
    },
    delete(type, id, userId, origin = DEFAULT_ORIGIN) {
      const def = dmlDef(type, 'delete');
      const rec = live(def.name, id);
      const now = opts.now();
      const victims = [rec, ...(def.name === 'Account' ? [...(byAccount.get(rec.id) ?? [])] : [])];
      for (const v of victims) {
        if (v.values.IsDeleted === true) continue;
        const before = v.values;
        setValues(v, { ...before, IsDeleted: true, LastModifiedDate: now, LastModifiedById: userId, SystemModstamp: now });
        record(() => setValues(v, before));
        changed({ type: v.type, id: v.id, kind: 'DELETE', before, after: v.values, userId, origin, at: now });
      }
    },
    begin() {
      const steps: Array<() => void> = [];
      journals.push(steps);
      marks.push(pending.length);
      const close = (): number => {
        const i = journals.lastIndexOf(steps);
        if (i < 0) return pending.length;
        journals.splice(i, 1);
        return marks.splice(i, 1)[0] ?? pending.length;
      };
      return {
        commit() {
          close();
          // An enclosing journal must still be able to undo what this one kept.
          journals[journals.length - 1]?.push(...steps);
          steps.length = 0;
          flush();
        },
        rollback() {
          const mark = close();
          for (let i = steps.length - 1; i >= 0; i--) steps[i]?.();
          steps.length = 0;
          pending.length = Math.min(pending.length, mark);
        },
      };
    },
    onChanges(listener) {
      listeners.add(listener);
      return () => { listeners.delete(listener); };
    },
    reset: seed,
    counts: () => Object.fromEntries([...byType.entries()].map(([t, l]) => [t, l.length])),
  };
}
