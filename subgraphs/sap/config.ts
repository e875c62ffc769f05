/**
 * The SAP subgraph's configuration, read from the environment and checked at start (STYLE.md
 * rule 9: a bad value fails fast naming its key). The defaults point at the local sandbox
 * (`npm run start:sandbox:sap`); a real S/4HANA system is configuration only, e.g.
 * `SAP_BASE_URL=https://my-s4.example.com:44300 SAP_CLIENT=100 SAP_USERNAME=... SAP_PASSWORD=...`.
 */
import { envEnum, envInt, envOptional, envString, envUrl, type Env } from '../kit/envConfig';
import { plainValue, secretValue, type SecretSource, type TenantSection } from '../kit/tenantRegistry';

export interface SapConfig {
  /** Origin (and optional path prefix) of the system, without trailing slash. @default 'http://127.0.0.1:4012' (SAP_BASE_URL) */
  baseUrl: string;
  /** Path under which the OData services sit, with leading and trailing slash. @default '/sap/opu/odata/sap/' (SAP_SERVICE_PATH) */
  servicePath: string;
  /** Communication user for Basic auth. @default 'LUMINA_COMM' (SAP_USERNAME) */
  username: string;
  /** Its password. @default the sandbox's 'Welcome1!Sandbox' (SAP_PASSWORD) */
  password: string;
  /** `sap-client` query parameter sent with every request; none when unset. (SAP_CLIENT) */
  client: string | undefined;
  /** Per-attempt upstream timeout in ms. @default 10000 (SAP_TIMEOUT_MS) */
  timeoutMs: number;
  /** Retries of idempotent requests on network errors, 429, 502, 503, 504. @default 2 (SAP_RETRIES) */
  retries: number;
  /** Longest request URL the client builds; `or` filters are chunked to stay below it. @default 7000 (SAP_MAX_URL_LENGTH) */
  maxUrlLength: number;
  /** How a partial update is sent: `PATCH`, or `MERGE` for older Gateway releases. @default 'PATCH' (SAP_UPDATE_METHOD) */
  updateMethod: 'PATCH' | 'MERGE';
}

/** The sandbox's default communication user (see subgraphs/sap/sandbox/README.md). */
export const SANDBOX_USERNAME = 'LUMINA_COMM';
/** The sandbox-only password of that user; never a real credential. */
export const SANDBOX_PASSWORD = 'Welcome1!Sandbox';

function servicePath(env: Env, name = 'SAP_SERVICE_PATH'): string {
  const raw = envString(env, 'SAP_SERVICE_PATH', '/sap/opu/odata/sap/');
  if (!/^\/[A-Za-z0-9_.~/-]*$/.test(raw) || raw.includes('//')) {
    throw new Error(`${name} must be an absolute URL path such as /sap/opu/odata/sap/ (got '${raw}')`);
  }
  return raw.endsWith('/') ? raw : `${raw}/`;
}

function sapClient(env: Env): string | undefined {
  const raw = envOptional(env, 'SAP_CLIENT');
  if (raw !== undefined && !/^\d{3}$/.test(raw)) throw new Error(`SAP_CLIENT must be a three-digit SAP client such as 100 (got '${raw}')`);
  return raw;
}

function username(env: Env): string {
  const raw = envString(env, 'SAP_USERNAME', SANDBOX_USERNAME);
  if (raw.includes(':') || /[\r\n]/.test(raw)) throw new Error('SAP_USERNAME must not contain a colon or a line break (Basic auth)');
  return raw;
}

/** Builds the config from `env`, throwing an Error that names the first bad key. */
export function loadSapConfig(env: Env = process.env): SapConfig {
  return {
    baseUrl: envUrl(env, 'SAP_BASE_URL', 'http://127.0.0.1:4012'),
    servicePath: servicePath(env),
    username: username(env),
    password: envString(env, 'SAP_PASSWORD', SANDBOX_PASSWORD),
    client: sapClient(env),
    timeoutMs: envInt(env, 'SAP_TIMEOUT_MS', 10_000, 100, 300_000),
    retries: envInt(env, 'SAP_RETRIES', 2, 0, 10),
    maxUrlLength: envInt(env, 'SAP_MAX_URL_LENGTH', 7000, 1000, 65_536),
    updateMethod: envEnum(env, 'SAP_UPDATE_METHOD', ['PATCH', 'MERGE'] as const, 'PATCH'),
  };
}

/**
 * One tenant's SAP configuration: its `LUMINA_TENANTS_FILE` section (`baseUrl`, `servicePath`,
 * `username`, `client`; secret `password` as a vault reference) over `base` (the environment's
 * config: timeouts, retries, URL length, update method). Errors name the tenant and key.
 */
export function tenantSapConfig(base: SapConfig, tenant: string, section: TenantSection, secrets?: SecretSource): SapConfig {
  const at = `tenants.${tenant}.sap`;
  const env: Env = Object.fromEntries(Object.entries(section).map(([k, v]) => [k === 'client' ? 'SAP_CLIENT' : `${at}.${k}`, typeof v === 'string' ? v : undefined]));
  const user = plainValue(section, 'username');
  if (user !== undefined && (user.includes(':') || /[\r\n]/.test(user))) throw new Error(`${at}.username must not contain a colon or a line break (Basic auth)`);
  let client = base.client;
  if (section.client !== undefined) {
    try {
      client = sapClient(env);
    } catch {
      throw new Error(`${at}.client must be a three-digit SAP client such as 100`);
    }
  }
  return {
    ...base,
    baseUrl: envUrl(env, `${at}.baseUrl`, base.baseUrl),
    servicePath: section.servicePath !== undefined ? servicePath({ SAP_SERVICE_PATH: plainValue(section, 'servicePath') }, `${at}.servicePath`) : base.servicePath,
    username: user ?? base.username,
    password: secretValue(section, 'password', secrets, at) ?? base.password,
    client,
  };
}

/** The service root URL of one OData service, with trailing slash. */
export function serviceRoot(config: SapConfig, service: string): string {
  return `${config.baseUrl}${config.servicePath}${service}/`;
}
