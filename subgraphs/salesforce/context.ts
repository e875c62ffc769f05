/**
 * The per-request context of the Salesforce subgraph: the request id and its logger, the process's
 * one Salesforce client, and DataLoaders made fresh for this request (so nothing is cached across
 * requests or callers).
 */
import type { Logger } from 'pino';
import type { SubgraphRequestInfo } from '../kit/subgraphServer';
import { createSalesforceLoaders, type SalesforceLoaders } from './contactLoaders';
import type { CallContext, SalesforceClient } from './salesforceClient';

export interface SalesforceContext {
  requestId: string;
  log: Logger;
  client: SalesforceClient;
  /** What the client passes upstream with every call of this request. */
  call: CallContext;
  loaders: SalesforceLoaders;
}

/** Returns the `createContext` of `startSubgraphServer` for this client. */
export function salesforceContextFactory(client: SalesforceClient): (info: SubgraphRequestInfo) => SalesforceContext {
  return ({ requestId, log }) => {
    const call: CallContext = { requestId, log };
    return { requestId, log, client, call, loaders: createSalesforceLoaders(client, call) };
  };
}
