/**
 * Change Data Capture messages → canonical envelopes: one per record id, change type mapping (gap
 * events included), the graph's field names, the email attribute, and abuse (untrusted input never
 * throws and never yields an invalid envelope).
 */
import { parseEvent } from '../../../schema/eventEnvelope';
import { contactEnvelopes, graphChangedFields, parseChangeEvent, type ParsedChangeEvent } from '../../../subgraphs/salesforce/cdcEnvelope';

const A = '0038d0000000001AAA';
const B = '0038d0000000002AAA';
const OPTS = { channel: '/data/ContactChangeEvent', tenant: 'default' };

function message(header: Record<string, unknown>, fields: Record<string, unknown> = {}, replayId = 42): unknown {
  return {
    schema: 'abc',
    payload: { ChangeEventHeader: { entityName: 'Contact', recordIds: [A], changeType: 'UPDATE', changedFields: [], commitTimestamp: 1_705_312_800_000, ...header }, ...fields },
    event: { replayId },
  };
}

function parsed(header: Record<string, unknown>, fields?: Record<string, unknown>, replayId?: number): ParsedChangeEvent {
  const p = parseChangeEvent(message(header, fields, replayId));
  if ('error' in p) throw new Error(p.error);
  return p;
}

describe('contactEnvelopes', () => {
  it('maps an update to one UPDATED envelope with the graph field names and the email attribute', () => {
    const { envelopes, gap } = contactEnvelopes(parsed({ changedFields: ['Email', 'Name.FirstName', 'LastModifiedDate', 'LastModifiedById'] }, { Email: 'Ada@Example.COM' }), OPTS);
    expect(gap).toBe(false);
    expect(envelopes).toEqual([{
      email: 'ada@example.com',
      event: {
        id: 'salesforce:ContactChangeEvent:42', type: 'ContactChanged', system: 'salesforce', tenant: 'default',
        entity: { type: 'Contact', id: A }, changeType: 'UPDATED', changedFields: ['email', 'firstName', 'name', 'updatedAt'],
        occurredAt: '2024-01-15T10:00:00.000Z', attributes: { email: 'ada@example.com' },
      },
    }]);
    expect(parseEvent(envelopes[0]?.event).ok).toBe(true);
  });

  it('makes one envelope per record id, with ids that name the record, for a merged event', () => {
    const { envelopes } = contactEnvelopes(parsed({ changeType: 'DELETE', recordIds: [A, B] }), OPTS);
    expect(envelopes.map((e) => [e.event.id, e.event.entity.id, e.event.changeType])).toEqual([
      [`salesforce:ContactChangeEvent:42:${A}`, A, 'DELETED'],
      [`salesforce:ContactChangeEvent:42:${B}`, B, 'DELETED'],
    ]);
  });

  it.each([
    ['CREATE', 'CREATED', false], ['UNDELETE', 'CREATED', false], ['UPDATE', 'UPDATED', false], ['DELETE', 'DELETED', false],
    ['GAP_CREATE', 'CREATED', true], ['GAP_UNDELETE', 'CREATED', true], ['GAP_UPDATE', 'UPDATED', true], ['GAP_DELETE', 'DELETED', true],
    ['GAP_OVERFLOW', 'UPDATED', true],
  ])('maps %s to %s (gap: %s)', (changeType, expected, gap) => {
    const mapped = contactEnvelopes(parsed({ changeType, changedFields: ['Email'] }), OPTS);
    expect(mapped.gap).toBe(gap);
    expect(mapped.envelopes[0]?.event.changeType).toBe(expected);
    expect(mapped.envelopes[0]?.event.changedFields).toEqual(expected === 'UPDATED' && !gap ? ['email'] : []);
  });

  it('maps events of other entities, and ids that are not Contact ids, to no envelope', () => {
    expect(contactEnvelopes(parsed({ entityName: 'Account', recordIds: ['0018d0000000001AAA'] }), OPTS).envelopes).toEqual([]);
    expect(contactEnvelopes(parsed({ recordIds: ['0018d0000000001AAA', 'nonsense'] }), OPTS).envelopes).toEqual([]);
  });

  it('drops Salesforce fields the graph does not expose, including inherited object keys', () => {
    expect(graphChangedFields(['MobilePhone', 'OwnerId', 'constructor', '__proto__', 'toString', 'AccountId'])).toEqual(['account']);
  });
});

describe('parseChangeEvent abuse', () => {
  it.each([
    ['null', null],
    ['a string', 'event'],
    ['no replay id', { payload: {} }],
    ['a negative replay id', message({}, {}, -5)],
    ['a string replay id', { ...(message({}) as object), event: { replayId: '42' } }],
    ['no header', { event: { replayId: 1 }, payload: {} }],
    ['an unknown change type', message({ changeType: 'MERGE' })],
    ['an inherited change type name', message({ changeType: 'toString' })],
    ['record ids that are not a list', message({ recordIds: 'abc' })],
    ['record ids with objects', message({ recordIds: [{}] })],
    ['changed fields with numbers', message({ changedFields: [1] })],
    ['a commit timestamp string', message({ commitTimestamp: '2024-01-01' })],
    ['an out-of-range commit timestamp', message({ commitTimestamp: 1e20 })],
    ['a huge record id list', message({ recordIds: Array.from({ length: 10_001 }, () => A) })],
  ])('refuses %s with a reason and never throws', (_what, raw) => {
    const result = parseChangeEvent(raw);
    expect(result).toEqual({ error: expect.any(String) });
  });

  it('ignores an Email that is not a string or is absurdly long', () => {
    expect(parsed({}, { Email: { evil: true } }).email).toBeNull();
    expect(parsed({}, { Email: `${'a'.repeat(300)}@x.example` }).email).toBeNull();
  });
});
