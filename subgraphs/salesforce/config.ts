/**
 * The Salesforce subgraph's configuration, read from the environment and validated at start: a bad
 * value fails with an error naming the key (STYLE.md rule 9). Defaults point at the local sandbox
 * (`npm run start:sandbox:salesforce`); a real org is configuration only (login URL + credentials).
 */
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { envBool, envEnum, envInt, envOptional, envString, envUrl, type Env } from '../kit/envConfig';
import { envTenant, eventLogEnv, type EventLogEnv } from '../kit/eventsEnv';
import { plainValue, secretValue, type SecretSource, type TenantSection } from '../kit/tenantRegistry';
import type { ReplayStoreConfig } from './replayStore';

export const AUTH_FLOWS = ['client_credentials', 'password', 'jwt'] as const;
export type SalesforceAuthFlow = (typeof AUTH_FLOWS)[number];

export interface SalesforceConfig {
  /** Token endpoint host (`https://login.salesforce.com`, `https://test.salesforce.com` or a My Domain). @default 'http://127.0.0.1:4011' */
  loginUrl: string;
  /** OAuth 2.0 flow used to get (and renew) the session. @default 'client_credentials' */
  authFlow: SalesforceAuthFlow;
  /** Connected app consumer key. @default 'lumina-sandbox-client' */
  clientId: string;
  /** Connected app consumer secret (not sent for `jwt`). @default 'lumina-sandbox-secret' */
  clientSecret: string;
  /** Integration user (`password` and `jwt` flows). @default 'integration@lumina.example' */
  username: string;
  /** Password with the security token appended (`password` flow). @default 'lumina-sandbox-passwordLuminaSandboxToken' */
  password: string;
  /** PEM private key signing the JWT bearer assertion (`jwt` flow only). */
  jwtPrivateKey?: string;
  /** `aud` of the JWT bearer assertion. @default loginUrl */
  jwtAudience: string;
  /** REST API version, `NN.0`. @default '62.0' */
  apiVersion: string;
  /** Deadline of one upstream call, retries included, and the timeout of each attempt (kit `upstreamPolicy.ts`). @default 10_000 */
  timeoutMs: number;
  /** Retries of reads (GET) on timeouts, 429, 5xx and network errors, by the kit upstream policy (jsforce's own retries are off; writes are never repeated). @default 2 */
  maxRetries: number;
  /** Base of the full-jitter backoff (the cap doubles per retry); a longer `Retry-After` wins. @default 250 */
  retryDelayMs: number;
  /** Most characters of URL-encoded SOQL per `GET /query` (keys are chunked to stay under it). @default 10_000 */
  maxSoqlChars: number;
}

const SANDBOX_URL = 'http://127.0.0.1:4011';

function readPrivateKey(path: string): string {
  const key = 'SALESFORCE_JWT_PRIVATE_KEY_PATH';
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`${key} must name a readable PEM private key file (${(err as NodeJS.ErrnoException).code ?? 'unreadable'}: '${path}')`);
  }
  try {
    createPrivateKey(pem);
  } catch {
    throw new Error(`${key} must name a PEM private key file ('${path}' does not hold one)`);
  }
  return pem;
}

function apiVersion(env: Env): string {
  const v = envString(env, 'SALESFORCE_API_VERSION', '62.0');
  if (!/^\d{2,3}\.0$/.test(v)) throw new Error(`SALESFORCE_API_VERSION must look like '62.0' (got '${v}')`);
  return v;
}

/** The password followed by the security token; the sandbox's token is the default only with the sandbox's password. */
function password(env: Env): string {
  const own = envOptional(env, 'SALESFORCE_PASSWORD');
  const token = env.SALESFORCE_SECURITY_TOKEN ?? (own === undefined ? 'LuminaSandboxToken' : '');
  return (own ?? 'lumina-sandbox-password') + token;
}

