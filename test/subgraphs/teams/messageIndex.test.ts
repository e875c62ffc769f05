/**
 * The message index against the full sandbox tenant (10 teams, 50 channels, 10,000 root messages):
 * the cold build goes through delta queries in `$batch`es, holds every served root message, and
 * an incremental refresh costs one delta call per channel in 3 `$batch` calls.
 */
import type { GraphSandbox } from '../../../subgraphs/teams/sandbox/graphSandbox';
import { startGraphSandbox } from '../../../subgraphs/teams/sandbox/graphSandbox';
import { startTeamsSubgraph, type TeamsSubgraph } from '../../../subgraphs/teams/server';
import { gql, sandboxAdmin, sandboxToken, silent, storedRoots, subgraphEnv } from './teamsHarness';

describe('message index built and refreshed with delta queries', () => {
  let sb: GraphSandbox;
  let sub: TeamsSubgraph;

  beforeAll(async () => {
    // Graph's throttling stays on (100 requests per second per app): the build has to cope with it.
    sb = await startGraphSandbox({ port: 0, logger: silent });
    sub = await startTeamsSubgraph({ port: 0, logger: silent, env: subgraphEnv(sb) });
    await sub.index.ready();
  });
  afterAll(async () => {
    await sub.close();
    await sb.close();
  });

  it('builds from every channel with delta pages sent only as $batch items of at most 20', () => {
    const counts = sb.counters.snapshot().byEndpoint;
    const stats = sub.index.lastRefresh();
    expect(stats).toEqual(expect.objectContaining({ channels: 50, upserted: storedRoots(sb.data()).length, failedChannels: 0 }));
    expect(counts['GET /v1.0/teams/{id}/channels/{id}/messages/delta']).toBeUndefined();
    const deltaItems = counts['$batch GET /v1.0/teams/{id}/channels/{id}/messages/delta'] ?? 0;
    const batches = counts['POST /v1.0/$batch'] ?? 0;
    // Every channel pages through its messages 50 at a time (throttled items are re-sent).
    const pages = [...sb.data().messages.values()].reduce((n, c) => n + Math.max(1, Math.ceil(c.roots.length / 50)), 0);
    expect(deltaItems).toBeGreaterThanOrEqual(pages);
    expect(batches * 20).toBeGreaterThanOrEqual(deltaItems + (counts['$batch GET /v1.0/teams/{id}/channels'] ?? 0));
    expect(counts['GET /v1.0/teams']).toBe(1);
    expect(counts['$batch GET /v1.0/teams/{id}/channels']).toBe(10);
  });

  it('refreshes incrementally with one delta call per channel in 3 $batch calls and picks up a new message', async () => {
    await sandboxAdmin(sb, 'PATCH', 'settings', { requestsPerSecond: 100 }); // a full bucket: no throttled retries below
    const [teamId, channelId] = ([...sb.data().messages.keys()][7] as string).split('|') as [string, string];
    const user = sb.data().users[42] as { id: string; mail: string };
    const token = await sandboxToken(sb);
    const posted = await fetch(`${sb.url}/v1.0/teams/${teamId}/channels/${encodeURIComponent(channelId)}/messages`, {
      method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ body: { contentType: 'text', content: 'posted straight to Graph' }, from: { user: { id: user.id } } }),
    });
    expect(posted.status).toBe(201);
    sb.counters.reset();
    const stats = await sub.index.refresh();
    expect(sb.counters.snapshot().byEndpoint).toEqual({ 'POST /v1.0/$batch': 3, '$batch GET /v1.0/teams/{id}/channels/{id}/messages/delta': 50 });
    expect(stats).toEqual(expect.objectContaining({ rounds: 1, deltaCalls: 50, batchCalls: 3, upserted: 1, failedChannels: 0 }));
    const res = await gql(sub.url, `query($t: ID!, $c: ID!) { channel(teamId: $t, channelId: $c) { messages(first: 1) { nodes { body { content } sender { email } } } } }`, { t: teamId, c: channelId });
    expect(res.data?.channel.messages.nodes).toEqual([{ body: { content: 'posted straight to Graph' }, sender: { email: user.mail } }]);
  });

  it('starts a channel over when Graph refuses its delta link, and keeps the others incremental', async () => {
    await sandboxAdmin(sb, 'PATCH', 'settings', { requestsPerSecond: 100 });
    const [teamId, channelId] = ([...sb.data().messages.keys()][5] as string).split('|') as [string, string];
    await sandboxAdmin(sb, 'PUT', 'faults', { forceStatus: 400, forceCount: 1, pathPrefix: `/v1.0/teams/${teamId}/channels/${channelId}/messages/delta` });
    const failed = await sub.index.refresh();
    expect(failed).toEqual(expect.objectContaining({ failedChannels: 1, upserted: 0 }));
    await sandboxAdmin(sb, 'DELETE', 'faults');
    await sandboxAdmin(sb, 'PATCH', 'settings', { requestsPerSecond: 100 });
    const again = await sub.index.refresh();
    const served = storedRoots(sb.data()).filter((r) => r.channelId === channelId).length;
    const pages = Math.ceil((sb.data().messages.get(`${teamId}|${channelId}`)?.roots.length ?? 0) / 50);
    expect(again).toEqual(expect.objectContaining({ failedChannels: 0, upserted: served, deltaCalls: 50 + pages - 1 }));
  });
});
