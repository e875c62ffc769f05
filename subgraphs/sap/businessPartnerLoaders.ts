/**
 * Per-request DataLoaders joining business partners and emails (API_BUSINESS_PARTNER). Emails sit
 * on the partner's address, as in S/4HANA.
 * - `emailByPartner` (for `SalesOrder.soldTo`): ONE
 *   `GET A_BusinessPartner?$filter=BusinessPartner eq … or …&$expand=to_BusinessPartnerAddress/to_EmailAddress`
 *   per URL-length chunk → `{ email }` (the default email, lower-cased) or null.
 * - `partnersByEmail` (for `Contact.salesOrders`): ONE `GET A_AddressEmailAddress?$filter=EmailAddress eq … or …`
 *   (→ address ids) then ONE `GET A_BusinessPartnerAddress?$filter=AddressID eq … or …` (→ owning
 *   partners) per chunk, for all contacts of the request together. Keys must be normalised emails.
 *   Matching is exact on the stored text; SAP compares case-sensitively, and we ask in lower case.
 *
 * Both read through the tenant's entity cache (type `BusinessPartner`): `<number>` → `{ email }`
 * tagged `BusinessPartner:<number>` and `Contact:email:<email>`; `email:<email>` → partner numbers
 * tagged `Contact:email:<email>` and each `BusinessPartner:<number>`. "No partner has this email"
 * (an empty list) is cached like any answer, because it is the usual answer for CRM contacts who
 * are no SAP customers; invalidating the email's tag drops it. Partners without an email (null) and
 * failures are not cached.
 */
import DataLoader from 'dataloader';
import { cachedBatch, type TenantCache } from '../kit/cachedBatch';
import { contactEmailTag } from '../kit/cacheTags';
import { businessPartnerTag } from './sapCacheTags';
import type { ContactRefModel } from './model';
import type { ODataClient, RequestMeta } from './odataClient';
import { expandedList, str, type ODataRecord } from './odataEnvelope';
import { alphaOut, chunkForFilter, orFilter, parseBusinessPartnerId } from './odataUrl';

/** Most business partners one email may stand for (duplicates in the master data). */
export const MAX_PARTNERS_PER_EMAIL = 10;

export interface BusinessPartnerLoaders {
  emailByPartner: DataLoader<string, ContactRefModel | null>;
  /** Normalised email → the business partner numbers whose address carries it (sorted, possibly empty). */
  partnersByEmail: DataLoader<string, string[]>;
}

const asError = (err: unknown): Error => (err instanceof Error ? err : new Error(String(err)));

const PARTNER_EMAIL_SELECT = ['BusinessPartner', 'to_BusinessPartnerAddress/AddressID', 'to_BusinessPartnerAddress/to_EmailAddress/EmailAddress',
  'to_BusinessPartnerAddress/to_EmailAddress/IsDefaultEmailAddress', 'to_BusinessPartnerAddress/to_EmailAddress/OrdinalNumber'].join(',');

/** The partner's default email (else the first by ordinal number), lower-cased. */
export function defaultEmail(partner: ODataRecord): string | null {
  const emails = (expandedList(partner, 'to_BusinessPartnerAddress') ?? []).flatMap((a) => expandedList(a, 'to_EmailAddress') ?? []);
  const ranked = emails.filter((e) => str(e, 'EmailAddress') !== '').sort((a, b) =>
    Number(b.IsDefaultEmailAddress === true) - Number(a.IsDefaultEmailAddress === true)
    || str(a, 'OrdinalNumber').padStart(3, '0').localeCompare(str(b, 'OrdinalNumber').padStart(3, '0')));
  const first = ranked[0];
  return first ? str(first, 'EmailAddress').toLowerCase() : null;
}

/** Run `read` per chunk of `values`; returns what each chunk produced, or its Error for each value of the chunk. */
async function perChunk<T>(values: readonly string[], prop: string, budget: number, read: (chunk: string[]) => Promise<T[]>): Promise<{ rows: T[]; failed: Map<string, Error> }> {
  const rows: T[] = [];
  const failed = new Map<string, Error>();
  await Promise.all(chunkForFilter(prop, values, budget).map(async (part) => {
    try {
      rows.push(...(await read(part)));
    } catch (err) {
      for (const v of part) failed.set(v, asError(err));
    }
  }));
  return { rows, failed };
}

