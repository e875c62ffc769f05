import { buildSeedWorld, DAY_MS, DEFAULT_SEED, SEED_EPOCH } from '../../../subgraphs/kit/seedPeople';
import { SalesforceApiError } from '../../../subgraphs/salesforce/sandbox/salesforceErrors';
import { createSalesforceStore, type SalesforceStore } from '../../../subgraphs/salesforce/sandbox/salesforceStore';
import { INTEGRATION_USER_ID } from '../../../subgraphs/salesforce/sandbox/seedRecords';
import { executeQuery, type QueryResult } from '../../../subgraphs/salesforce/sandbox/soqlEvaluator';
import { parseSoql } from '../../../subgraphs/salesforce/sandbox/soqlParser';

const SIZE = { accounts: 30, people: 400 };
const NOW = SEED_EPOCH;

function run(store: SalesforceStore, soql: string, scanAll = false): QueryResult {
  return executeQuery({ store, soql, version: '59.0', scanAll, now: NOW }, parseSoql(soql));
}

function failure(store: SalesforceStore, soql: string): SalesforceApiError {
  try {
    run(store, soql);
  } catch (err) {
    if (err instanceof SalesforceApiError) return err;
    throw err;
  }
  throw new Error(`expected ${soql} to fail`);
}

describe('SOQL evaluation over the seeded org', () => {
  const world = buildSeedWorld(DEFAULT_SEED, SIZE);
  let store: SalesforceStore;
  beforeEach(() => {
    store = createSalesforceStore({ seed: DEFAULT_SEED, size: SIZE, now: () => NOW });
  });

  it('seeds one contact per person with the shared email and its account', () => {
    expect(run(store, 'SELECT COUNT() FROM Contact').totalSize).toBe(SIZE.people);
    expect(run(store, 'SELECT COUNT() FROM Account').totalSize).toBe(SIZE.accounts);
    const p = world.people[17]!;
    const [row] = run(store, `SELECT FirstName, LastName, Account.Name FROM Contact WHERE Email = '${p.email}'`).records;
    expect(row).toMatchObject({ FirstName: p.firstName, LastName: p.lastName, Account: { Name: world.accounts[p.accountIndex]!.name } });
  });

  it('compares text case-insensitively and matches LIKE wildcards case-insensitively', () => {
    const p = world.people[3]!;
    expect(run(store, `SELECT Id FROM Contact WHERE Email = '${p.email.toUpperCase()}'`).totalSize).toBe(1);
    const expected = world.people.filter((x) => x.lastName.toLowerCase().startsWith('s')).length;
    expect(run(store, "SELECT Id FROM Contact WHERE LastName LIKE 's%'").totalSize).toBe(expected);
    const fiveLetters = world.people.filter((x) => x.lastName.length === 5).length;
    expect(run(store, "SELECT Id FROM Contact WHERE LastName LIKE '_____'").totalSize).toBe(fiveLetters);
  });

  it('treats escaped % in LIKE as a literal percent sign', () => {
    store.create('Contact', { LastName: '100% Sure' }, INTEGRATION_USER_ID);
    store.create('Contact', { LastName: '100 Sure' }, INTEGRATION_USER_ID);
    expect(run(store, "SELECT LastName FROM Contact WHERE LastName LIKE '100\\%%'").records.map((r) => r.LastName)).toEqual(['100% Sure']);
  });

  it('includes nulls in != and NOT IN, as SOQL does', () => {
    store.create('Contact', { LastName: 'Nameless' }, INTEGRATION_USER_ID);
    const notCeo = run(store, "SELECT Id FROM Contact WHERE Title != 'CEO'").totalSize;
    expect(notCeo).toBe(SIZE.people + 1 - world.people.filter((p) => p.title === 'CEO').length);
    expect(run(store, "SELECT Id FROM Contact WHERE Title NOT IN ('CEO')").totalSize).toBe(notCeo);
    expect(run(store, 'SELECT Id FROM Contact WHERE Title = null').totalSize).toBe(1);
  });

  it('answers an IN list of 200 emails through the email index with exactly those contacts', () => {
    const big = createSalesforceStore({ seed: DEFAULT_SEED, size: {}, now: () => NOW });
    const emails = buildSeedWorld().people.filter((_, i) => i % 25 === 0).map((p) => p.email);
    expect(emails).toHaveLength(200);
    const res = run(big, `SELECT Email FROM Contact WHERE Email IN (${emails.map((e) => `'${e}'`).join(',')}) AND IsDeleted = false`);
    expect(res.records.map((r) => r.Email).sort()).toEqual([...emails].sort());
  });

  it('orders with NULLS FIRST / LAST and descending keys', () => {
    store.create('Contact', { LastName: 'Zz-null-first' }, INTEGRATION_USER_ID);
    const asc = run(store, 'SELECT FirstName FROM Contact ORDER BY FirstName NULLS FIRST LIMIT 2').records;
    expect(asc[0]!.FirstName).toBeNull();
    const last = run(store, 'SELECT FirstName FROM Contact ORDER BY FirstName ASC NULLS LAST').records;
    expect(last[last.length - 1]!.FirstName).toBeNull();
    const desc = run(store, 'SELECT LastName FROM Contact ORDER BY LastName DESC LIMIT 1').records;
    const maxName = [...world.people.map((p) => p.lastName), 'Zz-null-first'].sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? 1 : -1))[0];
    expect(desc[0]!.LastName).toBe(maxName);
  });

  it('applies OFFSET then LIMIT and caps OFFSET at 2000', () => {
    const all = run(store, 'SELECT Id FROM Contact ORDER BY Id').records.map((r) => r.Id);
    expect(run(store, 'SELECT Id FROM Contact ORDER BY Id LIMIT 5 OFFSET 10').records.map((r) => r.Id)).toEqual(all.slice(10, 15));
    expect(failure(store, 'SELECT Id FROM Contact OFFSET 2001')).toMatchObject({ errorCode: 'NUMBER_OUTSIDE_VALID_RANGE', status: 400 });
  });

  it('filters datetimes by literal instants and by date literals relative to now', () => {
    const recent = world.people.filter((p) => p.createdAt >= Math.floor(NOW / DAY_MS) * DAY_MS - 90 * DAY_MS).length;
    expect(run(store, 'SELECT Id FROM Contact WHERE CreatedDate = LAST_N_DAYS:90').totalSize).toBe(recent);
    const cutoff = Date.UTC(2025, 0, 1);
    const after = world.people.filter((p) => p.createdAt > cutoff).length;
    expect(run(store, 'SELECT Id FROM Contact WHERE CreatedDate > 2025-01-01T00:00:00Z').totalSize).toBe(after);
    expect(run(store, 'SELECT Id FROM Contact WHERE CreatedDate > 2025-01-01T01:00:00+0100').totalSize).toBe(after);
  });

  it('rejects unknown fields, unknown types and mistyped filter values with Salesforce codes', () => {
    expect(failure(store, 'SELECT Foo FROM Contact')).toMatchObject({ errorCode: 'INVALID_FIELD', message: expect.stringContaining("No such column 'Foo' on entity 'Contact'") });
    expect(failure(store, 'SELECT Account.Foo FROM Contact')).toMatchObject({ errorCode: 'INVALID_FIELD', message: expect.stringContaining("No such column 'Foo' on entity 'Account'") });
    expect(failure(store, 'SELECT Id FROM Opportunity')).toMatchObject({ errorCode: 'INVALID_TYPE', message: expect.stringContaining("sObject type 'Opportunity' is not supported") });
    expect(failure(store, 'SELECT Id FROM Contact WHERE Email = 5')).toMatchObject({ errorCode: 'INVALID_FIELD', message: expect.stringContaining('must be of type string') });
    expect(failure(store, "SELECT Id FROM Contact WHERE Id = 'abc'")).toMatchObject({ errorCode: 'INVALID_QUERY_FILTER_OPERATOR' });
    expect(failure(store, 'SELECT Id FROM Contact WHERE CreatedDate > 2024-01-01')).toMatchObject({ errorCode: 'INVALID_FIELD', message: expect.stringContaining('dateTime') });
    expect(failure(store, 'SELECT Name, COUNT() FROM Contact')).toMatchObject({ errorCode: 'MALFORMED_QUERY' });
  });

  it('returns child subqueries nested, and null for a parent without children', () => {
    const { id } = store.create('Account', { Name: 'Lonely Inc.' }, INTEGRATION_USER_ID);
    const res = run(store, `SELECT Name, (SELECT Email FROM Contacts ORDER BY Email) FROM Account WHERE Id IN ('${id}', '${store.all('Account')[0]!.id}')`);
    const lonely = res.records.find((r) => r.Name === 'Lonely Inc.')!;
    const first = res.records.find((r) => r.Name !== 'Lonely Inc.')!;
    expect(lonely.Contacts).toBeNull();
    const expected = world.people.filter((p) => p.accountIndex === 0).length;
    expect(first.Contacts).toMatchObject({ totalSize: expected, done: true });
  });

  it('counts with COUNT(field) as an AggregateResult with its alias', () => {
    store.create('Contact', { LastName: 'NoEmail' }, INTEGRATION_USER_ID);
    const res = run(store, 'SELECT COUNT(Email) withEmail, COUNT(Id) FROM Contact');
    expect(res.records).toEqual([{ attributes: { type: 'AggregateResult' }, withEmail: SIZE.people, expr1: SIZE.people + 1 }]);
  });

  it('includes soft-deleted records only in queryAll', () => {
    const target = store.all('Account')[1]!;
    const children = store.contactsOfAccount(target.id).length;
    store.delete('Account', target.id, INTEGRATION_USER_ID);
    expect(run(store, 'SELECT COUNT() FROM Contact').totalSize).toBe(SIZE.people - children);
    expect(run(store, 'SELECT COUNT() FROM Contact WHERE IsDeleted = true', true).totalSize).toBe(children);
  });
});
