/**
 * Which tenants this deployment serves and how each one reaches each system: one JSON file shared
 * by every process (`LUMINA_TENANTS_FILE`), and `checkCaller`, which turns a request's signed
 * internal context into a served tenant (or says why not).
 *
 *     { "tenants": {
 *         "acme":   { "salesforce": { "loginUrl": "https://acme.my.salesforce.com", "clientId": "...",
 *                                     "clientSecret": { "vault": "acme/salesforce/clientSecret" } },
 *                     "sap": { "baseUrl": "...", "username": "...", "password": { "vault": "acme/sap/password" } } },
 *         "globex": { "salesforce": { ... } } } }
 *
 * - A system section holds only that tenant's keys (`TENANT_SECTION_KEYS`, named like the fields
 *   of the subgraph's config type); everything else (timeouts, API version, batch sizes) comes
 *   from the environment. Unknown keys are refused. `{}` = the environment's values as they are.
 * - Secrets must be `{ "vault": "<ref>" }` (resolved through the credential vault); a plain string
 *   secret is refused at load, naming the tenant and key.
 * - A tenant without a section for a system: its requests to that subgraph are refused with
 *   `SYSTEM_NOT_CONFIGURED`. A tenant not in the file: `UNKNOWN_TENANT`.
 * - `LUMINA_TENANTS_FILE` unset: one tenant, `default`, with every system configured from the
 *   environment (the single-tenant deployment).
 *
 * Each subgraph's `config.ts` turns its section into its config type (`tenant<System>Config`).
 */
import { readFileSync } from 'node:fs';
import type { Env } from './envConfig';
import { verifyInternalContext, type InternalContext, type InternalContextProblem, type VerifyOptions } from './internalContext';
import type { SystemName } from './subgraphErrors';
import { DEFAULT_TENANT, isTenantId } from './tenant';

export const TENANTS_FILE_KEY = 'LUMINA_TENANTS_FILE';

/** A secret held by the credential vault. */
export interface VaultRef {
  vault: string;
}

export type SectionValue = string | VaultRef;
/** One tenant's keys for one system, as written in the file (validated). */
export type TenantSection = Readonly<Record<string, SectionValue>>;

/** The per-tenant keys of each system's section; `secret` ones must be vault references. */
export const TENANT_SECTION_KEYS: Readonly<Record<SystemName, { plain: readonly string[]; secret: readonly string[] }>> = {
  salesforce: { plain: ['loginUrl', 'authFlow', 'clientId', 'username', 'jwtAudience'], secret: ['clientSecret', 'password', 'jwtPrivateKey'] },
  sap: { plain: ['baseUrl', 'servicePath', 'username', 'client'], secret: ['password'] },
  teams: { plain: ['authorityHost', 'baseUrl', 'tenantId', 'clientId'], secret: ['clientSecret'] },
};

const SYSTEMS = Object.keys(TENANT_SECTION_KEYS) as SystemName[];
const MAX_FILE_BYTES = 1_048_576;

export interface TenantRegistry {
  /** The file read; null when built from the environment alone. */
  source: string | null;
  tenantIds: readonly string[];
  has(tenant: string): boolean;
  /** The tenant's section for `system`; undefined when the tenant or the section is absent. */
  section(tenant: string, system: SystemName): TenantSection | undefined;
  /** Every vault reference in the file. */
  vaultRefs(): string[];
}

/** Where secrets come from: the credential vault (`credentialVault.ts`) or anything shaped like it. */
export interface SecretSource {
  /** The secret; throws naming the ref when it is missing. */
  get(ref: string): string;
  /** Calls `listener` after the secrets changed (rotation); returns the unsubscribe function. */
  onChange?(listener: () => void): () => void;
}

function fromTenants(tenants: ReadonlyMap<string, Partial<Record<SystemName, TenantSection>>>, source: string | null): TenantRegistry {
  return {
    source,
    tenantIds: [...tenants.keys()],
    has: (tenant) => tenants.has(tenant),
    section: (tenant, system) => tenants.get(tenant)?.[system],
    vaultRefs: () => [...tenants.values()].flatMap((systems) => Object.values(systems).flatMap((s) => Object.values(s ?? {})))
      .flatMap((v) => (typeof v === 'string' ? [] : [v.vault])),
  };
}

