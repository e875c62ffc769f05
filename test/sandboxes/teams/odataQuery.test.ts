import { GraphHttpError } from '../../../subgraphs/teams/sandbox/graphErrors';
import { decodeToken, encodeToken, matchesFilter, parseFilter, parseSelect, parseTop, type FilterSchema } from '../../../subgraphs/teams/sandbox/odataQuery';
import { USER_FILTER } from '../../../subgraphs/teams/sandbox/usersRoutes';

const people = [
  { id: '1', mail: 'ada.lovelace@acme1.example.com', displayName: "Ada O'Neil", accountEnabled: true, jobTitle: 'CEO' },
  { id: '2', mail: 'bob.smith@acme1.example.com', displayName: 'Bob Smith', accountEnabled: false, jobTitle: 'Buyer' },
  { id: '3', mail: 'cy.jones@globex2.example.com', displayName: 'Cy Jones', accountEnabled: true, jobTitle: 'Buyer' },
];

function select(filter: string, schema: FilterSchema = USER_FILTER): string[] {
  const tree = parseFilter(filter, schema);
  return people.filter((p) => matchesFilter(tree, p)).map((p) => p.id);
}

function failure(fn: () => unknown): GraphHttpError {
  try {
    fn();
  } catch (err) {
    if (err instanceof GraphHttpError) return err;
    throw err;
  }
  throw new Error('expected a GraphHttpError');
}

describe('$filter subset', () => {
  it('matches eq case-insensitively, as the directory does', () => {
    expect(select("mail eq 'BOB.SMITH@acme1.example.com'")).toEqual(['2']);
  });

  it('matches in lists, startswith, and combinations with and/or/not and parentheses', () => {
    expect(select("mail in ('ada.lovelace@acme1.example.com', 'cy.jones@globex2.example.com', 'x@y.z')")).toEqual(['1', '3']);
    expect(select("startswith(mail,'cy.')")).toEqual(['3']);
    expect(select("jobTitle eq 'Buyer' and accountEnabled eq true")).toEqual(['3']);
    expect(select("(jobTitle eq 'CEO' or displayName eq 'Bob Smith') and not (accountEnabled eq false)")).toEqual(['1']);
  });

  it("reads '' as an escaped quote inside strings", () => {
    expect(select("displayName eq 'Ada O''Neil'")).toEqual(['1']);
  });

  it('compares ISO date-times chronologically', () => {
    const schema: FilterSchema = { resource: 'chatMessage', props: { lastModifiedDateTime: { type: 'datetime', ops: ['gt'] } } };
    const tree = parseFilter('lastModifiedDateTime gt 2026-01-01T00:00:00Z', schema);
    expect(matchesFilter(tree, { lastModifiedDateTime: '2026-03-01T10:00:00.123Z' })).toBe(true);
    expect(matchesFilter(tree, { lastModifiedDateTime: '2025-12-31T23:59:59.999Z' })).toBe(false);
  });

  it('refuses unknown properties and unsupported operators with Request_UnsupportedQuery', () => {
    expect(failure(() => parseFilter("password eq 'x'", USER_FILTER)).code).toBe('Request_UnsupportedQuery');
    expect(failure(() => parseFilter("mail gt 'a'", USER_FILTER)).code).toBe('Request_UnsupportedQuery');
  });

  it('refuses more than 15 clauses, counting each in value', () => {
    const mails = Array.from({ length: 16 }, (_, i) => `'p${i}@x.example.com'`).join(',');
    expect(failure(() => parseFilter(`mail in (${mails})`, USER_FILTER)).message).toMatch(/Max allowed: 15/);
    expect(() => parseFilter(`mail in (${mails.split(',').slice(0, 15).join(',')})`, USER_FILTER)).not.toThrow();
  });

  it.each([
    ["mail eq 'unterminated"],
    ['mail eq'],
    ["mail eq 'a' and"],
    ["mail eq 'a')"],
    ["((((((((((((((((((((mail eq 'a'))))))))))))))))))))"],
    ["mail eq 'a' ; drop table users"],
    ["accountEnabled eq 'yes'"],
    ["mail eq 'a'".padEnd(5000, ' ')],
    [''],
    ["mail eq $(whoami)"],
  ])('refuses the malformed filter %j with a 400', (filter) => {
    const err = failure(() => parseFilter(filter, USER_FILTER));
    expect(err.status).toBe(400);
  });
});

describe('$top, $select and paging tokens', () => {
  it('bounds $top and rejects non-numbers', () => {
    expect(parseTop(new URLSearchParams(''), 20, 50)).toBe(20);
    expect(parseTop(new URLSearchParams('$top=50'), 20, 50)).toBe(50);
    for (const bad of ['51', '0', '-1', 'abc', '1e3', '99999999999999999999']) {
      expect(failure(() => parseTop(new URLSearchParams(`$top=${bad}`), 20, 50)).status).toBe(400);
    }
  });

  it('accepts known $select properties and names the unknown one', () => {
    expect(parseSelect(new URLSearchParams('$select=id,mail'), ['id', 'mail'], 'microsoft.graph.user')).toEqual(['id', 'mail']);
    expect(failure(() => parseSelect(new URLSearchParams('$select=id,secret'), ['id'], 'microsoft.graph.user')).message).toContain("'secret'");
  });

  it('round-trips tokens of its own kind and refuses foreign or tampered ones', () => {
    const t = encodeToken({ k: 'users', o: 100 });
    expect(decodeToken(t, 'users')).toEqual({ k: 'users', o: 100 });
    expect(failure(() => decodeToken(t, 'messages')).status).toBe(400);
    expect(failure(() => decodeToken('%%%', 'users')).status).toBe(400);
    expect(failure(() => decodeToken(Buffer.from('[1,2]').toString('base64url'), 'users')).status).toBe(400);
  });
});
