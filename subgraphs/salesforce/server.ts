/**
 * The Salesforce subgraph server: `startSalesforceSubgraph` serves `schema/salesforce.graphql`
 * (Contact and Account, owned here) over HTTP with one jsforce client per tenant (created on first
 * use from the tenant registry, `LUMINA_TENANTS_FILE`) and DataLoaders per request. Contact changes arrive by Change Data Capture (`cdcConsumer.ts`, README "Events")
 * and are served by `Subscription.contactChanged` over graphql-ws. Run directly (`node --import tsx subgraphs/salesforce/server.ts`) it listens on
 * SALESFORCE_SUBGRAPH_PORT (4001) at SUBGRAPH_HOST (127.0.0.1), prints
 * `salesforce subgraph ready at <url>` and stops cleanly on SIGINT/SIGTERM.
 */
import { runUntilStopped } from '../kit/runUntilStopped';
import type { Logger } from 'pino';
import { subgraphSdl } from '../../schema/subgraphSchemas';
import type { Env } from '../kit/envConfig';
import type { EventLog } from '../kit/eventLog';
import { createSystemEvents } from '../kit/eventPipeline';
import { listenPort } from '../kit/listenPort';
import { createLogger } from '../kit/logger';
import { createSubgraphMetrics } from '../kit/subgraphMetrics';
import { loadUpstreamPolicyEnv } from '../kit/upstreamPolicy';
import { startSubgraphServer, type SubgraphServer } from '../kit/subgraphServer';
import { createEntityCache, loadEntityCacheOptions } from '../kit/entityCache';
import { createTenantClients } from '../kit/tenantClients';
import { loadTenantRegistry, type SecretSource, type TenantRegistry } from '../kit/tenantRegistry';
import { createCdcConsumer, type CdcConsumer } from './cdcConsumer';
import { loadSalesforceConfig, loadSalesforceEventsConfig, tenantSalesforceConfig, type SalesforceConfig, type SalesforceEventsConfig } from './config';
import { createContactChangeHandler } from './contactChangeHandler';
import { createReplayStore } from './replayStore';
import { salesforceContextFactory, type SalesforceContext } from './context';
import { resolvers } from './resolvers';
import { salesforceEntityTags, SALESFORCE_CACHE_TTLS } from './salesforceCacheTags';
import { createSalesforceClient, type SalesforceClient } from './salesforceClient';

export interface SalesforceSubgraphOptions {
  /** TCP port; 0 picks a free one. @default 0 */
  port?: number;
  /** Bind address. @default '127.0.0.1' */
  host?: string;
  /** @default createLogger('salesforce-subgraph') */
  logger?: Logger;
  /** Where the SALESFORCE_* keys are read from (ignored for them when `config` is given), and ENTITY_CACHE_* / INTERNAL_API_TOKEN. @default process.env */
  env?: Env;
  /** A ready configuration, instead of reading `env` (the base of every tenant's). @default loadSalesforceConfig(env) */
  config?: SalesforceConfig;
  /** The tenants served and their Salesforce sections. @default loadTenantRegistry(env) */
  tenants?: TenantRegistry;
  /** Where the sections' vault references resolve. @default openVault({ env }) when the registry holds any */
  secrets?: SecretSource;
  /** CDC and event-log configuration, instead of reading `env`. @default loadSalesforceEventsConfig(env) */
  events?: SalesforceEventsConfig;
  /** The event log to use (then not closed by `close()`). @default createEventLog(...) from `events` */
  eventLog?: EventLog;
}

export interface SalesforceSubgraph extends SubgraphServer {
  /** The tenants with a live Salesforce client. */
  activeTenants(): string[];
  /** The event log `contactChanged` follows. */
  eventLog: EventLog;
  /** The CDC consumer; null when SALESFORCE_CDC=false. */
  cdc: CdcConsumer | null;
  /** Settles once the CDC consumer's first subscription is acknowledged (rejects if it is stopped first). */
  cdcReady: Promise<void>;
}

