/**
 * The per-request context of the Teams subgraph: the long-lived services (Graph client, channel
 * directory, message index) plus DataLoaders created fresh for every request.
 */
import type DataLoader from 'dataloader';
import type { Logger } from 'pino';
import type { SubgraphRequestInfo } from '../kit/subgraphServer';
import type { ChannelDirectory } from './channelDirectory';
import type { GraphClient } from './graphClient';
import type { MessageIndex } from './messageIndex';
import { createMessageLoader } from './messageLoader';
import type { MessageModel } from './model';
import type { UserDirectory } from './userDirectory';
import { createUserLoaders, type UserLoaders } from './userLoaders';

/** What lives as long as the server. */
export interface TeamsServices {
  graph: GraphClient;
  directory: ChannelDirectory;
  users: UserDirectory;
  index: MessageIndex;
}

export interface TeamsContext extends TeamsServices {
  requestId: string;
  log: Logger;
  loaders: UserLoaders & { messageById: DataLoader<string, MessageModel | null> };
}

export function createTeamsContext(services: TeamsServices, info: SubgraphRequestInfo): TeamsContext {
  return {
    ...services,
    requestId: info.requestId,
    log: info.log,
    loaders: {
      ...createUserLoaders(services.users, info.requestId),
      messageById: createMessageLoader({ graph: services.graph, index: services.index, directory: services.directory, requestId: info.requestId }),
    },
  };
}
