/**
 * Change-notification subscriptions (Graph v1.0 `subscription`), for channel messages:
 *
 * | Route | Counter name | Answer |
 * |---|---|---|
 * | `POST /v1.0/subscriptions` | `POST /v1.0/subscriptions` | 201 with the subscription, after the validation handshake |
 * | `GET /v1.0/subscriptions` | `GET /v1.0/subscriptions` | 200, the calling app's live subscriptions |
 * | `GET /v1.0/subscriptions/{id}` | `GET /v1.0/subscriptions/{id}` | 200, or 404 for another app's, an expired or an unknown one |
 * | `PATCH /v1.0/subscriptions/{id}` | `PATCH /v1.0/subscriptions/{id}` | 200; renews (`expirationDateTime`) and reauthorizes |
 * | `DELETE /v1.0/subscriptions/{id}` | `DELETE /v1.0/subscriptions/{id}` | 204 |
 * | `POST /v1.0/subscriptions/{id}/reauthorize` | `POST /v1.0/subscriptions/{id}/reauthorize` | 204; clears a pending reauthorization |
 *
 * Creating needs a role that reads channel messages (`ChannelMessage.Read.All`). Checks, in
 * Graph's words: `changeType` (comma list of created, updated, deleted), `resource` (see
 * `subscriptionStore.ts`), `notificationUrl` (https, or http when the sandbox allows it),
 * `expirationDateTime` in the future and at most `maxSubscriptionMinutes` ahead (400
 * `ExtensionError` "Subscription expiration can only be N minutes in the future."),
 * `lifecycleNotificationUrl` required beyond one hour (Teams resources), `clientState` ≤ 128
 * characters, and `encryptionCertificate` + `encryptionCertificateId` with `includeResourceData`.
 * Then both URLs must pass the validation handshake (`webhookClient.ts`) within
 * `validationTimeoutMs`, else 400 `ValidationError` and nothing is created.
 */
import type { X509Certificate } from 'node:crypto';
import { randomUUID } from 'node:crypto';
import type { SandboxReply } from '../../kit/sandboxServer';
import { GraphHttpError } from './graphErrors';
import type { GraphRequest, GraphRoute } from './graphRouter';
import { findChannel, findTeam } from './graphStore';
import { MESSAGE_READ_ROLES } from './messagesRoutes';
import { parseEncryptionCertificate } from './richNotification';
import type { GraphSettings } from './sandboxSettings';
import {
  CHANGE_KINDS, parseResource, type ChangeKind, type GraphSubscription, type StoredSubscription, type SubscriptionStore, type SubscriptionTarget,
} from './subscriptionStore';
import type { StoreRef } from './teamsRoutes';
import { validateEndpoint } from './webhookClient';

export interface SubscriptionRoutesOptions {
  ref: StoreRef;
  store: SubscriptionStore;
  settings: () => GraphSettings;
  /** Accept `http://` notification URLs (real Graph requires https). */
  allowHttp: boolean;
  /** @default Date.now */
  now?: () => number;
}

const ONE_HOUR_MS = 3_600_000;
const CREATE_KEYS = new Set([
  'changeType', 'notificationUrl', 'lifecycleNotificationUrl', 'resource', 'expirationDateTime', 'clientState', 'includeResourceData',
  'encryptionCertificate', 'encryptionCertificateId', 'latestSupportedTlsVersion',
]);
const PATCH_KEYS = new Set(['expirationDateTime', 'notificationUrl', 'lifecycleNotificationUrl']);
const TLS_VERSIONS = ['v1_0', 'v1_1', 'v1_2', 'v1_3'];

function invalid(message: string, code: 'InvalidRequest' | 'ValidationError' | 'ExtensionError' | 'BadRequest' = 'InvalidRequest'): GraphHttpError {
  return new GraphHttpError(400, code, message);
}

function readBody(req: GraphRequest, allowed: Set<string>): Record<string, unknown> {
  let raw: unknown;
  try {
    raw = JSON.parse(req.body.toString('utf8'));
  } catch {
    throw invalid('Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.', 'BadRequest');
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw invalid('The request body must be a subscription JSON object.', 'BadRequest');
  const extra = Object.keys(raw).find((k) => !allowed.has(k) && !k.startsWith('@odata.'));
  if (extra !== undefined) throw invalid(`Invalid property '${extra.slice(0, 60)}' for this request.`, 'BadRequest');
  return raw as Record<string, unknown>;
}

function parseUrl(value: unknown, key: string, allowHttp: boolean): string {
  if (typeof value !== 'string' || value.length > 2048) throw invalid(`${key} must be an absolute URL.`);
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw invalid(`${key} must be an absolute URL.`);
  }
  if (u.protocol !== 'https:' && !(allowHttp && u.protocol === 'http:')) throw invalid(`${key} must use the https scheme.`);
  return value;
}

