/**
 * The per-request context of the SAP subgraph: the request id and logger, the process-wide OData
 * client, and fresh DataLoaders (never shared between requests, so no cross-request or
 * cross-tenant cache can leak).
 */
import type { SubgraphRequestInfo } from '../kit/subgraphServer';
import type { Logger } from 'pino';
import { createBusinessPartnerLoaders, type BusinessPartnerLoaders } from './businessPartnerLoaders';
import type { ODataClient, RequestMeta } from './odataClient';
import { createSalesOrderLoaders, type SalesOrderLoaders } from './salesOrderLoaders';

export type SapLoaders = SalesOrderLoaders & BusinessPartnerLoaders;

export interface SapContext {
  requestId: string;
  log: Logger;
  client: ODataClient;
  /** What upstream requests carry: the request id (as `X-CorrelationID`) and logger. */
  meta: RequestMeta;
  loaders: SapLoaders;
}

export function createSapContext(info: Pick<SubgraphRequestInfo, 'requestId' | 'log'>, client: ODataClient): SapContext {
  const meta: RequestMeta = { requestId: info.requestId, log: info.log };
  return {
    requestId: info.requestId,
    log: info.log,
    client,
    meta,
    loaders: { ...createSalesOrderLoaders(client, meta), ...createBusinessPartnerLoaders(client, meta) },
  };
}
