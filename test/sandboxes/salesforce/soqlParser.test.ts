import { SalesforceApiError } from '../../../subgraphs/salesforce/sandbox/salesforceErrors';
import { MAX_DEPTH, parseSoql, tokenize, type Condition } from '../../../subgraphs/salesforce/sandbox/soqlParser';

function parseError(soql: string): SalesforceApiError {
  try {
    parseSoql(soql);
  } catch (err) {
    if (err instanceof SalesforceApiError) return err;
    throw err;
  }
  throw new Error(`expected ${soql} to fail`);
}

describe('SOQL parser', () => {
  it('parses select lists with relationship paths, FROM, LIMIT and OFFSET', () => {
    const q = parseSoql('select Id, account.Name, Account.Owner.Name from contact limit 10 offset 20');
    expect(q.select).toEqual([
      { kind: 'field', path: ['Id'], pos: 7 },
      { kind: 'field', path: ['account', 'Name'], pos: 11 },
      { kind: 'field', path: ['Account', 'Owner', 'Name'], pos: 25 },
    ]);
    expect(q.from).toEqual({ name: 'contact', pos: 49 });
    expect(q.limit).toBe(10);
    expect(q.offset).toBe(20);
  });

  it('parses COUNT(), COUNT(field) with alias, FIELDS() and child subqueries', () => {
    expect(parseSoql('SELECT COUNT() FROM Contact').select).toEqual([{ kind: 'count', field: null, alias: null, pos: 7 }]);
    expect(parseSoql('SELECT COUNT(Id) total FROM Contact').select[0]).toMatchObject({ kind: 'count', field: { path: ['Id'] }, alias: 'total' });
    expect(parseSoql('SELECT FIELDS(STANDARD) FROM Account').select[0]).toMatchObject({ kind: 'fields', which: 'STANDARD' });
    const sub = parseSoql('SELECT Name, (SELECT Id FROM Contacts WHERE Email != null ORDER BY Email LIMIT 5) FROM Account');
    expect(sub.select[1]).toMatchObject({ kind: 'subquery', query: { from: { name: 'Contacts' }, limit: 5, orderBy: [{ field: { path: ['Email'] } }] } });
  });

  it('builds WHERE trees with AND, OR, NOT and parentheses', () => {
    const q = parseSoql("SELECT Id FROM Contact WHERE (Email LIKE 'a%' OR Email LIKE 'b%') AND NOT Title = 'CEO' AND AccountId != null");
    const where = q.where as Condition & { kind: 'and' };
    expect(where.kind).toBe('and');
    expect(where.items.map((c) => c.kind)).toEqual(['or', 'not', 'compare']);
    expect(where.items[2]).toMatchObject({ op: '!=', value: { kind: 'null' } });
  });

  it('treats <> as != and reads every literal kind', () => {
    const q = parseSoql("SELECT Id FROM Account WHERE Name <> 'x' AND NumberOfEmployees >= -5 AND AnnualRevenue < 1.5 AND IsDeleted = false"
      + ' AND CreatedDate > 2024-01-15T10:00:00Z AND CreatedDate < 2024-01-15T10:00:00.000+0100 AND LastModifiedDate = LAST_N_DAYS:30'
      + ' AND SystemModstamp = TODAY');
    const items = (q.where as Condition & { kind: 'and' }).items as Array<Condition & { kind: 'compare' }>;
    expect(items.map((c) => [c.op, c.value])).toEqual([
      ['!=', { kind: 'string', value: 'x', raw: "'x'" }],
      ['>=', { kind: 'number', value: -5 }],
      ['<', { kind: 'number', value: 1.5 }],
      ['=', { kind: 'boolean', value: false }],
      ['>', { kind: 'datetime', value: Date.UTC(2024, 0, 15, 10) }],
      ['<', { kind: 'datetime', value: Date.UTC(2024, 0, 15, 9) }],
      ['=', { kind: 'dateLiteral', name: 'LAST_N_DAYS', n: 30 }],
      ['=', { kind: 'dateLiteral', name: 'TODAY', n: 0 }],
    ]);
    expect(parseSoql('SELECT Id FROM Contact WHERE CreatedDate > 2024-01-15').where).toMatchObject({ value: { kind: 'date', value: '2024-01-15' } });
  });

  it('parses IN and NOT IN lists', () => {
    const q = parseSoql("SELECT Id FROM Contact WHERE Email IN ('a@x.com', 'b@x.com') AND Title NOT IN ('CEO')");
    const [inList, notIn] = (q.where as Condition & { kind: 'and' }).items;
    expect(inList).toMatchObject({ kind: 'in', negated: false, values: [{ value: 'a@x.com' }, { value: 'b@x.com' }] });
    expect(notIn).toMatchObject({ kind: 'in', negated: true, values: [{ value: 'CEO' }] });
  });

  it('unescapes string literals and keeps LIKE wildcards escaped', () => {
    const q = parseSoql("SELECT Id FROM Contact WHERE LastName = 'O\\'Brien\\n' AND Title LIKE '100\\%\\_%'");
    const [a, b] = (q.where as Condition & { kind: 'and' }).items as Array<Condition & { kind: 'compare' }>;
    expect(a!.value).toMatchObject({ value: "O'Brien\n" });
    expect(b!.value).toMatchObject({ value: '100\\%\\_%' });
  });

  it('parses ORDER BY with directions and NULLS placement, defaulting nulls like Salesforce', () => {
    const q = parseSoql('SELECT Id FROM Contact ORDER BY LastName DESC, FirstName NULLS LAST, Email ASC NULLS FIRST');
    expect(q.orderBy.map((o) => [o.field.path.join('.'), o.descending, o.nullsLast])).toEqual([
      ['LastName', true, true], ['FirstName', false, true], ['Email', false, false],
    ]);
  });

  it('rejects mixing AND and OR without parentheses', () => {
    const err = parseError("SELECT Id FROM Contact WHERE Title = 'a' AND Title = 'b' OR Title = 'c'");
    expect(err.errorCode).toBe('MALFORMED_QUERY');
    expect(err.message).toContain("unexpected token: 'OR'");
  });

  it('reports errors with the query, a caret, row and column', () => {
    const err = parseError('SELECT Id FROM Contact WHERE');
    expect(err.status).toBe(400);
    expect(err.message).toBe('\nSELECT Id FROM Contact WHERE\n                            ^\nERROR at Row:1:Column:29\nunexpected token: <EOF>');
    const multi = parseError('SELECT Id\nFROM Contact\nWHERE Name = = 1');
    expect(multi.message).toContain('ERROR at Row:3:Column:14');
  });

  it('rejects unterminated strings, bad escapes and stray characters', () => {
    expect(parseError("SELECT Id FROM Contact WHERE Name = 'abc").message).toContain("mismatched character '<EOF>'");
    expect(parseError("SELECT Id FROM Contact WHERE Name = 'a\\qb'").message).toContain("Illegal character sequence '\\q'");
    expect(parseError('SELECT Id FROM Contact WHERE Name = #').message).toContain("no viable alternative at character '#'");
  });

  it('names unsupported clauses instead of pretending they parse', () => {
    expect(parseError('SELECT Title, COUNT(Id) FROM Contact GROUP BY Title').message).toContain('GROUP is not supported');
    expect(parseError('SELECT Id FROM Account WHERE Id IN (SELECT AccountId FROM Contact)').message).toContain('semi-join');
    expect(parseError('SELECT toLabel(Industry) FROM Account').message).toContain('TOLABEL() is not supported');
  });

  it('caps nesting depth instead of recursing without bound', () => {
    const ok = `SELECT Id FROM Contact WHERE ${'('.repeat(MAX_DEPTH)}Name = 'x'${')'.repeat(MAX_DEPTH)}`;
    expect(() => parseSoql(ok)).not.toThrow();
    const deep = `SELECT Id FROM Contact WHERE ${'('.repeat(MAX_DEPTH + 1)}Name = 'x'${')'.repeat(MAX_DEPTH + 1)}`;
    expect(parseError(deep).message).toContain(`nest at most ${MAX_DEPTH} levels`);
    expect(parseError(`SELECT Id FROM Contact WHERE ${'NOT '.repeat(5000)}Name = 'x'`).errorCode).toBe('MALFORMED_QUERY');
  });

  it('tokenizes datetimes, dates and negative numbers before identifiers', () => {
    expect(tokenize('2024-01-15T10:00:00Z 2024-01-15 -3 LAST_N_DAYS:7').map((t) => t.type)).toEqual(['datetime', 'date', 'number', 'ident', 'op', 'number', 'eof']);
  });
});