function parseChangeTypes(value: unknown): ChangeKind[] {
  if (typeof value !== 'string' || value.trim() === '') throw invalid('changeType is a required property for subscription creation.');
  const kinds = value.split(',').map((s) => s.trim());
  const bad = kinds.find((k) => !(CHANGE_KINDS as readonly string[]).includes(k));
  if (bad !== undefined) throw invalid(`changeType '${bad.slice(0, 40)}' is not supported; use created, updated, deleted.`);
  return [...new Set(kinds as ChangeKind[])];
}

function parseExpiration(value: unknown, settings: GraphSettings, now: number, hasLifecycleUrl: boolean): string {
  const t = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(t)) throw invalid('expirationDateTime is a required property for subscription creation.');
  if (t <= now) throw invalid('Subscription expiration must be in the future.', 'ExtensionError');
  if (t > now + settings.maxSubscriptionMinutes * 60_000) {
    throw invalid(`Subscription expiration can only be ${settings.maxSubscriptionMinutes} minutes in the future.`, 'ExtensionError');
  }
  if (t > now + ONE_HOUR_MS && !hasLifecycleUrl) {
    throw invalid('lifecycleNotificationUrl is a required property for subscription creation on this resource when the expirationDateTime value is set to greater than 1 hour.', 'ValidationError');
  }
  return new Date(t).toISOString();
}

function checkTarget(ref: StoreRef, target: SubscriptionTarget): void {
  if (target.kind === 'tenant') return;
  if (!findTeam(ref.data, target.teamId)) throw new GraphHttpError(404, 'NotFound', `Team '${target.teamId}' not found.`);
  if (target.kind === 'channel' && !findChannel(ref.data, target.teamId, target.channelId)) {
    throw new GraphHttpError(404, 'NotFound', 'Channel not found.');
  }
}

/** Run the handshakes for the given URLs (in parallel); a 400 ValidationError for the first failure. */
async function handshake(urls: Array<string | null>, timeoutMs: number): Promise<void> {
  const results = await Promise.all(urls.filter((u): u is string => u !== null).map((u) => validateEndpoint(u, timeoutMs)));
  const failed = results.find((r) => !r.ok);
  if (failed && !failed.ok) throw invalid(failed.message, 'ValidationError');
}

function richOptions(body: Record<string, unknown>): { certificate: X509Certificate | null; certificateId: string | null } {
  if (body.includeResourceData !== true) return { certificate: null, certificateId: null };
  const id = body.encryptionCertificateId;
  if (body.encryptionCertificate === undefined || typeof id !== 'string' || id === '' || id.length > 128) {
    throw invalid('encryptionCertificate and encryptionCertificateId are required when includeResourceData is true.');
  }
  return { certificate: parseEncryptionCertificate(body.encryptionCertificate), certificateId: id };
}

function owned(opts: SubscriptionRoutesOptions, req: GraphRequest): StoredSubscription {
  const sub = opts.store.get(req.params.id ?? '');
  if (!sub || sub.json.applicationId !== req.claims.appid) throw new GraphHttpError(404, 'ResourceNotFound', 'The object was not found.');
  return sub;
}

function entity(req: GraphRequest, sub: StoredSubscription): Record<string, unknown> {
  return { '@odata.context': `${req.origin}/v1.0/$metadata#subscriptions/$entity`, ...sub.json };
}

