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
import { startSubgraphServer, type SubgraphServer } from '../kit/subgraphServer';
import { createEntityCache, loadEntityCacheOptions } from '../kit/entityCache';
import { createChannelDirectory } from './channelDirectory';
import { loadTeamsConfig, type TeamsConfig } from './config';
import { createTeamsContext, type TeamsServices } from './context';
import { createGraphClient } from './graphClient';
import { createMessageIndex, type RefreshStats } from './messageIndex';
import { resolvers } from './resolvers';
import { createTeamsEvents, type TeamsEvents } from './teamsEvents';
import { teamsCacheTtls, teamsEntityTags } from './teamsCacheTags';
import { createUserDirectory } from './userDirectory';

export interface StartTeamsSubgraphOptions {
  /** @default 0 (a free port) */
  port?: number;
  /** @default '127.0.0.1' */
  host?: string;
  /** @default createLogger('teams-subgraph', { system: 'teams' }) */
  logger?: Logger;
  /** Where the configuration is read from when `config` is not given, and ENTITY_CACHE_* / INTERNAL_API_TOKEN. @default process.env */
  env?: Env;
  /** The configuration. @default loadTeamsConfig(env) */
  config?: TeamsConfig;
}

export interface TeamsSubgraph extends SubgraphServer {
  config: TeamsConfig;
  /** The event log, pipeline, webhooks and (with TEAMS_NOTIFICATION_URL) the subscription manager. */
  events: TeamsEvents;
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
  const graph = createGraphClient({ config, logger });
  const directory = createChannelDirectory({ graph, logger, watchedTeamIds: config.watchedTeamIds, ttlMs: config.directoryTtlMs });
  const users = createUserDirectory({ graph });
  const index = createMessageIndex({
    graph, directory, logger, refreshMs: config.indexRefreshMs, maxStalenessMs: config.indexMaxStalenessMs, maxMessages: config.indexMaxMessages,
  });
  const events = await createTeamsEvents({ config, graph, directory, index, entityCache, logger });
  const services: TeamsServices = { graph, directory, users, index, events: events.log };
  let server: SubgraphServer;
  try {
    server = await startSubgraphServer({
      system: 'teams', sdl: subgraphSdl('teams'), resolvers, logger, port: opts.port, host: opts.host,
      createContext: (info) => createTeamsContext(services, info), env, entityCache, entityTags: teamsEntityTags, routes: events.routes,
    });
  } catch (err) {
    await events.close();
    throw err;
  }
  index.start();
  events.start(server.url);
  return {
    ...server,
    config,
    events,
    index: { ready: () => index.ready(), refresh: () => index.refresh(), lastRefresh: () => index.lastRefresh() },
    async close() {
      index.close();
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
