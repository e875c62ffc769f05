/**
 * Notification delivery by the Graph sandbox: a message posted through the API notifies the
 * subscriptions watching its channel (basic and rich), failed POSTs are retried a bounded number of
 * times, and lifecycle events reach the lifecycle URL. Waits on `notifications.idle()`, not the clock.
 */
import { constants, createDecipheriv, createHmac, privateDecrypt, timingSafeEqual } from 'node:crypto';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { generate } from 'selfsigned';
import type { GraphSandbox } from '../../../subgraphs/teams/sandbox/graphSandbox';
import { accessToken, admin, graphFetch, SMALL, startSandbox } from './graphSandboxHelpers';
import { startWebhookReceiver, type WebhookReceiver } from './webhookReceiver';

type Item = Record<string, unknown> & { resourceData: Record<string, unknown>; encryptedContent?: Record<string, string> };

describe('change notifications (sandbox)', () => {
  let sb: GraphSandbox;
  let rx: WebhookReceiver;
  let token: string;
  let teamId: string;
  let channelId: string;
  let otherChannelId: string;
  const inMinutes = (m: number): string => new Date(Date.now() + m * 60_000).toISOString();
  const resourceOf = (c = channelId): string => `/teams/${teamId}/channels/${c}/messages`;
  const messagesPath = (c = channelId): string => `/v1.0${resourceOf(c)}`;

  async function subscribe(extra: Record<string, unknown> = {}): Promise<string> {
    const res = await graphFetch(sb, '/v1.0/subscriptions', {
      method: 'POST', token,
      body: {
        changeType: 'created', notificationUrl: `${rx.url}/hooks/graph`, lifecycleNotificationUrl: `${rx.url}/hooks/lifecycle`,
        resource: resourceOf(), expirationDateTime: inMinutes(30), clientState: 'notifier-test-state', ...extra,
      },
    });
    if (res.status !== 201) throw new Error(`subscribe failed: ${JSON.stringify(res.body)}`);
    return String(res.body.id);
  }

  async function post(content: string, path = messagesPath()): Promise<Record<string, unknown>> {
    const res = await graphFetch(sb, path, { method: 'POST', token, body: { body: { contentType: 'text', content } } });
    expect(res.status).toBe(201);
    await sb.notifications.idle();
    return res.body;
  }

  beforeAll(async () => {
    [sb, rx] = await Promise.all([startSandbox({ size: SMALL, notificationRetryBaseMs: 5, notificationAttempts: 3 }), startWebhookReceiver()]);
    token = await accessToken(sb);
    const [team, channels = []] = [...sb.data().channelsByTeam.entries()].find(([, list]) => list.length >= 2) ?? [];
    teamId = team ?? '';
    channelId = channels[0]?.id ?? '';
    otherChannelId = channels[1]?.id ?? '';
  });
  beforeEach(async () => {
    for (const s of sb.subscriptions.list()) sb.subscriptions.remove(s.json.id);
    rx.received.length = 0;
    rx.statuses = [];
    await admin(sb, 'PATCH', 'settings', { notificationAttempts: 3 });
  });
  afterAll(async () => {
    await sb.close();
    await rx.close();
  });

  it('POSTs the documented item, with clientState, for a message posted through the API', async () => {
    const id = await subscribe();
    const msg = await post('hello subscribers');
    const [batch, ...more] = rx.notifications('/hooks/graph');
    expect(more).toHaveLength(0);
    const resource = `teams('${teamId}')/channels('${channelId}')/messages('${String(msg.id)}')`;
    expect(batch).toEqual({
      value: [{
        subscriptionId: id, subscriptionExpirationDateTime: sb.subscriptions.get(id)?.json.expirationDateTime, changeType: 'created',
        resource, resourceData: { id: msg.id, '@odata.type': '#Microsoft.Graph.chatMessage', '@odata.id': resource },
        clientState: 'notifier-test-state', tenantId: sb.tenantId,
      }],
    });
  });

  it('names a reply by its root and notifies nobody watching another channel or another change type', async () => {
    await subscribe();
    await subscribe({ resource: resourceOf(otherChannelId) });
    await subscribe({ changeType: 'updated' });
    const root = await post('root');
    rx.received.length = 0;
    const reply = await post('a reply', `${messagesPath()}/${String(root.id)}/replies`);
    const items = rx.notifications('/hooks/graph').flatMap((b) => b.value as Item[]);
    expect(items.map((i) => i.resource)).toEqual([`teams('${teamId}')/channels('${channelId}')/messages('${String(root.id)}')/replies('${String(reply.id)}')`]);
  });

  it('puts the items of several subscriptions to one URL into one POST', async () => {
    const a = await subscribe();
    const b = await subscribe({ resource: '/teams/getAllMessages' });
    await post('two subscriptions');
    const batches = rx.notifications('/hooks/graph');
    expect(batches).toHaveLength(1);
    expect((batches[0]?.value as Item[]).map((i) => i.subscriptionId).sort()).toEqual([a, b].sort());
  });

  it('retries a failed POST and stops after notificationAttempts attempts', async () => {
    const id = await subscribe();
    rx.statuses = [500];
    await post('retried once');
    expect(rx.notifications('/hooks/graph')).toHaveLength(2);
    rx.received.length = 0;
    rx.statuses = [503, 503, 503, 503];
    await post('never accepted');
    expect(rx.notifications('/hooks/graph')).toHaveLength(3);
    const attempts = sb.notifications.deliveries().filter((d) => d.subscriptionIds.includes(id));
    expect(attempts.map((d) => [d.attempt, d.ok, d.status])).toEqual([[1, false, 500], [2, true, 202], [1, false, 503], [2, false, 503], [3, false, 503]]);
  });

  it('encrypts rich notifications to the certificate and signs validation tokens the JWKS verifies', async () => {
    const pems = await generate([{ name: 'commonName', value: 'subscriber' }], { keySize: 2048 });
    const der = pems.cert.replace(/-----[^-]+-----|\s/g, '');
    await subscribe({ includeResourceData: true, encryptionCertificate: der, encryptionCertificateId: 'cert-1' });
    const msg = await post('secret content');
    const batch = rx.notifications('/hooks/graph')[0] ?? {};
    const item = (batch.value as Item[])[0] as Item;
    const enc = item.encryptedContent as Record<string, string>;
    expect(enc.encryptionCertificateId).toBe('cert-1');
    expect(enc.encryptionCertificateThumbprint).toMatch(/^[0-9A-F]{40}$/);
    const key = privateDecrypt({ key: pems.private, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, Buffer.from(enc.dataKey ?? '', 'base64'));
    const data = Buffer.from(enc.data ?? '', 'base64');
    expect(timingSafeEqual(createHmac('sha256', key).update(data).digest(), Buffer.from(enc.dataSignature ?? '', 'base64'))).toBe(true);
    const decipher = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16));
    const resource = JSON.parse(Buffer.concat([decipher.update(data), decipher.final()]).toString('utf8')) as Record<string, unknown>;
    expect(resource).toMatchObject({ id: msg.id, body: { contentType: 'text', content: 'secret content' } });
    const tokens = batch.validationTokens as string[];
    expect(tokens).toHaveLength(1);
    const jwks = createRemoteJWKSet(new URL(`${sb.url}/common/discovery/v2.0/keys`));
    const { payload } = await jwtVerify(tokens[0] ?? '', jwks, { issuer: `https://sts.windows.net/${sb.tenantId}/`, audience: sb.clientId });
    expect(payload.appid).toBe('0bf30f3b-4a52-48df-9a82-234910c4a086');
    expect(payload.exp).toEqual(expect.any(Number));
  });

  it('notifies on demand through POST /__admin/events with the given change type', async () => {
    await subscribe({ changeType: 'updated,deleted' });
    const newest = sb.data().messages.get(`${teamId}|${channelId}`)?.roots.at(-1)?.message.id;
    const res = await fetch(`${sb.url}/__admin/events`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ teamId, channelId, changeType: 'deleted' }),
    });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ notified: 1, resource: `teams('${teamId}')/channels('${channelId}')/messages('${String(newest)}')` });
    await sb.notifications.idle();
    const items = rx.notifications('/hooks/graph').flatMap((b) => b.value as Item[]);
    expect(items.map((i) => [i.changeType, i.resourceData.id])).toEqual([['deleted', newest]]);
    const badEvent = await fetch(`${sb.url}/__admin/events`, { method: 'POST', body: JSON.stringify({ teamId, channelId, changeType: 'exploded' }) });
    expect(badEvent.status).toBe(400);
  });

  it('sends reauthorizationRequired to the lifecycle URL and pauses notifications until the app reauthorizes', async () => {
    const id = await subscribe();
    const trigger = await fetch(`${sb.url}/__admin/subscriptions/${id}/lifecycle`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ lifecycleEvent: 'reauthorizationRequired' }),
    });
    expect(trigger.status).toBe(202);
    await sb.notifications.idle();
    expect(rx.notifications('/hooks/lifecycle')).toEqual([{
      value: [{
        subscriptionId: id, subscriptionExpirationDateTime: sb.subscriptions.get(id)?.json.expirationDateTime, tenantId: sb.tenantId,
        clientState: 'notifier-test-state', lifecycleEvent: 'reauthorizationRequired',
      }],
    }]);
    await post('while paused');
    expect(rx.notifications('/hooks/graph')).toHaveLength(0);
    expect((await graphFetch(sb, `/v1.0/subscriptions/${id}/reauthorize`, { method: 'POST', token })).status).toBe(204);
    await post('after reauthorization');
    expect(rx.notifications('/hooks/graph')).toHaveLength(1);
  });

  it('deletes the subscription on subscriptionRemoved and tells the lifecycle URL', async () => {
    const id = await subscribe();
    await fetch(`${sb.url}/__admin/subscriptions/${id}/lifecycle`, { method: 'POST', body: JSON.stringify({ lifecycleEvent: 'subscriptionRemoved' }) });
    await sb.notifications.idle();
    expect(sb.subscriptions.get(id)).toBeUndefined();
    expect((rx.notifications('/hooks/lifecycle')[0]?.value as Item[])[0]?.lifecycleEvent).toBe('subscriptionRemoved');
    await post('nobody listens');
    expect(rx.notifications('/hooks/graph')).toHaveLength(0);
  });
});