async function create(opts: SubscriptionRoutesOptions, req: GraphRequest): Promise<SandboxReply> {
  const body = readBody(req, CREATE_KEYS);
  const settings = opts.settings();
  const now = (opts.now ?? Date.now)();
  const changeTypes = parseChangeTypes(body.changeType);
  const notificationUrl = parseUrl(body.notificationUrl, 'notificationUrl', opts.allowHttp);
  const lifecycleUrl = body.lifecycleNotificationUrl === undefined || body.lifecycleNotificationUrl === null
    ? null : parseUrl(body.lifecycleNotificationUrl, 'lifecycleNotificationUrl', opts.allowHttp);
  if (typeof body.resource !== 'string') throw invalid('resource is a required property for subscription creation.');
  const target = parseResource(body.resource);
  const expirationDateTime = parseExpiration(body.expirationDateTime, settings, now, lifecycleUrl !== null);
  const clientState = body.clientState ?? null;
  if (clientState !== null && (typeof clientState !== 'string' || clientState.length > 128)) throw invalid('clientState must be a string of at most 128 characters.');
  const tls = body.latestSupportedTlsVersion ?? 'v1_2';
  if (typeof tls !== 'string' || !TLS_VERSIONS.includes(tls)) throw invalid(`latestSupportedTlsVersion must be one of ${TLS_VERSIONS.join(', ')}.`);
  const rich = richOptions(body);
  checkTarget(opts.ref, target);
  await handshake([notificationUrl, lifecycleUrl], settings.validationTimeoutMs);
  const json: GraphSubscription = {
    id: randomUUID(), resource: body.resource, applicationId: req.claims.appid, changeType: changeTypes.join(','),
    clientState: clientState as string | null, notificationUrl, notificationQueryOptions: null, lifecycleNotificationUrl: lifecycleUrl,
    expirationDateTime, creatorId: typeof req.claims.oid === 'string' ? req.claims.oid : req.claims.appid,
    includeResourceData: rich.certificate !== null, latestSupportedTlsVersion: tls,
    encryptionCertificate: rich.certificate ? (body.encryptionCertificate as string) : null, encryptionCertificateId: rich.certificateId,
    notificationUrlAppId: null,
  };
  const sub: StoredSubscription = { json, changeTypes, target, certificate: rich.certificate, needsReauthorization: false };
  opts.store.add(sub);
  return { status: 201, body: entity(req, sub) };
}

async function update(opts: SubscriptionRoutesOptions, req: GraphRequest): Promise<SandboxReply> {
  const sub = owned(opts, req);
  const body = readBody(req, PATCH_KEYS);
  const settings = opts.settings();
  const now = (opts.now ?? Date.now)();
  const notificationUrl = body.notificationUrl === undefined ? null : parseUrl(body.notificationUrl, 'notificationUrl', opts.allowHttp);
  const lifecycleUrl = body.lifecycleNotificationUrl === undefined ? null : parseUrl(body.lifecycleNotificationUrl, 'lifecycleNotificationUrl', opts.allowHttp);
  const expiration = body.expirationDateTime === undefined
    ? null : parseExpiration(body.expirationDateTime, settings, now, (lifecycleUrl ?? sub.json.lifecycleNotificationUrl) !== null);
  await handshake([notificationUrl, lifecycleUrl], settings.validationTimeoutMs);
  if (notificationUrl) sub.json.notificationUrl = notificationUrl;
  if (lifecycleUrl) sub.json.lifecycleNotificationUrl = lifecycleUrl;
  if (expiration) sub.json.expirationDateTime = expiration;
  sub.needsReauthorization = false;
  return { status: 200, body: entity(req, sub) };
}

export function subscriptionsRoutes(opts: SubscriptionRoutesOptions): GraphRoute[] {
  const base = '/v1.0/subscriptions';
  return [
    { method: 'POST', path: base, name: `POST ${base}`, roles: MESSAGE_READ_ROLES, handler: (req) => create(opts, req) },
    {
      method: 'GET', path: base, name: `GET ${base}`, roles: [],
      handler: (req) => ({
        status: 200,
        body: { '@odata.context': `${req.origin}/v1.0/$metadata#subscriptions`, value: opts.store.list(req.claims.appid).map((s) => ({ ...s.json })) },
      }),
    },
    { method: 'GET', path: `${base}/:id`, name: `GET ${base}/{id}`, roles: [], handler: (req) => ({ status: 200, body: entity(req, owned(opts, req)) }) },
    { method: 'PATCH', path: `${base}/:id`, name: `PATCH ${base}/{id}`, roles: [], handler: (req) => update(opts, req) },
    {
      method: 'DELETE', path: `${base}/:id`, name: `DELETE ${base}/{id}`, roles: [],
      handler: (req) => {
        opts.store.remove(owned(opts, req).json.id);
        return { status: 204 };
      },
    },
    {
      method: 'POST', path: `${base}/:id/reauthorize`, name: `POST ${base}/{id}/reauthorize`, roles: [],
      handler: (req) => {
        owned(opts, req).needsReauthorization = false;
        return { status: 204 };
      },
    },
  ];
}
