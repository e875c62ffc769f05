/**
 * The sandbox's change-notification subscriptions: the validation handshake, creation rules,
 * renew / delete / list, and per-app visibility. A scripted webhook receiver stands in for the
 * subscriber.
 */
import type { GraphSandbox } from '../../../subgraphs/teams/sandbox/graphSandbox';
import { accessToken, expectGraphError, graphFetch, SMALL, startSandbox, tokenResponse } from './graphSandboxHelpers';
import { startWebhookReceiver, type WebhookReceiver } from './webhookReceiver';

describe('change-notification subscriptions (sandbox)', () => {
  let sb: GraphSandbox;
  let rx: WebhookReceiver;
  let token: string;
  let resource: string;
  const inMinutes = (m: number): string => new Date(Date.now() + m * 60_000).toISOString();
  const request = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
    changeType: 'created,updated', notificationUrl: `${rx.url}/hooks/graph`, lifecycleNotificationUrl: `${rx.url}/hooks/lifecycle`,
    resource, expirationDateTime: inMinutes(90), clientState: 'sandbox-test-state', ...extra,
  });
  const create = (body: Record<string, unknown>, as = token): ReturnType<typeof graphFetch> =>
    graphFetch(sb, '/v1.0/subscriptions', { method: 'POST', token: as, body });

  beforeAll(async () => {
    [sb, rx] = await Promise.all([startSandbox({ size: SMALL, validationTimeoutMs: 300, maxSubscriptionMinutes: 4320 }), startWebhookReceiver()]);
    token = await accessToken(sb);
    const team = sb.data().teams[0];
    const channel = sb.data().channelsByTeam.get(team?.id ?? '')?.[0];
    resource = `/teams/${team?.id}/channels/${channel?.id}/messages`;
  });
  afterEach(() => {
    rx.handshake = 'echo';
    rx.received.length = 0;
  });
  afterAll(async () => {
    await sb.close();
    await rx.close();
  });

  it('validates both URLs with a text/plain POST carrying an opaque token and answers 201 with the subscription', async () => {
    const res = await create(request());
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      id: expect.any(String), resource, applicationId: sb.clientId, changeType: 'created,updated', clientState: 'sandbox-test-state',
      notificationUrl: `${rx.url}/hooks/graph`, lifecycleNotificationUrl: `${rx.url}/hooks/lifecycle`, includeResourceData: false,
      encryptionCertificate: null, latestSupportedTlsVersion: 'v1_2',
    });
    expect(String(res.body['@odata.context'])).toMatch(/\$metadata#subscriptions\/\$entity$/);
    const handshakes = rx.received.filter((r) => r.validationToken !== null);
    expect(handshakes.map((h) => h.path).sort()).toEqual(['/hooks/graph', '/hooks/lifecycle']);
    expect(handshakes[0]?.contentType).toMatch(/^text\/plain/);
    expect(handshakes[0]?.validationToken).toMatch(/^Validation: Testing client application reachability for subscription Request-Id: /);
  });

  it.each([
    ['echoes the still-encoded token', 'wrongEcho', /Response must exactly match validationToken/],
    ['answers 403', 'forbidden', /HTTP status code is 'Forbidden'/],
    ['echoes as JSON', 'json', /text\/plain/],
    ['does not answer in time', 'hang', /timed out/],
  ] as const)('refuses with 400 ValidationError and creates nothing when the endpoint %s', async (_label, mode, message) => {
    rx.handshake = mode;
    const before = sb.subscriptions.list().length;
    const res = await create(request());
    expectGraphError(res, 400, 'ValidationError');
    expect((res.body.error as { message: string }).message).toMatch(message);
    expect(sb.subscriptions.list()).toHaveLength(before);
  });

  it('refuses an unreachable notification URL', async () => {
    const res = await create(request({ notificationUrl: 'http://127.0.0.1:9/hooks', lifecycleNotificationUrl: undefined, expirationDateTime: inMinutes(30) }));
    expectGraphError(res, 400, 'ValidationError');
  });

  it.each([
    ['an expiration beyond the maximum', { expirationDateTime: inMinutes(4321) }, 'ExtensionError', /can only be 4320 minutes in the future/],
    ['an expiration in the past', { expirationDateTime: inMinutes(-1) }, 'ExtensionError', /in the future/],
    ['more than an hour without a lifecycle URL', { lifecycleNotificationUrl: undefined }, 'ValidationError', /lifecycleNotificationUrl is a required property/],
    ['an unsupported resource', { resource: '/users/x/messages' }, 'InvalidRequest', /not supported/],
    ['an unknown change type', { changeType: 'created,renamed' }, 'InvalidRequest', /renamed/],
    ['a clientState over 128 characters', { clientState: 'x'.repeat(129) }, 'InvalidRequest', /clientState/],
    ['includeResourceData without a certificate', { includeResourceData: true }, 'InvalidRequest', /encryptionCertificate/],
    ['a garbage certificate', { includeResourceData: true, encryptionCertificate: 'bm90IGEgY2VydA==', encryptionCertificateId: 'c1' }, 'InvalidRequest', /X\.509/],
    ['an ftp notification URL', { notificationUrl: 'ftp://example.com/x' }, 'InvalidRequest', /https/],
    ['an unknown property', { colour: 'blue' }, 'BadRequest', /colour/],
  ])('refuses %s with 400 before any handshake', async (_label, extra, code, message) => {
    const res = await create(request(extra));
    expectGraphError(res, 400, code);
    expect((res.body.error as { message: string }).message).toMatch(message);
    expect(rx.received).toHaveLength(0);
  });

  it('answers 404 for a channel that does not exist', async () => {
    const res = await create(request({ resource: resource.replace(/channels\/[^/]+/, 'channels/19:nope@thread.tacv2') }));
    expectGraphError(res, 404, 'NotFound');
  });

  it('accepts the OData key form and the tenant-wide resource', async () => {
    const [, , teamId, , channelId] = resource.split('/');
    const keyed = await create(request({ resource: `teams('${teamId}')/channels('${encodeURIComponent(channelId ?? '')}')/messages` }));
    expect(keyed.status).toBe(201);
    const tenantWide = await create(request({ resource: '/teams/getAllMessages' }));
    expect(tenantWide.status).toBe(201);
  });

  it('lists, renews with PATCH (200), and deletes (204) a subscription; a deleted one is 404', async () => {
    const created = await create(request());
    const id = String(created.body.id);
    const list = await graphFetch(sb, '/v1.0/subscriptions', { token });
    expect((list.body.value as Array<{ id: string }>).map((s) => s.id)).toContain(id);
    const renewedTo = inMinutes(600);
    const patched = await graphFetch(sb, `/v1.0/subscriptions/${id}`, { method: 'PATCH', token, body: { expirationDateTime: renewedTo } });
    expect(patched.status).toBe(200);
    expect(patched.body.expirationDateTime).toBe(renewedTo);
    expect((await graphFetch(sb, `/v1.0/subscriptions/${id}`, { token })).body.expirationDateTime).toBe(renewedTo);
    const tooFar = await graphFetch(sb, `/v1.0/subscriptions/${id}`, { method: 'PATCH', token, body: { expirationDateTime: inMinutes(5000) } });
    expectGraphError(tooFar, 400, 'ExtensionError');
    expect((await graphFetch(sb, `/v1.0/subscriptions/${id}`, { method: 'DELETE', token })).status).toBe(204);
    expectGraphError(await graphFetch(sb, `/v1.0/subscriptions/${id}`, { token }), 404, 'ResourceNotFound');
    expectGraphError(await graphFetch(sb, `/v1.0/subscriptions/${id}`, { method: 'PATCH', token, body: { expirationDateTime: renewedTo } }), 404, 'ResourceNotFound');
  });

  it("keeps one app's subscriptions invisible to another app", async () => {
    const other = '22222222-3333-4444-8555-666666666666';
    sb.registerApp({ clientId: other, secrets: ['other-secret'], roles: ['ChannelMessage.Read.All'] });
    const otherToken = String((await tokenResponse(sb, {
      grant_type: 'client_credentials', client_id: other, client_secret: 'other-secret', scope: 'https://graph.microsoft.com/.default',
    })).body.access_token);
    const mine = String((await create(request())).body.id);
    expectGraphError(await graphFetch(sb, `/v1.0/subscriptions/${mine}`, { token: otherToken }), 404, 'ResourceNotFound');
    expectGraphError(await graphFetch(sb, `/v1.0/subscriptions/${mine}`, { method: 'DELETE', token: otherToken }), 404, 'ResourceNotFound');
    const theirs = await graphFetch(sb, '/v1.0/subscriptions', { token: otherToken });
    expect(theirs.body.value).toEqual([]);
  });

  it('answers 403 when the app may not read channel messages', async () => {
    const weak = '33333333-4444-4555-8666-777777777777';
    sb.registerApp({ clientId: weak, secrets: ['weak-secret'], roles: ['User.Read.All'] });
    const weakToken = String((await tokenResponse(sb, {
      grant_type: 'client_credentials', client_id: weak, client_secret: 'weak-secret', scope: 'https://graph.microsoft.com/.default',
    })).body.access_token);
    expectGraphError(await create(request(), weakToken), 403, 'Forbidden');
  });

  describe('under abuse', () => {
    it.each([
      ['not JSON', '{"changeType":', 'BadRequest'],
      ['an array', '[]', 'BadRequest'],
      ['null', 'null', 'BadRequest'],
      ['a 20 KB resource', JSON.stringify({ changeType: 'created', notificationUrl: 'https://x.example/h', resource: `/teams/${'a'.repeat(20_000)}`, expirationDateTime: new Date(Date.now() + 60_000).toISOString() }), 'InvalidRequest'],
      ['a resource with a query', JSON.stringify({ changeType: 'created', notificationUrl: 'https://x.example/h', resource: '/teams/getAllMessages?$filter=x', expirationDateTime: new Date(Date.now() + 60_000).toISOString() }), 'InvalidRequest'],
      ['a resource with broken escapes', JSON.stringify({ changeType: 'created', notificationUrl: 'https://x.example/h', resource: '/teams/%E0%A4%A/channels/x/messages', expirationDateTime: new Date(Date.now() + 60_000).toISOString() }), 'InvalidRequest'],
      ['a numeric changeType', JSON.stringify({ changeType: 7, notificationUrl: 'https://x.example/h', resource: '/teams/getAllMessages', expirationDateTime: new Date(Date.now() + 60_000).toISOString() }), 'InvalidRequest'],
      ['a notificationUrl object', JSON.stringify({ changeType: 'created', notificationUrl: { href: 'https://x' }, resource: '/teams/getAllMessages', expirationDateTime: new Date(Date.now() + 60_000).toISOString() }), 'InvalidRequest'],
      ['an expiration that is not a date', JSON.stringify({ changeType: 'created', notificationUrl: 'https://x.example/h', resource: '/teams/getAllMessages', expirationDateTime: 'tomorrow' }), 'InvalidRequest'],
      ['a certificate that is 100 KB', JSON.stringify({ changeType: 'created', notificationUrl: 'https://x.example/h', resource: '/teams/getAllMessages', expirationDateTime: new Date(Date.now() + 60_000).toISOString(), includeResourceData: true, encryptionCertificate: 'A'.repeat(100_000), encryptionCertificateId: 'c' }), 'InvalidRequest'],
      ['a __proto__ key', '{"__proto__": {"admin": true}, "changeType": "created"}', 'BadRequest'],
    ])('answers %s with a Graph 400 and creates nothing', async (_label, rawBody, code) => {
      const before = sb.subscriptions.list().length;
      const res = await graphFetch(sb, '/v1.0/subscriptions', { method: 'POST', token, rawBody, headers: { 'content-type': 'application/json' } });
      expectGraphError(res, 400, code);
      expect(sb.subscriptions.list()).toHaveLength(before);
      expect(rx.received).toHaveLength(0);
    });
  });

  it('forgets a subscription once its expiration has passed', async () => {
    const created = await create(request({ expirationDateTime: inMinutes(30), lifecycleNotificationUrl: undefined }));
    const sub = sb.subscriptions.get(String(created.body.id));
    if (!sub) throw new Error('not stored');
    sub.json.expirationDateTime = new Date(Date.now() - 1000).toISOString();
    expectGraphError(await graphFetch(sb, `/v1.0/subscriptions/${sub.json.id}`, { token }), 404, 'ResourceNotFound');
  });
});
