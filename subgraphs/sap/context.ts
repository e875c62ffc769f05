/**
 * The per-request context of the SAP subgraph: the request id, tenant and logger, the tenant's own
 * OData client (one per tenant, `kit/tenantClients.ts`), fresh DataLoaders (never shared between requests; what outlives the request is the
 * tenant-keyed entity cache behind them), the request's cache-tag collector and invalidation
 * hook (for the mutation), and the process's event log (for subscriptions).
 */
import type { Logger } from 'pino';
import type { CacheTagCollector } from '../kit/cacheTags';
import type { EntityCache } from '../kit/entityCache';
import type { EventLog } from '../kit/eventLog';
import type { SubgraphRequestInfo } from '../kit/subgraphServer';
import { createBusinessPartnerLoaders, type BusinessPartnerLoaders } from './businessPartnerLoaders';
import type { FreshReads } from './freshReads';
import type { ODataClient, RequestMeta } from './odataClient';
import { createSalesOrderLoaders, type SalesOrderLoaders } from './salesOrderLoaders';

export type SapLoaders = SalesOrderLoaders & BusinessPartnerLoaders;

/** What subscriptions need, shared by the process: the event log and the once-per-event reads. */
export interface SapEvents {
  log: EventLog;
  freshReads: FreshReads;
}

export interface SapContext {
  requestId: string;
  tenant: string;
  log: Logger;
  /** The tenant's client. */
  client: ODataClient;
  /** What upstream requests carry: the request id (as `X-CorrelationID`) and logger. */
  meta: RequestMeta;
  loaders: SapLoaders;
  entityCache: EntityCache;
  cacheTags: CacheTagCollector;
  /** Evicts tags from this tenant's entity cache and reports them in `extensions.invalidatedTags`. */
  invalidate(tags: Iterable<string>): number;
  events: SapEvents;
}

export type SapRequestInfo = Pick<SubgraphRequestInfo, 'requestId' | 'tenant' | 'log' | 'traceparent' | 'entityCache' | 'cacheTags' | 'invalidate'>;

export function createSapContext(info: SapRequestInfo, client: ODataClient, events: SapEvents): SapContext {
  const meta: RequestMeta = { requestId: info.requestId, log: info.log, traceparent: info.traceparent };
  const cache = { entityCache: info.entityCache, tenant: info.tenant };
  return {
    requestId: info.requestId,
    tenant: info.tenant,
    log: info.log,
    client,
    meta,
    loaders: { ...createSalesOrderLoaders(client, meta, cache), ...createBusinessPartnerLoaders(client, meta, cache) },
    entityCache: info.entityCache,
    cacheTags: info.cacheTags,
    invalidate: info.invalidate,
    events,
  };
}
