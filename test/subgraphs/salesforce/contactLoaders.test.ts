/**
 * Entity batching: `_entities` with many Contact representations (by id, by email, mixed) costs one
 * SOQL query per kind, Contact.account one more for all accounts, huge key sets are chunked into
 * several statements that still answer every key, and unknown keys resolve to null.
 */
import type { IncomingMessage } from 'node:http';
import { QUERY, seedContacts, startHarness, type Harness } from './subgraphHelpers';

const ENTITIES = `query($reps: [_Any!]!) {
  _entities(representations: $reps) { ... on Contact { id email lastName } }
}`;
const ENTITIES_WITH_ACCOUNT = `query($reps: [_Any!]!) {
  _entities(representations: $reps) { ... on Contact { id account { id name } } }
}`;

type Entities = { _entities: Array<{ id: string; email: string | null; lastName?: string; account?: { id: string; name: string } | null } | null> };

describe('Contact entity batching', () => {
  let h: Harness;
  beforeAll(async () => {
    // Counts the SOQL queries of each batch: the entity cache (test/subgraphs/salesforce/entityCache.test.ts) is off.
    h = await startHarness({ env: { ENTITY_CACHE: 'false' } });
    await h.warmUp();
  });
  afterAll(() => h.close());
  beforeEach(() => h.resetCounters());

  it('resolves 50 email representations with exactly one SOQL query', async () => {
    const people = seedContacts(h.sandbox, 50);
    const reps = people.map((p) => ({ __typename: 'Contact', email: p.email.toUpperCase() }));
    const res = await h.gql<Entities>(ENTITIES, { reps });
    expect(res.errors).toBeUndefined();
    expect(res.data?._entities.map((c) => c?.id)).toEqual(people.map((p) => p.id));
    expect(res.data?._entities.map((c) => c?.email)).toEqual(people.map((p) => p.email.toLowerCase()));
    expect(h.count(QUERY)).toBe(1);
    expect(h.counts()).toEqual({ [QUERY]: 1 });
  });

  it('resolves 50 id representations with exactly one SOQL query', async () => {
    const people = seedContacts(h.sandbox, 50);
    const res = await h.gql<Entities>(ENTITIES, { reps: people.map((p) => ({ __typename: 'Contact', id: p.id })) });
    expect(res.data?._entities.map((c) => c?.id)).toEqual(people.map((p) => p.id));
    expect(h.counts()).toEqual({ [QUERY]: 1 });
  });

  it('answers mixed id and email representations in order with one query per key kind', async () => {
    const people = seedContacts(h.sandbox, 40);
    const reps = people.map((p, i) => (i % 2 ? { __typename: 'Contact', id: p.id } : { __typename: 'Contact', email: p.email }));
    const res = await h.gql<Entities>(ENTITIES, { reps });
    expect(res.data?._entities.map((c) => c?.id)).toEqual(people.map((p) => p.id));
    expect(h.count(QUERY)).toBe(2);
  });

  it('accepts 15-character and case-insensitive 18-character ids', async () => {
    const [p] = seedContacts(h.sandbox, 1);
    const id = p!.id;
    const reps = [{ __typename: 'Contact', id: id.slice(0, 15) }, { __typename: 'Contact', id: id.toUpperCase() }];
    const res = await h.gql<Entities>(ENTITIES, { reps });
    expect(res.data?._entities.map((c) => c?.id)).toEqual([id, id]);
    expect(h.count(QUERY)).toBe(1);
  });

  it('resolves unknown ids and emails to null without failing the others', async () => {
    const [p] = seedContacts(h.sandbox, 1);
    const reps = [
      { __typename: 'Contact', id: '003000000000000AAA' },
      { __typename: 'Contact', email: 'nobody@nowhere.example' },
      { __typename: 'Contact', email: p!.email },
      { __typename: 'Contact', id: '0018d0000000001AAA' }, // an Account id: no such Contact, not even queried
    ];
    const res = await h.gql<Entities>(ENTITIES, { reps });
    expect(res.errors).toBeUndefined();
    expect(res.data?._entities).toEqual([null, null, expect.objectContaining({ id: p!.id }), null]);
    expect(h.count(QUERY)).toBe(2);
  });

  it('answers a malformed id with BAD_USER_INPUT at its index only', async () => {
    const [p] = seedContacts(h.sandbox, 1);
    const res = await h.gql<Entities>(ENTITIES, { reps: [{ __typename: 'Contact', id: "x' OR Id != '" }, { __typename: 'Contact', id: p!.id }] });
    expect(res.data?._entities).toEqual([null, expect.objectContaining({ id: p!.id })]);
    expect(res.errors).toHaveLength(1);
    expect(res.errors?.[0]).toMatchObject({ path: ['_entities', 0], extensions: { code: 'BAD_USER_INPUT', system: 'salesforce' } });
    expect(h.count(QUERY)).toBe(1);
  });

  it('splits a huge key set into several queries by URL length and still answers every key', async () => {
    const people = seedContacts(h.sandbox, 700);
    const reps = [
      ...people.map((p) => ({ __typename: 'Contact', email: p.email })),
      ...people.map((p) => ({ __typename: 'Contact', id: p.id })),
    ];
    const soqlLengths: number[] = [];
    const listener = (req: IncomingMessage): void => {
      const m = /[?&]q=([^&]*)/.exec(req.url ?? '');
      if (m) soqlLengths.push((m[1] as string).length);
    };
    h.sandbox.server.on('request', listener);
    const res = await h.gql<Entities>(ENTITIES, { reps }).finally(() => h.sandbox.server.off('request', listener));
    expect(res.errors).toBeUndefined();
    expect(res.data?._entities.map((c) => c?.id)).toEqual([...people, ...people].map((p) => p.id));
    // 700 emails (~45 encoded characters each) and 700 ids (27 each) need several 10 KB statements each.
    expect(h.count(QUERY)).toBeGreaterThan(2);
    expect(h.count(QUERY)).toBeLessThanOrEqual(8);
    expect(soqlLengths).toHaveLength(h.count(QUERY));
    for (const len of soqlLengths) expect(len).toBeLessThanOrEqual(10_000);
  });

  it('loads the accounts of 50 contacts with one account query', async () => {
    const people = seedContacts(h.sandbox, 50);
    const accounts = new Set(people.map((p) => p.accountId).filter(Boolean));
    expect(accounts.size).toBeGreaterThan(1);
    const res = await h.gql<Entities>(ENTITIES_WITH_ACCOUNT, { reps: people.map((p) => ({ __typename: 'Contact', email: p.email })) });
    expect(res.errors).toBeUndefined();
    expect(res.data?._entities.map((c) => c?.account?.id ?? null)).toEqual(people.map((p) => p.accountId));
    expect(h.count(QUERY)).toBe(2);
  });

  it('resolves Account representations in one query', async () => {
    const ids = [...new Set(seedContacts(h.sandbox, 30).map((p) => p.accountId))].filter((x): x is string => !!x);
    const res = await h.gql<{ _entities: Array<{ id: string; name: string } | null> }>(
      'query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Account { id name } } }',
      { reps: ids.map((id) => ({ __typename: 'Account', id })) },
    );
    expect(res.data?._entities.map((a) => a?.id)).toEqual(ids);
    expect(h.count(QUERY)).toBe(1);
  });
});
