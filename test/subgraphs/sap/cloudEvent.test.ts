/**
 * Reading CloudEvents from webhook requests (structured and binary mode) and mapping sales order
 * events to canonical envelopes; the parser gets untrusted input, hence the abuse cases.
 */
import { parseEvent } from '../../../schema/eventEnvelope';
import { parseCloudEvent, type CloudEventRequest } from '../../../subgraphs/sap/cloudEvent';
import { readSalesOrderNotice, salesOrderEnvelope } from '../../../subgraphs/sap/salesOrderEnvelope';
import type { SalesOrderModel } from '../../../subgraphs/sap/model';

const STRUCTURED = { 'content-type': 'application/cloudevents+json; charset=utf-8' };
const TYPE = 'sap.s4.beh.salesorder.v1.SalesOrder.Changed.v1';
const base = { specversion: '1.0', type: TYPE, source: '/default/sap.s4.beh/S4HCLNT100', id: 'e-1' };

function ok(headers: Record<string, string>, body: string): CloudEventRequest {
  const parsed = parseCloudEvent(headers, body);
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.event;
}

describe('parseCloudEvent', () => {
  it('reads structured mode, normalising time and keeping data', () => {
    expect(ok(STRUCTURED, JSON.stringify({ ...base, time: '2026-01-15T11:00:00+01:00', data: { SalesOrder: '1' }, sapextension: 'x' }))).toEqual({
      ...base, time: '2026-01-15T10:00:00.000Z', data: { SalesOrder: '1' },
    });
  });

  it('reads binary mode from ce-* headers and a JSON body', () => {
    const headers = { 'content-type': 'application/json', 'ce-specversion': '1.0', 'ce-type': TYPE, 'ce-source': base.source, 'ce-id': 'e-2' };
    expect(ok(headers, '{"SalesOrder":"2"}')).toEqual({ ...base, id: 'e-2', time: undefined, data: { SalesOrder: '2' } });
    expect(ok(headers, '')).toMatchObject({ id: 'e-2', data: undefined });
  });

  it.each([
    ['no content type', {}, '{}', 415],
    ['text/plain', { 'content-type': 'text/plain' }, JSON.stringify(base), 415],
    ['a batch', { 'content-type': 'application/cloudevents-batch+json' }, '[]', 415],
    ['binary XML', { 'content-type': 'application/xml', 'ce-specversion': '1.0' }, '<a/>', 415],
    ['binary broken JSON', { 'content-type': 'application/json', 'ce-specversion': '1.0', 'ce-id': 'x', 'ce-source': 's', 'ce-type': 't' }, '{', 400],
    ['binary without ce-id', { 'content-type': 'application/json', 'ce-specversion': '1.0', 'ce-source': 's', 'ce-type': 't' }, '{}', 400],
    ['binary specversion 0.3', { 'content-type': 'application/json', 'ce-specversion': '0.3', 'ce-id': 'x', 'ce-source': 's', 'ce-type': 't' }, '{}', 400],
    ['a number', STRUCTURED, '42', 400],
    ['a string', STRUCTURED, '"event"', 400],
    ['an empty body', STRUCTURED, '', 400],
    ['an array of data', STRUCTURED, JSON.stringify({ ...base, data: [1] }), 400],
    ['a control character in the source', STRUCTURED, JSON.stringify({ ...base, source: 'a\u0000b' }), 400],
    ['a 600-character source', STRUCTURED, JSON.stringify({ ...base, source: 's'.repeat(600) }), 400],
    ['an object as type', STRUCTURED, JSON.stringify({ ...base, type: { a: 1 } }), 400],
    ['a date-only time', STRUCTURED, JSON.stringify({ ...base, time: '2026-01-15' }), 400],
    ['an impossible time', STRUCTURED, JSON.stringify({ ...base, time: '2026-13-45T99:00:00Z' }), 400],
  ])('refuses %s', (_name, headers, body, status) => {
    const parsed = parseCloudEvent(headers, body);
    expect(parsed).toEqual({ ok: false, status, reason: expect.any(String) });
  });
});

describe('salesOrderEnvelope', () => {
  const order = { id: '12', status: 'COMPLETED', soldToParty: '1000013' } as SalesOrderModel;
  const event = (data: Record<string, unknown>, type = TYPE): CloudEventRequest => ({ ...base, specversion: '1.0', type, time: '2026-01-15T10:00:00.000Z', data });

  it('builds a valid SalesOrderChanged envelope from the event and the re-read order', () => {
    const e = event({ SalesOrder: '0000000012', SoldToParty: '1000099', EventRaisedDateTime: '2026-01-15T10:00:01Z' });
    const notice = readSalesOrderNotice(e);
    if (!notice.ok) throw new Error(notice.reason);
    const envelope = salesOrderEnvelope(e, notice, order, 'default');
    expect(envelope).toEqual({
      id: 'sap:/default/sap.s4.beh/S4HCLNT100:e-1', type: 'SalesOrderChanged', system: 'sap', tenant: 'default', entity: { type: 'SalesOrder', id: '12' },
      changeType: 'UPDATED', changedFields: [], occurredAt: '2026-01-15T10:00:01.000Z', attributes: { soldTo: '1000013', status: 'COMPLETED' },
    });
    expect(parseEvent(envelope).ok).toBe(true);
  });

  it('uses the event data when the order is gone, and no status after DELETED', () => {
    const e = event({ SalesOrder: '12', SoldToParty: '1000099' }, TYPE.replace('Changed', 'Deleted'));
    const notice = readSalesOrderNotice(e);
    if (!notice.ok) throw new Error(notice.reason);
    expect(salesOrderEnvelope(e, notice, null, 'default')).toMatchObject({ changeType: 'DELETED', occurredAt: '2026-01-15T10:00:00.000Z', attributes: { soldTo: '1000099' } });
  });

  it.each([
    ['another type', event({ SalesOrder: '1' }, 'sap.s4.beh.salesorder.v1.SalesOrder.Exploded.v1')],
    ['no data', { ...event({}), data: undefined }],
    ['an empty SalesOrder', event({ SalesOrder: '' })],
    ['a SalesOrder with a quote', event({ SalesOrder: "1'" })],
    ['an object SoldToParty', event({ SalesOrder: '1', SoldToParty: { a: 1 } })],
    ['a numeric EventRaisedDateTime', event({ SalesOrder: '1', EventRaisedDateTime: 1700000000000 })],
  ])('refuses a notice with %s', (_name, e) => {
    expect(readSalesOrderNotice(e)).toEqual({ ok: false, reason: expect.any(String) });
  });
});