/** Reads and validates every SALESFORCE_* key (see README.md for the table). */
export function loadSalesforceConfig(env: Env = process.env): SalesforceConfig {
  const loginUrl = envUrl(env, 'SALESFORCE_LOGIN_URL', SANDBOX_URL);
  const authFlow = envEnum(env, 'SALESFORCE_AUTH_FLOW', AUTH_FLOWS, 'client_credentials');
  const keyPath = envOptional(env, 'SALESFORCE_JWT_PRIVATE_KEY_PATH');
  if (authFlow === 'jwt' && !keyPath) throw new Error('SALESFORCE_JWT_PRIVATE_KEY_PATH is required when SALESFORCE_AUTH_FLOW is jwt');
  const config: SalesforceConfig = {
    loginUrl,
    authFlow,
    clientId: envString(env, 'SALESFORCE_CLIENT_ID', 'lumina-sandbox-client'),
    clientSecret: envString(env, 'SALESFORCE_CLIENT_SECRET', 'lumina-sandbox-secret'),
    username: envString(env, 'SALESFORCE_USERNAME', 'integration@lumina.example'),
    password: password(env),
    jwtAudience: envUrl(env, 'SALESFORCE_JWT_AUDIENCE', loginUrl),
    apiVersion: apiVersion(env),
    timeoutMs: envInt(env, 'SALESFORCE_TIMEOUT_MS', 10_000, 100, 300_000),
    maxRetries: envInt(env, 'SALESFORCE_MAX_RETRIES', 2, 0, 5),
    retryDelayMs: envInt(env, 'SALESFORCE_RETRY_DELAY_MS', 250, 0, 10_000),
    maxSoqlChars: envInt(env, 'SALESFORCE_MAX_SOQL_CHARS', 10_000, 1_000, 15_000),
  };
  if (authFlow === 'jwt' && keyPath) config.jwtPrivateKey = readPrivateKey(keyPath);
  return config;
}

/**
 * One tenant's Salesforce configuration: its `LUMINA_TENANTS_FILE` section (`loginUrl`, `authFlow`,
 * `clientId`, `username`, `jwtAudience`; secrets `clientSecret`, `password` (with the security
 * token appended), `jwtPrivateKey` (PEM) as vault references) over `base` (the environment's
 * config: API version, timeouts, retries, SOQL size). Errors name the tenant and key.
 */
export function tenantSalesforceConfig(base: SalesforceConfig, tenant: string, section: TenantSection, secrets?: SecretSource): SalesforceConfig {
  const at = `tenants.${tenant}.salesforce`;
  const env: Env = Object.fromEntries(Object.entries(section).map(([k, v]) => [`${at}.${k}`, typeof v === 'string' ? v : undefined]));
  const loginUrl = envUrl(env, `${at}.loginUrl`, base.loginUrl);
  const authFlow = envEnum(env, `${at}.authFlow`, AUTH_FLOWS, base.authFlow);
  const config: SalesforceConfig = {
    ...base,
    loginUrl,
    authFlow,
    clientId: plainValue(section, 'clientId') ?? base.clientId,
    clientSecret: secretValue(section, 'clientSecret', secrets, at) ?? base.clientSecret,
    username: plainValue(section, 'username') ?? base.username,
    password: secretValue(section, 'password', secrets, at) ?? base.password,
    jwtAudience: envUrl(env, `${at}.jwtAudience`, section.loginUrl !== undefined ? loginUrl : base.jwtAudience),
  };
  const pem = secretValue(section, 'jwtPrivateKey', secrets, at);
  if (pem !== undefined) {
    try {
      createPrivateKey(pem);
    } catch {
      throw new Error(`${at}.jwtPrivateKey must resolve to a PEM private key`);
    }
    config.jwtPrivateKey = pem;
  }
  if (authFlow === 'jwt' && config.jwtPrivateKey === undefined) throw new Error(`${at}.jwtPrivateKey is required when ${at}.authFlow is jwt`);
  return config;
}

