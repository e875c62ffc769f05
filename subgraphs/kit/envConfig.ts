/**
 * Typed reads of configuration from the environment that fail fast at start with the key's name
 * and the contract (STYLE.md rule 9). Each subgraph's `config.ts` builds its config from these.
 */
export type Env = Record<string, string | undefined>;

export function envString(env: Env, key: string, fallback: string): string {
  const v = env[key];
  return v === undefined || v === '' ? fallback : v;
}

export function envOptional(env: Env, key: string): string | undefined {
  const v = env[key];
  return v === undefined || v === '' ? undefined : v;
}

export function envUrl(env: Env, key: string, fallback: string): string {
  const v = envString(env, key, fallback);
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw new Error(`${key} must be an absolute http(s) URL (got '${v}')`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`${key} must be an absolute http(s) URL (got '${v}')`);
  return v.replace(/\/+$/, '');
}

export function envInt(env: Env, key: string, fallback: number, min: number, max: number): number {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${key} must be an integer from ${min} to ${max} (got '${raw}')`);
  return n;
}

export function envEnum<T extends string>(env: Env, key: string, allowed: readonly T[], fallback: T): T {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  if (!(allowed as readonly string[]).includes(raw)) throw new Error(`${key} must be one of ${allowed.join(', ')} (got '${raw}')`);
  return raw as T;
}

export function envList(env: Env, key: string): string[] {
  const raw = env[key];
  return raw ? raw.split(',').map((s) => s.trim()).filter(Boolean) : [];
}

export function envBool(env: Env, key: string, fallback: boolean): boolean {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  throw new Error(`${key} must be 'true' or 'false' (got '${raw}')`);
}
