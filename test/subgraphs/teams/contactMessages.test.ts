/**
 * Contact.messages over the federation `_entities` path against the real Graph sandbox: batching of
 * the email → user lookups into one `$batch`, answers from the message index matching the sandbox's
 * store, and keyset paging.
 */
import type { GraphData } from '../../../subgraphs/teams/sandbox/graphStore';
import { rootsBy, startHarness, storedRoots, type GqlResult, type Harness } from './teamsHarness';

const ENTITIES = `query($reps: [_Any!]!, $first: Int, $after: String) {
  _entities(representations: $reps) { ... on Contact { email messages(first: $first, after: $after) {
    nodes { id messageId body { content contentType } }
    edges { cursor }
    pageInfo { hasNextPage hasPreviousPage endCursor } } } } }`;

interface ContactResult {
  email: string;
  messages: {
    nodes: Array<{ id: string; messageId: string; body: { content: string; contentType: string } }>;
    edges: Array<{ cursor: string }>;
    pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; endCursor: string | null };
  };
}

/** Senders in the sandbox by number of root messages (most first), with their mail. */
function senders(data: GraphData): Array<{ id: string; mail: string; count: number }> {
  const counts = new Map<string, number>();
  for (const r of storedRoots(data)) {
    const id = r.message.from?.user?.id;
    if (id) counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return [...counts.entries()]
    .map(([id, count]) => ({ id, count, mail: data.usersById.get(id)?.mail ?? '' }))
    .sort((a, b) => b.count - a.count || a.id.localeCompare(b.id));
}

describe('Contact.messages from the message index', () => {
  let h: Harness;
  let people: Array<{ id: string; mail: string; count: number }>;
  const reps = (mails: string[]): Array<{ __typename: string; email: string }> => mails.map((email) => ({ __typename: 'Contact', email }));

  beforeAll(async () => {
    h = await startHarness();
    people = senders(h.sb.data());
  });
  afterAll(async () => { await h.close(); });
  beforeEach(() => h.resetCounts());

  it('resolves 50 contacts with one $batch of 4 user lookups and answers exactly what the sandbox holds', async () => {
    const fifty = people.slice(0, 50);
    const res = await h.query<{ _entities: ContactResult[] }>(ENTITIES, { reps: reps(fifty.map((p) => p.mail.toUpperCase())), first: 2 });
    expect(res.errors).toBeUndefined();
    expect(h.counts()).toEqual({ 'POST /v1.0/$batch': 1, '$batch GET /v1.0/users': 4 });
    const got = res.data?._entities ?? [];
    expect(got).toHaveLength(50);
    fifty.forEach((p, i) => {
      const expected = rootsBy(h.sb.data(), p.id).slice(0, 2);
      const contact = got[i] as ContactResult;
      expect(contact.messages.nodes.map((n) => n.messageId)).toEqual(expected.map((r) => r.message.id));
      expect(contact.messages.nodes.map((n) => n.body.content)).toEqual(expected.map((r) => r.message.body.content));
      expect(contact.messages.nodes.map((n) => n.body.contentType)).toEqual(expected.map((r) => r.message.body.contentType.toUpperCase()));
      expect(contact.messages.pageInfo.hasNextPage).toBe(p.count > 2);
      expect(contact.messages.pageInfo.hasPreviousPage).toBe(false);
    });
  });

  it('keeps one $batch call when the contacts double (7 lookups of at most 15 emails)', async () => {
    const hundred = people.slice(50, 150);
    const res = await h.query<{ _entities: ContactResult[] }>(ENTITIES, { reps: reps(hundred.map((p) => p.mail)), first: 1 });
    expect(res.errors).toBeUndefined();
    expect(h.counts()).toEqual({ 'POST /v1.0/$batch': 1, '$batch GET /v1.0/users': 7 });
    expect(res.data?._entities.map((c) => c.messages.nodes[0]?.messageId)).toEqual(hundred.map((p) => rootsBy(h.sb.data(), p.id)[0]?.message.id));
  });

  it('serves contacts it has seen from the cross-request directory cache without any Graph call', async () => {
    const res = await h.query<{ _entities: ContactResult[] }>(ENTITIES, { reps: reps(people.slice(0, 20).map((p) => p.mail)), first: 1 });
    expect(res.errors).toBeUndefined();
    expect(h.counts()).toEqual({});
  });

  it('answers an empty list for an email no Teams user has, and for one that is not an email, after one lookup', async () => {
    const res = await h.query<{ _entities: ContactResult[] }>(ENTITIES, { reps: reps(['nobody@nowhere.example', "o'brien@x.example", 'not an email']), first: 5 });
    expect(res.errors).toBeUndefined();
    for (const c of res.data?._entities ?? []) expect(c.messages).toEqual(expect.objectContaining({ nodes: [], edges: [], pageInfo: { hasNextPage: false, hasPreviousPage: false, endCursor: null } }));
    expect(h.counts()).toEqual({ 'POST /v1.0/$batch': 1, '$batch GET /v1.0/users': 1 });
  });

  it('pages with keyset cursors, newest first, without gaps or overlaps', async () => {
    const top = people[0] as { id: string; mail: string; count: number };
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 20; page += 1) {
      const res: GqlResult<{ _entities: ContactResult[] }> = await h.query(ENTITIES, { reps: reps([top.mail]), first: 3, after });
      expect(res.errors).toBeUndefined();
      const conn = res.data?._entities[0]?.messages as ContactResult['messages'];
      seen.push(...conn.nodes.map((n) => n.messageId));
      expect(conn.pageInfo.hasPreviousPage).toBe(after !== null);
      if (!conn.pageInfo.hasNextPage) break;
      after = conn.pageInfo.endCursor;
    }
    expect(seen).toEqual(rootsBy(h.sb.data(), top.id).map((r) => r.message.id));
  });

  it('refuses first outside 1..50 and foreign cursors with BAD_USER_INPUT naming the argument, before any Graph call', async () => {
    const mail = (people[0] as { mail: string }).mail;
    for (const [first, after, field] of [[0, null, 'first'], [51, null, 'first'], [2, 'bm90LWEtY3Vyc29y', 'after'], [2, Buffer.from('teams-message:2024|x').toString('base64url'), 'after']] as const) {
      const res = await h.query(ENTITIES, { reps: reps([mail]), first, after });
      expect(res.errors?.[0]?.extensions).toEqual(expect.objectContaining({ code: 'BAD_USER_INPUT', field, system: 'teams', retryable: false }));
    }
    expect(h.counts()).toEqual({});
  });
});
