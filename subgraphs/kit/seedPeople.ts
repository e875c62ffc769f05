/**
 * The people and companies every sandbox seeds from. A person's email is the cross-system identity:
 * the same address is a Salesforce Contact, an SAP business partner's default email and a Teams
 * user's `mail`, so one query can walk CRM -> ERP -> chat. Built deterministically from a fixed seed
 * (same data on every machine and every start); each sandbox derives its own records from this list
 * with its own seeded random stream.
 */
import { createSeededRandom } from './seededRandom';

export interface SeedAccount {
  index: number;
  name: string;
  /** Email domain of the company's people. */
  domain: string;
  industry: string;
  city: string;
  country: string;
  /** ISO 4217 currency the company is billed in. */
  currency: string;
  phone: string;
  /** ms since epoch. */
  createdAt: number;
}

export interface SeedPerson {
  index: number;
  firstName: string;
  lastName: string;
  email: string;
  phone: string;
  mobile: string;
  title: string;
  accountIndex: number;
  /** ms since epoch. */
  createdAt: number;
}

export interface SeedWorld {
  accounts: SeedAccount[];
  people: SeedPerson[];
}

export interface SeedSize {
  /** @default 500 */
  accounts?: number;
  /** @default 5000 */
  people?: number;
}

/** The instant the seed data is "as of": fixed, so timestamps do not drift between runs. */
export const SEED_EPOCH = Date.UTC(2026, 9, 1, 9, 0, 0);
export const DAY_MS = 86_400_000;
export const DEFAULT_SEED = 20261001;

const FIRST = ['James', 'Mary', 'Robert', 'Patricia', 'John', 'Jennifer', 'Michael', 'Linda', 'David', 'Elizabeth',
  'William', 'Barbara', 'Richard', 'Susan', 'Joseph', 'Jessica', 'Thomas', 'Sarah', 'Charles', 'Karen', 'Daniel',
  'Lisa', 'Matthew', 'Nancy', 'Anthony', 'Betty', 'Mark', 'Sandra', 'Steven', 'Ashley', 'Paul', 'Emily', 'Andrew',
  'Michelle', 'Joshua', 'Amanda', 'Kenneth', 'Melissa', 'Kevin', 'Stephanie', 'Brian', 'Rebecca', 'Timothy', 'Laura',
  'Ronald', 'Sharon', 'Jason', 'Cynthia', 'Jeffrey', 'Kathleen', 'Ryan', 'Amy', 'Jacob', 'Angela', 'Gary', 'Anna',
  'Nicholas', 'Brenda', 'Eric', 'Pamela', 'Jonathan', 'Emma', 'Stephen', 'Nicole', 'Larry', 'Helen', 'Justin',
  'Samantha', 'Scott', 'Katherine', 'Lukas', 'Sofia', 'Mateo', 'Camila', 'Hiroshi', 'Yuki', 'Wei', 'Mei', 'Arjun',
  'Priya', 'Olumide', 'Amara', 'Lars', 'Ingrid', 'Pierre', 'Camille', 'Giulia', 'Marco', 'Sven', 'Freya', 'Diego',
  'Lucia', 'Ahmed', 'Fatima', 'Noah', 'Mia', 'Leon', 'Hannah', 'Jonas', 'Lea', 'Rafael', 'Beatriz', 'Tomasz', 'Zofia'];
const LAST = ['Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis', 'Rodriguez', 'Martinez',
  'Hernandez', 'Lopez', 'Gonzalez', 'Wilson', 'Anderson', 'Thomas', 'Taylor', 'Moore', 'Jackson', 'Martin', 'Lee',
  'Perez', 'Thompson', 'White', 'Harris', 'Sanchez', 'Clark', 'Ramirez', 'Lewis', 'Robinson', 'Walker', 'Young',
  'Allen', 'King', 'Wright', 'Scott', 'Torres', 'Nguyen', 'Hill', 'Flores', 'Green', 'Adams', 'Nelson', 'Baker',
  'Hall', 'Rivera', 'Campbell', 'Mitchell', 'Carter', 'Roberts', 'Mueller', 'Schmidt', 'Schneider', 'Fischer',
  'Weber', 'Meyer', 'Wagner', 'Becker', 'Dubois', 'Moreau', 'Laurent', 'Rossi', 'Russo', 'Ferrari', 'Esposito',
  'Tanaka', 'Suzuki', 'Sato', 'Watanabe', 'Wang', 'Li', 'Zhang', 'Chen', 'Patel', 'Sharma', 'Singh', 'Okafor',
  'Adeyemi', 'Johansson', 'Nilsson', 'Larsen', 'Hansen', 'Kowalski', 'Nowak', 'Silva', 'Santos', 'Oliveira',
  'Costa', 'Novak', 'Horvat', 'Kim', 'Park', 'Choi', 'Murphy', 'Kelly', "O'Brien", 'Byrne', 'Walsh', 'Fernandes'];
const COMPANY_A = ['Acme', 'Globex', 'Initech', 'Umbrella', 'Stark', 'Wayne', 'Wonka', 'Tyrell', 'Cyberdyne', 'Soylent',
  'Hooli', 'Vandelay', 'Massive', 'Gringotts', 'Oscorp', 'Aperture', 'Black Mesa', 'Monarch', 'Nakatomi', 'Virtucon',
  'Blue Sun', 'Weyland', 'Dunder', 'Pied Piper', 'Sterling', 'Bluth', 'Prestige', 'Gekko', 'Duff', 'Nordwind',
  'Alpenrose', 'Helios', 'Orion', 'Zenith', 'Apex', 'Vertex', 'Summit', 'Harbor', 'Northwind', 'Contoso', 'Fabrikam',
  'Tailspin', 'Adventure', 'Litware', 'Proseware', 'Lucerne', 'Coho', 'Wingtip', 'Woodgrove', 'Fourth Coffee'];
