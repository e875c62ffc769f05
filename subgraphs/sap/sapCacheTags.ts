/**
 * Cache tags of the SAP subgraph (the cache protocol, `kit/cacheTags.ts`): `SalesOrder:<number>`,
 * `Contact:email:<email>` for the contacts SAP knows by email, and `BusinessPartner:<number>` for
 * the business partners behind them (on the partner cache entries, and on responses listing a
 * partner's orders, so a change to one of its orders can evict its lists).
 * Entity-cache TTL defaults per type match the `@cacheControl` hints of `schema/sap.graphql`.
 */
import { contactEmailTag, entityTag } from '../kit/cacheTags';
import type { EntityTaggers } from '../kit/cacheTagsPlugin';
import type { ContactRefModel, SalesOrderModel } from './model';

export const salesOrderTag = (id: string): string => entityTag('SalesOrder', id);
export const businessPartnerTag = (id: string): string => entityTag('BusinessPartner', id);

/** What `startSubgraphServer` tags responses with, by GraphQL type. */
export const sapEntityTags: EntityTaggers = {
  SalesOrder: (o: SalesOrderModel) => [salesOrderTag(o.id)],
  Contact: (c: ContactRefModel) => [contactEmailTag(c.email)],
};

/** Entity-cache TTLs (ms) by type; `ENTITY_CACHE_TTL_<TYPE>_MS` overrides. */
export const SAP_CACHE_TTLS = { SalesOrder: 30_000, BusinessPartner: 60_000 } as const;
