/**
 * The SAP sandbox's Event Mesh webhooks against a real node:http receiver: the CloudEvents OPTIONS
 * handshake, delivery after OData writes with Basic and Bearer credentials in structured and binary
 * mode, QoS 1 retries, on-demand events, and the admin API's validation.
 */
import pino from 'pino';
import { startSapSandbox, type SapSandbox } from '../../../subgraphs/sap/sandbox/sapSandbox';
import { buildBatchBody, createODataTestClient, type ODataTestClient } from './odataTestClient';
import { startWebhookReceiver, type WebhookReceiver } from './webhookReceiver';

const SIZE = { people: 60, accounts: 10, orders: 80 };
const ORIGIN = 'sap-event-mesh.sandbox.lumina.local';
const BASIC = { type: 'basic', username: 'EVENTS', password: 'hook-secret-0001' };
const BEARER = { type: 'bearer', token: 'static-token-abcdef' };

let sandbox: SapSandbox;
let so: ODataTestClient;
let rx: WebhookReceiver;

async function admin(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const res = await fetch(`${sandbox.url}/__admin/${path}`, {
    method, headers: { 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  return { status: res.status, json: await res.json() };
}

async function patchStatus(id: string, status: 'A' | 'B' | 'C'): Promise<number> {
  const res = await so.send('PATCH', `A_SalesOrder('${id}')`, { headers: { 'if-match': '*' }, json: { OverallSDProcessStatus: status } });
  return res.status;
}

beforeEach(async () => {
  sandbox = await startSapSandbox({ logger: pino({ level: 'silent' }), size: SIZE, events: { initialBackoffMs: 1, maxBackoffMs: 4, maxAttempts: 4 } });
  so = createODataTestClient(sandbox.services.salesOrder, sandbox.credentials.username, sandbox.credentials.password);
  await so.fetchToken();
  rx = await startWebhookReceiver();
});
afterEach(async () => {
  await sandbox.close();
  await rx.close();
});

describe('Event Mesh webhook registration', () => {
  it('performs the OPTIONS handshake with WebHook-Request-Origin and the credentials, then lists the webhook without secrets', async () => {
    const res = await admin('POST', 'webhooks', { url: rx.url, auth: BASIC });
    expect(res.status).toBe(201);
    const options = rx.requests.filter((r) => r.method === 'OPTIONS');
    expect(options).toHaveLength(1);
    expect(options[0]?.headers['webhook-request-origin']).toBe(ORIGIN);
    expect(options[0]?.headers.authorization).toBe(`Basic ${Buffer.from('EVENTS:hook-secret-0001').toString('base64')}`);
    const list = await admin('GET', 'webhooks');
    expect(list.json.webhooks).toEqual([expect.objectContaining({ id: res.json.id, url: rx.url, auth: { type: 'basic', username: 'EVENTS' }, contentMode: 'structured' })]);
    expect(JSON.stringify(list.json)).not.toContain('hook-secret-0001');
  });

  it.each([
    ['a 404', { status: 404 }],
    ['a 204 without the header', { status: 204, headers: { 'webhook-allowed-origin': ORIGIN } }],
    ['another origin', { status: 200, headers: { 'webhook-allowed-origin': 'evil.example.com' } }],
    ['no WebHook-Allowed-Origin', { status: 200 }],
  ])('refuses to register when the handshake answers %s', async (_name, answer) => {
    rx.handshake = () => answer;
    const res = await admin('POST', 'webhooks', { url: rx.url, auth: BEARER });
    expect(res.status).toBe(422);
    expect(res.json.error).toMatch(/handshake/);
    expect((await admin('GET', 'webhooks')).json.webhooks).toEqual([]);
  });

  it('accepts WebHook-Allowed-Origin: * and refuses an unreachable URL', async () => {
    rx.handshake = () => ({ status: 200, headers: { 'webhook-allowed-origin': '*' } });
    expect((await admin('POST', 'webhooks', { url: rx.url, auth: BEARER })).status).toBe(201);
    const closed = await startWebhookReceiver();
    await closed.close();
    const res = await admin('POST', 'webhooks', { url: closed.url, auth: BEARER });
    expect(res.status).toBe(422);
    expect(res.json.error).toMatch(/unreachable/);
  });

  it('replaces the registration of the same URL (200) instead of delivering twice, and deletes by id', async () => {
    const first = await admin('POST', 'webhooks', { url: rx.url, auth: BASIC });
    const second = await admin('POST', 'webhooks', { url: rx.url, auth: BEARER });
    expect(second.status).toBe(200);
    expect(second.json.id).toBe(first.json.id);
    await patchStatus('3', 'B');
    await sandbox.events.idle();
    expect(rx.posts()).toHaveLength(1);
    expect(rx.posts()[0]?.headers.authorization).toBe('Bearer static-token-abcdef');
    expect((await admin('DELETE', `webhooks/${first.json.id}`)).status).toBe(200);
    expect((await admin('DELETE', `webhooks/${first.json.id}`)).status).toBe(404);
    await patchStatus('3', 'C');
    await sandbox.events.idle();
    expect(rx.posts()).toHaveLength(1);
  });

  it.each([
    ['not JSON', '{"url":'],
    ['an array', '[]'],
    ['no auth', { url: 'http://127.0.0.1:1/x' }],
    ['a relative url', { url: '/hooks', auth: { type: 'bearer', token: 't' } }],
    ['a ftp url', { url: 'ftp://127.0.0.1/x', auth: { type: 'bearer', token: 't' } }],
    ['credentials in the url', { url: 'http://u:p@127.0.0.1/x', auth: { type: 'bearer', token: 't' } }],
    ['an unknown auth type', { url: 'http://127.0.0.1/x', auth: { type: 'hmac', secret: 'x' } }],
    ['a header-injecting token', { url: 'http://127.0.0.1/x', auth: { type: 'bearer', token: 'a\r\nx-evil: 1' } }],
    ['a colon in the username', { url: 'http://127.0.0.1/x', auth: { type: 'basic', username: 'a:b', password: 'p' } }],
    ['an empty password', { url: 'http://127.0.0.1/x', auth: { type: 'basic', username: 'a', password: '' } }],
    ['a huge token', { url: 'http://127.0.0.1/x', auth: { type: 'bearer', token: 'x'.repeat(5000) } }],
    ['an unknown key', { url: 'http://127.0.0.1/x', auth: { type: 'bearer', token: 't' }, qos: 2 }],
    ['a bad content mode', { url: 'http://127.0.0.1/x', auth: { type: 'bearer', token: 't' }, contentMode: 'batch' }],
    ['a huge url', { url: `http://127.0.0.1/${'a'.repeat(3000)}`, auth: { type: 'bearer', token: 't' } }],
  ])('answers 400 for a registration with %s and contacts nobody', async (_name, body) => {
    const res = await admin('POST', 'webhooks', body);
    expect(res.status).toBe(400);
    expect(typeof res.json.error).toBe('string');
    expect(rx.requests).toHaveLength(0);
  });
});

describe('Event Mesh delivery', () => {
  it('POSTs a structured CloudEvent with Basic credentials after a PATCH, without holding up the write', async () => {
    await admin('POST', 'webhooks', { url: rx.url, auth: BASIC });
    const release = rx.hold();
    try {
      expect(await patchStatus('7', 'C')).toBe(204);
      const [post] = await rx.waitForPosts(1);
      expect(sandbox.events.list()[0]?.stats.pending).toBe(1);
      expect(post?.headers['content-type']).toBe('application/cloudevents+json; charset=utf-8');
      expect(post?.headers.authorization).toBe(`Basic ${Buffer.from('EVENTS:hook-secret-0001').toString('base64')}`);
      const event = JSON.parse(post?.body ?? '');
      const order = sandbox.store.get('A_SalesOrder', '7');
      expect(event).toEqual({
        specversion: '1.0',
        type: 'sap.s4.beh.salesorder.v1.SalesOrder.Changed.v1',
        source: '/default/sap.s4.beh/S4HCLNT100',
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        time: expect.any(String),
        datacontenttype: 'application/json',
        data: {
          SalesOrder: '7', SalesOrderType: 'OR', SalesOrganization: order?.SalesOrganization, DistributionChannel: order?.DistributionChannel,
          OrganizationDivision: order?.OrganizationDivision, SoldToParty: order?.SoldToParty, EventRaisedDateTime: event.time,
        },
      });
      expect(Number.isNaN(Date.parse(event.time))).toBe(false);
    } finally {
      release();
    }
    await sandbox.events.idle();
    expect(sandbox.events.list()[0]?.stats).toEqual({ delivered: 1, failedAttempts: 0, dropped: 0, pending: 0 });
  });

  it('sends binary mode with ce-* headers and the Bearer token', async () => {
    await admin('POST', 'webhooks', { url: rx.url, auth: BEARER, contentMode: 'binary' });
    await patchStatus('8', 'B');
    const [post] = await rx.waitForPosts(1);
    expect(post?.headers).toMatchObject({
      authorization: 'Bearer static-token-abcdef', 'content-type': 'application/json; charset=utf-8',
      'ce-specversion': '1.0', 'ce-type': 'sap.s4.beh.salesorder.v1.SalesOrder.Changed.v1', 'ce-source': '/default/sap.s4.beh/S4HCLNT100',
    });
    expect(post?.headers['ce-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.parse(post?.body ?? '')).toMatchObject({ SalesOrder: '8', SoldToParty: sandbox.store.get('A_SalesOrder', '8')?.SoldToParty });
  });

  it('retries a 500 and a 503 with the same event id until the webhook answers 2xx', async () => {
    await admin('POST', 'webhooks', { url: rx.url, auth: BASIC });
    rx.script = [500, 503];
    await patchStatus('9', 'C');
    const posts = await rx.waitForPosts(3);
    await sandbox.events.idle();
    const ids = posts.map((p) => JSON.parse(p.body).id);
    expect(new Set(ids).size).toBe(1);
    expect(rx.posts()).toHaveLength(3);
    expect(sandbox.events.list()[0]?.stats).toEqual({ delivered: 1, failedAttempts: 2, dropped: 0, pending: 0 });
  });

  it('gives up after maxAttempts and goes on with the next event', async () => {
    await admin('POST', 'webhooks', { url: rx.url, auth: BASIC });
    rx.script = [500, 500, 500, 500];
    await patchStatus('10', 'C');
    await patchStatus('11', 'C');
    await rx.waitForPosts(5);
    await sandbox.events.idle();
    const orders = rx.posts().map((p) => JSON.parse(p.body).data.SalesOrder);
    expect(orders).toEqual(['10', '10', '10', '10', '11']);
    expect(sandbox.events.list()[0]?.stats).toEqual({ delivered: 1, failedAttempts: 4, dropped: 1, pending: 0 });
  });

  it('retries a network error like a failed answer', async () => {
    await admin('POST', 'webhooks', { url: rx.url, auth: BASIC });
    await rx.close();
    await patchStatus('14', 'C');
    await sandbox.events.idle();
    expect(sandbox.events.list()[0]?.stats).toEqual({ delivered: 0, failedAttempts: 4, dropped: 1, pending: 0 });
  });

  it('raises Created for a new order and nothing for a rolled-back changeset', async () => {
    await admin('POST', 'webhooks', { url: rx.url, auth: BASIC });
    const soldTo = String(sandbox.store.get('A_SalesOrder', '1')?.SoldToParty);
    const boundary = 'batch_ev';
    const failing = buildBatchBody(boundary, [[
      { method: 'PATCH', url: "A_SalesOrder('12')", headers: { 'If-Match': '*' }, body: { OverallSDProcessStatus: 'B' } },
      { method: 'PATCH', url: "A_SalesOrder('13')", headers: { 'If-Match': '*' }, body: { OverallSDProcessStatus: 'X' } },
    ]]);
    const batch = await so.send('POST', '$batch', { headers: { 'content-type': `multipart/mixed; boundary=${boundary}` }, body: failing });
    expect(batch.status).toBe(202);
    const created = await so.send('POST', 'A_SalesOrder', {
      json: { SalesOrderType: 'OR', SalesOrganization: '1710', DistributionChannel: '10', OrganizationDivision: '00', SoldToParty: soldTo },
    });
    expect(created.status).toBe(201);
    await rx.waitForPosts(1);
    await sandbox.events.idle();
    expect(rx.posts().map((p) => JSON.parse(p.body))).toEqual([expect.objectContaining({
      type: 'sap.s4.beh.salesorder.v1.SalesOrder.Created.v1', data: expect.objectContaining({ SalesOrder: created.json.d.SalesOrder, SoldToParty: soldTo }),
    })]);
  });

  it('emits an event on demand with a fixed id, and refuses unknown orders and bad bodies', async () => {
    await admin('POST', 'webhooks', { url: rx.url, auth: BEARER });
    const res = await admin('POST', 'events', { salesOrder: '5', id: 'replay-1' });
    expect(res.status).toBe(202);
    expect(res.json).toMatchObject({ webhooks: 1, event: { id: 'replay-1', data: { SalesOrder: '5' } } });
    const [post] = await rx.waitForPosts(1);
    expect(JSON.parse(post?.body ?? '')).toEqual(res.json.event);
    expect((await admin('POST', 'events', { salesOrder: '999999' })).status).toBe(404);
    expect((await admin('POST', 'events', { salesOrder: '999999', kind: 'Deleted' })).status).toBe(202);
    for (const bad of [[], { salesOrder: 5 }, { salesOrder: "1' or 1" }, { salesOrder: '1', kind: 'Exploded' }, { salesOrder: '1', id: 'a b' }]) {
      expect((await admin('POST', 'events', bad)).status).toBe(400);
    }
  });
});
