/**
 * The Teams subgraph's configuration, read from the environment and validated at start (errors name
 * the key). The defaults point at the local Graph sandbox (`npm run start:sandbox:teams`) and its
 * default tenant and app; a real tenant is configuration only (see README.md).
 */
import { envInt, envList, envString, envUrl, type Env } from '../kit/envConfig';
import { secretValue, type SecretSource, type TenantSection } from '../kit/tenantRegistry';
import { loadTeamsEventsConfig, type TeamsEventsConfig } from './eventsConfig';

/** The sandbox's default tenant, app id and secret (sandbox-only credentials, never real ones). */
export const SANDBOX_TENANT_ID = '8d2f7c1e-4b6a-4e9d-a3c5-1f0b9e7d2a64';
export const SANDBOX_CLIENT_ID = '3f9a6c2d-7b1e-4d8f-9e2a-6c5b4d3e2f10';
export const SANDBOX_CLIENT_SECRET = 'Lgs8Q~sandbox.secret-not-for-production_0001';

export interface TeamsConfig {
  /** Entra ID authority host (`GRAPH_AUTHORITY_HOST`). @default 'https://localhost:4013' (real: 'https://login.microsoftonline.com') */
  authorityHost: string;
  /** Graph origin without the version (`GRAPH_BASE_URL`). @default 'https://localhost:4013' (real: 'https://graph.microsoft.com') */
  baseUrl: string;
  /** Directory (tenant) id (`GRAPH_TENANT_ID`). @default the sandbox tenant */
  tenantId: string;
  /** App registration's client id (`GRAPH_CLIENT_ID`). @default the sandbox app */
  clientId: string;
  /** App registration's client secret (`GRAPH_CLIENT_SECRET`). @default the sandbox app's secret */
  clientSecret: string;
  /** Teams whose channels are served and indexed (`TEAMS_WATCHED_TEAM_IDS`, comma list). @default [] (every team from `GET /teams`) */
  watchedTeamIds: string[];
  /** Background delta refresh interval of the message index (`TEAMS_INDEX_REFRESH_MS`). @default 30_000 */
  indexRefreshMs: number;
  /** A read of an index older than this runs a delta refresh first (`TEAMS_INDEX_MAX_STALENESS_MS`). @default 5_000 */
  indexMaxStalenessMs: number;
  /** Most root messages the index holds; the oldest are dropped beyond it (`TEAMS_INDEX_MAX_MESSAGES`). @default 200_000 */
  indexMaxMessages: number;
  /** Lifetime of the cached team/channel directory (`TEAMS_DIRECTORY_TTL_MS`). @default 300_000 */
  directoryTtlMs: number;
  /**
   * Lifetime of cached email ↔ user id entries in the entity cache (`TEAMS_USER_CACHE_TTL_MS`; the
   * generic `ENTITY_CACHE_TTL_USER_MS` wins when set; 0 = not cached). @default 600_000
   */
  userCacheTtlMs: number;
  /** Timeout of one Graph call, retries included (`GRAPH_TIMEOUT_MS`; kit `upstreamPolicy.ts`). @default 10_000 */
  timeoutMs: number;
  /** Retries of throttled or unavailable calls and `$batch` items (`GRAPH_MAX_RETRIES`). @default 2 */
  maxRetries: number;
  /** Longest `Retry-After` waited for inside one call; longer ones fail as UPSTREAM_RATE_LIMITED (`GRAPH_MAX_RETRY_AFTER_MS`). @default 2_000 */
  maxRetryAfterMs: number;
  /** Change notifications and the event log (see `eventsConfig.ts`; off unless `TEAMS_NOTIFICATION_URL` is set). */
  events: TeamsEventsConfig;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function envGuid(env: Env, key: string, fallback: string): string {
  const v = envString(env, key, fallback);
  if (!GUID.test(v)) throw new Error(`${key} must be a GUID (got '${v}')`);
  return v.toLowerCase();
}

function watchedTeams(env: Env): string[] {
  const ids = envList(env, 'TEAMS_WATCHED_TEAM_IDS');
  const bad = ids.find((id) => !GUID.test(id));
  if (bad !== undefined) throw new Error(`TEAMS_WATCHED_TEAM_IDS must be a comma list of team (group) GUIDs (got '${bad}')`);
  return [...new Set(ids.map((id) => id.toLowerCase()))];
}

/**
 * One tenant's Teams configuration: its `LUMINA_TENANTS_FILE` section (`authorityHost`, `baseUrl`,
 * `tenantId`, `clientId`; secret `clientSecret` as a vault reference) over `base` (the
 * environment's config: watched teams, index and directory settings, timeouts, events). Errors name
 * the tenant and key.
 */
export function tenantTeamsConfig(base: TeamsConfig, tenant: string, section: TenantSection, secrets?: SecretSource): TeamsConfig {
  const at = `tenants.${tenant}.teams`;
  const env: Env = Object.fromEntries(Object.entries(section).map(([k, v]) => [`${at}.${k}`, typeof v === 'string' ? v : undefined]));
  return {
    ...base,
    authorityHost: envUrl(env, `${at}.authorityHost`, base.authorityHost),
    baseUrl: envUrl(env, `${at}.baseUrl`, base.baseUrl),
    tenantId: envGuid(env, `${at}.tenantId`, base.tenantId),
    clientId: envGuid(env, `${at}.clientId`, base.clientId),
    clientSecret: secretValue(section, 'clientSecret', secrets, at) ?? base.clientSecret,
  };
}

/** Reads and validates the configuration; throws an Error naming the first bad key. */
export function loadTeamsConfig(env: Env = process.env): TeamsConfig {
  const authorityHost = envUrl(env, 'GRAPH_AUTHORITY_HOST', 'https://localhost:4013');
  const tenantId = envGuid(env, 'GRAPH_TENANT_ID', SANDBOX_TENANT_ID);
  return {
    authorityHost,
    baseUrl: envUrl(env, 'GRAPH_BASE_URL', 'https://localhost:4013'),
    tenantId,
    clientId: envGuid(env, 'GRAPH_CLIENT_ID', SANDBOX_CLIENT_ID),
    clientSecret: envString(env, 'GRAPH_CLIENT_SECRET', SANDBOX_CLIENT_SECRET),
    watchedTeamIds: watchedTeams(env),
    indexRefreshMs: envInt(env, 'TEAMS_INDEX_REFRESH_MS', 30_000, 100, 86_400_000),
    indexMaxStalenessMs: envInt(env, 'TEAMS_INDEX_MAX_STALENESS_MS', 5_000, 0, 86_400_000),
    indexMaxMessages: envInt(env, 'TEAMS_INDEX_MAX_MESSAGES', 200_000, 1, 10_000_000),
    directoryTtlMs: envInt(env, 'TEAMS_DIRECTORY_TTL_MS', 300_000, 0, 86_400_000),
    userCacheTtlMs: envInt(env, 'TEAMS_USER_CACHE_TTL_MS', 600_000, 0, 86_400_000),
    timeoutMs: envInt(env, 'GRAPH_TIMEOUT_MS', 10_000, 100, 600_000),
    maxRetries: envInt(env, 'GRAPH_MAX_RETRIES', 2, 0, 10),
    maxRetryAfterMs: envInt(env, 'GRAPH_MAX_RETRY_AFTER_MS', 2_000, 0, 180_000),
    events: loadTeamsEventsConfig(env, { authorityHost, tenantId }),
  };
}
