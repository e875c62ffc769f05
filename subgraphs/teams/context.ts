/**
 * The per-request context of the Teams subgraph: the tenant's long-lived services (Graph client,
 * channel and user directories, message index: one set per tenant, `teamsTenantServices.ts`) plus DataLoaders created fresh for every request (behind the tenant's
 * entity cache), the request's tenant, cache-tag collector and invalidation hook (for sendMessage),
 * and the event log subscriptions follow.
 */
import type DataLoader from 'dataloader';
import type { Logger } from 'pino';
import type { CacheTagCollector } from '../kit/cacheTags';
import type { EntityCache } from '../kit/entityCache';
import type { EventLog } from '../kit/eventLog';
import type { SubgraphRequestInfo } from '../kit/subgraphServer';
import type { ChannelDirectory } from './channelDirectory';
import type { GraphClient } from './graphClient';
import type { MessageIndex } from './messageIndex';
import { createMessageLoader } from './messageLoader';
import type { MessageModel } from './model';
import type { UserDirectory } from './userDirectory';
import { createUserLoaders, type UserLoaders } from './userLoaders';

/** What lives as long as the server (the first four per tenant). */
export interface TeamsServices {
  graph: GraphClient;
  directory: ChannelDirectory;
  users: UserDirectory;
  index: MessageIndex;
  /** The subgraph's event log (`Subscription.messagePosted` follows it). */
  events: EventLog;
}

export interface TeamsContext extends TeamsServices {
  requestId: string;
  /** Sent upstream with this request's Graph calls. */
  traceparent: string;
  tenant: string;
  log: Logger;
  loaders: UserLoaders & { messageById: DataLoader<string, MessageModel | null> };
  entityCache: EntityCache;
  cacheTags: CacheTagCollector;
  /** Evicts tags from this tenant's entity cache and reports them in `extensions.invalidatedTags`. */
  invalidate(tags: Iterable<string>): number;
}

export function createTeamsContext(services: TeamsServices, info: SubgraphRequestInfo): TeamsContext {
  const cache = { entityCache: info.entityCache, tenant: info.tenant };
  return {
    ...services,
    requestId: info.requestId,
    traceparent: info.traceparent,
    tenant: info.tenant,
    log: info.log,
    loaders: {
      ...createUserLoaders(services.users, info.requestId, cache),
      messageById: createMessageLoader({ graph: services.graph, index: services.index, directory: services.directory, requestId: info.requestId, traceparent: info.traceparent, cache }),
    },
    entityCache: info.entityCache,
    cacheTags: info.cacheTags,
    invalidate: info.invalidate,
  };
}
