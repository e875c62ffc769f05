/**
 * SOQL building from untrusted values: string escaping, LIKE prefixes, datetime literals, id
 * validation and chunking by encoded length, plus an abuse run against the sandbox's real SOQL
 * parser through the subgraph (hostile emails and filters are data, never syntax).
 */
import { isIdOf, normalizeSalesforceId, requireId } from '../../../subgraphs/salesforce/salesforceId';
import { chunkInList, escapeSoql, soqlDateTime, soqlLikePrefix, soqlString } from '../../../subgraphs/salesforce/soql';
import { QUERY, startHarness, type Harness } from './subgraphHelpers';

describe('SOQL literals', () => {
  it('escapes backslashes, quotes and control characters', () => {
    expect(escapeSoql("O'Brien")).toBe("O\\'Brien");
    expect(escapeSoql('a\\b')).toBe('a\\\\b');
    expect(escapeSoql("\\'")).toBe("\\\\\\'");
    expect(escapeSoql('x\ny\tz')).toBe('x\\ny\\tz');
    expect(soqlString("' OR Id != '")).toBe("'\\' OR Id != \\''");
  });

  it('makes LIKE wildcards in a prefix literal', () => {
    expect(soqlLikePrefix('50%_off')).toBe("'50\\%\\_off%'");
    expect(soqlLikePrefix("O'")).toBe("'O\\'%'");
  });

  it('writes datetimes as SOQL literals in UTC, to the second', () => {
    expect(soqlDateTime('2024-01-15T10:00:00.750+02:00')).toBe('2024-01-15T08:00:00Z');
    expect(() => soqlDateTime('2024-13-45')).toThrow();
  });
});

describe('Salesforce ids', () => {
  it('normalises 15- and 18-character ids to the canonical 18-character form', () => {
    expect(normalizeSalesforceId('001A0000006Vm9r')).toBe('001A0000006Vm9rIAC');
    expect(normalizeSalesforceId('001a0000006vm9riac')).toBe('001A0000006Vm9rIAC');
    expect(normalizeSalesforceId('001A0000006Vm9rIAC')).toBe('001A0000006Vm9rIAC');
  });

  it.each(['', '001', '001A0000006Vm9r!', "001A0000006Vm9'", '001A0000006Vm9rIA', '001A0000006Vm9rIAC0', '001A0000006Vm9r999'])('refuses %j', (raw) => {
    expect(normalizeSalesforceId(raw)).toBeNull();
  });

  it('checks the key prefix and names the argument', () => {
    expect(isIdOf('003', '0038d0000000001AAA')).toBe(true);
    expect(isIdOf('001', '0038d0000000001AAA')).toBe(false);
    expect(() => requireId('001', 'input.accountId', '0038d0000000001AAA')).toThrow(/input.accountId must be an Account id/);
    expect(() => requireId('003', 'id', 'nope')).toThrow(expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'id' }) }));
  });
});

describe('chunkInList', () => {
  const build = (list: string): string => `SELECT Id FROM Contact WHERE Email IN (${list})`;

  it('keeps every chunk within the encoded budget and loses no item', () => {
    const emails = Array.from({ length: 500 }, (_, i) => `person.${'x'.repeat(i % 40)}${i}@example.com`);
    const chunks = chunkInList(emails, soqlString, build, 4000);
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.flat()).toEqual(emails);
    const onTheWire = (soql: string): number => new URL(`http://h/q?q=${encodeURIComponent(soql)}`).search.length - 3;
    for (const chunk of chunks) expect(onTheWire(build(chunk.map(soqlString).join(',')))).toBeLessThanOrEqual(4000);
  });

  it('measures encoded length, so values that grow when encoded make smaller chunks', () => {
    const plain = Array.from({ length: 200 }, (_, i) => `a${i}@example.com`);
    const wide = Array.from({ length: 200 }, (_, i) => `ü${i}@例え.example.com`);
    expect(chunkInList(wide, soqlString, build, 3000).length).toBeGreaterThan(chunkInList(plain, soqlString, build, 3000).length);
  });

  it('returns no chunk for no items and refuses a budget no value fits in', () => {
    expect(chunkInList([], soqlString, build, 1000)).toEqual([]);
    expect(() => chunkInList(['x'.repeat(500)], soqlString, build, 200)).toThrow(/budget/);
  });
});

describe('hostile values through the subgraph', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ sandbox: { size: { accounts: 3, people: 20 } } });
    await h.warmUp();
  });
  afterAll(() => h.close());
  beforeEach(() => h.resetCounters());

  it.each([
    "x'OR'1'='1@example.com",
    "x\\'OR(Email!='')OR'@example.com",
    "a@b.c')OR(Email!='",
    "%'@example.com",
    "a@b.c\\",
    "a@b.c\\\\'",
    "''''@''''",
  ])('looks up %j as an email that matches nothing, in exactly one valid query', async (email) => {
    const res = await h.gql<{ contactByEmail: unknown }>('query($e: String!) { contactByEmail(email: $e) { id } }', { e: email });
    expect(res.errors).toBeUndefined();
    expect(res.data?.contactByEmail).toBeNull();
    expect(h.count(QUERY)).toBe(1);
  });

  it('finds a contact whose email really contains a quote', async () => {
    const created = await h.gql<{ createContact: { id: string } }>('mutation { createContact(input: { lastName: "O\'Brien", email: "o\'brien@example.com" }) { id } }');
    expect(created.errors).toBeUndefined();
    const res = await h.gql<{ contactByEmail: { id: string; lastName: string } | null }>('{ contactByEmail(email: "O\'Brien@Example.com") { id lastName } }');
    expect(res.data?.contactByEmail).toEqual({ id: created.data?.createContact.id, lastName: "O'Brien" });
  });

  it('answers a blank or absurdly long email with null without asking Salesforce', async () => {
    for (const e of ['', '   ', `${'a'.repeat(5000)}@example.com`]) {
      const res = await h.gql<{ contactByEmail: unknown }>('query($e: String!) { contactByEmail(email: $e) { id } }', { e });
      expect(res.data?.contactByEmail).toBeNull();
    }
    expect(h.counts()).toEqual({});
  });
});
