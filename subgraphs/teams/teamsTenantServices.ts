/**
 * What the Teams subgraph keeps per tenant (`kit/tenantClients.ts`): the tenant's Graph client
 * (its own token and connections), channel and user directories and message index, so no
 * directory entry or indexed message of one tenant is ever served to another.
 */
import type { Logger } from 'pino';
import { createChannelDirectory, type ChannelDirectory } from './channelDirectory';
import type { TeamsConfig } from './config';
import type { UpstreamObserver } from '../kit/upstreamObserver';
import type { UpstreamPolicyTuning } from '../kit/upstreamPolicy';
import { createGraphClient, type GraphClient } from './graphClient';
import { createMessageIndex, type MessageIndex } from './messageIndex';
import { createUserDirectory, type UserDirectory } from './userDirectory';

export interface TeamsTenantServices {
  graph: GraphClient;
  directory: ChannelDirectory;
  users: UserDirectory;
  /** Not started: the caller runs `index.start()` when the tenant is first served. */
  index: MessageIndex;
}

export function createTeamsTenantServices(config: TeamsConfig, logger: Logger, tenant?: string, observer?: UpstreamObserver, tuning?: UpstreamPolicyTuning): TeamsTenantServices {
  const graph = createGraphClient({ config, logger, ...(tenant !== undefined ? { tenant } : {}), ...(observer ? { observer } : {}), ...(tuning ? { tuning } : {}) });
  const directory = createChannelDirectory({ graph, logger, watchedTeamIds: config.watchedTeamIds, ttlMs: config.directoryTtlMs });
  const users = createUserDirectory({ graph });
  const index = createMessageIndex({
    graph, directory, logger, refreshMs: config.indexRefreshMs, maxStalenessMs: config.indexMaxStalenessMs, maxMessages: config.indexMaxMessages,
  });
  return { graph, directory, users, index };
}
