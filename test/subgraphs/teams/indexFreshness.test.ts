/**
 * Freshness of the message index: a message posted elsewhere (straight to Graph) shows up on the
 * first read after TEAMS_INDEX_MAX_STALENESS_MS, which refreshes first; concurrent reads share that
 * one refresh. (Reads inside the window costing nothing is asserted in contactMessages.test.ts.)
 */
import { startTeamsSubgraph } from '../../../subgraphs/teams/server';
import { sandboxToken, silent, sleep, startHarness, subgraphEnv, type Harness } from './teamsHarness';

const STALENESS_MS = 300;
const CONTACT = `query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Contact { messages(first: 1) { nodes { messageId body { content } } } } } }`;

describe('message index freshness', () => {
  let h: Harness;
  let teamId: string;
  let channelId: string;
  let user: { id: string; mail: string };

  async function postElsewhere(content: string): Promise<string> {
    const res = await fetch(`${h.sb.url}/v1.0/teams/${teamId}/channels/${encodeURIComponent(channelId)}/messages`, {
      method: 'POST', headers: { authorization: `Bearer ${await sandboxToken(h.sb)}`, 'content-type': 'application/json' },
      body: JSON.stringify({ body: { contentType: 'text', content }, from: { user: { id: user.id } } }),
    });
    expect(res.status).toBe(201);
    return ((await res.json()) as { id: string }).id;
  }

  const latest = async (): Promise<string | undefined> => {
    const res = await h.query(CONTACT, { reps: [{ __typename: 'Contact', email: user.mail }] });
    expect(res.errors).toBeUndefined();
    return res.data?._entities[0].messages.nodes[0]?.messageId;
  };

  beforeAll(async () => {
    h = await startHarness({ env: { TEAMS_INDEX_MAX_STALENESS_MS: String(STALENESS_MS) } });
    [teamId, channelId] = ([...h.sb.data().messages.keys()][3] as string).split('|') as [string, string];
    user = h.sb.data().users[7] as { id: string; mail: string };
  });
  afterAll(async () => { await h.close(); });

  it('shows a message posted straight to Graph once the index is older than max staleness, for one delta call per channel', async () => {
    const id = await postElsewhere('posted elsewhere, seen after max staleness');
    await sleep(STALENESS_MS + 50);
    h.resetCounts();
    expect(await latest()).toBe(id);
    const counts = h.counts();
    expect(counts['$batch GET /v1.0/teams/{id}/channels/{id}/messages/delta']).toBe(50);
    // 3 $batch calls for the refresh (50 channels, 20 per call) + 1 for the email lookup.
    expect(counts['POST /v1.0/$batch']).toBe(4);
    expect(counts['$batch GET /v1.0/users']).toBe(1);
  });

  it('lets concurrent reads share one refresh', async () => {
    const id = await postElsewhere('seen by five concurrent readers');
    await sleep(STALENESS_MS + 50);
    h.resetCounts();
    const answers = await Promise.all([1, 2, 3, 4, 5].map(() => latest()));
    expect(answers).toEqual([id, id, id, id, id]);
    expect(h.counts()['$batch GET /v1.0/teams/{id}/channels/{id}/messages/delta']).toBe(50);
    expect(h.counts()['POST /v1.0/$batch']).toBe(3);
  });
});

describe('background refresh', () => {
  let h: Harness;
  beforeAll(async () => { h = await startHarness({ sandbox: { size: { accounts: 20, people: 200, teams: 2, channels: 5, messages: 200 } } }); });
  afterAll(async () => { await h.close(); });

  it('refreshes every TEAMS_INDEX_REFRESH_MS while running and stops when closed', async () => {
    const sub = await startTeamsSubgraph({ port: 0, logger: silent, env: subgraphEnv(h.sb, { TEAMS_INDEX_REFRESH_MS: '100' }) });
    try {
      await sub.index.ready();
      h.resetCounts();
      await sleep(1000);
      expect(h.counts()['$batch GET /v1.0/teams/{id}/channels/{id}/messages/delta']).toBeGreaterThanOrEqual(5);
    } finally {
      await sub.close();
    }
    await sleep(150); // a refresh already under way when closing may still finish
    h.resetCounts();
    await sleep(500);
    expect(h.counts()).toEqual({});
  });
});
