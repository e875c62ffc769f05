/**
 * Data access through unmodified jsforce: query and queryMore paging, queryAll, single-record CRUD,
 * sObject collections, describe / describeGlobal and composite requests with references.
 */
import type { Connection } from 'jsforce';
import { buildSeedWorld, DEFAULT_SEED } from '../../../subgraphs/kit/seedPeople';
import type { SalesforceSandbox } from '../../../subgraphs/salesforce/sandbox/salesforceSandbox';
import { admin, counter, loggedIn, SMALL, startSandbox } from './sandboxHelpers';

interface ContactRow {
  Id: string;
  LastName?: string;
  FirstName?: string | null;
  Email?: string | null;
  Name?: string;
  IsDeleted?: boolean;
  Account?: { Name: string } | null;
}

describe('Salesforce sandbox data access with jsforce', () => {
  let sb: SalesforceSandbox;
  let conn: Connection;
  const world = buildSeedWorld(DEFAULT_SEED, SMALL);

  beforeAll(async () => {
    sb = await startSandbox();
    conn = await loggedIn(sb);
  });
  afterAll(() => sb.close());
  beforeEach(async () => {
    await admin(sb, 'POST', 'reset');
  });

  it('queries seeded contacts with their account name nested under Account', async () => {
    const person = world.people[5]!;
    const res = await conn.query<ContactRow>(`SELECT Id, Name, Email, Account.Name FROM Contact WHERE Email = '${person.email.toUpperCase()}'`);
    expect(res.totalSize).toBe(1);
    const row = res.records[0]!;
    expect(row.Email).toBe(person.email);
    expect(row.Name).toBe(`${person.firstName} ${person.lastName}`);
    expect(row.Account?.Name).toBe(world.accounts[person.accountIndex]!.name);
    expect((row as unknown as { attributes: { type: string; url: string } }).attributes).toEqual({ type: 'Contact', url: `/services/data/v59.0/sobjects/Contact/${row.Id}` });
  });

  it('pages a large result with batchSize and queryMore, following several locators', async () => {
    const before = counter(sb, 'GET /services/data/vXX.X/query/:locator');
    const res = await conn.query<ContactRow>('SELECT Id, Email FROM Contact ORDER BY Email', {
      autoFetch: true, maxFetch: 10_000, headers: { 'Sforce-Query-Options': 'batchSize=200' },
    });
    expect(res.totalSize).toBe(SMALL.people);
    expect(res.records).toHaveLength(SMALL.people);
    expect(new Set(res.records.map((r) => r.Id)).size).toBe(SMALL.people);
    const emails = res.records.map((r) => r.Email ?? '');
    expect(emails).toEqual([...emails].sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : a.toLowerCase() > b.toLowerCase() ? 1 : 0)));
    expect(counter(sb, 'GET /services/data/vXX.X/query/:locator') - before).toBe(Math.ceil(SMALL.people / 200) - 1);
  });

  it('returns a nextRecordsUrl that conn.queryMore follows to the last page', async () => {
    const first = await conn.query<ContactRow>('SELECT Id FROM Contact', { headers: { 'Sforce-Query-Options': 'batchSize=300' } });
    expect(first.done).toBe(false);
    expect(first.records).toHaveLength(300);
    expect(first.nextRecordsUrl).toMatch(/\/query\/01g[A-Za-z0-9]{15}-300$/);
    const second = await conn.queryMore<ContactRow>(first.nextRecordsUrl!);
    expect(second.records).toHaveLength(300);
    const third = await conn.queryMore<ContactRow>(second.nextRecordsUrl!);
    expect(third.done).toBe(true);
    expect(third.nextRecordsUrl).toBeUndefined();
    expect(third.records).toHaveLength(SMALL.people - 600);
  });

  it('counts with COUNT() and hides deleted records from query but not from queryAll', async () => {
    const count = await conn.query('SELECT COUNT() FROM Contact');
    expect(count.totalSize).toBe(SMALL.people);
    const victim = (await conn.query<ContactRow>('SELECT Id FROM Contact LIMIT 1')).records[0]!;
    await conn.sobject('Contact').destroy(victim.Id);
    expect((await conn.query('SELECT COUNT() FROM Contact')).totalSize).toBe(SMALL.people - 1);
    const all = await conn.query<ContactRow>(`SELECT Id, IsDeleted FROM Contact WHERE Id = '${victim.Id}'`, { scanAll: true });
    expect(all.records).toEqual([expect.objectContaining({ Id: victim.Id, IsDeleted: true })]);
    expect(counter(sb, 'GET /services/data/vXX.X/queryAll')).toBeGreaterThan(0);
  });

  it('creates, retrieves, updates and deletes a single contact', async () => {
    const account = (await conn.query<{ Id: string }>('SELECT Id FROM Account LIMIT 1')).records[0]!;
    const created = await conn.sobject('Contact').create({ FirstName: 'Ada', LastName: 'Lovelace', Email: 'ada@analytical.example', AccountId: account.Id });
    expect(created).toEqual({ id: expect.stringMatching(/^003[A-Za-z0-9]{15}$/), success: true, errors: [] });
    const id = created.id!;
    const got = await conn.sobject('Contact').retrieve(id, { fields: ['Name', 'Email', 'AccountId'] }) as unknown as Record<string, unknown>;
    expect(got).toMatchObject({ Name: 'Ada Lovelace', Email: 'ada@analytical.example', AccountId: account.Id });
    const full = await conn.sobject('Contact').retrieve(id) as unknown as Record<string, unknown>;
    expect(full.CreatedDate).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000$/);
    await expect(conn.sobject('Contact').update({ Id: id, Title: 'Countess' })).resolves.toEqual({ id, success: true, errors: [] });
    const after = await conn.sobject('Contact').retrieve(id) as unknown as Record<string, unknown>;
    expect(after.Title).toBe('Countess');
    expect(after.LastModifiedDate).not.toBeNull();
    await conn.sobject('Contact').destroy(id);
    await expect(conn.sobject('Contact').retrieve(id)).rejects.toMatchObject({ errorCode: 'ENTITY_IS_DELETED' });
  });

  it('rejects a contact without LastName with REQUIRED_FIELD_MISSING naming the field', async () => {
    await expect(conn.sobject('Contact').create({ FirstName: 'No' })).rejects.toMatchObject({
      errorCode: 'REQUIRED_FIELD_MISSING', data: { fields: ['LastName'] },
    });
  });

  it('rejects read-only and unknown fields', async () => {
    await expect(conn.sobject('Contact').create({ LastName: 'X', Name: 'Full' })).rejects.toMatchObject({ errorCode: 'INVALID_FIELD_FOR_INSERT_UPDATE', data: { fields: ['Name'] } });
    await expect(conn.sobject('Contact').create({ LastName: 'X', Shoe_Size__c: 42 })).rejects.toMatchObject({ errorCode: 'INVALID_FIELD' });
  });

  it('retrieves several records through the collections API, describing first when no fields are given', async () => {
    const ids = (await conn.query<ContactRow>('SELECT Id FROM Contact ORDER BY Id LIMIT 3')).records.map((r) => r.Id);
    const missing = '003' + '8d' + 'zzzzzzzzzz';
    const describesBefore = counter(sb, 'GET /services/data/vXX.X/sobjects/:type/describe');
    const rows = await conn.retrieve('Contact', [...ids, missing]) as unknown as Array<Record<string, unknown> | null>;
    expect(rows).toHaveLength(4);
    expect(rows.slice(0, 3).map((r) => r?.Id)).toEqual(ids);
    expect(rows[3]).toBeNull();
    expect(Object.keys(rows[0]!)).toEqual(expect.arrayContaining(['Email', 'AccountId', 'OwnerId', 'SystemModstamp']));
    expect(counter(sb, 'GET /services/data/vXX.X/sobjects/:type/describe')).toBe(describesBefore + 1);
    expect(counter(sb, 'POST /services/data/vXX.X/composite/sobjects/:type')).toBeGreaterThan(0);
  });

  it('creates, updates and deletes collections with per-record SaveResults', async () => {
    const created = await conn.create('Contact', [{ LastName: 'One' }, { FirstName: 'Nameless' }, { LastName: 'Three' }]);
    expect(created[0]).toMatchObject({ success: true });
    expect(created[1]).toEqual({ success: false, errors: [{ statusCode: 'REQUIRED_FIELD_MISSING', message: 'Required fields are missing: [LastName]', fields: ['LastName'] }] });
    expect(created[2]).toMatchObject({ success: true });
    const ids = [created[0]!.id!, created[2]!.id!];
    const updated = await conn.update('Contact', ids.map((Id) => ({ Id, Title: 'Updated' })));
    expect(updated.map((r) => r.success)).toEqual([true, true]);
    const rows = await conn.retrieve('Contact', ids, { fields: ['Title'] }) as unknown as Array<{ Title: string }>;
    expect(rows.map((r) => r.Title)).toEqual(['Updated', 'Updated']);
    const deleted = await conn.destroy('Contact', ids);
    expect(deleted).toEqual(ids.map((id) => ({ id, success: true, errors: [] })));
  });

  it('rolls the whole collection back under allOrNone', async () => {
    const before = (await conn.query('SELECT COUNT() FROM Contact')).totalSize;
    const res = await conn.create('Contact', [{ LastName: 'Kept?' }, { Email: 'no-last-name@x.example' }], { allOrNone: true });
    expect(res[0]).toEqual({ success: false, errors: [expect.objectContaining({ statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK' })] });
    expect(res[1]).toMatchObject({ success: false, errors: [{ statusCode: 'REQUIRED_FIELD_MISSING' }] });
    expect((await conn.query('SELECT COUNT() FROM Contact')).totalSize).toBe(before);
  });

  it('describes sObjects globally and in detail', async () => {
    const global = await conn.describeGlobal();
    expect(global.sobjects.map((s) => s.name)).toEqual(expect.arrayContaining(['Account', 'Contact']));
    expect(global.sobjects.find((s) => s.name === 'Contact')).toMatchObject({ keyPrefix: '003', queryable: true, createable: true });
    const contact = await conn.describe('Contact');
    const fields = new Map(contact.fields.map((f) => [f.name, f]));
    expect(fields.get('LastName')).toMatchObject({ type: 'string', nillable: false, createable: true });
    expect(fields.get('Email')).toMatchObject({ type: 'email' });
    expect(fields.get('AccountId')).toMatchObject({ type: 'reference', referenceTo: ['Account'], relationshipName: 'Account' });
    expect(fields.get('Name')).toMatchObject({ createable: false, updateable: false });
    const account = await conn.describe('Account');
    expect(account.childRelationships).toEqual(expect.arrayContaining([expect.objectContaining({ childSObject: 'Contact', field: 'AccountId', relationshipName: 'Contacts' })]));
  });

  it('runs a composite request whose later subrequests reference earlier results', async () => {
    const body = {
      allOrNone: true,
      compositeRequest: [
        { method: 'POST', url: '/services/data/v59.0/sobjects/Account', referenceId: 'acct', body: { Name: 'Composite Corp' } },
        { method: 'POST', url: '/services/data/v59.0/sobjects/Contact', referenceId: 'ct', body: { LastName: 'Ref', AccountId: '@{acct.id}' } },
        { method: 'GET', url: '/services/data/v59.0/sobjects/Contact/@{ct.id}?fields=Name,Account.Name', referenceId: 'read' },
      ],
    };
    const res = await conn.requestPost<{ compositeResponse: Array<{ httpStatusCode: number; referenceId: string; body: Record<string, unknown>; httpHeaders: Record<string, string> }> }>('/composite', body);
    expect(res.compositeResponse.map((r) => [r.referenceId, r.httpStatusCode])).toEqual([['acct', 201], ['ct', 201], ['read', 200]]);
    expect(res.compositeResponse[0]!.httpHeaders.Location).toMatch(/^\/services\/data\/v59\.0\/sobjects\/Account\/001/);
    expect(res.compositeResponse[2]!.body).toMatchObject({ Name: 'Ref', Account: { Name: 'Composite Corp' } });
  });

  it('halts and rolls back a composite request under allOrNone when one subrequest fails', async () => {
    const res = await conn.requestPost<{ compositeResponse: Array<{ httpStatusCode: number; body: Array<{ errorCode: string }> }> }>('/composite', {
      allOrNone: true,
      compositeRequest: [
        { method: 'POST', url: '/services/data/v59.0/sobjects/Account', referenceId: 'a', body: { Name: 'Rolled Back Ltd' } },
        { method: 'POST', url: '/services/data/v59.0/sobjects/Contact', referenceId: 'bad', body: { FirstName: 'NoLast' } },
        { method: 'GET', url: '/services/data/v59.0/sobjects/Account/@{a.id}', referenceId: 'never' },
      ],
    });
    expect(res.compositeResponse.map((r) => [r.httpStatusCode, r.body[0]?.errorCode])).toEqual([
      [400, 'PROCESSING_HALTED'], [400, 'REQUIRED_FIELD_MISSING'], [400, 'PROCESSING_HALTED'],
    ]);
    const found = await conn.query("SELECT COUNT() FROM Account WHERE Name = 'Rolled Back Ltd'");
    expect(found.totalSize).toBe(0);
  });

  it('serves any vNN.0 API version', async () => {
    const old = await loggedIn(sb, '42.0');
    const res = await old.query<ContactRow>('SELECT Id FROM Contact LIMIT 1');
    expect((res.records[0] as unknown as { attributes: { url: string } }).attributes.url).toMatch(/^\/services\/data\/v42\.0\//);
    expect(counter(sb, 'GET /services/data/vXX.X/query')).toBeGreaterThan(0);
  });
});
