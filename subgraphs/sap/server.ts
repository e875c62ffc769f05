/**
 * The SAP S/4HANA subgraph server: `startSapSubgraph()` for tests and the dev stack, or run
 * directly (`npm run start:subgraph:sap`): port SAP_SUBGRAPH_PORT (4002), host SUBGRAPH_HOST
 * (127.0.0.1), the upstream from the SAP_* keys (see config.ts and README.md) and each tenant's
 * section of the tenant registry (`LUMINA_TENANTS_FILE`). One OData client per tenant (created on
 * first use); loaders per request. Business events: the event log and pipeline (kit), the
 * `/events/sap` webhook when SAP_EVENTS_AUTH is set, and the sandbox registration when
 * SAP_EVENTS_REGISTER_URL is set (eventsConfig.ts, README "Events").
 */
import { runUntilStopped } from '../kit/runUntilStopped';
import type { Logger } from 'pino';
import { subgraphSdl } from '../../schema/subgraphSchemas';
import type { Env } from '../kit/envConfig';
import { listenPort } from '../kit/listenPort';
import { createLogger } from '../kit/logger';
import { createSubgraphMetrics } from '../kit/subgraphMetrics';
import { loadUpstreamPolicyEnv } from '../kit/upstreamPolicy';
import { startSubgraphServer, type SubgraphServer } from '../kit/subgraphServer';
import { createEntityCache, loadEntityCacheOptions } from '../kit/entityCache';
import { createSystemEvents } from '../kit/eventPipeline';
import { createTenantClients } from '../kit/tenantClients';
import { loadTenantRegistry, type SecretSource, type TenantRegistry } from '../kit/tenantRegistry';
import { loadSapConfig, tenantSapConfig, type SapConfig } from './config';
import { createSapContext, type SapContext, type SapEvents } from './context';
import { loadSapEventsConfig, SAP_EVENTS_PATH, type SapEventsConfig } from './eventsConfig';
import { createFreshReads } from './freshReads';
import { createODataClient, type ODataClient } from './odataClient';
import { createSalesOrderEventWebhook } from './salesOrderEventWebhook';
import { registerSandboxWebhook } from './sandboxWebhookRegistration';
import { resolvers } from './resolvers';
import { SAP_CACHE_TTLS, sapEntityTags } from './sapCacheTags';

export interface StartSapSubgraphOptions {
  /** @default 0 (a free port) */
  port?: number;
  /** @default '127.0.0.1' */
  host?: string;
  /** @default createLogger('sap-subgraph', { system: 'sap' }) */
  logger?: Logger;
  /** Where the config is read from when `config` is not given, and ENTITY_CACHE_* / INTERNAL_API_TOKEN. @default process.env */
  env?: Env;
  /** The base of every tenant's configuration. @default loadSapConfig(env) */
  config?: SapConfig;
  /** The tenants served and their SAP sections. @default loadTenantRegistry(env) */
  tenants?: TenantRegistry;
  /** Where the sections' vault references resolve. @default openVault({ env }) when the registry holds any */
  secrets?: SecretSource;
  /** Event intake, log and registration. @default loadSapEventsConfig(env) */
  events?: SapEventsConfig;
}

export interface SapSubgraphServer extends SubgraphServer {
  /** The event log subscriptions follow (tests inspect it). */
  events: SapEvents;
  /** The tenants with a live OData client. */
  activeTenants(): string[];
  /** Resolves when the pipeline's gateway invalidation calls have finished. */
  drainEvents(): Promise<void>;
}

export async function startSapSubgraph(opts: StartSapSubgraphOptions = {}): Promise<SapSubgraphServer> {
  const logger = opts.logger ?? createLogger('sap-subgraph', { system: 'sap' });
  const env = opts.env ?? process.env;
  const config = opts.config ?? loadSapConfig(env);
  const eventsConfig = opts.events ?? loadSapEventsConfig(env);
  const entityCache = createEntityCache({ ...loadEntityCacheOptions(env, SAP_CACHE_TTLS), logger });
  const tenants = opts.tenants ?? loadTenantRegistry(env);
  const metrics = createSubgraphMetrics({ system: 'sap' });
  const tuning = loadUpstreamPolicyEnv(env, 'SAP');
  const auth = eventsConfig.auth;
  if (auth.type !== 'off' && !tenants.section(eventsConfig.tenant, 'sap')) {
    throw new Error(`SAP_EVENTS_TENANT '${eventsConfig.tenant}' has no sap section in the tenant registry (set SAP_EVENTS_AUTH=off or configure the tenant)`);
  }
  const clients = createTenantClients<SapConfig, ODataClient>({
    system: 'sap', registry: tenants, logger, env, ...(opts.secrets ? { secrets: opts.secrets } : {}),
    configure: (tenant, section, secrets) => tenantSapConfig(config, tenant, section, secrets),
    create: (tenant, tenantConfig) => createODataClient({ config: tenantConfig, logger: logger.child({ tenant }), tenant, observer: metrics.observer, tuning }),
    close: (client) => client.close(),
  });
  const { log, pipeline } = createSystemEvents('sap', eventsConfig, entityCache, logger);
  const events: SapEvents = { log, freshReads: createFreshReads() };
  const routes = auth.type === 'off' ? [] : createSalesOrderEventWebhook({
    auth, tenant: eventsConfig.tenant, allowedOrigins: eventsConfig.allowedOrigins, client: clients.get(eventsConfig.tenant), entityCache, logger,
    publish: (raw, extraTags) => pipeline.publish(raw, extraTags),
  });
  let server: SubgraphServer;
  try {
    server = await startSubgraphServer<SapContext>({
      system: 'sap',
      sdl: subgraphSdl('sap'),
      resolvers,
      logger,
      createContext: (info) => createSapContext(info, clients.get(info.tenant), events),
      env,
      entityCache,
      entityTags: sapEntityTags,
      routes,
      eventLog: log,
      tenants,
      metrics,
      ...(opts.port !== undefined ? { port: opts.port } : {}),
      ...(opts.host !== undefined ? { host: opts.host } : {}),
    });
  } catch (err) {
    await Promise.all([clients.close(), log.close()]);
    throw err;
  }
  const close = async (): Promise<void> => {
    await server.close();
    await pipeline.drain();
    await Promise.all([clients.close(), log.close()]);
  };
  if (eventsConfig.registerUrl !== undefined && (auth.type === 'basic' || auth.type === 'bearer')) {
    const webhookUrl = eventsConfig.registerUrl === 'auto' ? server.url.replace(/\/graphql$/, SAP_EVENTS_PATH) : eventsConfig.registerUrl;
    await registerSandboxWebhook({ baseUrl: clients.config(eventsConfig.tenant).baseUrl, webhookUrl, auth, logger }).catch(async (err: unknown) => {
      await close();
      throw err;
    });
  }
  logger.info({ tenants: tenants.tenantIds, eventsTenant: eventsConfig.tenant, eventsAuth: auth.type }, 'sap subgraph upstream');
  return { ...server, events, close, activeTenants: () => clients.active(), drainEvents: () => pipeline.drain() };
}

if (require.main === module) {
  const log = createLogger('sap-subgraph', { system: 'sap' });
  runUntilStopped({
    name: 'sap subgraph', log,
    start: () => startSapSubgraph({ port: listenPort('SAP_SUBGRAPH_PORT', 4002), host: process.env.SUBGRAPH_HOST || '127.0.0.1', logger: log }),
    readyText: (started) => `sap subgraph ready at ${started.url}\n`,
  });
}
