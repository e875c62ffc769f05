/**
 * Admin endpoints of the sandbox's Change Data Capture stream (not counted, no faults):
 *
 * - `POST /__admin/events` emits one change event on demand, without touching records:
 *   `{"changeType":"UPDATE","recordIds":["003..."],"entityName"?:"Contact","changedFields"?:["Email"],
 *   "fields"?:{"Email":"a@b.c"},"commitUser"?:"005...","changeOrigin"?:"..."}` → 201
 *   `{"replayId","channels","data"}`. Any CDC change type, including `GAP_*`, is allowed;
 *   `recordIds` may be empty only for `GAP_OVERFLOW`.
 * - `GET /__admin/events[?after=N]`: the retained events (at most 1000), the newest replay id and
 *   the retention.
 * - `POST /__admin/events/expire`: drops every retained event, so a subscriber resuming from an
 *   older replay id is refused (the "replay id no longer retained" case).
 */
import type { Route, SandboxReply } from '../../kit/sandboxServer';
import { CDC_ENTITIES, CHANGE_TYPES, type CdcChangeType, type PendingChangeEvent } from './changeEvents';
import type { ChangeEventStream } from './changeEventStream';
import { KEY_PREFIX } from './salesforceIds';

const MAX_RECORD_IDS = 200;
const MAX_FIELDS = 200;
const MAX_FIELDS_JSON = 65_536;
const ID = /^[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?$/;

export interface ChangeEventAdminOptions {
  stream: ChangeEventStream;
  /** `commitUser` when the request names none (the integration user). */
  defaultUserId: string;
  now: () => number;
}

const bad = (error: string): SandboxReply => ({ status: 400, body: { error } });

function stringList(v: unknown, max: number, maxLength: number): string[] | null {
  return Array.isArray(v) && v.length <= max && v.every((x) => typeof x === 'string' && x.length > 0 && x.length <= maxLength) ? (v as string[]) : null;
}

function isFieldValue(v: unknown, depth = 0): boolean {
  if (v === null || ['string', 'number', 'boolean'].includes(typeof v)) return true;
  return depth === 0 && typeof v === 'object' && !Array.isArray(v) && Object.values(v as object).every((x) => isFieldValue(x, 1));
}

/** The event a `POST /__admin/events` body asks for, or the reason it is refused. */
export function parseEmitRequest(raw: unknown, opts: Pick<ChangeEventAdminOptions, 'defaultUserId' | 'now'>): PendingChangeEvent | string {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return 'the body must be a JSON object';
  const b = raw as Record<string, unknown>;
  const known = new Set(['entityName', 'changeType', 'recordIds', 'changedFields', 'fields', 'commitUser', 'changeOrigin']);
  const extra = Object.keys(b).find((k) => !known.has(k));
  if (extra !== undefined) return `unknown key '${extra.slice(0, 64)}' (known: ${[...known].join(', ')})`;
  const entityName = b.entityName ?? 'Contact';
  if (typeof entityName !== 'string' || !(CDC_ENTITIES as readonly string[]).includes(entityName)) return `entityName must be one of ${CDC_ENTITIES.join(', ')}`;
  if (!(CHANGE_TYPES as readonly unknown[]).includes(b.changeType)) return `changeType must be one of ${CHANGE_TYPES.join(', ')}`;
  const changeType = b.changeType as CdcChangeType;
  const recordIds = stringList(b.recordIds, MAX_RECORD_IDS, 18);
  const prefix = KEY_PREFIX[entityName as keyof typeof KEY_PREFIX];
  if (!recordIds || !recordIds.every((id) => ID.test(id) && id.startsWith(prefix))) return `recordIds must be a list of at most ${MAX_RECORD_IDS} ${entityName} ids (prefix ${prefix})`;
  if (recordIds.length === 0 && changeType !== 'GAP_OVERFLOW') return 'recordIds must not be empty (except for GAP_OVERFLOW)';
  const changedFields = b.changedFields === undefined ? [] : stringList(b.changedFields, 500, 128);
  if (!changedFields) return 'changedFields must be a list of field names';
  const fields = b.fields ?? {};
  if (typeof fields !== 'object' || fields === null || Array.isArray(fields) || Object.keys(fields).length > MAX_FIELDS
    || !Object.values(fields).every((v) => isFieldValue(v)) || JSON.stringify(fields).length > MAX_FIELDS_JSON) {
    return `fields must be an object of at most ${MAX_FIELDS} field values (strings, numbers, booleans, null or one-level compounds)`;
  }
  if ('ChangeEventHeader' in fields) return 'fields must not contain ChangeEventHeader';
  const commitUser = b.commitUser ?? opts.defaultUserId;
  const changeOrigin = b.changeOrigin ?? 'com/salesforce/api/rest';
  if (typeof commitUser !== 'string' || !ID.test(commitUser)) return 'commitUser must be a User id';
  if (typeof changeOrigin !== 'string' || changeOrigin.length > 255) return 'changeOrigin must be a string of at most 255 characters';
  const nulledFields = Object.entries(fields).filter(([, v]) => v === null).map(([k]) => k);
  return {
    entityName,
    payload: { ...(fields as Record<string, unknown>) },
    header: { recordIds: [...recordIds], changeType, changeOrigin, commitTimestamp: opts.now(), commitUser, changedFields: [...changedFields], nulledFields },
  };
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

export function changeEventAdminRoutes(opts: ChangeEventAdminOptions): Route[] {
  const { stream } = opts;
  return [
    {
      method: 'POST',
      path: '/__admin/events',
      handler: (req) => {
        const parsed = parseEmitRequest(parseJson(req.body), opts);
        if (typeof parsed === 'string') return bad(parsed);
        const [event] = stream.publish([parsed]);
        return event ? { status: 201, body: { replayId: event.replayId, channels: event.channels, data: event.data } } : bad('nothing published');
      },
    },
    {
      method: 'GET',
      path: '/__admin/events',
      handler: (req) => {
        const raw = req.query.get('after');
        const after = raw === null ? undefined : Number(raw);
        if (after !== undefined && !Number.isSafeInteger(after)) return bad('after must be an integer replay id');
        const events = stream.retained(after);
        return { status: 200, body: { latestReplayId: stream.latestReplayId(), retentionMs: stream.retentionMs(), total: events.length, events: events.slice(0, 1000) } };
      },
    },
    {
      method: 'POST',
      path: '/__admin/events/expire',
      handler: () => {
        const expired = stream.retained().length;
        stream.expireAll();
        return { status: 200, body: { expired, latestReplayId: stream.latestReplayId() } };
      },
    },
  ];
}