export async function startSalesforceSubgraph(opts: SalesforceSubgraphOptions = {}): Promise<SalesforceSubgraph> {
  const logger = (opts.logger ?? createLogger('salesforce-subgraph')).child({ system: 'salesforce' });
  const env = opts.env ?? process.env;
  const config = opts.config ?? loadSalesforceConfig(env);
  const entityCache = createEntityCache({ ...loadEntityCacheOptions(env, SALESFORCE_CACHE_TTLS), logger });
  const tenants = opts.tenants ?? loadTenantRegistry(env);
  const metrics = createSubgraphMetrics({ system: 'salesforce' });
  const tuning = loadUpstreamPolicyEnv(env, 'SALESFORCE');
  const events = opts.events ?? loadSalesforceEventsConfig(env);
  if (events.cdc && !tenants.section(events.tenant, 'salesforce')) {
    throw new Error(`SALESFORCE_CDC_TENANT '${events.tenant}' has no salesforce section in the tenant registry (set SALESFORCE_CDC=false or configure the tenant)`);
  }
  const clients = createTenantClients<SalesforceConfig, SalesforceClient>({
    system: 'salesforce', registry: tenants, logger, env, ...(opts.secrets ? { secrets: opts.secrets } : {}),
    configure: (tenant, section, secrets) => tenantSalesforceConfig(config, tenant, section, secrets),
    create: (tenant, tenantConfig) => createSalesforceClient({ config: tenantConfig, logger: logger.child({ tenant }), tenant, observer: metrics.observer, tuning }),
    close: (client) => Promise.resolve(client.close()),
  });
  const { log: eventLog, pipeline } = createSystemEvents('salesforce', events, entityCache, logger, opts.eventLog);
  let server: SubgraphServer;
  try {
    server = await startSubgraphServer<SalesforceContext>({
      system: 'salesforce',
      sdl: subgraphSdl('salesforce'),
      resolvers,
      createContext: salesforceContextFactory(clients, eventLog),
      logger,
      port: opts.port ?? 0,
      host: opts.host ?? '127.0.0.1',
      env,
      entityCache,
      entityTags: salesforceEntityTags,
      eventLog,
      tenants,
      metrics,
    });
  } catch (err) {
    await clients.close();
    if (!opts.eventLog) await eventLog.close();
    throw err;
  }
  const cdc = events.cdc ? createCdcConsumer({
    connection: (renew) => clients.get(events.tenant).streamingConnection(renew),
    channel: events.channel,
    store: createReplayStore(events.replayStore, events.channel, logger),
    initialReplay: events.initialReplay,
    handle: createContactChangeHandler({ pipeline, entityCache, tenant: events.tenant, channel: events.channel, logger }),
    onGap: () => entityCache.clear(),
    logger,
    retryDelayMs: events.retryDelayMs,
  }) : null;
  const cdcReady = cdc ? cdc.start() : Promise.resolve();
  cdcReady.catch((err: unknown) => logger.debug({ err }, 'cdc consumer stopped before subscribing'));
  logger.info({ url: server.url, tenants: tenants.tenantIds, apiVersion: config.apiVersion, cdc: events.cdc ? { channel: events.channel, tenant: events.tenant } : false }, 'salesforce subgraph started');
  return {
    ...server,
    activeTenants: () => clients.active(),
    eventLog,
    cdc,
    cdcReady,
    async close() {
      await cdc?.stop();
      await server.close();
      await clients.close();
      await pipeline.drain();
      if (!opts.eventLog) await eventLog.close();
    },
  };
}

if (require.main === module) {
  const log = createLogger('salesforce-subgraph', { system: 'salesforce' });
  runUntilStopped({
    name: 'salesforce subgraph', log,
    start: () => startSalesforceSubgraph({ port: listenPort('SALESFORCE_SUBGRAPH_PORT', 4001), host: process.env.SUBGRAPH_HOST || '127.0.0.1', logger: log }),
    readyText: (started) => `salesforce subgraph ready at ${started.url}\n`,
  });
}
