/**
 * Per-request DataLoaders that turn many lookups into few SOQL queries: contact by id
 * (`WHERE Id IN (...)`), contact by email (`WHERE Email IN (...)`, matched back case-insensitively)
 * and account by id. A batch whose keys would make the statement too long for a GET URL is split by
 * encoded length (`chunkInList`) and the chunks run in parallel. Every key gets its contact, null
 * (no such record) or an Error (its chunk failed; other chunks still answer).
 *
 * The process's entity cache sits in front of each (`kit/cachedBatch.ts`, keyed by tenant):
 * `Contact:<id>`, `Contact:email:<email>` and `Account:<id>` entries, each tagged with the contact's
 * (or account's) cache tags, so invalidating `Contact:<id>` also drops its by-email entry. Only found
 * records are cached; failures and "no such record" are not.
 */
import DataLoader from 'dataloader';
import { cachedBatch, type TenantCache } from '../kit/cachedBatch';
import { badUserInput } from '../kit/subgraphErrors';
import type { AccountModel, ContactModel } from './model';
import { ACCOUNT_FIELDS, CONTACT_FIELDS, normalizeEmail, toAccountModel, toContactModel, type SalesforceRecord } from './mapping';
import type { CallContext, SalesforceClient } from './salesforceClient';
import { accountTags, contactTags } from './salesforceCacheTags';
import { KEY_PREFIX, normalizeSalesforceId, type KeyPrefix } from './salesforceId';
import { chunkInList, soqlString } from './soql';

export interface SalesforceLoaders {
  contactById: DataLoader<string, ContactModel | null>;
  contactByEmail: DataLoader<string, ContactModel | null>;
  accountById: DataLoader<string, AccountModel | null>;
}

/** Longest email Salesforce stores; a longer key cannot match. */
const MAX_EMAIL = 80;
const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+$/;

interface Lookup<V> {
  /** The statement for one chunk of quoted, comma-separated keys. */
  soql: (list: string) => string;
  /** The (normalised) key a returned record answers. */
  keyOf: (rec: SalesforceRecord) => string | null;
  toModel: (rec: SalesforceRecord) => V;
}

/** Runs `lookup` for normalised, distinct `keys`, chunked and in parallel; one entry per key. */
async function lookupChunked<V>(client: SalesforceClient, call: CallContext, lookup: Lookup<V>, keys: string[]): Promise<Map<string, V | Error>> {
  const out = new Map<string, V | Error>();
  const chunks = chunkInList(keys, soqlString, lookup.soql, client.config.maxSoqlChars);
  await Promise.all(chunks.map(async (chunk) => {
    try {
      const { records } = await client.query(lookup.soql(chunk.map(soqlString).join(',')), call);
      for (const rec of records) {
        const key = lookup.keyOf(rec);
        if (key !== null && !out.has(key)) out.set(key, lookup.toModel(rec));
      }
    } catch (err) {
      for (const key of chunk) out.set(key, err instanceof Error ? err : new Error(String(err)));
    }
  }));
  return out;
}

const contactSoql = (where: string) => (list: string): string =>
  `SELECT ${CONTACT_FIELDS.join(', ')} FROM Contact WHERE ${where} IN (${list}) ORDER BY Id`;

/** A by-id batch function: malformed ids get BAD_USER_INPUT, ids of another object null. */
function byIdBatch<V>(client: SalesforceClient, call: CallContext, prefix: KeyPrefix, lookup: Lookup<V>) {
  return async (keys: readonly string[]): Promise<Array<V | null | Error>> => {
    const ids = keys.map((k) => normalizeSalesforceId(k));
    const wanted = [...new Set(ids.filter((id): id is string => id !== null && id.startsWith(prefix)))];
    const found = wanted.length ? await lookupChunked(client, call, lookup, wanted) : new Map<string, V | Error>();
    return ids.map((id) => (id === null ? badUserInput('salesforce', 'id', 'id is not a Salesforce record id') : found.get(id) ?? null));
  };
}

/** The canonical id when `raw` is a well-formed id of this object, else null (not cacheable). */
const idOf = (prefix: KeyPrefix) => (raw: string): string | null => {
  const id = normalizeSalesforceId(raw);
  return id !== null && id.startsWith(prefix) ? id : null;
};

/** The cache key of an email the lookup would send, else null. */
function emailKey(raw: string): string | null {
  const e = normalizeEmail(raw);
  return e !== null && e.length <= MAX_EMAIL && EMAIL_SHAPE.test(e) ? `email:${e}` : null;
}

export function createSalesforceLoaders(client: SalesforceClient, call: CallContext, cache: TenantCache): SalesforceLoaders {
  const idKey = (k: string): string => normalizeSalesforceId(k) ?? k;
  const { entityCache, tenant } = cache;
  const contactCache = { cache: entityCache, tenant, type: 'Contact', tagsOf: (c: ContactModel | null) => (c ? contactTags(c) : []) };
  const contactById = new DataLoader<string, ContactModel | null>(cachedBatch({ ...contactCache, keyOf: idOf(KEY_PREFIX.Contact) }, byIdBatch(client, call, KEY_PREFIX.Contact, {
    soql: contactSoql('Id'), keyOf: (rec) => String(rec.Id), toModel: toContactModel,
  })), { cacheKeyFn: idKey });

  const emailLookup: Lookup<ContactModel> = { soql: contactSoql('Email'), keyOf: (rec) => (typeof rec.Email === 'string' ? normalizeEmail(rec.Email) : null), toModel: toContactModel };
  const contactByEmail = new DataLoader<string, ContactModel | null>(cachedBatch({ ...contactCache, keyOf: emailKey }, async (keys) => {
    const emails = keys.map((k) => normalizeEmail(k));
    const wanted = [...new Set(emails.filter((e): e is string => e !== null && e.length <= MAX_EMAIL && EMAIL_SHAPE.test(e)))];
    const found = wanted.length ? await lookupChunked(client, call, emailLookup, wanted) : new Map<string, ContactModel | Error>();
    for (const v of found.values()) if (!(v instanceof Error)) contactById.prime(v.id, v);
    return emails.map((e) => (e === null ? null : found.get(e) ?? null));
  }), { cacheKeyFn: (k) => normalizeEmail(k) ?? '' });

  const accountById = new DataLoader<string, AccountModel | null>(cachedBatch({
    cache: entityCache, tenant, type: 'Account', keyOf: idOf(KEY_PREFIX.Account), tagsOf: (a: AccountModel | null) => (a ? accountTags(a) : []),
  }, byIdBatch(client, call, KEY_PREFIX.Account, {
    soql: (list) => `SELECT ${ACCOUNT_FIELDS.join(', ')} FROM Account WHERE Id IN (${list})`,
    keyOf: (rec) => String(rec.Id),
    toModel: toAccountModel,
  })), { cacheKeyFn: idKey });

  return { contactById, contactByEmail, accountById };
}
