/**
 * Listing contacts: keyset paging on Id with opaque cursors, `totalCount` costing a COUNT() query
 * only when selected, filters, Account.contacts, and argument validation before anything is sent.
 */
import { QUERY, seedContacts, startHarness, type Harness } from './subgraphHelpers';

interface Page {
  totalCount?: number;
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  edges: { cursor: string; node: { id: string } }[];
  nodes: { id: string; lastName: string; email: string | null; createdAt: string; account: { id: string } | null }[];
}

const PAGE = `query($first: Int, $after: String, $filter: ContactFilter) {
  contacts(first: $first, after: $after, filter: $filter) {
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id } }
    nodes { id lastName email createdAt account { id } }
  }
}`;
const COUNTED = `query($filter: ContactFilter) { contacts(first: 5, filter: $filter) { totalCount nodes { id } } }`;

describe('contacts connection', () => {
  let h: Harness;
  beforeAll(async () => {
    // Counts the account queries of every page: the entity cache (it would answer repeated accounts) is off.
    h = await startHarness({ sandbox: { size: { accounts: 10, people: 120 } }, env: { ENTITY_CACHE: 'false' } });
    await h.warmUp();
  });
  afterAll(() => h.close());
  beforeEach(() => h.resetCounters());

  const page = (variables: Record<string, unknown>) => h.gql<{ contacts: Page }>(PAGE, variables);

  it('walks every contact in id order with cursors: per page one contact query and one account query, no COUNT()', async () => {
    const expected = seedContacts(h.sandbox, 1000).map((c) => c.id);
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const res = await page({ first: 50, after });
      expect(res.errors).toBeUndefined();
      const conn: Page = res.data!.contacts;
      seen.push(...conn.nodes.map((n) => n.id));
      expect(conn.edges.map((e) => e.node.id)).toEqual(conn.nodes.map((n) => n.id));
      expect(conn.pageInfo.endCursor).toBe(conn.edges[conn.edges.length - 1]?.cursor);
      expect(conn.pageInfo.hasPreviousPage).toBe(after !== null);
      pages += 1;
      if (!conn.pageInfo.hasNextPage) break;
      after = conn.pageInfo.endCursor;
    }
    expect(seen).toEqual(expected);
    expect(pages).toBe(Math.ceil(expected.length / 50));
    expect(h.counts()).toEqual({ [QUERY]: pages * 2 });
  });

  it('says there is no next page when the last page is exactly full', async () => {
    const res = await page({ first: 120 });
    expect(res.data?.contacts.nodes).toHaveLength(120);
    expect(res.data?.contacts.pageInfo.hasNextPage).toBe(false);
  });

  it('answers totalCount with one extra COUNT() query only when it is selected', async () => {
    const res = await h.gql<{ contacts: Page }>(COUNTED);
    expect(res.data?.contacts.totalCount).toBe(120);
    expect(h.count(QUERY)).toBe(2);
    h.resetCounters();
    await h.gql('{ contacts(first: 5) { nodes { id } } }');
    expect(h.count(QUERY)).toBe(1);
  });

  it('sees totalCount through fragments and honours @skip', async () => {
    const viaFragment = await h.gql<{ contacts: Page }>('{ contacts(first: 1) { ...F } } fragment F on ContactConnection { total: totalCount }');
    expect(viaFragment.data?.contacts).toMatchObject({ total: 120 });
    expect(h.count(QUERY)).toBe(2);
    h.resetCounters();
    await h.gql('query($no: Boolean!) { contacts(first: 1) { totalCount @skip(if: $no) nodes { id } } }', { no: true });
    expect(h.count(QUERY)).toBe(1);
  });

  it('filters by account, exact email (any case), last-name prefix and creation time', async () => {
    const all = h.sandbox.store.all('Contact').filter((r) => r.values.IsDeleted !== true).map((r) => r.values);
    const sample = all[7]!;
    const byAccount = await h.gql<{ contacts: Page }>(COUNTED, { filter: { accountId: sample.AccountId } });
    expect(byAccount.data?.contacts.totalCount).toBe(all.filter((v) => v.AccountId === sample.AccountId).length);

    const byEmail = await page({ filter: { email: String(sample.Email).toUpperCase() } });
    expect(byEmail.data?.contacts.nodes.map((n) => n.id)).toEqual([sample.Id]);

    const prefix = String(sample.LastName).slice(0, 2).toLowerCase();
    const byName = await h.gql<{ contacts: Page }>(COUNTED, { filter: { lastNameStartsWith: prefix } });
    expect(byName.data?.contacts.totalCount).toBe(all.filter((v) => String(v.LastName).toLowerCase().startsWith(prefix)).length);

    const cut = new Date(Number(sample.CreatedDate));
    cut.setUTCMilliseconds(0);
    const after = await h.gql<{ contacts: Page }>(COUNTED, { filter: { createdAfter: cut.toISOString() } });
    const before = await h.gql<{ contacts: Page }>(COUNTED, { filter: { createdBefore: cut.toISOString() } });
    const created = (v: Record<string, unknown>): number => Number(v.CreatedDate);
    expect(after.data?.contacts.totalCount).toBe(all.filter((v) => created(v) > cut.getTime()).length);
    expect(before.data?.contacts.totalCount).toBe(all.filter((v) => created(v) < cut.getTime()).length);
  });

  it('treats LIKE wildcards and quotes in filters as literal text', async () => {
    for (const lastNameStartsWith of ['%', '_', "O'", '\\']) {
      const res = await h.gql<{ contacts: Page }>(COUNTED, { filter: { lastNameStartsWith } });
      expect(res.errors).toBeUndefined();
      expect(res.data?.contacts.totalCount).toBe(0);
    }
    const injected = await h.gql<{ contacts: Page }>(COUNTED, { filter: { email: "x' OR LastName != '" } });
    expect(injected.errors).toBeUndefined();
    expect(injected.data?.contacts.totalCount).toBe(0);
  });

  it('pages an account\'s contacts', async () => {
    const accountId = String(h.sandbox.store.all('Contact')[0]!.values.AccountId);
    const expected = seedContacts(h.sandbox, 1000).filter((c) => c.accountId === accountId).map((c) => c.id);
    expect(expected.length).toBeGreaterThan(2);
    const q = `query($id: ID!, $after: String) { account(id: $id) { id contacts(first: 2, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { id } } } }`;
    const first = await h.gql<{ account: { contacts: Page } }>(q, { id: accountId });
    expect(first.data?.account.contacts.totalCount).toBe(expected.length);
    expect(first.data?.account.contacts.nodes.map((n) => n.id)).toEqual(expected.slice(0, 2));
    const second = await h.gql<{ account: { contacts: Page } }>(q, { id: accountId, after: first.data?.account.contacts.pageInfo.endCursor });
    expect(second.data?.account.contacts.nodes.map((n) => n.id)).toEqual(expected.slice(2, 4));
  });

  it.each([
    [{ first: 0 }, 'first'],
    [{ first: 201 }, 'first'],
    [{ after: 'not-a-cursor' }, 'after'],
    [{ after: Buffer.from('sfcontact:nope').toString('base64url') }, 'after'],
    [{ filter: { accountId: '003000000000000AAA' } }, 'filter.accountId'],
    [{ filter: { accountId: "001' OR Id != '" } }, 'filter.accountId'],
    [{ filter: { lastNameStartsWith: 'x'.repeat(81) } }, 'filter.lastNameStartsWith'],
  ])('refuses %j with BAD_USER_INPUT naming %s and sends nothing', async (variables, field) => {
    const res = await page(variables);
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field, system: 'salesforce', retryable: false });
    expect(h.counts()).toEqual({});
  });

  it('refuses a malformed DateTime filter before resolving', async () => {
    const res = await page({ filter: { createdAfter: 'yesterday' } });
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(h.counts()).toEqual({});
  });
});
