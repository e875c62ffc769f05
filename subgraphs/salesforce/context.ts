/**
 * The per-request context of the Salesforce subgraph: the request id, tenant and logger, the
 * process's one Salesforce client, DataLoaders made fresh for this request (behind the tenant's
 * entity cache), the request's cache-tag collector and invalidation hook (for mutations), and the
 * event log `contactChanged` subscriptions follow.
 */
import type { Logger } from 'pino';
import type { CacheTagCollector } from '../kit/cacheTags';
import type { EntityCache } from '../kit/entityCache';
import type { EventLog } from '../kit/eventLog';
import type { SubgraphRequestInfo } from '../kit/subgraphServer';
import { createSalesforceLoaders, type SalesforceLoaders } from './contactLoaders';
import type { CallContext, SalesforceClient } from './salesforceClient';

export interface SalesforceContext {
  requestId: string;
  tenant: string;
  log: Logger;
  client: SalesforceClient;
  /** What the client passes upstream with every call of this request. */
  call: CallContext;
  loaders: SalesforceLoaders;
  entityCache: EntityCache;
  cacheTags: CacheTagCollector;
  /** Evicts tags from this tenant's entity cache and reports them in `extensions.invalidatedTags`. */
  invalidate(tags: Iterable<string>): number;
  /** The subgraph's event log (Contact change events), for subscriptions. */
  eventLog: EventLog;
}

/** Returns the `createContext` of `startSubgraphServer` for this client and event log. */
export function salesforceContextFactory(client: SalesforceClient, eventLog: EventLog): (info: SubgraphRequestInfo) => SalesforceContext {
  return ({ requestId, tenant, log, entityCache, cacheTags, invalidate }) => {
    const call: CallContext = { requestId, log };
    return {
      requestId, tenant, log, client, call, entityCache, cacheTags, invalidate, eventLog,
      loaders: createSalesforceLoaders(client, call, { entityCache, tenant }),
    };
  };
}
