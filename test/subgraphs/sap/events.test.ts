/**
 * SAP business events end to end: the real sandbox (Event Mesh stand-in) delivers CloudEvents to the
 * real subgraph's `/events/sap`, which verifies the sender, re-reads the order through OData and
 * appends a `SalesOrderChanged` envelope to its event log; plus forged, duplicate and malformed
 * deliveries.
 */
import type { EntityEvent } from '../../../schema/eventEnvelope';
import type { LoggedEvent } from '../../../subgraphs/kit/eventLog';
import { createODataTestClient } from '../../sandboxes/sap/odataTestClient';
import { startSapHarness, type SapHarness } from './sapHarness';

const PASSWORD = 'event-secret-0123456789';
const BASIC_ENV = {
  SAP_EVENTS_AUTH: 'basic', SAP_EVENTS_USERNAME: 'MESH', SAP_EVENTS_PASSWORD: PASSWORD, SAP_EVENTS_REGISTER_URL: 'auto',
};
const basic = (user: string, pass: string): string => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
const GOOD = basic('MESH', PASSWORD);
const SOURCE = '/default/sap.s4.beh/S4HCLNT100';

let h: SapHarness;

beforeAll(async () => {
  h = await startSapHarness(BASIC_ENV, { events: { initialBackoffMs: 1, maxBackoffMs: 5, maxAttempts: 5 } });
});
afterAll(() => h.close());

const hookUrl = (): string => h.subgraph.url.replace(/\/graphql$/, '/events/sap');
const logged = (): Promise<LoggedEvent[]> => h.subgraph.events.log.read(undefined, 10_000);
const byId = async (id: string): Promise<EntityEvent[]> => (await logged()).map((l) => l.event).filter((e) => e.id === id);

function cloudEvent(id: string, salesOrder: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    specversion: '1.0', type: 'sap.s4.beh.salesorder.v1.SalesOrder.Changed.v1', source: SOURCE, id, time: '2026-01-15T10:00:00Z',
    datacontenttype: 'application/json',
    data: { SalesOrder: salesOrder, SalesOrderType: 'OR', SalesOrganization: '1710', DistributionChannel: '10', OrganizationDivision: '00', EventRaisedDateTime: '2026-01-15T10:00:00Z' },
    ...extra,
  };
}

