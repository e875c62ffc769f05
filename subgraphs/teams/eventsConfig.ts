/**
 * Configuration of the Teams subgraph's change notifications (README "Events"), checked at start:
 * a bad value fails fast naming its key (STYLE.md rule 9).
 *
 * Notifications are off unless `TEAMS_NOTIFICATION_URL` names the public URL of this subgraph's
 * `POST /events/graph` (or `auto` for its own listening URL, for local development against the
 * sandbox). With it, the subgraph subscribes to the watched channels at start and keeps the
 * subscriptions alive.
 */
import { randomBytes } from 'node:crypto';
import { envBool, envInt, envOptional, envString, envUrl, type Env } from '../kit/envConfig';
import { envTenant, eventLogEnv } from '../kit/eventsEnv';

export interface TeamsEventsConfig {
  /** Public URL of `POST /events/graph`, or `auto` (this server's own URL). @default undefined = notifications off (TEAMS_NOTIFICATION_URL) */
  notificationUrl: string | undefined;
  /** Public URL of `POST /events/graph-lifecycle`. @default the notification URL + `-lifecycle` (TEAMS_LIFECYCLE_NOTIFICATION_URL) */
  lifecycleNotificationUrl: string | undefined;
  /** The shared secret Graph echoes in every item (1..128 visible ASCII). @default random per process (TEAMS_NOTIFICATION_CLIENT_STATE) */
  clientState: string;
  /** Lifetime asked for each subscription, in minutes; renewed when half of it is left. @default 60 (TEAMS_SUBSCRIPTION_LIFETIME_MINUTES, 2..4320) */
  subscriptionLifetimeMinutes: number;
  /** Ask for rich notifications (`includeResourceData`, encrypted content + validation tokens). @default false (TEAMS_RICH_NOTIFICATIONS) */
  richNotifications: boolean;
  /** PEM certificate and private key of the encryption key pair; both or neither. @default undefined = generated at start (TEAMS_NOTIFICATION_CERT_FILE, TEAMS_NOTIFICATION_KEY_FILE) */
  certificateFile: string | undefined;
  keyFile: string | undefined;
  /** `encryptionCertificateId` sent with the certificate. @default 'lumina-teams-notifications' (TEAMS_NOTIFICATION_CERT_ID) */
  certificateId: string;
  /** JWKS that signs `validationTokens`. @default `<GRAPH_AUTHORITY_HOST>/common/discovery/v2.0/keys` (GRAPH_VALIDATION_JWKS_URL) */
  validationJwksUrl: string;
  /** Expected `iss` of validation tokens. @default `https://sts.windows.net/<GRAPH_TENANT_ID>/` (GRAPH_VALIDATION_ISSUER) */
  validationIssuer: string;
  /** Tenant the Teams events belong to. @default 'default' (TEAMS_EVENTS_TENANT) */
  tenant: string;
  /** After a lifecycle event, messages created this long before it are re-read and published (dedupe drops repeats). @default 300000 (TEAMS_CATCHUP_WINDOW_MS) */
  catchUpWindowMs: number;
  /** Redis for the event log; none = in process. @default undefined (REDIS_URL) */
  redisUrl: string | undefined;
  /** Event log retention in ms. @default 86400000 (EVENT_LOG_RETENTION_MS) */
  retentionMs: number;
  /** The gateway's `POST /internal/invalidate`; none = no gateway call. @default undefined (GATEWAY_INVALIDATE_URL) */
  invalidateUrl: string | undefined;
  /** Bearer token for the gateway call. @default undefined (INTERNAL_API_TOKEN) */
  internalApiToken: string | undefined;
}

/** Where the webhooks listen. */
export const GRAPH_NOTIFICATION_PATH = '/events/graph';
export const GRAPH_LIFECYCLE_PATH = '/events/graph-lifecycle';

function optionalUrl(env: Env, key: string): string | undefined {
  return envOptional(env, key) === undefined ? undefined : envUrl(env, key, '');
}

function notificationUrls(env: Env): { notificationUrl: string | undefined; lifecycleNotificationUrl: string | undefined } {
  const raw = envOptional(env, 'TEAMS_NOTIFICATION_URL');
  const notificationUrl = raw === undefined || raw === 'auto' ? raw : envUrl(env, 'TEAMS_NOTIFICATION_URL', '');
  const lifecycle = optionalUrl(env, 'TEAMS_LIFECYCLE_NOTIFICATION_URL');
  if (lifecycle !== undefined && notificationUrl === undefined) throw new Error('TEAMS_LIFECYCLE_NOTIFICATION_URL needs TEAMS_NOTIFICATION_URL');
  const derived = notificationUrl === undefined || notificationUrl === 'auto' ? undefined : `${notificationUrl}-lifecycle`;
  return { notificationUrl, lifecycleNotificationUrl: lifecycle ?? derived };
}

function clientState(env: Env): string {
  const v = envOptional(env, 'TEAMS_NOTIFICATION_CLIENT_STATE');
  if (v === undefined) return randomBytes(32).toString('base64url');
  if (!/^[\x21-\x7e]{16,128}$/.test(v)) throw new Error('TEAMS_NOTIFICATION_CLIENT_STATE must be 16..128 visible ASCII characters (no spaces)');
  return v;
}

function keyPair(env: Env): { certificateFile: string | undefined; keyFile: string | undefined } {
  const certificateFile = envOptional(env, 'TEAMS_NOTIFICATION_CERT_FILE');
  const keyFile = envOptional(env, 'TEAMS_NOTIFICATION_KEY_FILE');
  if ((certificateFile === undefined) !== (keyFile === undefined)) {
    throw new Error('TEAMS_NOTIFICATION_CERT_FILE and TEAMS_NOTIFICATION_KEY_FILE must be set together (or neither, to generate a key pair)');
  }
  return { certificateFile, keyFile };
}

/** Reads the events configuration; `authorityHost` and `tenantId` come from the Graph configuration. */
export function loadTeamsEventsConfig(env: Env, graph: { authorityHost: string; tenantId: string }): TeamsEventsConfig {
  const tenant = envTenant(env, 'TEAMS_EVENTS_TENANT');
  const certificateId = envString(env, 'TEAMS_NOTIFICATION_CERT_ID', 'lumina-teams-notifications');
  if (!/^[\x21-\x7e]{1,128}$/.test(certificateId)) throw new Error('TEAMS_NOTIFICATION_CERT_ID must be 1..128 visible ASCII characters');
  return {
    ...notificationUrls(env),
    clientState: clientState(env),
    subscriptionLifetimeMinutes: envInt(env, 'TEAMS_SUBSCRIPTION_LIFETIME_MINUTES', 60, 2, 4320),
    richNotifications: envBool(env, 'TEAMS_RICH_NOTIFICATIONS', false),
    ...keyPair(env),
    certificateId,
    validationJwksUrl: envUrl(env, 'GRAPH_VALIDATION_JWKS_URL', `${graph.authorityHost}/common/discovery/v2.0/keys`),
    validationIssuer: envString(env, 'GRAPH_VALIDATION_ISSUER', `https://sts.windows.net/${graph.tenantId}/`),
    tenant,
    catchUpWindowMs: envInt(env, 'TEAMS_CATCHUP_WINDOW_MS', 300_000, 0, 86_400_000),
    ...eventLogEnv(env),
  };
}
