/**
 * Message entities and queries: `_entities` of Messages with their sender (user id → mail in one
 * `$batch`), messages answered by the index or fetched with `GET .../messages/{id}` items, canonical
 * id validation, teams and channels from the channel directory.
 */
import { encodeMessageId } from '../../../subgraphs/teams/messageId';
import { startTeamsSubgraph, type TeamsSubgraph } from '../../../subgraphs/teams/server';
import { gql, silent, startHarness, storedRoots, subgraphEnv, type Harness, type StoredRoot } from './teamsHarness';

const MESSAGE_FIELDS = 'id messageId body { content contentType } subject importance createdAt updatedAt webUrl sender { email } channel { id displayName team { id } } team { id displayName }';
const ENTITIES = `query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Message { ${MESSAGE_FIELDS} } } }`;

function canonical(r: StoredRoot): string {
  return encodeMessageId({ teamId: r.teamId, channelId: r.channelId, messageId: r.message.id });
}

describe('Message entities, queries and canonical ids', () => {
  let h: Harness;
  let roots: StoredRoot[];

  beforeAll(async () => {
    h = await startHarness();
    roots = storedRoots(h.sb.data());
  });
  afterAll(async () => { await h.close(); });
  beforeEach(() => h.resetCounts());

  function expected(r: StoredRoot): Record<string, unknown> {
    const data = h.sb.data();
    const channel = data.channelsByTeam.get(r.teamId)?.find((c) => c.id === r.channelId);
    const team = data.teamsById.get(r.teamId);
    const m = r.message;
    return {
      id: canonical(r), messageId: m.id, body: { content: m.body.content, contentType: m.body.contentType.toUpperCase() },
      subject: m.subject, importance: m.importance.toUpperCase(), createdAt: new Date(m.createdDateTime).toISOString(),
      updatedAt: new Date(m.lastModifiedDateTime).toISOString(), webUrl: m.webUrl,
      sender: { email: data.usersById.get(m.from?.user?.id ?? '')?.mail },
      channel: { id: r.channelId, displayName: channel?.displayName, team: { id: r.teamId } },
      team: { id: r.teamId, displayName: team?.displayName },
    };
  }

  it('resolves 40 message entities from the index and their senders with one $batch of user-id lookups', async () => {
    const picked = roots.filter((_r, i) => i % 250 === 0).slice(0, 40);
    const res = await h.query(ENTITIES, { reps: picked.map((r) => ({ __typename: 'Message', id: canonical(r) })) });
    expect(res.errors).toBeUndefined();
    expect(res.data?._entities).toEqual(picked.map(expected));
    const senders = new Set(picked.map((r) => r.message.from?.user?.id)).size;
    expect(h.counts()).toEqual({ 'POST /v1.0/$batch': 1, '$batch GET /v1.0/users': Math.ceil(senders / 15) });
  });

  it('answers BAD_USER_INPUT for a garbage id, without any Graph call, and still resolves the valid ones', async () => {
    const good = roots[5] as StoredRoot;
    const forged = Buffer.from(`m1|${good.teamId}|${good.channelId}|12ab`).toString('base64url');
    const res = await h.query(ENTITIES.replace(MESSAGE_FIELDS, 'id messageId'), {
      reps: [{ __typename: 'Message', id: 'garbage!' }, { __typename: 'Message', id: canonical(good) }, { __typename: 'Message', id: forged }],
    });
    expect(res.data?._entities).toEqual([null, { id: canonical(good), messageId: good.message.id }, null]);
    expect(res.errors?.map((e) => [e.path, e.extensions?.code, e.extensions?.field])).toEqual([
      [['_entities', 0], 'BAD_USER_INPUT', 'id'], [['_entities', 2], 'BAD_USER_INPUT', 'id'],
    ]);
    const single = await h.query('query($id: ID!) { message(id: $id) { id } }', { id: 'AAAA' });
    expect(single.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'id', system: 'teams', retryable: false });
    expect(h.counts()).toEqual({});
  });

  it('answers null for a well-formed id outside the watched channels without a Graph call', async () => {
    const good = roots[0] as StoredRoot;
    const id = encodeMessageId({ teamId: good.teamId, channelId: '19:0000000000000000000000000000dead@thread.tacv2', messageId: good.message.id });
    const res = await h.query('query($id: ID!) { message(id: $id) { id } }', { id });
    expect(res).toEqual(expect.objectContaining({ data: { message: null } }));
    expect(h.counts()).toEqual({});
  });

  it('fetches a message the index lacks with a GET item in $batch, and answers null on 404', async () => {
    const root = [...h.sb.data().messages.values()].flatMap((c) => c.roots).find((r) => r.replies.length > 0 && r.message.messageType === 'message');
    const reply = root?.replies[0]?.message;
    const id = encodeMessageId({ teamId: reply?.channelIdentity.teamId ?? '', channelId: reply?.channelIdentity.channelId ?? '', messageId: reply?.id ?? '' });
    const res = await h.query('query($id: ID!) { message(id: $id) { id } }', { id });
    expect(res).toEqual(expect.objectContaining({ data: { message: null } }));
    expect(h.counts()).toEqual({ 'POST /v1.0/$batch': 1, '$batch GET /v1.0/teams/{id}/channels/{id}/messages/{id}': 1 });
  });

  it('serves the same message from Graph when the index dropped it (bounded index)', async () => {
    let small: TeamsSubgraph | undefined;
    try {
      small = await startTeamsSubgraph({ port: 0, logger: silent, env: subgraphEnv(h.sb, { TEAMS_INDEX_MAX_MESSAGES: '100' }) });
      await small.index.ready();
      const oldest = [...roots].sort((a, b) => a.message.createdDateTime.localeCompare(b.message.createdDateTime)).slice(0, 3);
      h.resetCounts();
      const res = await gql(small.url, ENTITIES, { reps: oldest.map((r) => ({ __typename: 'Message', id: canonical(r) })) });
      expect(res.errors).toBeUndefined();
      expect(res.data?._entities).toEqual(oldest.map(expected));
      expect(h.counts()['$batch GET /v1.0/teams/{id}/channels/{id}/messages/{id}']).toBe(3);
    } finally {
      await small?.close();
    }
  });

  it('serves only TEAMS_WATCHED_TEAM_IDS, read with GET /teams/{id} items, ignoring a team that does not exist', async () => {
    const data = h.sb.data();
    const watched = [data.teams[1]?.id, data.teams[4]?.id] as string[];
    let sub: TeamsSubgraph | undefined;
    try {
      sub = await startTeamsSubgraph({ port: 0, logger: silent, env: subgraphEnv(h.sb, { TEAMS_WATCHED_TEAM_IDS: [...watched, '00000000-0000-4000-8000-000000000000'].join(',') }) });
      await sub.index.ready();
      const counts = h.counts();
      expect(counts['GET /v1.0/teams']).toBeUndefined();
      expect(counts['$batch GET /v1.0/teams/{id}']).toBe(3);
      expect(counts['$batch GET /v1.0/teams/{id}/channels']).toBe(2);
      const channels = watched.reduce((n, t) => n + (data.channelsByTeam.get(t)?.length ?? 0), 0);
      expect(sub.index.lastRefresh()).toEqual(expect.objectContaining({ channels, upserted: roots.filter((r) => watched.includes(r.teamId)).length }));
      const res = await gql(sub.url, '{ teams { id } }');
      expect(res.data?.teams).toEqual(watched.map((id) => ({ id })));
      const outside = roots.find((r) => !watched.includes(r.teamId)) as StoredRoot;
      h.resetCounts();
      expect((await gql(sub.url, 'query($id: ID!) { message(id: $id) { id } }', { id: canonical(outside) })).data).toEqual({ message: null });
      expect(h.counts()).toEqual({});
    } finally {
      await sub?.close();
    }
  });

  it('lists the watched teams and a channel with its newest messages', async () => {
    const data = h.sb.data();
    const teams = await h.query('{ teams { id displayName description } }');
    expect(teams.data?.teams).toEqual(data.teams.map((t) => ({ id: t.id, displayName: t.displayName, description: t.description })));
    const busiest = [...roots].reduce((acc, r) => acc.set(`${r.teamId}|${r.channelId}`, (acc.get(`${r.teamId}|${r.channelId}`) ?? 0) + 1), new Map<string, number>());
    const [key] = [...busiest.entries()].sort((a, b) => b[1] - a[1])[0] as [string, number];
    const [teamId, channelId] = key.split('|') as [string, string];
    const q = 'query($t: ID!, $c: ID!) { channel(teamId: $t, channelId: $c) { id team { id } messages(first: 4) { nodes { messageId } pageInfo { hasNextPage } } } }';
    const res = await h.query(q, { t: teamId, c: channelId });
    const newest = roots.filter((r) => r.channelId === channelId)
      .sort((a, b) => b.message.createdDateTime.localeCompare(a.message.createdDateTime) || Number(b.message.id) - Number(a.message.id)).slice(0, 4);
    expect(res.data?.channel).toEqual({ id: channelId, team: { id: teamId }, messages: { nodes: newest.map((r) => ({ messageId: r.message.id })), pageInfo: { hasNextPage: true } } });
    const other = data.teams.find((t) => t.id !== teamId)?.id;
    expect((await h.query(q, { t: other, c: channelId })).data).toEqual({ channel: null });
    expect(h.counts()).toEqual({});
  });
});
