/**
 * The subscription manager against the real Graph sandbox (through the subgraph's Graph client) and
 * a scripted webhook receiver: create per watched channel, renew when half the lifetime is gone,
 * re-create what Graph forgot, clean up leftovers and delete at close. Time is a test clock.
 */
import { createChannelDirectory } from '../../../subgraphs/teams/channelDirectory';
import { loadTeamsConfig } from '../../../subgraphs/teams/config';
import { createGraphClient } from '../../../subgraphs/teams/graphClient';
import type { GraphSandbox } from '../../../subgraphs/teams/sandbox/graphSandbox';
import { createSubscriptionManager, type SubscriptionManager } from '../../../subgraphs/teams/subscriptionManager';
import { accessToken, graphFetch, SMALL, startSandbox } from '../../sandboxes/teams/graphSandboxHelpers';
import { startWebhookReceiver, type WebhookReceiver } from '../../sandboxes/teams/webhookReceiver';
import { silent, subgraphEnv } from './teamsHarness';

describe('subscription manager', () => {
  let sb: GraphSandbox;
  let rx: WebhookReceiver;
  let manager: SubscriptionManager;
  let clock = Date.now();
  const minutes = (n: number): number => n * 60_000;

  beforeAll(async () => {
    [sb, rx] = await Promise.all([startSandbox({ size: SMALL, requestsPerSecond: 100_000 }), startWebhookReceiver()]);
    const config = loadTeamsConfig(subgraphEnv(sb));
    const graph = createGraphClient({ config, logger: silent });
    const directory = createChannelDirectory({ graph, logger: silent, watchedTeamIds: [], ttlMs: 600_000 });
    // A leftover of an earlier run: our URL, not ours.
    const token = await accessToken(sb);
    const [teamId, channels = []] = [...sb.data().channelsByTeam.entries()][0] ?? [];
    const leftover = await graphFetch(sb, '/v1.0/subscriptions', {
      method: 'POST', token,
      body: { changeType: 'created', notificationUrl: `${rx.url}/events/graph`, resource: `/teams/${teamId}/channels/${channels[0]?.id}/messages`, expirationDateTime: new Date(Date.now() + minutes(30)).toISOString() },
    });
    expect(leftover.status).toBe(201);
    manager = createSubscriptionManager({
      graph, directory, logger: silent, notificationUrl: `${rx.url}/events/graph`, lifecycleNotificationUrl: `${rx.url}/events/graph-lifecycle`,
      clientState: 'manager-test-client-state-01', lifetimeMinutes: 60, rich: null, now: () => clock,
    });
  });
  afterAll(async () => {
    await manager.close();
    await sb.close();
    await rx.close();
  });

  it('subscribes to every watched channel once and deletes leftovers of earlier runs', async () => {
    const stats = await manager.sync();
    const resources = [...sb.data().channelsByTeam.entries()].flatMap(([teamId, list]) => list.map((c) => `/teams/${teamId}/channels/${encodeURIComponent(c.id)}/messages`));
    expect(stats).toEqual({ created: resources.length, renewed: 0, deleted: 1, failed: 0 });
    const live = sb.subscriptions.list();
    expect(live.map((s) => s.json.resource).sort()).toEqual(resources.sort());
    for (const s of live) {
      expect(s.json).toMatchObject({ changeType: 'created,updated,deleted', clientState: 'manager-test-client-state-01', notificationUrl: `${rx.url}/events/graph`, lifecycleNotificationUrl: `${rx.url}/events/graph-lifecycle` });
    }
    await manager.ready();
    expect(await manager.sync()).toEqual({ created: 0, renewed: 0, deleted: 0, failed: 0 });
  });

  it('renews with PATCH once less than half the lifetime is left', async () => {
    clock += minutes(31);
    sb.counters.reset();
    const stats = await manager.sync();
    expect(stats.renewed).toBe(manager.list().length);
    expect(sb.counters.snapshot().byEndpoint['PATCH /v1.0/subscriptions/{id}']).toBe(manager.list().length);
    for (const s of sb.subscriptions.list()) expect(Date.parse(s.json.expirationDateTime)).toBe(clock + minutes(60));
  });

  it('re-creates a subscription Graph no longer knows when renewing it', async () => {
    const [gone] = manager.list();
    if (!gone) throw new Error('no subscription');
    sb.subscriptions.remove(gone.id);
    clock += minutes(31);
    await manager.sync();
    const replaced = manager.list().find((s) => s.channelId === gone.channelId);
    expect(replaced?.id).not.toBe(gone.id);
    expect(sb.subscriptions.get(replaced?.id ?? '')).toBeDefined();
  });

  it('reauthorizes and re-creates on request', async () => {
    const [sub] = manager.list();
    if (!sub) throw new Error('no subscription');
    const stored = sb.subscriptions.get(sub.id);
    if (!stored) throw new Error('not in the sandbox');
    stored.needsReauthorization = true;
    expect((await manager.reauthorize(sub.id))?.id).toBe(sub.id);
    expect(stored.needsReauthorization).toBe(false);
    const fresh = await manager.recreate(sub.id);
    expect(fresh?.id).not.toBe(sub.id);
    expect(manager.byId(sub.id)).toBeUndefined();
    expect(await manager.reauthorize('unknown')).toBeNull();
  });

  it('deletes its subscriptions at close', async () => {
    expect(sb.subscriptions.list().length).toBeGreaterThan(0);
    const ids = manager.list().map((s) => s.id);
    await manager.close();
    for (const id of ids) expect(sb.subscriptions.get(id)).toBeUndefined();
  });
});
