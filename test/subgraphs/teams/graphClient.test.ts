/**
 * The Graph client (one per tenant) under the kit's upstream policy, against the real Graph
 * sandbox and its fault knobs: retries only for reads, the breaker, per-item throttling in
 * `$batch`, single-flight tokens (at expiry and after revocation) and the one replay after a 401.
 * Sleeps are recorded, not waited; counts come from the sandbox's counters.
 */
import type { GraphQLError } from 'graphql';
import type { BreakerEvent, UpstreamCallEvent, UpstreamObserver, UpstreamThrottleEvent } from '../../../subgraphs/kit/upstreamObserver';
import type { UpstreamPolicyTuning } from '../../../subgraphs/kit/upstreamPolicy';
import { loadTeamsConfig } from '../../../subgraphs/teams/config';
import { createGraphClient, graphEndpoint, type GraphClient } from '../../../subgraphs/teams/graphClient';
import type { GraphSandbox } from '../../../subgraphs/teams/sandbox/graphSandbox';
import { admin, counter, SMALL, startSandbox } from '../../sandboxes/teams/graphSandboxHelpers';
import { silent, subgraphEnv } from './teamsHarness';

interface Recorder extends UpstreamObserver { calls: UpstreamCallEvent[]; throttles: UpstreamThrottleEvent[]; states: BreakerEvent['state'][] }

function recorder(): Recorder {
  const calls: UpstreamCallEvent[] = [];
  const throttles: UpstreamThrottleEvent[] = [];
  const states: BreakerEvent['state'][] = [];
  return { calls, throttles, states, call: (e) => calls.push(e), rateLimit: () => undefined, throttled: (e) => throttles.push(e), breaker: (e) => states.push(e.state) };
}