/** The channel the CDC consumer subscribes to. */
export const DEFAULT_CDC_CHANNEL = '/data/ContactChangeEvent';
export const DEFAULT_REPLAY_STORE = 'var/salesforce/cdc-replay.json';

/** Change Data Capture intake and the event log (README "Events"). */
export interface SalesforceEventsConfig extends EventLogEnv {
  /** Consume Change Data Capture events (SALESFORCE_CDC). @default true */
  cdc: boolean;
  /** CDC channel, `/data/ContactChangeEvent` or `/data/ChangeEvents` (SALESFORCE_CDC_CHANNEL). @default '/data/ContactChangeEvent' */
  channel: string;
  /**
   * Where the last processed replay id is kept: the file SALESFORCE_REPLAY_STORE, or Redis
   * (`lumina:salesforce:cdc-replay:<channel>`) when REDIS_URL is set and SALESFORCE_REPLAY_STORE is not.
   * @default { type: 'file', path: 'var/salesforce/cdc-replay.json' }
   */
  replayStore: ReplayStoreConfig;
  /** Where to start without a stored replay id: -1 new events only, -2 every retained event (SALESFORCE_CDC_INITIAL_REPLAY). @default -1 */
  initialReplay: -1 | -2;
  /** Tenant the org's events belong to (SALESFORCE_CDC_TENANT). @default 'default' */
  tenant: string;
  /** Wait before resubscribing after a failure, in ms (SALESFORCE_CDC_RETRY_MS). @default 5000 */
  retryDelayMs: number;
  /** Redis for the event log; none = in process. @default undefined (REDIS_URL) */
  redisUrl: string | undefined;
  /** Event log retention in ms. @default 86400000 (EVENT_LOG_RETENTION_MS) */
  retentionMs: number;
  /** The gateway's `POST /internal/invalidate`; none = no gateway call. @default undefined (GATEWAY_INVALIDATE_URL) */
  invalidateUrl: string | undefined;
}

function cdcChannel(env: Env): string {
  const v = envString(env, 'SALESFORCE_CDC_CHANNEL', DEFAULT_CDC_CHANNEL);
  if (v !== '/data/ChangeEvents' && !/^\/data\/[A-Za-z][A-Za-z0-9_]{0,70}ChangeEvent$/.test(v)) {
    throw new Error(`SALESFORCE_CDC_CHANNEL must be a Change Data Capture channel such as '/data/ContactChangeEvent' or '/data/ChangeEvents' (got '${v.slice(0, 100)}')`);
  }
  return v;
}

function replayStore(env: Env, channel: string, redisUrl: string | undefined): ReplayStoreConfig {
  const path = envOptional(env, 'SALESFORCE_REPLAY_STORE');
  if (path === undefined && redisUrl !== undefined) return { type: 'redis', url: redisUrl, key: `lumina:salesforce:cdc-replay:${channel}` };
  const file = path ?? DEFAULT_REPLAY_STORE;
  if (file.endsWith('/') || file.includes('\0')) throw new Error(`SALESFORCE_REPLAY_STORE must be a file path (got '${file.slice(0, 100)}')`);
  return { type: 'file', path: file };
}

/** Reads and validates the CDC and event-log keys (see README.md, "Events"). */
export function loadSalesforceEventsConfig(env: Env = process.env): SalesforceEventsConfig {
  const channel = cdcChannel(env);
  const events = eventLogEnv(env);
  const redisUrl = events.redisUrl;
  const initial = envEnum(env, 'SALESFORCE_CDC_INITIAL_REPLAY', ['-1', '-2'] as const, '-1');
  const tenant = envTenant(env, 'SALESFORCE_CDC_TENANT');
  return {
    cdc: envBool(env, 'SALESFORCE_CDC', true),
    channel,
    replayStore: replayStore(env, channel, redisUrl),
    initialReplay: initial === '-2' ? -2 : -1,
    tenant,
    retryDelayMs: envInt(env, 'SALESFORCE_CDC_RETRY_MS', 5_000, 0, 600_000),
    ...events,
  };
}
