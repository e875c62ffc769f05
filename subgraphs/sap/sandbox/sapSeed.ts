/**
 * Deterministic seed data for the SAP sandbox, derived from the shared seed world
 * (`subgraphs/kit/seedPeople.ts`): one person business partner per seed person whose address
 * carries the person's email as default email address, one organisation business partner per
 * company, and sales orders sold to the person BPs (skewed: a few buyers have many orders).
 *
 * Key formats (SAP shows ALPHA-converted numbers without leading zeros):
 * - person BP / customer: `1000001` + person index (`'1000001'` is person 0); organisation BP: `17100001` + company index
 * - address: `100000` + person index, `90000` + company index; email/phone `Person` is `''`
 * - sales order: `'1'`, `'2'`, ... in creation order; items `'10'`, `'20'`, ...
 */
import { buildSeedWorld, DAY_MS, DEFAULT_SEED, SEED_EPOCH, type SeedAccount } from '../../kit/seedPeople';
import { createSeededRandom, type SeededRandom } from '../../kit/seededRandom';
import type { Rec } from './edmModel';
import { MATERIALS, priceItem } from './materialCatalog';

export interface SapSeedOptions {
  /** @default 20261001 (the shared seed) */
  seed?: number;
  /** Seed people (person BPs). @default 5000 */
  people?: number;
  /** Seed companies (organisation BPs). @default 500 */
  accounts?: number;
  /** Sales orders to generate. @default 20000 */
  orders?: number;
}

export interface SapSeed {
  rows: Record<string, Rec[]>;
  nextSalesOrder: number;
  /** Billing currency per customer (the company's currency), for orders created without one. */
  customerCurrency: Map<string, string>;
}

export const personBp = (index: number): string => String(1000001 + index);
export const organizationBp = (index: number): string => String(17100001 + index);
const SEED_USERS = ['CB9980000010', 'CB9980000021', 'CB9980000034', 'SALES_REP_01', 'SALES_REP_02'];
const STREETS = ['Main Street', 'Market Street', 'Hauptstrasse', 'Dietmar-Hopp-Allee', 'Rue de Rivoli', 'Via Roma', 'King Street', 'Harbour Road', 'Station Road', 'Park Avenue'];
const ZONES: Record<string, string> = { US: 'EST', CA: 'EST', GB: 'UTC', JP: 'JAPAN', AU: 'AUSNSW', SG: 'UTC+8', BR: 'BRAZIL' };

