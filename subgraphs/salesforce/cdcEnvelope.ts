/**
 * Salesforce Change Data Capture messages (the `data` of a CometD message on `/data/ContactChangeEvent`
 * or `/data/ChangeEvents`) → canonical envelopes (`schema/eventEnvelope.ts`). The message is
 * untrusted input: `parseChangeEvent` checks every field it reads and never throws.
 *
 * - One envelope per id in `ChangeEventHeader.recordIds` (Salesforce merges identical changes to
 *   several records into one event). Envelope id: `salesforce:<channel name>:<replayId>` when the
 *   event names one record, `salesforce:<channel name>:<replayId>:<recordId>` when it names several
 *   (channel name = the channel without `/data/`, e.g. `ContactChangeEvent`); replay ids are unique
 *   per channel, so a re-delivered event maps to the same ids and the event log drops it.
 * - changeType: CREATE, UNDELETE → CREATED; UPDATE → UPDATED; DELETE → DELETED. Gap events
 *   (`GAP_CREATE`, `GAP_UPDATE`, `GAP_DELETE`, `GAP_UNDELETE`: Salesforce could not capture the
 *   change's data) map the same way with `changedFields: []` and `gap: true`; `GAP_OVERFLOW` (too
 *   many changes in one transaction) maps to UPDATED per record id it names.
 * - changedFields: Salesforce names → the `Contact` fields of the graph (`Email` → `email`,
 *   `Name.FirstName` → `firstName` and `name`, `AccountId` → `account`, `LastModifiedDate` →
 *   `updatedAt` ...); fields the graph does not expose are left out.
 * - `attributes.email`: the lower-cased `Email` when the payload carries it (CREATE, UNDELETE, an
 *   UPDATE that changed it), for the `email` filter of `contactChanged` and the `Contact:email:` tag.
 * - Events of other entities (on `/data/ChangeEvents`) map to no envelope.
 */
import type { ChangeType, EntityEvent } from '../../schema/eventEnvelope';
import { normalizeEmail } from './mapping';
import { isIdOf, KEY_PREFIX, normalizeSalesforceId } from './salesforceId';

export interface ParsedChangeEvent {
  replayId: number;
  entityName: string;
  changeType: string;
  recordIds: string[];
  changedFields: string[];
  commitTimestamp: number;
  /** The payload's `Email`, when it carries one. */
  email: string | null;
}

export interface ContactEnvelope {
  event: EntityEvent;
  /** The lower-cased email the event names, if any. */
  email: string | null;
}

export interface MappedChangeEvent {
  envelopes: ContactEnvelope[];
  /** A GAP_* event: the change is known, its data is not. */
  gap: boolean;
  /** GAP_OVERFLOW: more changes than Salesforce could report one by one. */
  overflow: boolean;
}

const CHANGE_TYPE: Record<string, ChangeType> = {
  CREATE: 'CREATED', UNDELETE: 'CREATED', UPDATE: 'UPDATED', DELETE: 'DELETED',
  GAP_CREATE: 'CREATED', GAP_UNDELETE: 'CREATED', GAP_UPDATE: 'UPDATED', GAP_DELETE: 'DELETED', GAP_OVERFLOW: 'UPDATED',
};

/** Salesforce field → the graph's Contact fields it changes (in the schema's field order). */
const GRAPH_FIELDS: Record<string, string[]> = {
  Email: ['email'], FirstName: ['firstName', 'name'], 'Name.FirstName': ['firstName', 'name'],
  LastName: ['lastName', 'name'], 'Name.LastName': ['lastName', 'name'], Name: ['firstName', 'lastName', 'name'],
  Title: ['title'], Phone: ['phone'], Department: ['department'], AccountId: ['account'], LastModifiedDate: ['updatedAt'],
};
const FIELD_ORDER = ['email', 'firstName', 'lastName', 'name', 'title', 'phone', 'department', 'account', 'updatedAt'];

const MAX_RECORD_IDS = 10_000;
const MAX_FIELDS = 1_000;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const shortStrings = (v: unknown, max: number): v is string[] => Array.isArray(v) && v.length <= max && v.every((x) => typeof x === 'string' && x.length <= 255);