async function post(body: string | object, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(hookUrl(), {
    method: 'POST',
    headers: { 'content-type': 'application/cloudevents+json', authorization: GOOD, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

async function emit(body: Record<string, unknown>): Promise<{ id: string }> {
  const res = await fetch(`${h.sandbox.url}/__admin/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(res.status).toBe(202);
  return ((await res.json()) as { event: { id: string } }).event;
}

describe('SAP events webhook', () => {
  it('registers itself with the sandbox at start, through the OPTIONS handshake', () => {
    expect(h.sandbox.events.list()).toEqual([expect.objectContaining({ url: hookUrl(), auth: { type: 'basic', username: 'MESH' }, contentMode: 'structured' })]);
  });

  it('answers the handshake with the requested origin and refuses one without WebHook-Request-Origin', async () => {
    const ok = await fetch(hookUrl(), { method: 'OPTIONS', headers: { 'webhook-request-origin': 'mesh.example.com' } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('webhook-allowed-origin')).toBe('mesh.example.com');
    expect((await fetch(hookUrl(), { method: 'OPTIONS' })).status).toBe(400);
  });

  it('turns a status change through OData into a SalesOrderChanged envelope with the new status, after evicting the cached order', async () => {
    const READ = 'query { salesOrder(id: "21") { status } }';
    const before = (await h.gql(READ)).data.salesOrder.status;
    const target = before === 'COMPLETED' ? 'OPEN' : 'COMPLETED';
    // Written behind the subgraph's back: only the event can tell it the cached order changed.
    const so = createODataTestClient(h.sandbox.services.salesOrder, h.sandbox.credentials.username, h.sandbox.credentials.password);
    await so.fetchToken();
    const patch = await so.send('PATCH', "A_SalesOrder('21')", { headers: { 'if-match': '*' }, json: { OverallSDProcessStatus: target === 'OPEN' ? 'A' : 'C' } });
    expect(patch.status).toBe(204);
    await h.sandbox.events.idle();
    const events = (await logged()).map((l) => l.event).filter((e) => e.entity.id === '21');
    const soldTo = String(h.sandbox.store.get('A_SalesOrder', '21')?.SoldToParty);
    expect(events).toEqual([{
      id: expect.stringMatching(new RegExp(`^sap:${SOURCE}:[0-9a-f-]{36}$`)), type: 'SalesOrderChanged', system: 'sap', tenant: 'default',
      entity: { type: 'SalesOrder', id: '21' }, changeType: 'UPDATED', changedFields: [], occurredAt: expect.any(String),
      attributes: { soldTo, status: target },
    }]);
    expect((await h.gql(READ)).data.salesOrder.status).toBe(target);
    expect(h.sandbox.events.list()[0]?.stats).toMatchObject({ failedAttempts: 0, dropped: 0, pending: 0 });
  });

  it('logs a CloudEvent delivered twice with the same id once', async () => {
    await emit({ salesOrder: '22', id: 'dup-22' });
    await emit({ salesOrder: '22', id: 'dup-22' });
    await h.sandbox.events.idle();
    expect(await byId(`sap:${SOURCE}:dup-22`)).toHaveLength(1);
    const res = await post(cloudEvent('dup-22', '22'));
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ status: 'duplicate' });
    expect(await byId(`sap:${SOURCE}:dup-22`)).toHaveLength(1);
  });

  it('maps Created and Deleted, and accepts binary mode', async () => {
    await emit({ salesOrder: '23', kind: 'Created', id: 'created-23' });
    await emit({ salesOrder: '9999999', kind: 'Deleted', id: 'deleted-x' });
    await h.sandbox.events.idle();
    expect(await byId(`sap:${SOURCE}:created-23`)).toEqual([expect.objectContaining({ changeType: 'CREATED', attributes: expect.objectContaining({ status: expect.any(String) }) })]);
    expect(await byId(`sap:${SOURCE}:deleted-x`)).toEqual([expect.objectContaining({ changeType: 'DELETED', entity: { type: 'SalesOrder', id: '9999999' }, attributes: {} })]);
    const res = await fetch(hookUrl(), {
      method: 'POST',
      headers: {
        authorization: GOOD, 'content-type': 'application/json', 'ce-specversion': '1.0', 'ce-id': 'binary-24', 'ce-source': SOURCE,
        'ce-type': 'sap.s4.beh.salesorder.v1.SalesOrder.Changed.v1',
      },
      body: JSON.stringify({ SalesOrder: '0000000024' }),
    });
    expect(res.status).toBe(202);
    expect(await byId(`sap:${SOURCE}:binary-24`)).toEqual([expect.objectContaining({ entity: { type: 'SalesOrder', id: '24' } })]);
  });

  it('acknowledges other event types without publishing them', async () => {
    const head = await h.subgraph.events.log.head();
    const res = await post({ specversion: '1.0', type: 'sap.s4.beh.businesspartner.v1.BusinessPartner.Changed.v1', source: SOURCE, id: 'bp-1', data: { BusinessPartner: '1000001' } });
    expect(res.status).toBe(202);
    expect(await h.subgraph.events.log.head()).toBe(head);
  });

  it('answers 503 while SAP cannot be read, so Event Mesh redelivers until the event is logged', async () => {
    await h.faults({ forceStatus: 503, forceCount: 3, retryAfter: 0 });
    await emit({ salesOrder: '25', id: 'retry-25' });
    await h.sandbox.events.idle();
    expect(await byId(`sap:${SOURCE}:retry-25`)).toHaveLength(1);
    expect(h.sandbox.events.list()[0]?.stats).toMatchObject({ failedAttempts: 1, dropped: 0 });
  });
});

describe('SAP events webhook refuses forged deliveries', () => {
  it.each([
    ['no credentials', {}],
    ['a wrong password', { authorization: basic('MESH', 'event-secret-012345678X') }],
    ['a wrong user', { authorization: basic('OTHER', PASSWORD) }],
    ['no colon', { authorization: `Basic ${Buffer.from(`MESH${PASSWORD}`).toString('base64')}` }],
    ['broken base64', { authorization: 'Basic !!!' }],
    ['a bearer token', { authorization: `Bearer ${PASSWORD}` }],
    ['the password alone', { authorization: PASSWORD }],
  ])('answers 401 to %s and publishes nothing', async (_name, headers) => {
    const head = await h.subgraph.events.log.head();
    const res = await fetch(hookUrl(), {
      method: 'POST', headers: { 'content-type': 'application/cloudevents+json', ...headers }, body: JSON.stringify(cloudEvent(`forged-${_name}`, '26')),
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
    expect(await h.subgraph.events.log.head()).toBe(head);
  });
});

describe('SAP events webhook abuse', () => {
  const valid = cloudEvent('abuse-valid', '27');
  it.each([
    ['not JSON', '{"specversion":', 400],
    ['a JSON array', '[]', 400],
    ['JSON null', 'null', 400],
    ['specversion 0.3', { ...valid, specversion: '0.3' }, 400],
    ['no id', { ...valid, id: undefined }, 400],
    ['an empty id', { ...valid, id: '' }, 400],
    ['an id with a newline', { ...valid, id: 'a\nb' }, 400],
    ['a 300-character id', { ...valid, id: 'x'.repeat(300) }, 400],
    ['a numeric source', { ...valid, source: 7 }, 400],
    ['a bad time', { ...valid, time: 'yesterday' }, 400],
    ['XML data', { ...valid, datacontenttype: 'application/xml' }, 415],
    ['data_base64', { ...valid, data: undefined, data_base64: 'AAAA' }, 415],
    ['string data', { ...valid, data: 'SalesOrder=1' }, 400],
    ['no data', { ...valid, data: undefined }, 400],
    ['a non-numeric SalesOrder', { ...valid, data: { SalesOrder: "1' or '1'='1" } }, 400],
    ['an 11-digit SalesOrder', { ...valid, data: { SalesOrder: '12345678901' } }, 400],
    ['a numeric SalesOrder', { ...valid, data: { SalesOrder: 27 } }, 400],
    ['a bad SoldToParty', { ...valid, data: { SalesOrder: '27', SoldToParty: '../x' } }, 400],
    ['a bad EventRaisedDateTime', { ...valid, data: { SalesOrder: '27', EventRaisedDateTime: 'soon' } }, 400],
    ['100 attributes', { ...valid, ...Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`ext${i}`, 'x'])) }, 400],
    ['a prototype key', `{"__proto__":{"polluted":true},${JSON.stringify(valid).slice(1)}`, 202],
    ['deep nesting', `{"specversion":"1.0","id":"deep","source":"s","type":"t","data":${'['.repeat(5000)}${']'.repeat(5000)}}`, 400],
  ])('answers %s with the expected status and never a 5xx', async (_name, body, status) => {
    const before = (await logged()).length;
    const res = await post(typeof body === 'string' ? body : JSON.stringify(body));
    expect(res.status).toBe(status);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((await logged()).length).toBe(before + (status === 202 ? 1 : 0));
  });

  it('refuses a batch, an unknown content type and a body over 64 KiB', async () => {
    expect((await post('[]', { 'content-type': 'application/cloudevents-batch+json' })).status).toBe(415);
    expect((await post(JSON.stringify(valid), { 'content-type': 'text/plain' })).status).toBe(415);
    expect((await post(JSON.stringify({ ...valid, pad: 'x'.repeat(70_000) }))).status).toBe(413);
  });
});
