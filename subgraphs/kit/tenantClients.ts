/**
 * One upstream client per tenant (STYLE.md rule 10, issue 6): connections, tokens, circuit
 * breakers and anything else a client keeps live per tenant, never shared between tenants.
 *
 * - Every served tenant's configuration is built (and so validated, secrets resolved) when the pool
 *   is created: a bad section fails the start naming the tenant and key.
 * - A tenant's client is created on first use and kept until `close()`.
 * - When the secret source reports a change (vault rotation), the clients of tenants whose section
 *   holds a vault reference are retired: the next use builds a new configuration and client, the
 *   old client is closed after `retireGraceMs` (requests in flight finish on it).
 * - `get` of a tenant without this system's section throws (the server refuses such requests with
 *   `SYSTEM_NOT_CONFIGURED` before any resolver runs, so reaching it is a bug).
 */
import type { Logger } from 'pino';
import { openVault } from './credentialVault';
import type { Env } from './envConfig';
import type { SystemName } from './subgraphErrors';
import type { SecretSource, TenantRegistry, TenantSection } from './tenantRegistry';

export interface TenantClientsOptions<Config, Client> {
  system: SystemName;
  registry: TenantRegistry;
  /** The tenant's configuration from its section, secrets resolved through `secrets` (throws naming the tenant and key). */
  configure(tenant: string, section: TenantSection, secrets: SecretSource | undefined): Config;
  /** A client for that configuration. */
  create(tenant: string, config: Config): Client;
  /** Releases a client. @default nothing to release */
  close?(client: Client): Promise<void>;
  /**
   * Where vault references resolve; its `onChange` retires the affected clients.
   * @default openVault({ env, logger }) when the registry holds vault references (closed by `close()`), else none
   */
  secrets?: SecretSource;
  /** Where the vault's `LUMINA_VAULT_*` keys are read. @default process.env */
  env?: Env;
  logger: Logger;
  /** How long a retired client stays open for requests in flight. @default 30_000 */
  retireGraceMs?: number;
}

export interface TenantClients<Config, Client> {
  /** The tenant's client (created on first use). */
  get(tenant: string): Client;
  /** The tenant's current configuration. */
  config(tenant: string): Config;
  /** Tenants with a live client. */
  active(): string[];
  close(): Promise<void>;
}

export function createTenantClients<Config, Client>(opts: TenantClientsOptions<Config, Client>): TenantClients<Config, Client> {
  const { registry, system } = opts;
  const ownVault = opts.secrets === undefined && registry.vaultRefs().length > 0 ? openVault({ env: opts.env ?? process.env, logger: opts.logger }) : undefined;
  const secrets = opts.secrets ?? ownVault;
  const configs = new Map<string, Config>();
  const clients = new Map<string, Client>();
  const retiring = new Set<{ client: Client; timer: NodeJS.Timeout }>();
  const sectionOf = (tenant: string): TenantSection => {
    const section = registry.section(tenant, system);
    if (!section) throw new Error(`${system} is not configured for tenant '${tenant}'`);
    return section;
  };
  const configOf = (tenant: string): Config => {
    let config = configs.get(tenant);
    if (config === undefined) {
      config = opts.configure(tenant, sectionOf(tenant), secrets);
      configs.set(tenant, config);
    }
    return config;
  };
  try {
    for (const tenant of registry.tenantIds) if (registry.section(tenant, system)) configOf(tenant);
  } catch (err) {
    ownVault?.close();
    throw err;
  }

  const closeQuietly = async (client: Client): Promise<void> => {
    await opts.close?.(client).catch((err: unknown) => opts.logger.warn({ err, system }, 'closing a tenant client failed'));
  };
  const retire = (tenant: string): void => {
    configs.delete(tenant);
    const client = clients.get(tenant);
    if (client === undefined) return;
    clients.delete(tenant);
    const entry = { client, timer: setTimeout(() => {
      retiring.delete(entry);
      void closeQuietly(client);
    }, opts.retireGraceMs ?? 30_000) };
    entry.timer.unref();
    retiring.add(entry);
  };
  const usesVault = (tenant: string): boolean => Object.values(registry.section(tenant, system) ?? {}).some((v) => typeof v !== 'string');
  const unsubscribe = secrets?.onChange?.(() => {
    const affected = registry.tenantIds.filter(usesVault);
    opts.logger.info({ system, tenants: affected }, 'secrets changed: tenant clients rebuilt on next use');
    affected.forEach(retire);
  });

  return {
    get(tenant) {
      let client = clients.get(tenant);
      if (client === undefined) {
        client = opts.create(tenant, configOf(tenant));
        clients.set(tenant, client);
        opts.logger.debug({ system, tenant }, 'tenant client created');
      }
      return client;
    },
    config: configOf,
    active: () => [...clients.keys()],
    async close() {
      unsubscribe?.();
      ownVault?.close();
      const all = [...clients.values(), ...[...retiring].map((r) => {
        clearTimeout(r.timer);
        return r.client;
      })];
      clients.clear();
      retiring.clear();
      await Promise.all(all.map(closeQuietly));
    },
  };
}
