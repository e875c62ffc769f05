/**
 * The canonical event envelope: what every subgraph turns its system's native event into (Salesforce
 * CDC over CometD, Graph change notifications, SAP CloudEvents) before appending it to its event log.
 * Subscription resolvers read envelopes from the log; the same envelope drives cache invalidation.
 *
 * ```json
 * {
 *   "id": "salesforce:ContactChangeEvent:42",        // unique per upstream event: duplicates are dropped on it
 *   "type": "ContactChanged",                       // ContactChanged | SalesOrderChanged | MessagePosted
 *   "system": "salesforce",                         // salesforce | sap | teams
 *   "tenant": "default",                            // [A-Za-z0-9_-]{1,64}
 *   "entity": { "type": "Contact", "id": "003..." }, // the canonical entity key (Contact, SalesOrder, Message)
 *   "changeType": "UPDATED",                        // CREATED | UPDATED | DELETED
 *   "changedFields": ["Email"],                     // canonical or system field names; [] when unknown
 *   "occurredAt": "2026-11-22T10:00:00.000Z",       // when the system says it happened (ISO 8601)
 *   "attributes": { "soldTo": "1000001", "status": "COMPLETED" } // optional flat strings for subscription filters
 * }
 * ```
 * `parseEvent(raw)` accepts exactly this shape (extra keys refused) and never throws.
 */

export const EVENT_TYPES = ['ContactChanged', 'SalesOrderChanged', 'MessagePosted'] as const;
export const EVENT_SYSTEMS = ['salesforce', 'sap', 'teams'] as const;
export const CHANGE_TYPES = ['CREATED', 'UPDATED', 'DELETED'] as const;
export const ENTITY_TYPES = ['Contact', 'SalesOrder', 'Message'] as const;

export type EventType = (typeof EVENT_TYPES)[number];
export type EventSystem = (typeof EVENT_SYSTEMS)[number];
export type ChangeType = (typeof CHANGE_TYPES)[number];
export type EntityType = (typeof ENTITY_TYPES)[number];

interface EnvelopeBase {
  id: string;
  tenant: string;
  changeType: ChangeType;
  changedFields: string[];
  occurredAt: string;
  attributes?: Record<string, string>;
}

export type EntityEvent =
  | (EnvelopeBase & { type: 'ContactChanged'; system: 'salesforce'; entity: { type: 'Contact'; id: string } })
  | (EnvelopeBase & { type: 'SalesOrderChanged'; system: 'sap'; entity: { type: 'SalesOrder'; id: string } })
  | (EnvelopeBase & { type: 'MessagePosted'; system: 'teams'; entity: { type: 'Message'; id: string } });

const OWNER: Record<EventType, { system: EventSystem; entity: EntityType }> = {
  ContactChanged: { system: 'salesforce', entity: 'Contact' },
  SalesOrderChanged: { system: 'sap', entity: 'SalesOrder' },
  MessagePosted: { system: 'teams', entity: 'Message' },
};

const TENANT = /^[A-Za-z0-9_-]{1,64}$/;
const KEYS = new Set(['id', 'type', 'system', 'tenant', 'entity', 'changeType', 'changedFields', 'occurredAt', 'attributes']);
const MAX_ID = 512;
const MAX_FIELDS = 500;

export type ParsedEvent = { ok: true; event: EntityEvent } | { ok: false; reason: string };

function isShortString(v: unknown, max = MAX_ID): v is string {
  return typeof v === 'string' && v.length > 0 && v.length <= max;
}

function attributesReason(v: unknown): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'attributes must be an object of strings';
  const entries = Object.entries(v);
  if (entries.length > 50) return 'attributes has more than 50 keys';
  return entries.every(([k, x]) => k.length <= 64 && typeof x === 'string' && x.length <= MAX_ID) ? undefined : 'attributes must map short keys to strings';
}

/** Validates an untrusted value as an envelope; the reason names the first bad key. */
export function parseEvent(raw: unknown): ParsedEvent {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { ok: false, reason: 'an event must be an object' };
  const r = raw as Record<string, unknown>;
  const extra = Object.keys(r).find((k) => !KEYS.has(k));
  if (extra !== undefined) return { ok: false, reason: `unknown key ${JSON.stringify(extra.slice(0, 64))}` };
  if (!isShortString(r.id)) return { ok: false, reason: 'id must be a string of 1..512 characters' };
  if (!EVENT_TYPES.includes(r.type as EventType)) return { ok: false, reason: `type must be one of ${EVENT_TYPES.join(', ')}` };
  const owner = OWNER[r.type as EventType];
  if (r.system !== owner.system) return { ok: false, reason: `system of a ${String(r.type)} event must be ${owner.system}` };
  if (typeof r.tenant !== 'string' || !TENANT.test(r.tenant)) return { ok: false, reason: 'tenant must match [A-Za-z0-9_-]{1,64}' };
  const e = r.entity as Record<string, unknown> | null;
  if (typeof e !== 'object' || e === null || e.type !== owner.entity || !isShortString(e.id) || Object.keys(e).length !== 2) {
    return { ok: false, reason: `entity must be { type: '${owner.entity}', id }` };
  }
  if (!CHANGE_TYPES.includes(r.changeType as ChangeType)) return { ok: false, reason: `changeType must be one of ${CHANGE_TYPES.join(', ')}` };
  if (!Array.isArray(r.changedFields) || r.changedFields.length > MAX_FIELDS || !r.changedFields.every((f) => isShortString(f, 128))) {
    return { ok: false, reason: 'changedFields must be a list of field names' };
  }
  if (typeof r.occurredAt !== 'string' || Number.isNaN(Date.parse(r.occurredAt))) return { ok: false, reason: 'occurredAt must be an ISO 8601 date-time' };
  const attr = attributesReason(r.attributes);
  if (attr) return { ok: false, reason: attr };
  return { ok: true, event: r as unknown as EntityEvent };
}

/** The cache tag of the event's entity (`SalesOrder:123`), as the response caches use it. */
export function eventTag(event: EntityEvent): string {
  return `${event.entity.type}:${event.entity.id}`;
}