describe('Graph client resilience', () => {
  let sb: GraphSandbox;
  let teamId: string;
  let channelId: string;
  const clients: GraphClient[] = [];
  const TOKEN = (): string => 'POST /{tenant}/oauth2/v2.0/token';
  const TEAMS = 'GET /v1.0/teams';
  const POST_MESSAGE = 'POST /v1.0/teams/{id}/channels/{id}/messages';

  beforeAll(async () => {
    sb = await startSandbox({ size: SMALL, requestsPerSecond: 100_000 });
    const data = sb.data();
    teamId = data.teams[0]!.id;
    channelId = data.channelsByTeam.get(teamId)![0]!.id;
  });
  afterEach(() => {
    clients.splice(0).forEach((c) => c.close());
    sb.faults.clear();
  });
  afterAll(async () => { await sb.close(); });

  /** A client with a token already cached and recorded sleeps; counters reset. */
  async function client(env: Record<string, string> = {}, tuning: UpstreamPolicyTuning = {}, now?: () => number) {
    const observer = recorder();
    const sleeps: number[] = [];
    const graph = createGraphClient({
      config: loadTeamsConfig(subgraphEnv(sb, { GRAPH_MAX_RETRIES: '3', ...env })), logger: silent, tenant: 'acme', observer, now,
      tuning: { sleep: async (ms) => { sleeps.push(ms); }, ...tuning },
    });
    clients.push(graph);
    await graph.get('/teams?$top=1');
    sb.counters.reset();
    observer.calls.length = 0;
    return { graph, observer, sleeps };
  }

  it('ends a flaky read (timeout, 429, 504, OK) with the answer after exactly 4 upstream requests', async () => {
    const { graph, observer } = await client({ GRAPH_TIMEOUT_MS: '300' }, { deadlineMs: 10_000 });
    sb.faults.set({ pathPrefix: '/v1.0/teams', script: [{ delayMs: 1500 }, { status: 429, retryAfter: 0 }, { status: 504 }] });
    const page = await graph.get<{ value: unknown[] }>('/teams');
    expect(page.value.length).toBeGreaterThan(0);
    expect(counter(sb, TEAMS)).toBe(4);
    expect(observer.calls.map((e) => [e.endpoint, e.attempt, e.status])).toEqual([['teams', 1, 0], ['teams', 2, 429], ['teams', 3, 504], ['teams', 4, 200]]);
    expect(observer.throttles).toEqual([{ system: 'teams', tenant: 'acme', status: 429, retryAfterMs: 0 }]);
  });

  it('fails a write on the same script after one request', async () => {
    const { graph } = await client({ GRAPH_TIMEOUT_MS: '300' }, { deadlineMs: 10_000 });
    sb.faults.set({ pathPrefix: '/v1.0/teams', script: [{ delayMs: 1500 }, { status: 429, retryAfter: 0 }, { status: 504 }] });
    const err = (await graph.post(`/teams/${teamId}/channels/${channelId}/messages`, { body: { content: 'once' } }).catch((e: unknown) => e)) as GraphQLError;
    expect(err.extensions).toMatchObject({ code: 'UPSTREAM_TIMEOUT', system: 'teams', retryable: true });
    expect(counter(sb, POST_MESSAGE)).toBe(1);
  });

  it('opens the breaker after failures; then no request reaches Graph until a half-open probe succeeds', async () => {
    const { graph, observer } = await client({ GRAPH_MAX_RETRIES: '0' }, { breaker: { volumeThreshold: 4, resetTimeoutMs: 200 } });
    sb.faults.set({ pathPrefix: '/v1.0/teams', forceStatus: 503, retryAfter: 0 });
    for (let i = 0; i < 4; i++) await expect(graph.get('/teams')).rejects.toMatchObject({ extensions: { code: 'UPSTREAM_UNAVAILABLE' } });
    expect(graph.breakerState()).toBe('open');
    sb.counters.reset();
    const err = (await graph.get('/teams').catch((e: unknown) => e)) as GraphQLError;
    expect(err.extensions).toEqual({ code: 'UPSTREAM_UNAVAILABLE', system: 'teams', retryable: true, reason: 'circuit_open' });
    expect(counter(sb, TEAMS)).toBe(0);
    sb.faults.clear();
    while (graph.breakerState() !== 'half_open') await new Promise((r) => setTimeout(r, 20));
    await graph.get('/teams');
    expect(counter(sb, TEAMS)).toBe(1);
    expect(observer.states).toEqual(['open', 'half_open', 'closed']);
  });

  it('reports a throttled $batch item and re-sends only that item after its Retry-After', async () => {
    const { graph, observer, sleeps } = await client();
    sb.faults.set({ pathPrefix: `/v1.0/teams/${teamId}`, forceStatus: 429, forceCount: 1, retryAfter: 1 });
    const results = await graph.batch([{ method: 'GET', url: `/teams/${teamId}` }, { method: 'GET', url: '/teams?$top=1' }]);
    expect(results.map((r) => r.ok)).toEqual([true, true]);
    expect(observer.throttles).toEqual([{ system: 'teams', tenant: 'acme', status: 429, retryAfterMs: 1000 }]);
    expect(sleeps).toEqual([1000]);
    expect(counter(sb, 'POST /v1.0/$batch')).toBe(2);
  });

  it('fetches one token for 100 concurrent calls when the cached one has expired', async () => {
    let clock = Date.now();
    const { graph } = await client({}, {}, () => clock);
    clock += 3600 * 1000;
    await Promise.all(Array.from({ length: 100 }, () => graph.get('/teams?$top=1')));
    expect(counter(sb, TOKEN())).toBe(1);
    expect(counter(sb, TEAMS)).toBe(100);
  });

  it('fetches one token for 100 concurrent calls refused with 401 (token revoked), replaying each once', async () => {
    const { graph } = await client();
    await admin(sb, 'POST', 'tokens/expire');
    await Promise.all(Array.from({ length: 100 }, () => graph.get('/teams?$top=1')));
    expect(counter(sb, TOKEN())).toBe(1);
    expect(counter(sb, TEAMS)).toBeLessThanOrEqual(200);
  });

  it('replays a write refused with 401 once with a new token, and fails with UPSTREAM_AUTH_FAILED when refused again', async () => {
    const { graph } = await client();
    sb.faults.set({ pathPrefix: '/v1.0/teams', forceStatus: 401, forceCount: 1 });
    await graph.post(`/teams/${teamId}/channels/${channelId}/messages`, { body: { content: 'replayed' } });
    expect([counter(sb, TOKEN()), counter(sb, POST_MESSAGE)]).toEqual([1, 2]);

    sb.counters.reset();
    sb.faults.set({ pathPrefix: '/v1.0/teams', forceStatus: 401 });
    const err = (await graph.post(`/teams/${teamId}/channels/${channelId}/messages`, { body: { content: 'refused' } }).catch((e: unknown) => e)) as GraphQLError;
    expect(err.extensions).toMatchObject({ code: 'UPSTREAM_AUTH_FAILED', retryable: false });
    expect([counter(sb, TOKEN()), counter(sb, POST_MESSAGE)]).toEqual([1, 2]);
  });

  it('names endpoints by their first path segment', () => {
    expect(['/teams/1/channels', 'https://graph.microsoft.com/v1.0/users?$filter=x', '/$batch'].map(graphEndpoint)).toEqual(['teams', 'users', '$batch']);
  });
});
