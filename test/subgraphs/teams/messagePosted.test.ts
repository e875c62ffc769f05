/**
 * Change notifications end to end: the real Graph sandbox notifies the real Teams subgraph
 * (`TEAMS_NOTIFICATION_URL=auto`), which logs `MessagePosted` envelopes and streams them to
 * graphql-ws subscribers of `messagePosted`. Messages are posted with the official Graph SDK.
 */
import { ClientSecretCredential } from '@azure/identity';
import { Client as GraphSdk } from '@microsoft/microsoft-graph-client';
import { TokenCredentialAuthenticationProvider } from '@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials';
import { createClient, type Client as WsClient } from 'graphql-ws';
import WebSocket from 'ws';
import { encodeMessageId } from '../../../subgraphs/teams/messageId';
import { SMALL } from '../../sandboxes/teams/graphSandboxHelpers';
import { sandboxAdmin, sleep, startHarness, type Harness } from './teamsHarness';
import { signedContext } from '../signedContext';

const STATE = 'e2e-client-state-0000000000001';

/** Polls until `check` holds (background work: lifecycle handling); fails after `ms`. */
async function eventually(check: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  for (const start = Date.now(); !(await check());) {
    if (Date.now() - start > ms) throw new Error('condition not met in time');
    await sleep(20);
  }
}

interface Posted { cursor: string; changeType: string; messageId: string; message: { id: string; body: { content: string }; channel: { id: string } } | null }