async function loadEmails(client: ODataClient, meta: RequestMeta, partners: readonly string[]): Promise<Array<ContactRefModel | null | Error>> {
  const normalized = partners.map(parseBusinessPartnerId);
  const unique = [...new Set(normalized.filter((n): n is string => n !== null))];
  const { rows, failed } = await perChunk(unique, 'BusinessPartner', client.filterBudget, async (part) => (await client.readCollection('API_BUSINESS_PARTNER', 'A_BusinessPartner', {
    $filter: orFilter('BusinessPartner', part), $expand: 'to_BusinessPartnerAddress/to_EmailAddress', $select: PARTNER_EMAIL_SELECT,
  }, meta)).results);
  const emails = new Map(rows.map((r) => [alphaOut(str(r, 'BusinessPartner')), defaultEmail(r)] as const));
  return normalized.map((n) => {
    if (n === null) return null;
    const email = failed.get(n) ?? emails.get(n) ?? null;
    return typeof email === 'string' ? { email } : email;
  });
}

async function loadPartners(client: ODataClient, meta: RequestMeta, emails: readonly string[]): Promise<Array<string[] | Error>> {
  const unique = [...new Set(emails)];
  const byEmail = await perChunk(unique, 'EmailAddress', client.filterBudget, async (part) => (await client.readCollection('API_BUSINESS_PARTNER', 'A_AddressEmailAddress', {
    $filter: orFilter('EmailAddress', part), $select: 'AddressID,EmailAddress',
  }, meta)).results);
  const addressesOf = new Map<string, Set<string>>();
  for (const r of byEmail.rows) {
    const email = str(r, 'EmailAddress').toLowerCase();
    const set = addressesOf.get(email) ?? new Set<string>();
    set.add(alphaOut(str(r, 'AddressID')));
    addressesOf.set(email, set);
  }
  const addressIds = [...new Set([...addressesOf.values()].flatMap((s) => [...s]))];
  const byAddress = await perChunk(addressIds, 'AddressID', client.filterBudget, async (part) => (await client.readCollection('API_BUSINESS_PARTNER', 'A_BusinessPartnerAddress', {
    $filter: orFilter('AddressID', part), $select: 'BusinessPartner,AddressID',
  }, meta)).results);
  const partnersOf = new Map<string, Set<string>>();
  for (const r of byAddress.rows) {
    const id = alphaOut(str(r, 'AddressID'));
    const set = partnersOf.get(id) ?? new Set<string>();
    set.add(alphaOut(str(r, 'BusinessPartner')));
    partnersOf.set(id, set);
  }
  return emails.map((email) => {
    const failed = byEmail.failed.get(email);
    if (failed) return failed;
    const addresses = [...(addressesOf.get(email) ?? [])];
    const addressError = addresses.map((a) => byAddress.failed.get(a)).find((e) => e !== undefined);
    if (addressError) return addressError;
    const partners = new Set(addresses.flatMap((a) => [...(partnersOf.get(a) ?? [])]).filter((p) => parseBusinessPartnerId(p) !== null));
    return [...partners].sort().slice(0, MAX_PARTNERS_PER_EMAIL);
  });
}

export function createBusinessPartnerLoaders(client: ODataClient, meta: RequestMeta, cache: TenantCache): BusinessPartnerLoaders {
  const common = { cache: cache.entityCache, tenant: cache.tenant, type: 'BusinessPartner' };
  return {
    emailByPartner: new DataLoader(cachedBatch<string, ContactRefModel | null>({
      ...common,
      keyOf: parseBusinessPartnerId,
      tagsOf: (ref, bp) => (ref ? [businessPartnerTag(bp), contactEmailTag(ref.email)] : [businessPartnerTag(bp)]),
    }, (partners) => loadEmails(client, meta, partners))),
    partnersByEmail: new DataLoader(cachedBatch<string, string[]>({
      ...common,
      keyOf: (email) => `email:${email}`,
      tagsOf: (partners, key) => [contactEmailTag(key.slice('email:'.length)), ...partners.map(businessPartnerTag)],
    }, (emails) => loadPartners(client, meta, emails))),
  };
}
