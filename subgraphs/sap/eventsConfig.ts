/**
 * Configuration of the SAP subgraph's business-event intake (`POST /events/sap`, README "Events"),
 * checked at start: a bad or missing value fails fast naming its key (STYLE.md rule 9).
 *
 * The endpoint is off unless `SAP_EVENTS_AUTH` says how senders authenticate: there is no
 * unauthenticated mode, and no default secret (a forgotten password must not open the door).
 */
import { envEnum, envList, envOptional, envString, envUrl, type Env } from '../kit/envConfig';
import { envTenant, eventLogEnv, type EventLogEnv } from '../kit/eventsEnv';

export type SapEventsAuth =
  | { type: 'off' }
  | { type: 'basic'; username: string; password: string }
  | { type: 'bearer'; token: string }
  | { type: 'jwt'; jwksUrl: string; issuer: string; audience: string };

export interface SapEventsConfig extends EventLogEnv {
  /** How the sender authenticates (SAP_EVENTS_AUTH: off | basic | bearer | jwt, plus its keys). @default { type: 'off' } (no endpoint) */
  auth: SapEventsAuth;
  /** Tenant the system's events belong to. @default 'default' (SAP_EVENTS_TENANT) */
  tenant: string;
  /**
   * The webhook URL to register with the sandbox's Event Mesh at start: an absolute URL, or `auto`
   * for this server's own `/events/sap`. @default undefined (no registration) (SAP_EVENTS_REGISTER_URL)
   */
  registerUrl: string | undefined;
  /** Origins the OPTIONS handshake allows; empty = any. @default [] (SAP_EVENTS_ALLOWED_ORIGINS, comma-separated) */
  allowedOrigins: string[];
  /** Redis for the event log; none = in process. @default undefined (REDIS_URL) */
  redisUrl: string | undefined;
  /** Event log retention in ms. @default 86400000 (EVENT_LOG_RETENTION_MS) */
  retentionMs: number;
  /** The gateway's `POST /internal/invalidate`; none = no gateway call. @default undefined (GATEWAY_INVALIDATE_URL) */
  invalidateUrl: string | undefined;
}

/** Where the webhook listens. */
export const SAP_EVENTS_PATH = '/events/sap';
/** Shortest accepted password or static token. */
export const MIN_SECRET_LENGTH = 16;

function requiredSecret(env: Env, key: string, auth: string): string {
  const v = envOptional(env, key);
  if (v === undefined) throw new Error(`${key} is required when SAP_EVENTS_AUTH=${auth}`);
  if (v.length < MIN_SECRET_LENGTH || !/^[\x21-\x7e]+$/.test(v)) {
    throw new Error(`${key} must be at least ${MIN_SECRET_LENGTH} visible ASCII characters (no spaces)`);
  }
  return v;
}

function requiredString(env: Env, key: string, auth: string): string {
  const v = envOptional(env, key);
  if (v === undefined) throw new Error(`${key} is required when SAP_EVENTS_AUTH=${auth}`);
  return v;
}

function loadAuth(env: Env): SapEventsAuth {
  const type = envEnum(env, 'SAP_EVENTS_AUTH', ['off', 'basic', 'bearer', 'jwt'] as const, 'off');
  if (type === 'basic') {
    const username = envString(env, 'SAP_EVENTS_USERNAME', 'LUMINA_EVENTS');
    if (!/^[\x21-\x39\x3b-\x7e]{1,64}$/.test(username)) throw new Error('SAP_EVENTS_USERNAME must be 1..64 visible ASCII characters without a colon');
    return { type, username, password: requiredSecret(env, 'SAP_EVENTS_PASSWORD', type) };
  }
  if (type === 'bearer') return { type, token: requiredSecret(env, 'SAP_EVENTS_TOKEN', type) };
  if (type === 'jwt') {
    if (envOptional(env, 'SAP_EVENTS_JWKS_URL') === undefined) throw new Error('SAP_EVENTS_JWKS_URL is required when SAP_EVENTS_AUTH=jwt');
    return {
      type,
      jwksUrl: envUrl(env, 'SAP_EVENTS_JWKS_URL', ''),
      issuer: requiredString(env, 'SAP_EVENTS_JWT_ISSUER', type),
      audience: requiredString(env, 'SAP_EVENTS_JWT_AUDIENCE', type),
    };
  }
  return { type };
}

function registerUrl(env: Env, auth: SapEventsAuth): string | undefined {
  const raw = envOptional(env, 'SAP_EVENTS_REGISTER_URL');
  if (raw === undefined) return undefined;
  if (auth.type !== 'basic' && auth.type !== 'bearer') {
    throw new Error(`SAP_EVENTS_REGISTER_URL needs SAP_EVENTS_AUTH=basic or bearer (got ${auth.type}): the sandbox sends static credentials`);
  }
  return raw === 'auto' ? 'auto' : envUrl(env, 'SAP_EVENTS_REGISTER_URL', '');
}

export function loadSapEventsConfig(env: Env = process.env): SapEventsConfig {
  const auth = loadAuth(env);
  const tenant = envTenant(env, 'SAP_EVENTS_TENANT');
  const allowedOrigins = envList(env, 'SAP_EVENTS_ALLOWED_ORIGINS');
  const badOrigin = allowedOrigins.find((o) => !/^[\x21-\x7e]{1,255}$/.test(o));
  if (badOrigin !== undefined) throw new Error('SAP_EVENTS_ALLOWED_ORIGINS must be a comma-separated list of host names');
  return {
    auth,
    tenant,
    registerUrl: registerUrl(env, auth),
    allowedOrigins,
    ...eventLogEnv(env),
  };
}