/** The replay id of a CometD `data`, or null when it has none (used before and apart from parsing). */
export function replayIdOf(data: unknown): number | null {
  const id = isObject(data) && isObject(data.event) ? data.event.replayId : undefined;
  return typeof id === 'number' && Number.isSafeInteger(id) && id >= 0 ? id : null;
}

/** Validates a CDC message's `data`; the reason names the first bad part. */
export function parseChangeEvent(data: unknown): ParsedChangeEvent | { error: string } {
  const replayId = replayIdOf(data);
  if (replayId === null) return { error: 'event.replayId must be a non-negative integer' };
  const payload = (data as Record<string, unknown>).payload;
  const header = isObject(payload) ? payload.ChangeEventHeader : undefined;
  if (!isObject(payload) || !isObject(header)) return { error: 'payload.ChangeEventHeader must be an object' };
  const { entityName, changeType, recordIds, commitTimestamp } = header;
  if (typeof entityName !== 'string' || entityName.length > 80) return { error: 'ChangeEventHeader.entityName must be a string' };
  if (typeof changeType !== 'string' || !Object.hasOwn(CHANGE_TYPE, changeType)) return { error: 'ChangeEventHeader.changeType is not a known change type' };
  if (!shortStrings(recordIds, MAX_RECORD_IDS)) return { error: 'ChangeEventHeader.recordIds must be a list of record ids' };
  const changedFields = header.changedFields ?? [];
  if (!shortStrings(changedFields, MAX_FIELDS)) return { error: 'ChangeEventHeader.changedFields must be a list of field names' };
  if (typeof commitTimestamp !== 'number' || !Number.isFinite(commitTimestamp) || Number.isNaN(new Date(commitTimestamp).getTime())) {
    return { error: 'ChangeEventHeader.commitTimestamp must be epoch milliseconds' };
  }
  const email = typeof payload.Email === 'string' && payload.Email.length <= 255 ? normalizeEmail(payload.Email) : null;
  return { replayId, entityName, changeType, recordIds, changedFields, commitTimestamp, email };
}

/** Salesforce changedFields → the graph's Contact field names (unknown ones dropped). */
export function graphChangedFields(fields: readonly string[]): string[] {
  const out = new Set<string>();
  for (const f of fields) if (Object.hasOwn(GRAPH_FIELDS, f)) for (const g of GRAPH_FIELDS[f] ?? []) out.add(g);
  return FIELD_ORDER.filter((f) => out.has(f));
}

/** `/data/ContactChangeEvent` → `ContactChangeEvent`. */
export function channelName(channel: string): string {
  return channel.replace(/^\/data\//, '');
}

/** The envelopes of one Contact change event (none for other entities or ids that are no Contact ids). */
export function contactEnvelopes(ev: ParsedChangeEvent, opts: { channel: string; tenant: string }): MappedChangeEvent {
  const gap = ev.changeType.startsWith('GAP_');
  const overflow = ev.changeType === 'GAP_OVERFLOW';
  if (ev.entityName !== 'Contact') return { envelopes: [], gap, overflow };
  const changeType = CHANGE_TYPE[ev.changeType] as ChangeType;
  const changedFields = gap || changeType !== 'UPDATED' ? [] : graphChangedFields(ev.changedFields);
  const ids = [...new Set(ev.recordIds.map((r) => normalizeSalesforceId(r)).filter((r): r is string => r !== null && isIdOf(KEY_PREFIX.Contact, r)))];
  const base = `salesforce:${channelName(opts.channel)}:${ev.replayId}`;
  const envelopes = ids.map((id): ContactEnvelope => ({
    email: ev.email,
    event: {
      id: ev.recordIds.length === 1 ? base : `${base}:${id}`,
      type: 'ContactChanged',
      system: 'salesforce',
      tenant: opts.tenant,
      entity: { type: 'Contact', id },
      changeType,
      changedFields,
      occurredAt: new Date(ev.commitTimestamp).toISOString(),
      ...(ev.email ? { attributes: { email: ev.email } } : {}),
    },
  }));
  return { envelopes, gap, overflow };
}
