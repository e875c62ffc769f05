/**
 * The SAP S/4HANA subgraph server: `startSapSubgraph()` for tests and the dev stack, or run
 * directly (`npm run start:subgraph:sap`): port SAP_SUBGRAPH_PORT (4002), host SUBGRAPH_HOST
 * (127.0.0.1), the upstream from the SAP_* keys (see config.ts and README.md). One OData client
 * per process; loaders per request.
 */
import { runUntilStopped } from '../kit/runUntilStopped';
import type { Logger } from 'pino';
import { subgraphSdl } from '../../schema/subgraphSchemas';
import type { Env } from '../kit/envConfig';
import { listenPort } from '../kit/listenPort';
import { createLogger } from '../kit/logger';
import { startSubgraphServer, type SubgraphServer } from '../kit/subgraphServer';
import { createEntityCache, loadEntityCacheOptions } from '../kit/entityCache';
import { loadSapConfig, type SapConfig } from './config';
import { createSapContext, type SapContext } from './context';
import { createODataClient } from './odataClient';
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
  /** @default loadSapConfig(env) */
  config?: SapConfig;
}

export async function startSapSubgraph(opts: StartSapSubgraphOptions = {}): Promise<SubgraphServer> {
  const logger = opts.logger ?? createLogger('sap-subgraph', { system: 'sap' });
  const env = opts.env ?? process.env;
  const config = opts.config ?? loadSapConfig(env);
  const entityCache = createEntityCache({ ...loadEntityCacheOptions(env, SAP_CACHE_TTLS), logger });
  const client = createODataClient({ config, logger });
  let server: SubgraphServer;
  try {
    server = await startSubgraphServer<SapContext>({
      system: 'sap',
      sdl: subgraphSdl('sap'),
      resolvers,
      logger,
      createContext: (info) => createSapContext(info, client),
      env,
      entityCache,
      entityTags: sapEntityTags,
      ...(opts.port !== undefined ? { port: opts.port } : {}),
      ...(opts.host !== undefined ? { host: opts.host } : {}),
    });
  } catch (err) {
    await client.close();
    throw err;
  }
  logger.info({ baseUrl: config.baseUrl, servicePath: config.servicePath, client: config.client }, 'sap subgraph upstream');
  return {
    ...server,
    async close() {
      await server.close();
      await client.close();
    },
  };
}

if (require.main === module) {
  const log = createLogger('sap-subgraph', { system: 'sap' });
  runUntilStopped({
    name: 'sap subgraph', log,
    start: () => startSapSubgraph({ port: listenPort('SAP_SUBGRAPH_PORT', 4002), host: process.env.SUBGRAPH_HOST || '127.0.0.1', logger: log }),
    readyText: (started) => `sap subgraph ready at ${started.url}\n`,
  });
}
