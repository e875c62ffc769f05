/**
 * Graph failures become stable subgraph errors (`extensions.code`, `system: 'teams'`, `retryable`),
 * driven by the sandbox's fault knobs and app registrations; Graph's own messages, hosts and request
 * ids never reach the client.
 */
import { randomUUID } from 'node:crypto';
import { startTeamsSubgraph, type TeamsSubgraph } from '../../../subgraphs/teams/server';
import { gql, sandboxAdmin, silent, startHarness, subgraphEnv, type GqlResult, type Harness } from './teamsHarness';

const SEND = 'mutation($c: ID!) { sendMessage(channelId: $c, content: "status update") { id } }';
const CONTACT = 'query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Contact { messages(first: 1) { nodes { id } } } } }';
const POSTS = 'POST /v1.0/teams/{id}/channels/{id}/messages';

function expectClean(res: GqlResult, sandboxUrl: string): void {
  expect(res.raw).not.toContain(new URL(sandboxUrl).host);
  expect(res.raw).not.toMatch(/Too many requests|Injected fault|temporarily unavailable|Missing role|AADSTS|innerError|request-id/i);
}

describe('Graph error mapping', () => {
  let h: Harness;
  let channelId: string;

  beforeAll(async () => {
    h = await startHarness({ env: { GRAPH_TIMEOUT_MS: '700' } });
    channelId = ([...h.sb.data().messages.keys()][2] as string).split('|')[1] as string;
  });
  afterAll(async () => { await h.close(); });
  beforeEach(async () => {
    await sandboxAdmin(h.sb, 'DELETE', 'faults');
    h.resetCounts();
  });

  it('maps a 429 with a long Retry-After to UPSTREAM_RATE_LIMITED with retryAfterSeconds, without retrying the post', async () => {
    await sandboxAdmin(h.sb, 'PUT', 'faults', { forceStatus: 429, retryAfter: 30, pathPrefix: '/v1.0/teams/' });
    const res = await h.query(SEND, { c: channelId });
    expect(res.errors?.[0]).toEqual(expect.objectContaining({
      message: 'Microsoft Graph is throttling requests; retry later',
      extensions: { code: 'UPSTREAM_RATE_LIMITED', system: 'teams', retryable: true, retryAfterSeconds: 30 },
    }));
    expect(h.counts()[POSTS]).toBe(1);
    expectClean(res, h.sb.url);
  });

  // Graph's throttling 429 means the request was not processed: a throttled write is sent again
  // after Retry-After (other failures of a write are never repeated: see the 5xx cases below).
  it('sends a write throttled with a short Retry-After again and succeeds', async () => {
    await sandboxAdmin(h.sb, 'PUT', 'faults', { forceStatus: 429, forceCount: 1, retryAfter: 0, pathPrefix: '/v1.0/teams/' });
    const res = await h.query(SEND, { c: channelId });
    expect(res.errors).toBeUndefined();
    expect(h.counts()[POSTS]).toBe(2);
  });

  it.each([
    [500, 'UPSTREAM_UNAVAILABLE', 'Microsoft Graph is unavailable'],
    [503, 'UPSTREAM_UNAVAILABLE', 'Microsoft Graph is unavailable'],
    [504, 'UPSTREAM_TIMEOUT', 'Microsoft Graph did not answer in time'],
    [400, 'UPSTREAM_REJECTED', 'Microsoft Graph rejected the request'],
  ])('maps a %i answer to %s (retryable as the code says)', async (status, code, message) => {
    await sandboxAdmin(h.sb, 'PUT', 'faults', { forceStatus: status, retryAfter: 30, pathPrefix: '/v1.0/teams/' });
    const res = await h.query(SEND, { c: channelId });
    expect(res.errors?.[0]).toEqual(expect.objectContaining({
      message, extensions: { code, system: 'teams', retryable: code !== 'UPSTREAM_REJECTED' },
    }));
    expectClean(res, h.sb.url);
  });

  it('maps a throttled $batch item on its own: that contact fails with UPSTREAM_RATE_LIMITED', async () => {
    await sandboxAdmin(h.sb, 'PUT', 'faults', { forceStatus: 429, retryAfter: 20, pathPrefix: '/v1.0/users' });
    const res = await h.query(CONTACT, { reps: [{ __typename: 'Contact', email: 'someone.new@example.com' }] });
    expect(res.errors?.[0]).toEqual(expect.objectContaining({
      path: ['_entities', 0, 'messages'],
      extensions: { code: 'UPSTREAM_RATE_LIMITED', system: 'teams', retryable: true, retryAfterSeconds: 20 },
    }));
    expect(h.counts()).toEqual({ 'POST /v1.0/$batch': 1, '$batch GET /v1.0/users': 1 });
    expectClean(res, h.sb.url);
  });

  it('maps a Graph call that takes longer than GRAPH_TIMEOUT_MS to UPSTREAM_TIMEOUT', async () => {
    await sandboxAdmin(h.sb, 'PUT', 'faults', { latencyMs: 1500, pathPrefix: '/v1.0/teams/' });
    const res = await h.query(SEND, { c: channelId });
    expect(res.errors?.[0]?.extensions).toEqual({ code: 'UPSTREAM_TIMEOUT', system: 'teams', retryable: true });
    expectClean(res, h.sb.url);
  });
});

describe('Graph credential and permission failures', () => {
  let h: Harness;
  const extra: TeamsSubgraph[] = [];

  beforeAll(async () => { h = await startHarness(); });
  afterAll(async () => {
    await Promise.all(extra.map((s) => s.close()));
    await h.close();
  });

  it('fetches a new token once when Graph refuses the cached one (revoked), then succeeds', async () => {
    const channelId = ([...h.sb.data().messages.keys()][0] as string).split('|')[1] as string;
    await sandboxAdmin(h.sb, 'POST', 'tokens/expire');
    h.resetCounts();
    const res = await h.query(SEND, { c: channelId });
    expect(res.errors).toBeUndefined();
    expect(h.counts()).toEqual(expect.objectContaining({ [POSTS]: 2, 'POST /{tenant}/oauth2/v2.0/token': 1 }));
  });

  it('maps a missing application role (403) to UPSTREAM_FORBIDDEN', async () => {
    const clientId = randomUUID();
    h.sb.registerApp({ clientId, secrets: ['read-only-secret'], roles: ['Team.ReadBasic.All', 'Channel.ReadBasic.All', 'ChannelMessage.Read.All', 'User.Read.All'] });
    const sub = await startTeamsSubgraph({ port: 0, logger: silent, env: subgraphEnv(h.sb, { GRAPH_CLIENT_ID: clientId, GRAPH_CLIENT_SECRET: 'read-only-secret' }) });
    extra.push(sub);
    await sub.index.ready();
    const channelId = ([...h.sb.data().messages.keys()][0] as string).split('|')[1] as string;
    const res = await gql(sub.url, SEND, { c: channelId });
    expect(res.errors?.[0]?.extensions).toEqual({ code: 'UPSTREAM_FORBIDDEN', system: 'teams', retryable: false });
    expectClean(res, h.sb.url);
  });

  it('maps a refused client secret to UPSTREAM_AUTH_FAILED', async () => {
    const sub = await startTeamsSubgraph({ port: 0, logger: silent, env: subgraphEnv(h.sb, { GRAPH_CLIENT_SECRET: 'wrong-secret' }) });
    extra.push(sub);
    const res = await gql(sub.url, '{ teams { id } }');
    expect(res.errors?.[0]?.extensions).toEqual({ code: 'UPSTREAM_AUTH_FAILED', system: 'teams', retryable: false });
    expectClean(res, h.sb.url);
  });
});