describe('messagePosted over Graph change notifications', () => {
  let h: Harness;
  let sdk: GraphSdk;
  let teamId: string;
  let channelA: string;
  let channelB: string;
  const ws: WsClient[] = [];

  const wsClient = (): WsClient => {
    const c = createClient({ url: h.sub.url.replace('http:', 'ws:'), webSocketImpl: WebSocket, retryAttempts: 0, lazy: true, connectionParams: () => ({ context: signedContext() }) });
    ws.push(c);
    return c;
  };
  const post = async (channelId: string, content: string): Promise<string> => {
    const created = (await sdk.api(`/teams/${teamId}/channels/${encodeURIComponent(channelId)}/messages`).post({ body: { contentType: 'text', content } })) as { id: string };
    await h.sb.notifications.idle();
    return encodeMessageId({ teamId, channelId, messageId: created.id });
  };
  const logged = async (after?: string): Promise<Array<{ id: string; entity: string; changeType: string }>> =>
    (await h.sub.events.log.read(after)).map((l) => ({ id: l.event.id, entity: l.event.entity.id, changeType: l.event.changeType }));

  beforeAll(async () => {
    h = await startHarness({
      env: { TEAMS_NOTIFICATION_URL: 'auto', TEAMS_NOTIFICATION_CLIENT_STATE: STATE },
      sandbox: { size: SMALL, notificationRetryBaseMs: 10 },
    });
    await h.sub.events.manager()?.ready();
    const credential = new ClientSecretCredential(h.sb.tenantId, h.sb.clientId, h.sb.clientSecret ?? '', { authorityHost: h.sb.url, disableInstanceDiscovery: true });
    sdk = GraphSdk.initWithMiddleware({
      authProvider: new TokenCredentialAuthenticationProvider(credential, { scopes: ['https://graph.microsoft.com/.default'] }),
      baseUrl: `${h.sb.url}/`, customHosts: new Set(['localhost']),
    });
    const [team, channels = []] = [...h.sb.data().channelsByTeam.entries()].find(([, list]) => list.length >= 2) ?? [];
    teamId = team ?? '';
    [channelA, channelB] = [channels[0]?.id ?? '', channels[1]?.id ?? ''];
  });
  afterAll(async () => {
    await Promise.all(ws.map((c) => c.dispose()));
    await h.close();
  });

  it('subscribes to every watched channel at start, pointing Graph at its own webhooks', () => {
    const channels = [...h.sb.data().channelsByTeam.values()].flat();
    const subs = h.sb.subscriptions.list();
    expect(subs).toHaveLength(channels.length);
    const base = h.sub.url.replace(/\/graphql$/, '');
    for (const s of subs) {
      expect(s.json).toMatchObject({ notificationUrl: `${base}/events/graph`, lifecycleNotificationUrl: `${base}/events/graph-lifecycle`, clientState: STATE, includeResourceData: false });
    }
  });

  it('logs one MessagePosted envelope for a message posted with the Graph SDK', async () => {
    const head = await h.sub.events.log.head();
    const id = await post(channelA, 'posted through the SDK');
    const events = await logged(head);
    expect(events).toEqual([{ id: expect.stringMatching(/^teams:teams\('.+'\)\/channels\('.+'\)\/messages\('\d+'\):created$/), entity: id, changeType: 'CREATED' }]);
    const [entry] = await h.sub.events.log.read(head);
    expect(entry?.event.attributes).toEqual({ teamId, channelId: channelA });
  });

  it('streams the message to a graphql-ws subscriber of its channel only', async () => {
    const head = await h.sub.events.log.head();
    const query = `subscription($c: ID!, $after: String) { messagePosted(channelId: $c, after: $after) { cursor changeType messageId message { id body { content } channel { id } } } }`;
    const onA = wsClient().iterate<{ messagePosted: Posted }>({ query, variables: { c: channelA, after: head } });
    const onB = wsClient().iterate<{ messagePosted: Posted }>({ query, variables: { c: channelB, after: head } });
    const a = await post(channelA, 'for channel A');
    const b = await post(channelB, 'for channel B');
    const gotA = (await onA.next()).value?.data?.messagePosted;
    const gotB = (await onB.next()).value?.data?.messagePosted;
    expect(gotA).toEqual({ cursor: expect.stringMatching(/^\d+-\d+$/), changeType: 'CREATED', messageId: a, message: { id: a, body: { content: 'for channel A' }, channel: { id: channelA } } });
    expect(gotB?.messageId).toBe(b);
    await onA.return?.();
    await onB.return?.();
  });

  it('replays what a reconnecting subscriber missed after its cursor', async () => {
    const head = await h.sub.events.log.head();
    const first = await post(channelA, 'missed one');
    const second = await post(channelA, 'missed two');
    const it = wsClient().iterate<{ messagePosted: Posted }>({ query: `subscription($a: String) { messagePosted(teamId: "${teamId}", after: $a) { messageId } }`, variables: { a: head } });
    expect([(await it.next()).value?.data?.messagePosted.messageId, (await it.next()).value?.data?.messagePosted.messageId]).toEqual([first, second]);
    await it.return?.();
  });

  it('refuses a malformed channelId before following anything', async () => {
    const it = wsClient().iterate({ query: 'subscription { messagePosted(channelId: "general") { messageId } }' });
    const res = await it.next();
    expect(res.value?.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'channelId' });
  });

  it('turns sendMessage through the subgraph into an event', async () => {
    const head = await h.sub.events.log.head();
    const res = await h.query<{ sendMessage: { id: string } }>(`mutation($c: ID!) { sendMessage(channelId: $c, content: "from the graph") { id } }`, { c: channelB });
    await h.sb.notifications.idle();
    expect((await logged(head)).map((e) => e.entity)).toEqual([res.data?.sendMessage.id]);
  });

  it('reauthorizes on reauthorizationRequired and catches up a message posted while notifications were paused', async () => {
    const sub = h.sb.subscriptions.list().find((s) => s.target.kind === 'channel' && s.target.channelId === channelA);
    if (!sub) throw new Error('no subscription for channel A');
    const head = await h.sub.events.log.head();
    sub.needsReauthorization = true;
    const missed = await post(channelA, 'posted while paused');
    expect(await logged(head)).toEqual([]);
    await sandboxAdmin(h.sb, 'POST', `subscriptions/${sub.json.id}/lifecycle`, { lifecycleEvent: 'reauthorizationRequired' });
    await h.sb.notifications.idle();
    await eventually(async () => !sub.needsReauthorization && (await logged(head)).length > 0);
    expect((await logged(head)).map((e) => e.entity)).toEqual([missed]);
    const after = await post(channelA, 'after reauthorization');
    expect((await logged(head)).map((e) => e.entity)).toEqual([missed, after]);
  });

  it('re-creates a removed subscription and keeps delivering', async () => {
    const old = h.sub.events.manager()?.list().find((s) => s.channelId === channelB);
    if (!old) throw new Error('no subscription for channel B');
    await sandboxAdmin(h.sb, 'POST', `subscriptions/${old.id}/lifecycle`, { lifecycleEvent: 'subscriptionRemoved' });
    await h.sb.notifications.idle();
    await eventually(() => {
      const now = h.sub.events.manager()?.list().find((s) => s.channelId === channelB);
      return now !== undefined && now.id !== old.id && h.sb.subscriptions.get(now.id) !== undefined;
    });
    const head = await h.sub.events.log.head();
    const id = await post(channelB, 'after re-creation');
    expect((await logged(head)).map((e) => e.entity)).toEqual([id]);
  });
});
