/**
 * The Teams subgraph's entity cache against the Graph sandbox: users by email / id and messages by
 * id are served from the cache the second time, invalidation by tag refetches exactly the tagged
 * entry, tenants do not share entries, sendMessage reports what it changed, responses carry cache
 * tags and Cache-Control.
 */
import { encodeMessageId } from '../../../subgraphs/teams/messageId';
import type { ChatMessage, GraphUser } from '../../../subgraphs/teams/sandbox/graphStore';
import { sandboxToken, startHarness, storedRoots, type Harness, type StoredRoot } from './teamsHarness';
import { contextHeaders } from '../signedContext';

const TOKEN = 'teams-internal-token-0123456789abcdef';
const CONTACT_MESSAGES = `query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Contact { email messages(first: 1) { nodes { id } } } } }`;
const MESSAGE = 'query($id: ID!) { message(id: $id) { id body { content } } }';
const MESSAGE_ENTITY = `query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Message { id channel { id } team { id } sender { email } } } }`;
const SEND = 'mutation($c: ID!, $text: String!) { sendMessage(channelId: $c, content: $text) { id channel { id } } }';

type Body = { data?: any; errors?: unknown[]; extensions?: { cacheTags?: string[]; invalidatedTags?: string[] } }; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('Teams entity cache', () => {
  let h: Harness;
  let senders: GraphUser[];
  let roots: StoredRoot[];
  beforeAll(async () => {
    h = await startHarness({ env: { INTERNAL_API_TOKEN: TOKEN } });
    roots = storedRoots(h.sb.data());
    const ids = [...new Set(roots.map((r) => r.message.from?.user?.id).filter((id): id is string => !!id))];
    senders = ids.map((id) => h.sb.data().usersById.get(id) as GraphUser).filter((u) => !!u?.mail).slice(0, 12);
  });
  afterAll(() => h.close());
  beforeEach(() => h.resetCounts());

  async function post(query: string, variables: Record<string, unknown>, headers: Record<string, string> = {}): Promise<{ res: Response; body: Body }> {
    const res = await fetch(h.sub.url, { method: 'POST', headers: { 'content-type': 'application/json', ...contextHeaders(), ...headers }, body: JSON.stringify({ query, variables }) });
    return { res, body: (await res.json()) as Body };
  }
  const contacts = (users: GraphUser[]) => ({ reps: users.map((u) => ({ __typename: 'Contact', email: u.mail })) });
  const sender = (i: number): GraphUser => senders[i] as GraphUser;
  const firstIds = (body: Body): Array<string | undefined> => body.data._entities.map((c: { messages: { nodes: { id: string }[] } }) => c.messages.nodes[0]?.id);

  it('answers repeated contact look-ups without a directory call, and tags them Contact:email:<email> plus their messages', async () => {
    const users = [sender(0), sender(1)];
    const first = await post(CONTACT_MESSAGES, contacts(users));
    expect(h.counts()).toEqual({ 'POST /v1.0/$batch': 1, '$batch GET /v1.0/users': 1 });
    h.resetCounts();
    const second = await post(CONTACT_MESSAGES, contacts(users));
    expect(second.body.data).toEqual(first.body.data);
    expect(h.counts()).toEqual({});
    const expectedTags = [...users.map((u) => `Contact:email:${u.mail.toLowerCase()}`), ...firstIds(second.body).map((id) => `Message:${id}`)];
    expect([...(second.body.extensions?.cacheTags ?? [])].sort()).toEqual(expectedTags.sort());
    expect(second.res.headers.get('cache-control')).toBe('max-age=15, public');
  });

  it('after an invalidation of Contact:email:<x> looks up exactly x again, while y is still answered from the cache', async () => {
    const [x, y] = [sender(2), sender(3)];
    const before = await post(CONTACT_MESSAGES, contacts([x, y]));
    const yMail = y.mail;
    y.mail = 'renamed.user@elsewhere.example'; // a directory lookup of y's old mail would now find nobody
    try {
      expect(await h.sub.invalidate({ tags: [`Contact:email:${x.mail.toLowerCase()}`] })).toBe(2); // email → id and id → email
      h.resetCounts();
      const after = await post(CONTACT_MESSAGES, contacts([x, { ...y, mail: yMail }]));
      expect(h.counts()).toEqual({ 'POST /v1.0/$batch': 1, '$batch GET /v1.0/users': 1 });
      expect(firstIds(after.body)).toEqual(firstIds(before.body));
    } finally {
      y.mail = yMail;
    }
  });

  it("does not answer tenant B from tenant A's entry: B looks the user up with its own Graph client", async () => {
    const u = sender(4);
    await post(CONTACT_MESSAGES, contacts([u]), contextHeaders('tenant-a'));
    h.resetCounts();
    await post(CONTACT_MESSAGES, contacts([u]), contextHeaders('tenant-a'));
    expect(h.counts()).toEqual({});
    await post(CONTACT_MESSAGES, contacts([u]), contextHeaders('tenant-b'));
    expect(h.counts()).toEqual(expect.objectContaining({ 'POST /{tenant}/oauth2/v2.0/token': 1, '$batch GET /v1.0/users': 1 }));
  });

  it('caches a message fetched from Graph, and reads it again after POST /internal/invalidate of its tag', async () => {
    const [teamId, channelId] = ([...h.sb.data().messages.keys()][1] as string).split('|') as [string, string];
    const posted = await fetch(`${h.sb.url}/v1.0/teams/${teamId}/channels/${encodeURIComponent(channelId)}/messages`, {
      method: 'POST', headers: { authorization: `Bearer ${await sandboxToken(h.sb)}`, 'content-type': 'application/json' },
      body: JSON.stringify({ body: { contentType: 'text', content: 'first words' } }),
    });
    const graphId = ((await posted.json()) as { id: string }).id;
    const id = encodeMessageId({ teamId, channelId, messageId: graphId });
    h.resetCounts();
    expect((await post(MESSAGE, { id })).body.data.message.body.content).toBe('first words');
    expect(h.counts()['$batch GET /v1.0/teams/{id}/channels/{id}/messages/{id}']).toBe(1);
    const stored = h.sb.data().messages.get(`${teamId}|${channelId}`)?.roots.find((r) => r.message.id === graphId)?.message as ChatMessage;
    stored.body = { ...stored.body, content: 'edited words' };
    h.resetCounts();
    expect((await post(MESSAGE, { id })).body.data.message.body.content).toBe('first words');
    expect(h.counts()).toEqual({});
    const res = await fetch(h.sub.url.replace('/graphql', '/internal/invalidate'), {
      method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ tags: [`Message:${id}`], tenant: 'default' }),
    });
    expect(await res.json()).toEqual({ evicted: 1 });
    expect((await post(MESSAGE, { id })).body.data.message.body.content).toBe('edited words');
    expect(h.counts()['$batch GET /v1.0/teams/{id}/channels/{id}/messages/{id}']).toBe(1);
  });

  it('tags a Message entity with Message, Channel, Team and the sender Contact:email tags, and sets max-age=15', async () => {
    const r = roots.find((root) => root.message.from?.user?.id) as StoredRoot;
    const id = encodeMessageId({ teamId: r.teamId, channelId: r.channelId, messageId: r.message.id });
    const { res, body } = await post(MESSAGE_ENTITY, { reps: [{ __typename: 'Message', id }] });
    const mail = h.sb.data().usersById.get(r.message.from?.user?.id ?? '')?.mail.toLowerCase();
    expect([...(body.extensions?.cacheTags ?? [])].sort()).toEqual([`Channel:${r.channelId}`, `Contact:email:${mail}`, `Message:${id}`, `Team:${r.teamId}`].sort());
    expect(res.headers.get('cache-control')).toBe('max-age=15, public');
  });

  it('sendMessage reports Message:<new id> and Channel:<id> as invalidated, and is not cacheable', async () => {
    const channelId = ([...h.sb.data().messages.keys()][2] as string).split('|')[1] as string;
    const { res, body } = await post(SEND, { c: channelId, text: 'cache protocol says hi' });
    expect(body.errors).toBeUndefined();
    expect(body.extensions?.invalidatedTags).toEqual([`Message:${body.data.sendMessage.id}`, `Channel:${channelId}`]);
    expect(res.headers.get('cache-control')).toBe('no-store');
  });
});
