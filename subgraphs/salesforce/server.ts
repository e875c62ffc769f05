/**
 * The Salesforce subgraph server: `startSalesforceSubgraph` serves `schema/salesforce.graphql`
 * (Contact and Account, owned here) over HTTP with one jsforce client per process and DataLoaders
 * per request. Run directly (`node --import tsx subgraphs/salesforce/server.ts`) it listens on
 * SALESFORCE_SUBGRAPH_PORT (4001) at SUBGRAPH_HOST (127.0.0.1), prints
 * `salesforce subgraph ready at <url>` and stops cleanly on SIGINT/SIGTERM.
 */
import { runUntilStopped } from '../kit/runUntilStopped';
import type { Logger } from 'pino';
import { subgraphSdl } from '../../schema/subgraphSchemas';
import type { Env } from '../kit/envConfig';
import { listenPort } from '../kit/listenPort';
import { createLogger } from '../kit/logger';
import { startSubgraphServer, type SubgraphServer } from '../kit/subgraphServer';
import { createEntityCache, loadEntityCacheOptions } from '../kit/entityCache';
import { loadSalesforceConfig, type SalesforceConfig } from './config';
import { salesforceContextFactory, type SalesforceContext } from './context';
import { resolvers } from './resolvers';
import { salesforceEntityTags, SALESFORCE_CACHE_TTLS } from './salesforceCacheTags';
import { createSalesforceClient } from './salesforceClient';

export interface SalesforceSubgraphOptions {
  /** TCP port; 0 picks a free one. @default 0 */
  port?: number;
  /** Bind address. @default '127.0.0.1' */
  host?: string;
  /** @default createLogger('salesforce-subgraph') */
  logger?: Logger;
  /** Where the SALESFORCE_* keys are read from (ignored for them when `config` is given), and ENTITY_CACHE_* / INTERNAL_API_TOKEN. @default process.env */
  env?: Env;
  /** A ready configuration, instead of reading `env`. @default loadSalesforceConfig(env) */
  config?: SalesforceConfig;
}

export async function startSalesforceSubgraph(opts: SalesforceSubgraphOptions = {}): Promise<SubgraphServer> {
  const logger = (opts.logger ?? createLogger('salesforce-subgraph')).child({ system: 'salesforce' });
  const env = opts.env ?? process.env;
  const config = opts.config ?? loadSalesforceConfig(env);
  const entityCache = createEntityCache({ ...loadEntityCacheOptions(env, SALESFORCE_CACHE_TTLS), logger });
  const client = createSalesforceClient({ config, logger });
  const server = await startSubgraphServer<SalesforceContext>({
    system: 'salesforce',
    sdl: subgraphSdl('salesforce'),
    resolvers,
    createContext: salesforceContextFactory(client),
    logger,
    port: opts.port ?? 0,
    host: opts.host ?? '127.0.0.1',
    env,
    entityCache,
    entityTags: salesforceEntityTags,
  });
  logger.info({ url: server.url, loginUrl: config.loginUrl, authFlow: config.authFlow, apiVersion: config.apiVersion }, 'salesforce subgraph started');
  return server;
}

if (require.main === module) {
  const log = createLogger('salesforce-subgraph', { system: 'salesforce' });
  runUntilStopped({
    name: 'salesforce subgraph', log,
    start: () => startSalesforceSubgraph({ port: listenPort('SALESFORCE_SUBGRAPH_PORT', 4001), host: process.env.SUBGRAPH_HOST || '127.0.0.1', logger: log }),
    readyText: (started) => `salesforce subgraph ready at ${started.url}\n`,
  });
}
