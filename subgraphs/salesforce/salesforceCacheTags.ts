/**
 * Cache tags of the Salesforce subgraph's entities (the cache protocol, `kit/cacheTags.ts`):
 * a Contact is `Contact:<18-character id>` AND `Contact:email:<email>` (so the other subgraphs'
 * email-keyed entries and this one's by-id entries fall together), an Account `Account:<id>`.
 * Entity-cache TTL defaults per type match the `@cacheControl` hints of `schema/salesforce.graphql`.
 */
import { contactEmailTag, entityTag } from '../kit/cacheTags';
import type { EntityTaggers } from '../kit/cacheTagsPlugin';
import type { AccountModel, ContactModel } from './model';

export function contactTags(contact: Pick<ContactModel, 'id' | 'email'>): string[] {
  return contact.email ? [entityTag('Contact', contact.id), contactEmailTag(contact.email)] : [entityTag('Contact', contact.id)];
}

export function accountTags(account: Pick<AccountModel, 'id'>): string[] {
  return [entityTag('Account', account.id)];
}

/** What `startSubgraphServer` tags responses with, by GraphQL type. */
export const salesforceEntityTags: EntityTaggers = {
  Contact: (c: ContactModel) => contactTags(c),
  Account: (a: AccountModel) => accountTags(a),
};

/** Entity-cache TTLs (ms) by type; `ENTITY_CACHE_TTL_<TYPE>_MS` overrides. */
export const SALESFORCE_CACHE_TTLS = { Contact: 60_000, Account: 60_000 } as const;
