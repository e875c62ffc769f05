/**
 * The per-request context of the Salesforce subgraph: the request id, tenant and logger, the
 * tenant's own Salesforce client (one per tenant, `kit/tenantClients.ts`), DataLoaders made fresh for this request (behind the tenant's
 * entity cache), the request's cache-tag collector and invalidation hook (for mutations), and the
 * event log `contactChanged` subscriptions follow.
 */
import type { Logger } from 'pino';
import type { CacheTagCollector } from '../kit/cacheTags';
import type { EntityCache } from '../kit/entityCache';
import type { EventLog } from '../kit/eventLog';
import type { SubgraphRequestInfo } from '../kit/subgraphServer';
import type { TenantClients } from '../kit/tenantClients';
import type { SalesforceConfig } from './config';
import { createSalesforceLoaders, type SalesforceLoaders } from './contactLoaders';
import type { CallContext, SalesforceClient } from './salesforceClient';

export interface SalesforceContext {
  requestId: string;
  tenant: string;
  log: Logger;
  /** The tenant's client. */
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

/** Returns the `createContext` of `startSubgraphServer` for these per-tenant clients and event log. */
export function salesforceContextFactory(clients: TenantClients<SalesforceConfig, SalesforceClient>, eventLog: EventLog): (info: SubgraphRequestInfo) => SalesforceContext {
  return ({ requestId, tenant, log, traceparent, entityCache, cacheTags, invalidate }) => {
    const client = clients.get(tenant);
    const call: CallContext = { requestId, log, traceparent };
    return {
      requestId, tenant, log, client, call, entityCache, cacheTags, invalidate, eventLog,
      loaders: createSalesforceLoaders(client, call, { entityCache, tenant }),
    };
  };
}
