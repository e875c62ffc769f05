/**
 * The Salesforce subgraph's entity cache against the sandbox: repeated entity reads cost no SOQL,
 * invalidation by tag refetches exactly the tagged contact, tenants do not share entries, mutations
 * evict and report what they changed, responses carry cache tags and Cache-Control.
 */
import { QUERY, seedContacts, startHarness, type Harness } from './subgraphHelpers';
import { contextHeaders } from '../signedContext';
import { requestsDuring } from '../../sandboxes/requestsDuring';

const TOKEN = 'sf-internal-token-0123456789abcdef';
const ENTITIES = `query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Contact { id email title account { id name } } } }`;
const CONTACT = 'query($id: ID!) { contact(id: $id) { id email title } }';
const BY_EMAIL = 'query($email: String!) { contactByEmail(email: $email) { id email title } }';
const UPDATE = 'mutation($id: ID!, $input: UpdateContactInput!) { updateContact(id: $id, input: $input) { id email title } }';

type Seed = { id: string; email: string; accountId: string | null };
type Ext = { cacheTags?: string[]; invalidatedTags?: string[] };

describe('Salesforce entity cache', () => {
  let h: Harness;
  let seeds: Seed[];
  beforeAll(async () => {
    h = await startHarness({ sandbox: { size: { accounts: 5, people: 40 } }, env: { INTERNAL_API_TOKEN: TOKEN } });
    await h.warmUp();
    seeds = seedContacts(h.sandbox, 12);
  });
  afterAll(() => h.close());
  beforeEach(() => h.resetCounters());

  const seed = (i: number): Seed => seeds[i] as Seed;
  const extensionsOf = (res: unknown): Ext => ((res as { extensions?: Ext }).extensions ?? {});
  /** Changes the record in Salesforce behind the subgraph's back. */
  const retitle = (id: string, title: string): void => { h.sandbox.store.update('Contact', id, { Title: title }, '005000000000001AAA'); };
  /** The decoded SOQL of every query Salesforce receives while `run` runs. */
  const soqlDuring = (run: () => Promise<unknown>): Promise<string[]> => requestsDuring(h.sandbox.server, run,
    (req) => (req.url?.includes('/query') ? new URL(req.url, 'http://x').searchParams.get('q') ?? '' : undefined));

  it('answers a repeated entity fetch by id and by email without any Salesforce request', async () => {
    const reps = [seed(0), seed(1)].map((c) => ({ __typename: 'Contact', id: c.id })).concat([{ __typename: 'Contact', email: seed(2).email } as never]);
    const first = await h.gql<{ _entities: unknown[] }>(ENTITIES, { reps });
    expect(first.errors).toBeUndefined();
    expect(h.count(QUERY)).toBeGreaterThan(0);
    h.resetCounters();
    const second = await h.gql<{ _entities: unknown[] }>(ENTITIES, { reps });
    expect(second.data).toEqual(first.data);
    expect(h.counts()).toEqual({});
    expect((await h.gql(CONTACT, { id: seed(0).id })).errors).toBeUndefined();
    expect(h.counts()).toEqual({});
  });

  it('tags an _entities answer with Contact:<id> and Contact:email:<email> of each contact and Account:<id> of its account', async () => {
    const picked = [seed(3), seed(4)];
    const res = await h.gql(ENTITIES, { reps: picked.map((c) => ({ __typename: 'Contact', id: c.id })) });
    const expected = picked.flatMap((c) => [`Contact:${c.id}`, `Contact:email:${c.email.toLowerCase()}`, ...(c.accountId ? [`Account:${c.accountId}`] : [])]);
    expect([...(extensionsOf(res).cacheTags ?? [])].sort()).toEqual([...new Set(expected)].sort());
    expect(res.headers.get('cache-control')).toBe('max-age=60, public');
  });

  it('after an invalidation of Contact:<A> refetches exactly A, while B is still served from the cache', async () => {
    const [a, b] = [seed(5), seed(6)];
    const reps = [a, b].map((c) => ({ __typename: 'Contact', id: c.id }));
    await h.gql(ENTITIES, { reps });
    retitle(a.id, 'Changed A');
    retitle(b.id, 'Changed B');
    expect(await h.subgraph.invalidate({ tags: [`Contact:${a.id}`] })).toBe(1);
    h.resetCounters();
    let res: Awaited<ReturnType<Harness['gql']>> | undefined;
    const soql = await soqlDuring(async () => { res = await h.gql(ENTITIES, { reps }); });
    expect(h.count(QUERY)).toBe(1);
    expect(soql).toHaveLength(1);
    expect(soql[0]).toContain(a.id);
    expect(soql[0]).not.toContain(b.id);
    const titles = (res?.data as { _entities: { title: string | null }[] })._entities.map((c) => c.title);
    expect(titles[0]).toBe('Changed A');
    expect(titles[1]).not.toBe('Changed B');
  });

  it('evicts a contact through POST /internal/invalidate, and refuses a wrong token', async () => {
    const c = seed(7);
    await h.gql(BY_EMAIL, { email: c.email });
    await h.gql(CONTACT, { id: c.id });
    const endpoint = h.subgraph.url.replace('/graphql', '/internal/invalidate');
    const post = (token: string) => fetch(endpoint, {
      method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ tags: [`Contact:email:${c.email.toLowerCase()}`], tenant: 'default' }),
    });
    expect((await post('wrong')).status).toBe(401);
    const res = await post(TOKEN);
    expect(await res.json()).toEqual({ evicted: 2 });
    h.resetCounters();
    await h.gql(BY_EMAIL, { email: c.email });
    expect(h.count(QUERY)).toBe(1);
  });

  it("does not answer tenant B from tenant A's entry", async () => {
    const c = seed(8);
    await h.gql(CONTACT, { id: c.id }, contextHeaders('tenant-a'));
    h.resetCounters();
    await h.gql(CONTACT, { id: c.id }, contextHeaders('tenant-a'));
    expect(h.count(QUERY)).toBe(0);
    const b = await h.gql<{ contact: { id: string } }>(CONTACT, { id: c.id }, contextHeaders('tenant-b'));
    expect(b.data?.contact.id).toBe(c.id);
    expect(h.count(QUERY)).toBe(1);
  });

  it('updateContact evicts the contact (also its by-email entry) and reports the tags it changed', async () => {
    const c = seed(9);
    const oldEmail = c.email.toLowerCase();
    await h.gql(CONTACT, { id: c.id });
    await h.gql(BY_EMAIL, { email: oldEmail });
    const newEmail = `moved.${c.id.toLowerCase()}@example.com`;
    const res = await h.gql<{ updateContact: { title: string } }>(UPDATE, { id: c.id, input: { title: 'Head of Cache', email: newEmail } });
    expect(res.errors).toBeUndefined();
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect([...(extensionsOf(res).invalidatedTags ?? [])].sort()).toEqual([`Contact:${c.id}`, `Contact:email:${newEmail}`, `Contact:email:${oldEmail}`].sort());
    h.resetCounters();
    const byId = await h.gql<{ contact: { title: string; email: string } }>(CONTACT, { id: c.id });
    expect(byId.data?.contact).toEqual(expect.objectContaining({ title: 'Head of Cache', email: newEmail }));
    expect(h.count(QUERY)).toBe(0); // the read-back of the mutation was cached
    const byOldEmail = await h.gql<{ contactByEmail: unknown }>(BY_EMAIL, { email: oldEmail });
    expect(byOldEmail.data?.contactByEmail).toBeNull();
    expect(h.count(QUERY)).toBe(1);
  });

  it('sets Cache-Control from the SDL hints: 60 s for a contact, 30 s for the contacts list', async () => {
    expect((await h.gql('query($id: ID!) { contact(id: $id) { id name account { name } } }', { id: seed(10).id })).headers.get('cache-control')).toBe('max-age=60, public');
    const list = await h.gql('{ contacts(first: 2) { totalCount pageInfo { hasNextPage } edges { node { id } } } }');
    expect(list.headers.get('cache-control')).toBe('max-age=30, public');
    expect(extensionsOf(list).cacheTags).toHaveLength(4); // two contacts, by id and by email
  });
});