const COMPANY_B = ['Industries', 'Systems', 'Logistics', 'Foods', 'Energy', 'Pharma', 'Robotics', 'Textiles', 'Motors'];
const SUFFIX = ['Inc.', 'GmbH', 'Ltd.', 'AG', 'S.A.', 'B.V.', 'LLC', 'Corp.', 'SE', 'K.K.'];
const INDUSTRY = ['Manufacturing', 'Retail', 'Technology', 'Healthcare', 'Energy', 'Finance', 'Transportation',
  'Consumer Goods', 'Chemicals', 'Telecommunications'];
const PLACES: Array<[string, string, string, string]> = [
  ['New York', 'US', 'USD', '+1 212'], ['Chicago', 'US', 'USD', '+1 312'], ['San Francisco', 'US', 'USD', '+1 415'],
  ['Toronto', 'CA', 'CAD', '+1 416'], ['London', 'GB', 'GBP', '+44 20'], ['Manchester', 'GB', 'GBP', '+44 161'],
  ['Berlin', 'DE', 'EUR', '+49 30'], ['Munich', 'DE', 'EUR', '+49 89'], ['Walldorf', 'DE', 'EUR', '+49 6227'],
  ['Paris', 'FR', 'EUR', '+33 1'], ['Milan', 'IT', 'EUR', '+39 02'], ['Madrid', 'ES', 'EUR', '+34 91'],
  ['Amsterdam', 'NL', 'EUR', '+31 20'], ['Zurich', 'CH', 'CHF', '+41 44'], ['Stockholm', 'SE', 'SEK', '+46 8'],
  ['Warsaw', 'PL', 'PLN', '+48 22'], ['Tokyo', 'JP', 'JPY', '+81 3'], ['Sydney', 'AU', 'AUD', '+61 2'],
  ['Singapore', 'SG', 'SGD', '+65'], ['Sao Paulo', 'BR', 'BRL', '+55 11']];
const TITLES = ['CEO', 'CFO', 'CTO', 'VP Sales', 'VP Operations', 'Procurement Manager', 'Purchasing Agent',
  'Buyer', 'Senior Buyer', 'Supply Chain Manager', 'Logistics Coordinator', 'IT Director', 'Account Manager',
  'Operations Analyst', 'Plant Manager', 'Finance Controller', 'Head of Procurement', 'Category Manager'];

function slug(s: string): string {
  return s.toLowerCase().normalize('NFKD').replace(/[^a-z0-9]+/g, '');
}

function digits(rnd: ReturnType<typeof createSeededRandom>, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += String(rnd.int(0, 9));
  return s;
}

/** Build the shared world. Pure and deterministic for a given seed and size. */
export function buildSeedWorld(seed = DEFAULT_SEED, size: SeedSize = {}): SeedWorld {
  const rnd = createSeededRandom(seed);
  const accountCount = size.accounts ?? 500;
  const peopleCount = size.people ?? 5000;
  const accounts: SeedAccount[] = [];
  const usedNames = new Set<string>();
  for (let i = 0; i < accountCount; i++) {
    let name = '';
    for (let tries = 0; tries < 50 && (name === '' || usedNames.has(name)); tries++) {
      name = `${rnd.pick(COMPANY_A)} ${rnd.pick(COMPANY_B)} ${rnd.pick(SUFFIX)}`;
    }
    if (usedNames.has(name)) name = `${name} ${i}`;
    usedNames.add(name);
    const [city, country, currency, dial] = rnd.pick(PLACES);
    const base = slug(name.split(' ').slice(0, 2).join(''));
    accounts.push({
      index: i, name, domain: `${base}${i}.example.com`, industry: rnd.pick(INDUSTRY), city, country, currency,
      phone: `${dial} ${digits(rnd, 3)} ${digits(rnd, 4)}`,
      createdAt: SEED_EPOCH - rnd.int(400, 3000) * DAY_MS - rnd.int(0, DAY_MS - 1),
    });
  }
  const people: SeedPerson[] = [];
  const usedEmails = new Set<string>();
  for (let i = 0; i < peopleCount; i++) {
    // Each account gets at least one person; the rest spread unevenly (some accounts are big customers).
    const account = i < accountCount ? accounts[i]! : accounts[Math.floor(Math.pow(rnd.next(), 1.6) * accountCount)]!;
    const firstName = rnd.pick(FIRST);
    const lastName = rnd.pick(LAST);
    const local = `${slug(firstName)}.${slug(lastName)}`;
    let email = `${local}@${account.domain}`;
    for (let n = 2; usedEmails.has(email); n++) email = `${local}${n}@${account.domain}`;
    usedEmails.add(email);
    const dial = account.phone.split(' ').slice(0, -2).join(' ');
    people.push({
      index: i, firstName, lastName, email,
      phone: `${dial} ${digits(rnd, 3)} ${digits(rnd, 4)}`,
      mobile: `${dial} 7${digits(rnd, 2)} ${digits(rnd, 4)}`,
      title: rnd.pick(TITLES), accountIndex: account.index,
      createdAt: Math.max(account.createdAt, SEED_EPOCH - rnd.int(30, 1500) * DAY_MS) + rnd.int(0, DAY_MS - 1),
    });
  }
  return { accounts, people };
}
