/**
 * Which Change Data Capture events the sandbox publishes for REST changes (sObject, collections,
 * composite, allOrNone rollbacks), the admin endpoint that emits events on demand, and retention.
 */
import type { ChangeEventData } from '../../../subgraphs/salesforce/sandbox/changeEvents';
import type { SalesforceSandbox } from '../../../subgraphs/salesforce/sandbox/salesforceSandbox';
import { admin, bearer, rest, startSandbox } from './sandboxHelpers';

const V = '/services/data/v60.0';

describe('Salesforce sandbox change events', () => {
  let sb: SalesforceSandbox;
  let token: string;
  const contactIds = (n: number): string[] => sb.store.all('Contact').slice(0, n).map((r) => r.id);
  /** The events published by `fn`, oldest first. */
  async function eventsOf(fn: () => Promise<unknown>): Promise<ChangeEventData[]> {
    const before = sb.changeEvents.latestReplayId();
    await fn();
    return sb.changeEvents.retained(before).map((e) => e.data);
  }
  const header = (e: ChangeEventData | undefined) => e?.payload.ChangeEventHeader;

  beforeAll(async () => {
    sb = await startSandbox({ size: { accounts: 5, people: 30 } });
    token = await bearer(sb);
  });
  afterAll(() => sb.close());

  it('publishes a CREATE with every non-null field and the compound Name, and a DELETE with the header only', async () => {
    let id = '';
    const created = await eventsOf(async () => {
      id = ((await rest(sb, token, 'POST', `${V}/sobjects/Contact`, { FirstName: 'Cora', LastName: 'Dee', Email: 'cora@example.com' })).json as { id: string }).id;
    });
    expect(created).toHaveLength(1);
    expect(header(created[0])).toMatchObject({ entityName: 'Contact', recordIds: [id], changeType: 'CREATE', changedFields: [], changeOrigin: 'com/salesforce/api/rest/60.0' });
    expect(created[0]?.payload).toMatchObject({ Name: { FirstName: 'Cora', LastName: 'Dee' }, Email: 'cora@example.com', CreatedDate: expect.any(String) });
    expect(created[0]?.payload).not.toHaveProperty('Id');
    expect(created[0]?.payload).not.toHaveProperty('FirstName');

    const deleted = await eventsOf(() => rest(sb, token, 'DELETE', `${V}/sobjects/Contact/${id}`));
    expect(deleted.map((e) => Object.keys(e.payload))).toEqual([['ChangeEventHeader']]);
    expect(header(deleted[0])).toMatchObject({ changeType: 'DELETE', recordIds: [id] });
  });

  it('lists nulled fields of an UPDATE and names changed Name parts as Name.FirstName', async () => {
    const [id] = contactIds(1);
    await rest(sb, token, 'PATCH', `${V}/sobjects/Contact/${id}`, { Title: 'Boss' });
    const [event] = await eventsOf(() => rest(sb, token, 'PATCH', `${V}/sobjects/Contact/${id}`, { Title: null, FirstName: 'Nia' }));
    expect(header(event)).toMatchObject({ changeType: 'UPDATE', changedFields: ['Name.FirstName', 'Title', 'LastModifiedDate'], nulledFields: ['Title'] });
    expect(event?.payload).toMatchObject({ Name: { FirstName: 'Nia' }, Title: null });
  });

  it('merges identical collection deletes into one event with both record ids, in one transaction', async () => {
    const [a, b] = contactIds(3).slice(1);
    const events = await eventsOf(() => rest(sb, token, 'DELETE', `${V}/composite/sobjects?ids=${a},${b}`));
    expect(events).toHaveLength(1);
    expect(header(events[0])).toMatchObject({ changeType: 'DELETE', recordIds: [a, b], sequenceNumber: 1 });
  });

  it('publishes nothing for an allOrNone collection that rolls back, and one event per record otherwise', async () => {
    const [a, b] = contactIds(5).slice(3);
    const rolledBack = await eventsOf(() => rest(sb, token, 'PATCH', `${V}/composite/sobjects`, {
      allOrNone: true, records: [{ attributes: { type: 'Contact' }, id: a, Title: 'x' }, { attributes: { type: 'Contact' }, id: b, Email: 'not an email' }],
    }));
    expect(rolledBack).toEqual([]);
    const saved = await eventsOf(() => rest(sb, token, 'PATCH', `${V}/composite/sobjects`, {
      records: [{ attributes: { type: 'Contact' }, id: a, Title: 'A' }, { attributes: { type: 'Contact' }, id: b, Title: 'B' }],
    }));
    expect(saved.map((e) => header(e)?.recordIds)).toEqual([[a], [b]]);
    expect(saved.map((e) => header(e)?.sequenceNumber)).toEqual([1, 2]);
    expect(new Set(saved.map((e) => header(e)?.transactionKey)).size).toBe(1);
  });

  it('reports a composite create-then-update of one record as one CREATE with the final values', async () => {
    const events = await eventsOf(() => rest(sb, token, 'POST', `${V}/composite`, {
      allOrNone: true,
      compositeRequest: [
        { method: 'POST', url: `${V}/sobjects/Contact`, referenceId: 'c1', body: { LastName: 'Ref', Email: 'ref@example.com' } },
        { method: 'PATCH', url: `${V}/sobjects/Contact/@{c1.id}`, referenceId: 'c2', body: { Title: 'Final' } },
      ],
    }));
    expect(events).toHaveLength(1);
    expect(header(events[0])?.changeType).toBe('CREATE');
    expect(events[0]?.payload).toMatchObject({ Title: 'Final', Email: 'ref@example.com' });
  });

  it('emits an event on demand through POST /__admin/events, gap events included', async () => {
    const [id] = contactIds(1);
    const reply = (await admin(sb, 'POST', 'events', { changeType: 'GAP_UPDATE', recordIds: [id] })) as { replayId: number; channels: string[]; data: ChangeEventData };
    expect(reply).toMatchObject({ replayId: sb.changeEvents.latestReplayId(), channels: ['/data/ContactChangeEvent', '/data/ChangeEvents'] });
    expect(header(reply.data)).toMatchObject({ changeType: 'GAP_UPDATE', recordIds: [id], commitUser: expect.stringMatching(/^005/) });
    const listed = (await admin(sb, 'GET', `events?after=${reply.replayId - 1}`)) as { events: Array<{ replayId: number }> };
    expect(listed.events.map((e) => e.replayId)).toEqual([reply.replayId]);
  });

  it.each([
    ['a non-object body', [1, 2]],
    ['an unknown change type', { changeType: 'MERGE', recordIds: ['0038d0000000001AAA'] }],
    ['ids of another object', { changeType: 'UPDATE', recordIds: ['0018d0000000001AAA'] }],
    ['no record ids', { changeType: 'UPDATE', recordIds: [] }],
    ['a nested header', { changeType: 'UPDATE', recordIds: ['0038d0000000001AAA'], fields: { ChangeEventHeader: {} } }],
    ['deeply nested values', { changeType: 'UPDATE', recordIds: ['0038d0000000001AAA'], fields: { Name: { a: { b: 1 } } } }],
    ['unknown keys', { changeType: 'UPDATE', recordIds: ['0038d0000000001AAA'], replayId: 1 }],
    ['201 record ids', { changeType: 'DELETE', recordIds: Array.from({ length: 201 }, () => '0038d0000000001AAA') }],
  ])('refuses %s on POST /__admin/events with 400 and publishes nothing', async (_what, body) => {
    const before = sb.changeEvents.latestReplayId();
    const res = await fetch(`${sb.url}/__admin/events`, { method: 'POST', body: JSON.stringify(body) });
    expect(res.status).toBe(400);
    expect(sb.changeEvents.latestReplayId()).toBe(before);
  });

  it('refuses a body that is not JSON on POST /__admin/events', async () => {
    const res = await fetch(`${sb.url}/__admin/events`, { method: 'POST', body: '{"changeType":' });
    expect(res.status).toBe(400);
  });
});