/** The single-tenant registry: `default`, every system configured from the environment. */
export function singleTenantRegistry(): TenantRegistry {
  return fromTenants(new Map([[DEFAULT_TENANT, { salesforce: {}, sap: {}, teams: {} }]]), null);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function parseSection(raw: unknown, where: string, system: SystemName): TenantSection {
  if (!isObject(raw)) throw new Error(`${where} must be an object of ${system} settings`);
  const { plain, secret } = TENANT_SECTION_KEYS[system];
  const out: Record<string, SectionValue> = {};
  for (const [key, value] of Object.entries(raw)) {
    const at = `${where}.${key}`;
    if (secret.includes(key)) {
      if (typeof value === 'string') throw new Error(`${at} is a secret: write it as { "vault": "<ref>" }, never as a plain string`);
      if (!isObject(value) || typeof value.vault !== 'string' || value.vault === '' || Object.keys(value).length !== 1) {
        throw new Error(`${at} must be { "vault": "<ref>" }`);
      }
      out[key] = { vault: value.vault };
    } else if (plain.includes(key)) {
      if (typeof value !== 'string' || value === '') throw new Error(`${at} must be a non-empty string`);
      out[key] = value;
    } else {
      throw new Error(`${at} is not a per-tenant key of ${system} (allowed: ${[...plain, ...secret].join(', ')})`);
    }
  }
  return out;
}

/** Validates the file's content; errors name the source, tenant and key. */
export function parseTenantRegistry(raw: unknown, source: string): TenantRegistry {
  if (!isObject(raw) || !isObject(raw.tenants)) throw new Error(`${source}: must be { "tenants": { "<tenant>": { ... } } }`);
  const extra = Object.keys(raw).filter((k) => k !== 'tenants');
  if (extra.length > 0) throw new Error(`${source}: unknown top-level key '${extra[0]}'`);
  const tenants = new Map<string, Partial<Record<SystemName, TenantSection>>>();
  for (const [tenant, systems] of Object.entries(raw.tenants)) {
    if (!isTenantId(tenant)) throw new Error(`${source}: tenant id '${(tenant as string).slice(0, 80)}' must match [A-Za-z0-9_-]{1,64}`);
    const where = `${source}: tenants.${tenant}`;
    if (!isObject(systems)) throw new Error(`${where} must be an object of system sections (${SYSTEMS.join(', ')})`);
    const parsed: Partial<Record<SystemName, TenantSection>> = {};
    for (const [system, section] of Object.entries(systems)) {
      if (!(SYSTEMS as string[]).includes(system)) throw new Error(`${where}.${system} is not a system (use ${SYSTEMS.join(', ')})`);
      parsed[system as SystemName] = parseSection(section, `${where}.${system}`, system as SystemName);
    }
    tenants.set(tenant, parsed);
  }
  if (tenants.size === 0) throw new Error(`${source}: tenants must name at least one tenant`);
  return fromTenants(tenants, source);
}

/** Reads `LUMINA_TENANTS_FILE` (unset = `singleTenantRegistry()`); throws naming the key, file, tenant and key. */
export function loadTenantRegistry(env: Env = process.env): TenantRegistry {
  const path = env[TENANTS_FILE_KEY];
  if (path === undefined || path === '') return singleTenantRegistry();
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`${TENANTS_FILE_KEY} must name a readable JSON file (${(err as NodeJS.ErrnoException).code ?? 'unreadable'}: '${path}')`);
  }
  if (text.length > MAX_FILE_BYTES) throw new Error(`${TENANTS_FILE_KEY}: '${path}' is over ${MAX_FILE_BYTES} bytes`);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new Error(`${TENANTS_FILE_KEY}: '${path}' is not valid JSON`);
  }
  return parseTenantRegistry(raw, `${TENANTS_FILE_KEY} '${path}'`);
}

/** A section's plain value, or undefined. */
export function plainValue(section: TenantSection, key: string): string | undefined {
  const v = section[key];
  return typeof v === 'string' ? v : undefined;
}

/** A section's secret, resolved through `secrets`; undefined when the section does not set it. */
export function secretValue(section: TenantSection, key: string, secrets: SecretSource | undefined, where: string): string | undefined {
  const v = section[key];
  if (v === undefined || typeof v === 'string') return undefined;
  if (!secrets) throw new Error(`${where}.${key} names vault ref '${v.vault}' but no credential vault is configured`);
  return secrets.get(v.vault);
}

/** Why a caller is refused: a bad internal context (401), or a tenant not served here (403). */
export type CallerRefusal = {
  ok: false;
  status: 401 | 403;
  code: 'UNAUTHENTICATED' | 'UNKNOWN_TENANT' | 'SYSTEM_NOT_CONFIGURED';
  reason: InternalContextProblem | 'unknown_tenant' | 'system_not_configured';
  message: string;
};

export type CallerCheck = { ok: true; context: InternalContext } | CallerRefusal;

export interface CallerCheckOptions extends VerifyOptions {
  /** The secrets of `INTERNAL_CONTEXT_SECRET` (any of them verifies). */
  secrets: readonly string[];
  registry: TenantRegistry;
  system: SystemName;
}

/** Verifies a signed internal context value, then that its tenant is served by this system. */
export function checkCaller(value: unknown, opts: CallerCheckOptions): CallerCheck {
  const verified = verifyInternalContext(value, opts.secrets, opts);
  if (!verified.ok) {
    return { ok: false, status: 401, code: 'UNAUTHENTICATED', reason: verified.reason, message: `internal context refused: ${verified.reason}` };
  }
  const { tenant } = verified.context;
  if (!opts.registry.has(tenant)) {
    return { ok: false, status: 403, code: 'UNKNOWN_TENANT', reason: 'unknown_tenant', message: 'tenant is not configured' };
  }
  if (!opts.registry.section(tenant, opts.system)) {
    return { ok: false, status: 403, code: 'SYSTEM_NOT_CONFIGURED', reason: 'system_not_configured', message: `${opts.system} is not configured for this tenant` };
  }
  return verified;
}
