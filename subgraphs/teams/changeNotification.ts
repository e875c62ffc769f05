/**
 * Microsoft Graph change notifications as they reach the webhook (PROTOCOLS.md 2.7), parsed from
 * untrusted JSON. Nothing here decides authenticity (that is `graphWebhook.ts`); this only accepts
 * the documented shape within bounds and refuses anything else with a reason.
 *
 * ```json
 * {"value":[{"subscriptionId","subscriptionExpirationDateTime","changeType":"created|updated|deleted",
 *   "clientState","tenantId","resource":"teams('…')/channels('…')/messages('…')",
 *   "resourceData":{"id","@odata.type","@odata.id"},
 *   "encryptedContent":{"data","dataSignature","dataKey","encryptionCertificateId","encryptionCertificateThumbprint"}}],
 *  "validationTokens":["eyJ…"]}
 * ```
 * Lifecycle notifications: `{"value":[{"subscriptionId","subscriptionExpirationDateTime","tenantId",
 * "clientState","lifecycleEvent":"reauthorizationRequired|subscriptionRemoved|missed"}]}`.
 * Unknown keys are ignored (Graph adds properties over time); known keys must have their type.
 */

export type NotificationChange = 'created' | 'updated' | 'deleted';
export type LifecycleEvent = 'reauthorizationRequired' | 'subscriptionRemoved' | 'missed';

export interface EncryptedContent {
  data: string;
  dataSignature: string;
  dataKey: string;
  encryptionCertificateId: string | null;
  encryptionCertificateThumbprint: string | null;
}

export interface ChangeNotificationItem {
  subscriptionId: string;
  subscriptionExpirationDateTime: string | null;
  changeType: NotificationChange;
  /** null when the item has none (which never verifies). */
  clientState: string | null;
  tenantId: string | null;
  resource: string;
  encryptedContent: EncryptedContent | null;
}

export interface LifecycleItem {
  subscriptionId: string;
  subscriptionExpirationDateTime: string | null;
  clientState: string | null;
  tenantId: string | null;
  lifecycleEvent: LifecycleEvent;
}

export interface NotificationBatch<T> {
  items: T[];
  /** Empty when the body has none. */
  validationTokens: string[];
}

export type Parsed<T> = { ok: true; batch: NotificationBatch<T> } | { ok: false; reason: string };

/** Bounds: more items or tokens than Graph ever sends in one POST are refused. */
export const MAX_ITEMS = 1000;
export const MAX_TOKENS = 100;
const MAX_TOKEN_LENGTH = 16_384;
const MAX_ID = 256;
/** Subscription ids are GUIDs; the bound keeps event ids (which embed them) under the envelope's 512. */
const MAX_SUBSCRIPTION_ID = 128;
const MAX_RESOURCE = 1024;
/** Largest encrypted resource accepted, in base64 characters (a chatMessage is far smaller). */
export const MAX_ENCRYPTED_DATA = 2_000_000;
const CHANGES: readonly string[] = ['created', 'updated', 'deleted'];
const LIFECYCLE: readonly string[] = ['reauthorizationRequired', 'subscriptionRemoved', 'missed'];
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

type Json = Record<string, unknown>;

class Refused extends Error {}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(o: Json, key: string, max: number, where: string): string {
  const v = o[key];
  if (typeof v !== 'string' || v.length === 0 || v.length > max) throw new Refused(`${where}.${key} must be a string of 1..${max} characters`);
  return v;
}

function optStr(o: Json, key: string, max: number, where: string): string | null {
  return o[key] === undefined || o[key] === null ? null : str(o, key, max, where);
}

function base64(o: Json, key: string, max: number, where: string): string {
  const v = str(o, key, max, where);
  if (!BASE64.test(v)) throw new Refused(`${where}.${key} must be base64`);
  return v;
}

function encrypted(raw: unknown, where: string): EncryptedContent | null {
  if (raw === undefined || raw === null) return null;
  if (!isObject(raw)) throw new Refused(`${where}.encryptedContent must be an object`);
  const at = `${where}.encryptedContent`;
  return {
    data: base64(raw, 'data', MAX_ENCRYPTED_DATA, at),
    dataSignature: base64(raw, 'dataSignature', 128, at),
    dataKey: base64(raw, 'dataKey', 2048, at),
    encryptionCertificateId: optStr(raw, 'encryptionCertificateId', 128, at),
    encryptionCertificateThumbprint: optStr(raw, 'encryptionCertificateThumbprint', 128, at),
  };
}

function changeItem(raw: unknown, i: number): ChangeNotificationItem {
  const where = `value[${i}]`;
  if (!isObject(raw)) throw new Refused(`${where} must be an object`);
  const changeType = str(raw, 'changeType', 16, where);
  if (!CHANGES.includes(changeType)) throw new Refused(`${where}.changeType must be created, updated or deleted`);
  return {
    subscriptionId: str(raw, 'subscriptionId', MAX_SUBSCRIPTION_ID, where),
    subscriptionExpirationDateTime: optStr(raw, 'subscriptionExpirationDateTime', 64, where),
    changeType: changeType as NotificationChange,
    clientState: optStr(raw, 'clientState', 128, where),
    tenantId: optStr(raw, 'tenantId', MAX_ID, where),
    resource: str(raw, 'resource', MAX_RESOURCE, where),
    encryptedContent: encrypted(raw.encryptedContent, where),
  };
}

function lifecycleItem(raw: unknown, i: number): LifecycleItem {
  const where = `value[${i}]`;
  if (!isObject(raw)) throw new Refused(`${where} must be an object`);
  const event = str(raw, 'lifecycleEvent', 64, where);
  if (!LIFECYCLE.includes(event)) throw new Refused(`${where}.lifecycleEvent must be one of ${LIFECYCLE.join(', ')}`);
  return {
    subscriptionId: str(raw, 'subscriptionId', MAX_SUBSCRIPTION_ID, where),
    subscriptionExpirationDateTime: optStr(raw, 'subscriptionExpirationDateTime', 64, where),
    clientState: optStr(raw, 'clientState', 128, where),
    tenantId: optStr(raw, 'tenantId', MAX_ID, where),
    lifecycleEvent: event as LifecycleEvent,
  };
}

function parseBatch<T>(raw: unknown, item: (v: unknown, i: number) => T): Parsed<T> {
  try {
    if (!isObject(raw)) throw new Refused('the body must be a JSON object');
    const value = raw.value;
    if (!Array.isArray(value) || value.length === 0 || value.length > MAX_ITEMS) throw new Refused(`value must be an array of 1..${MAX_ITEMS} notifications`);
    const tokens = raw.validationTokens ?? [];
    if (!Array.isArray(tokens) || tokens.length > MAX_TOKENS
      || !tokens.every((t): t is string => typeof t === 'string' && t.length > 0 && t.length <= MAX_TOKEN_LENGTH)) {
      throw new Refused(`validationTokens must be an array of at most ${MAX_TOKENS} tokens`);
    }
    return { ok: true, batch: { items: value.map(item), validationTokens: tokens } };
  } catch (err) {
    if (err instanceof Refused) return { ok: false, reason: err.message };
    throw err;
  }
}

/** Parse a change-notification POST body (already JSON-decoded). Never throws. */
export function parseChangeNotifications(raw: unknown): Parsed<ChangeNotificationItem> {
  return parseBatch(raw, changeItem);
}

/** Parse a lifecycle-notification POST body (already JSON-decoded). Never throws. */
export function parseLifecycleNotifications(raw: unknown): Parsed<LifecycleItem> {
  return parseBatch(raw, lifecycleItem);
}
