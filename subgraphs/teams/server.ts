/**
 * The Teams subgraph server. `startTeamsSubgraph()` wires the Graph client, the channel and user
 * directories and the message index into an `@apollo/subgraph` server (kit/subgraphServer.ts) and
 * starts building the index in the background; `index.ready()` resolves once it is built.
 *
 * With `TEAMS_NOTIFICATION_URL` it also serves Graph's change-notification webhooks and subscribes
 * to the watched channels (`teamsEvents.ts`); `Subscription.messagePosted` follows its event log.
 *
 * Run directly (`npm run start:subgraph:teams`): listens on `TEAMS_SUBGRAPH_PORT` (4003) at
 * `SUBGRAPH_HOST` (127.0.0.1), prints `teams subgraph ready at <url>` once listening (the index may
 * still be warming; "message index ready" is logged when it is built), stops on SIGINT/SIGTERM.
 * Needs `NODE_EXTRA_CA_CERTS=var/sandbox/teams-tls/cert.pem` against the sandbox.
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
import { createTenantClients } from '../kit/tenantClients';
import { loadTenantRegistry, type SecretSource, type TenantRegistry } from '../kit/tenantRegistry';
import { loadTeamsConfig, tenantTeamsConfig, type TeamsConfig } from './config';
import { createTeamsContext } from './context';
import type { RefreshStats } from './messageIndex';
import { resolvers } from './resolvers';
import { createTeamsEvents, type TeamsEvents } from './teamsEvents';
import { teamsCacheTtls, teamsEntityTags } from './teamsCacheTags';
import { createTeamsTenantServices, type TeamsTenantServices } from './teamsTenantServices';

export interface StartTeamsSubgraphOptions {
  /** @default 0 (a free port) */
  port?: number;
  /** @default '127.0.0.1' */
  host?: string;
  /** @default createLogger('teams-subgraph', { system: 'teams' }) */
  logger?: Logger;
  /** Where the configuration is read from when `config` is not given, and ENTITY_CACHE_* / INTERNAL_API_TOKEN. @default process.env */
  env?: Env;
  /** The configuration (the base of every tenant's). @default loadTeamsConfig(env) */
  config?: TeamsConfig;
  /** The tenants served and their Teams sections. @default loadTenantRegistry(env) */
  tenants?: TenantRegistry;
  /** Where the sections' vault references resolve. @default openVault({ env }) when the registry holds any */
  secrets?: SecretSource;
}

export interface TeamsSubgraph extends SubgraphServer {
  config: TeamsConfig;
  /** The event log, pipeline, webhooks and (with TEAMS_NOTIFICATION_URL) the subscription manager. */
  events: TeamsEvents;
  /** The tenants whose services (Graph client, directories, index) are live. */
  activeTenants(): string[];
  /** The events tenant's message index (TEAMS_EVENTS_TENANT). */
  index: {
    /** Resolves once the message index has been built. */
    ready(): Promise<void>;
    /** Run (or join) a delta refresh now. */
    refresh(): Promise<RefreshStats>;
    /** What the last build or refresh did. */
    lastRefresh(): RefreshStats | null;
  };
}

export async function startTeamsSubgraph(opts: StartTeamsSubgraphOptions = {}): Promise<TeamsSubgraph> {
  const env = opts.env ?? process.env;
  const config = opts.config ?? loadTeamsConfig(env);
  const logger = opts.logger ?? createLogger('teams-subgraph', { system: 'teams' });
  const entityCache = createEntityCache({ ...loadEntityCacheOptions(env, teamsCacheTtls(config.userCacheTtlMs)), logger });
  const tenants = opts.tenants ?? loadTenantRegistry(env);
  const metrics = createSubgraphMetrics({ system: 'teams' });
  const tuning = loadUpstreamPolicyEnv(env, 'GRAPH');
  const eventsTenant = config.events.tenant;
  const eventsTenantServed = tenants.section(eventsTenant, 'teams') !== undefined;
  if (config.events.notificationUrl !== undefined && !eventsTenantServed) {
    throw new Error(`TEAMS_EVENTS_TENANT '${eventsTenant}' has no teams section in the tenant registry (unset TEAMS_NOTIFICATION_URL or configure the tenant)`);
  }
  const pool = createTenantClients<TeamsConfig, TeamsTenantServices>({
    system: 'teams', registry: tenants, logger, env, ...(opts.secrets ? { secrets: opts.secrets } : {}),
    configure: (tenant, section, secrets) => tenantTeamsConfig(config, tenant, section, secrets),
    create: (tenant, tenantConfig) => {
      const services = createTeamsTenantServices(tenantConfig, logger.child({ tenant }), tenant, metrics.observer, tuning);
      services.index.start();
      return services;
    },
    close: async (services) => {
      await services.index.close();
      services.graph.close();
    },
  });
  // The events tenant's services feed the webhooks' catch-up; unserved (no notifications), they stay idle.
  const main = eventsTenantServed ? pool.get(eventsTenant) : createTeamsTenantServices(config, logger);
  let events: TeamsEvents;
  try {
    events = await createTeamsEvents({ config, graph: main.graph, directory: main.directory, index: main.index, entityCache, logger });
  } catch (err) {
    await pool.close();
    throw err;
  }
  let server: SubgraphServer;
  try {
    server = await startSubgraphServer({
      system: 'teams', sdl: subgraphSdl('teams'), resolvers, logger, port: opts.port, host: opts.host, tenants, metrics,
      createContext: (info) => createTeamsContext({ ...pool.get(info.tenant), events: events.log }, info),
      env, entityCache, entityTags: teamsEntityTags, routes: events.routes, eventLog: events.log,
    });
  } catch (err) {
    await pool.close();
    await events.close();
    throw err;
  }
  events.start(server.url);
  const { index } = main;
  return {
    ...server,
    config,
    events,
    activeTenants: () => pool.active(),
    index: { ready: () => index.ready(), refresh: () => index.refresh(), lastRefresh: () => index.lastRefresh() },
    async close() {
      await pool.close();
      await server.close();
      await events.close();
    },
  };
}

if (require.main === module) {
  const log = createLogger('teams-subgraph', { system: 'teams' });
  runUntilStopped({
    name: 'teams subgraph', log,
    start: () => startTeamsSubgraph({ port: listenPort('TEAMS_SUBGRAPH_PORT', 4003), host: process.env.SUBGRAPH_HOST || '127.0.0.1', logger: log }),
    readyText: (started) => `teams subgraph ready at ${started.url}\n`,
  });
}