function uuid(rnd: SeededRandom): string {
  let h = '';
  for (let i = 0; i < 32; i++) h += rnd.int(0, 15).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20)}`;
}

const midnight = (ms: number): number => ms - (ms % DAY_MS);
const stamp = (ms: number): string => new Date(ms).toISOString().replace(/[-:T]/g, '').slice(0, 14);

function address(rnd: SeededRandom, bp: string, addressId: string, name: string, account: SeedAccount, createdAt: number): Rec {
  return {
    BusinessPartner: bp, AddressID: addressId, ValidityStartDate: midnight(createdAt), ValidityEndDate: Date.UTC(9999, 11, 31, 23, 59, 59),
    AddressUUID: uuid(rnd), CityName: account.city, Country: account.country, FullName: name.slice(0, 80),
    HouseNumber: String(rnd.int(1, 240)), Language: 'EN', PostalCode: String(rnd.int(10000, 99999)), Region: '',
    StreetName: rnd.pick(STREETS), AddressTimeZone: ZONES[account.country] ?? 'CET',
  };
}

function phone(addressId: string, ordinal: string, type: '1' | '3', number: string, country: string): Rec {
  const parts = number.split(' ');
  return {
    AddressID: addressId, Person: '', OrdinalNumber: ordinal, DestinationLocationCountry: country, IsDefaultPhoneNumber: true,
    PhoneNumber: parts.slice(1).join(' '), PhoneNumberExtension: '', InternationalPhoneNumber: number.replace(/\s+/g, ''), PhoneNumberType: type,
  };
}

function businessPartner(rnd: SeededRandom, bp: string, createdAt: number, fields: Rec): Rec {
  const changedAt = Math.min(SEED_EPOCH, createdAt + rnd.int(0, 400) * DAY_MS);
  const user = rnd.pick(SEED_USERS);
  return {
    BusinessPartner: bp, Customer: bp, Supplier: '', AcademicTitle: '', AuthorizationGroup: '', BusinessPartnerUUID: uuid(rnd),
    CorrespondenceLanguage: 'EN', CreatedByUser: user, CreationDate: midnight(createdAt), CreationTime: createdAt % DAY_MS - (createdAt % 1000),
    FormOfAddress: '', Industry: '', IsFemale: false, IsMale: false, Language: '', LastChangeDate: midnight(changedAt),
    LastChangeTime: changedAt % DAY_MS - (changedAt % 1000), LastChangedByUser: user, BusinessPartnerIsBlocked: false,
    ETag: `${user.padEnd(12, ' ')}${stamp(changedAt)}`, FirstName: '', LastName: '', OrganizationBPName1: '', OrganizationBPName2: '',
    ...fields,
  };
}

export function buildSapSeed(options: SapSeedOptions = {}): SapSeed {
  const seed = options.seed ?? DEFAULT_SEED;
  const world = buildSeedWorld(seed, { people: options.people ?? 5000, accounts: options.accounts ?? 500 });
  const rnd = createSeededRandom(seed ^ 0x5a9);
  const partners: Rec[] = [];
  const addresses: Rec[] = [];
  const emails: Rec[] = [];
  const phones: Rec[] = [];
  const customerCurrency = new Map<string, string>();
  for (const p of world.people) {
    const account = world.accounts[p.accountIndex] as SeedAccount;
    const bp = personBp(p.index);
    const addressId = String(100000 + p.index);
    const full = `${p.firstName} ${p.lastName}`;
    customerCurrency.set(bp, account.currency);
    partners.push(businessPartner(rnd, bp, p.createdAt, {
      BusinessPartnerCategory: '1', BusinessPartnerGrouping: 'BP02', IsNaturalPerson: 'X', FirstName: p.firstName, LastName: p.lastName,
      BusinessPartnerFullName: full, BusinessPartnerName: full, SearchTerm1: p.lastName.toUpperCase().slice(0, 20),
    }));
    addresses.push(address(rnd, bp, addressId, full, account, p.createdAt));
    emails.push({
      AddressID: addressId, Person: '', OrdinalNumber: '1', IsDefaultEmailAddress: true, EmailAddress: p.email,
      SearchEmailAddress: p.email.toUpperCase().slice(0, 20), AddressCommunicationRemarkText: '',
    });
    phones.push(phone(addressId, '1', '1', p.phone, account.country), { ...phone(addressId, '2', '3', p.mobile, account.country), IsDefaultPhoneNumber: false });
  }
  for (const a of world.accounts) {
    const bp = organizationBp(a.index);
    const addressId = String(90000 + a.index);
    customerCurrency.set(bp, a.currency);
    partners.push(businessPartner(rnd, bp, a.createdAt, {
      BusinessPartnerCategory: '2', BusinessPartnerGrouping: 'BP01', IsNaturalPerson: '', OrganizationBPName1: a.name.slice(0, 40),
      BusinessPartnerFullName: a.name, BusinessPartnerName: a.name, Industry: a.industry.slice(0, 10).toUpperCase(),
      SearchTerm1: a.name.split(' ')[0]?.toUpperCase().slice(0, 20) ?? '',
    }));
    addresses.push(address(rnd, bp, addressId, a.name, a, a.createdAt));
    phones.push(phone(addressId, '1', '1', a.phone, a.country));
  }
  const { orders, items } = buildOrders(rnd, world, options.orders ?? 20000);
  return {
    rows: { A_BusinessPartner: partners, A_BusinessPartnerAddress: addresses, A_AddressEmailAddress: emails, A_AddressPhoneNumber: phones, A_SalesOrder: orders, A_SalesOrderItem: items },
    nextSalesOrder: orders.length + 1,
    customerCurrency,
  };
}

function buildOrders(rnd: SeededRandom, world: ReturnType<typeof buildSeedWorld>, count: number): { orders: Rec[]; items: Rec[] } {
  const orders: Rec[] = [];
  const items: Rec[] = [];
  if (world.people.length === 0) return { orders, items };
  // Order dates over the three years before the seed epoch, ascending with the order number.
  const ages = Array.from({ length: count }, () => rnd.int(0, 3 * 365) * DAY_MS + rnd.int(7, 18) * 3_600_000 + rnd.int(0, 3599) * 1000).sort((a, b) => b - a);
  for (let i = 0; i < count; i++) {
    const so = String(i + 1);
    const created = SEED_EPOCH - (ages[i] as number);
    // A skewed buyer: low person indexes are the big customers.
    const person = world.people[Math.floor(Math.pow(rnd.next(), 2.4) * world.people.length)]!;
    const account = world.accounts[person.accountIndex] as SeedAccount;
    const ageDays = (SEED_EPOCH - created) / DAY_MS;
    const status = ageDays > 60 ? (rnd.chance(0.94) ? 'C' : rnd.pick(['A', 'B'])) : rnd.pick(['A', 'A', 'B', 'C']);
    const changed = Math.min(SEED_EPOCH, created + rnd.int(0, status === 'A' ? 2 : 30) * DAY_MS + rnd.int(0, 36_000) * 1000);
    const day = midnight(created);
    let total = 0;
    const lineCount = 1 + rnd.weighted([30, 25, 18, 12, 9, 6]);
    for (let n = 1; n <= lineCount; n++) {
      const m = rnd.pick(MATERIALS);
      const qty = m.unit === 'KG' ? rnd.int(5, 500) / 10 : rnd.int(1, 40);
      const line = priceItem(m, qty, account.currency);
      total += line.net;
      items.push({
        SalesOrder: so, SalesOrderItem: String(n * 10), HigherLevelItem: '', SalesOrderItemCategory: 'TAN', SalesOrderItemText: m.text,
        PurchaseOrderByCustomer: '', Material: m.material, MaterialByCustomer: '', PricingDate: day, RequestedQuantity: String(qty),
        RequestedQuantityUnit: m.unit, ItemGrossWeight: line.grossWeight, ItemNetWeight: line.netWeight, ItemWeightUnit: 'KG',
        NetAmount: line.net.toFixed(2), TransactionCurrency: account.currency, MaterialGroup: m.group, Plant: '1710', StorageLocation: '171A',
        ShippingPoint: '1710', ItemBillingBlockReason: '', SalesDocumentRjcnReason: '', SDProcessStatus: status, DeliveryStatus: status,
        OrderRelatedBillingStatus: status === 'C' ? 'C' : 'A',
      });
    }
    orders.push({
      SalesOrder: so, SalesOrderType: 'OR', SalesOrganization: '1710', DistributionChannel: '10', OrganizationDivision: '00',
      SalesGroup: '', SalesOffice: '', SalesDistrict: '', SoldToParty: personBp(person.index), CreationDate: day,
      CreatedByUser: rnd.pick(SEED_USERS), LastChangeDate: midnight(changed), LastChangeDateTime: changed,
      PurchaseOrderByCustomer: `PO-${account.index}-${String(rnd.int(1, 99999)).padStart(5, '0')}`, CustomerPurchaseOrderType: '',
      CustomerPurchaseOrderDate: day, SalesOrderDate: day, TotalNetAmount: total.toFixed(2), TransactionCurrency: account.currency,
      SDDocumentReason: '', PricingDate: day, RequestedDeliveryDate: day + rnd.int(7, 45) * DAY_MS, ShippingCondition: '01',
      CompleteDeliveryIsDefined: false, ShippingType: '', HeaderBillingBlockReason: '', DeliveryBlockReason: '',
      IncotermsClassification: 'EXW', IncotermsLocation1: account.city, CustomerPaymentTerms: rnd.pick(['0001', '0002', 'NT30']), PaymentMethod: '',
      OverallSDProcessStatus: status, TotalCreditCheckStatus: '', OverallTotalDeliveryStatus: status, OverallSDDocumentRejectionSts: 'A',
      OverallOrdReltdBillgStatus: status === 'C' ? 'C' : 'A',
    });
  }
  return { orders, items };
}