describe('Salesforce sandbox change event retention', () => {
  it('drops events older than the retention, after which only newer replay ids can be resumed from', async () => {
    let clock = Date.UTC(2026, 0, 1);
    const sb = await startSandbox({ size: { accounts: 2, people: 5 }, now: () => clock, cdc: { retentionMs: 60_000, firstReplayId: 100 } });
    try {
      const [id] = sb.store.all('Contact').map((r) => r.id);
      const emit = () => admin(sb, 'POST', 'events', { changeType: 'UPDATE', recordIds: [id] });
      await emit();
      await emit();
      clock += 61_000;
      await emit();
      expect(sb.changeEvents.retained().map((e) => e.replayId)).toEqual([102]);
      expect(sb.changeEvents.replay('/data/ContactChangeEvent', 100)).toBeNull();
      expect(sb.changeEvents.replay('/data/ContactChangeEvent', 101)?.map((d) => d.event.replayId)).toEqual([102]);
      expect(sb.changeEvents.replay('/data/ContactChangeEvent', -2)?.map((d) => d.event.replayId)).toEqual([102]);
      expect(await admin(sb, 'PATCH', 'settings', { cdcRetentionMs: 1 })).toMatchObject({ cdcRetentionMs: 1 });
      clock += 2;
      expect(sb.changeEvents.retained()).toEqual([]);
      expect(sb.changeEvents.replay('/data/ContactChangeEvent', 101)).toBeNull();
      expect(sb.changeEvents.replay('/data/ContactChangeEvent', 102)).toEqual([]);
    } finally {
      await sb.close();
    }
  });
});
