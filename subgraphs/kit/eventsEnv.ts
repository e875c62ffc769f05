/**
 * The event keys every subgraph reads the same way (README "Events" of each subgraph), validated at
 * start with errors that name the key:
 *
 * | key | default |
 * |---|---|
 * | REDIS_URL | unset: the event log is in process; set (`redis://`/`rediss://`): Redis Streams |
 * | EVENT_LOG_RETENTION_MS | 86400000 (24 h), 1000 .. 30 days |
 * | GATEWAY_INVALIDATE_URL | unset: events invalidate only this subgraph's cache |
 * | INTERNAL_API_TOKEN | unset: the gateway call carries no credentials |
 * | `<system>_..._TENANT` | `default`: the tenant a system's events belong to (`envTenant`) |
 */
import { envInt, envOptional, envString, envUrl, type Env } from './envConfig';
import { isTenantId } from './tenant';

export interface EventLogEnv {
  redisUrl: string | undefined;
  retentionMs: number;
  invalidateUrl: string | undefined;
  /** Bearer token of the gateway's `/internal/invalidate`. */
  internalApiToken: string | undefined;
}

export function eventLogEnv(env: Env): EventLogEnv {
  const redisUrl = envOptional(env, 'REDIS_URL');
  if (redisUrl !== undefined && !/^rediss?:\/\//.test(redisUrl)) throw new Error('REDIS_URL must be a redis:// or rediss:// URL');
  return {
    redisUrl,
    retentionMs: envInt(env, 'EVENT_LOG_RETENTION_MS', 86_400_000, 1_000, 30 * 86_400_000),
    invalidateUrl: envOptional(env, 'GATEWAY_INVALIDATE_URL') === undefined ? undefined : envUrl(env, 'GATEWAY_INVALIDATE_URL', ''),
    internalApiToken: envOptional(env, 'INTERNAL_API_TOKEN'),
  };
}

/** A tenant id from `key` (@default 'default'), refused unless it matches `[A-Za-z0-9_-]{1,64}`. */
export function envTenant(env: Env, key: string): string {
  const tenant = envString(env, key, 'default');
  if (!isTenantId(tenant)) throw new Error(`${key} must match [A-Za-z0-9_-]{1,64} (got '${String(tenant).slice(0, 80)}')`);
  return tenant;
}
