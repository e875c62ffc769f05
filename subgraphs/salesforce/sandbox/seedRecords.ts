/**
 * The sandbox's seeded org: Accounts and Contacts derived from the shared seed world (a person's
 * email is the cross-system identity and is kept verbatim), plus the org's users (the integration
 * user every session runs as, and the sales reps who own the records).
 */
import { buildSeedWorld, DAY_MS, SEED_EPOCH, type SeedSize } from '../../kit/seedPeople';
import { createSeededRandom } from '../../kit/seededRandom';
import type { FieldValues } from './fieldValidation';
import { KEY_PREFIX, makeId } from './salesforceIds';

export interface SeedRecord {
  type: 'Account' | 'Contact' | 'User';
  id: string;
  values: FieldValues;
}

/** The org id (18 characters) of the sandbox org. */
export const ORG_ID = makeId(KEY_PREFIX.Organization, 0x4c756d);
/** The integration user every default session runs as. */
export const INTEGRATION_USER_ID = makeId(KEY_PREFIX.User, 1);
export const DEFAULT_USERNAME = 'integration@lumina.example';

const REPS: Array<[string, string]> = [['Alex', 'Morgan'], ['Priya', 'Raman'], ['Jonas', 'Becker'], ['Chloe', 'Martin'],
  ['Kenji', 'Watanabe'], ['Sofia', 'Rossi'], ['Daniel', 'Okafor'], ['Emma', 'Lindqvist']];

const COUNTRY_NAMES: Record<string, string> = {
  US: 'United States', CA: 'Canada', GB: 'United Kingdom', DE: 'Germany', FR: 'France', IT: 'Italy', ES: 'Spain',
  NL: 'Netherlands', CH: 'Switzerland', SE: 'Sweden', PL: 'Poland', JP: 'Japan', AU: 'Australia', SG: 'Singapore', BR: 'Brazil',
};

const DEPARTMENTS: Record<string, string> = {
  CEO: 'Executive', CFO: 'Finance', CTO: 'Technology', 'IT Director': 'Technology', 'Finance Controller': 'Finance',
  'VP Sales': 'Sales', 'Account Manager': 'Sales', 'VP Operations': 'Operations', 'Operations Analyst': 'Operations',
  'Plant Manager': 'Operations', 'Supply Chain Manager': 'Supply Chain', 'Logistics Coordinator': 'Supply Chain',
};

/** Build the seeded records. Deterministic for a seed and size. */
export function buildSeedRecords(seed: number, size: SeedSize, username: string): SeedRecord[] {
  const world = buildSeedWorld(seed, size);
  const rnd = createSeededRandom(seed ^ 0x5a1e5f0c);
  const out: SeedRecord[] = [];
  const userCreated = SEED_EPOCH - 4000 * DAY_MS;
  const users: Array<[string, string, string]> = [['Integration', 'User', username],
    ...REPS.map(([f, l]): [string, string, string] => [f, l, `${f.toLowerCase()}.${l.toLowerCase()}@lumina.example`])];
  users.forEach(([first, last, email], i) => {
    out.push({
      type: 'User', id: makeId(KEY_PREFIX.User, i + 1),
      values: {
        Username: i === 0 ? username : email, FirstName: first, LastName: last, Name: `${first} ${last}`, Email: email,
        Title: i === 0 ? 'API Integration' : 'Account Executive', IsActive: true,
        CreatedDate: userCreated, LastModifiedDate: userCreated, SystemModstamp: userCreated,
      },
    });
  });
  const repIds = REPS.map((_, i) => makeId(KEY_PREFIX.User, i + 2));
  const accountIds: string[] = [];
  const accountOwner: string[] = [];
  for (const a of world.accounts) {
    const id = makeId(KEY_PREFIX.Account, a.index + 1);
    const owner = rnd.pick(repIds);
    const modified = Math.min(SEED_EPOCH, a.createdAt + rnd.int(0, 400) * DAY_MS + rnd.int(0, DAY_MS - 1));
    accountIds.push(id);
    accountOwner.push(owner);
    out.push({
      type: 'Account', id,
      values: {
        IsDeleted: false, Name: a.name, Type: rnd.chance(0.8) ? 'Customer - Direct' : rnd.pick(['Prospect', 'Partner', 'Customer - Channel']),
        Industry: a.industry, Phone: a.phone, Website: `https://www.${a.domain}`, BillingCity: a.city,
        BillingCountry: COUNTRY_NAMES[a.country] ?? a.country, CurrencyIsoCode: a.currency,
        NumberOfEmployees: rnd.int(12, 60_000), AnnualRevenue: rnd.int(5, 50_000) * 100_000, Description: null,
        OwnerId: owner, CreatedDate: a.createdAt, CreatedById: owner, LastModifiedDate: modified, LastModifiedById: owner, SystemModstamp: modified,
      },
    });
  }
  for (const p of world.people) {
    const account = world.accounts[p.accountIndex];
    const owner = accountOwner[p.accountIndex] ?? INTEGRATION_USER_ID;
    const modified = Math.min(SEED_EPOCH, p.createdAt + rnd.int(0, 200) * DAY_MS + rnd.int(0, DAY_MS - 1));
    out.push({
      type: 'Contact', id: makeId(KEY_PREFIX.Contact, p.index + 1),
      values: {
        IsDeleted: false, AccountId: accountIds[p.accountIndex] ?? null, LastName: p.lastName, FirstName: p.firstName,
        Salutation: null, Name: `${p.firstName} ${p.lastName}`,
        MailingCity: account?.city ?? null, MailingCountry: account ? COUNTRY_NAMES[account.country] ?? account.country : null,
        Phone: p.phone, MobilePhone: p.mobile, Email: p.email, Title: p.title, Department: DEPARTMENTS[p.title] ?? 'Procurement',
        Description: null, OwnerId: owner, CreatedDate: p.createdAt, CreatedById: owner,
        LastModifiedDate: modified, LastModifiedById: owner, SystemModstamp: modified,
      },
    });
  }
  return out;
}
