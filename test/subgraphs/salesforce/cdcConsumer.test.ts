/**
 * The subgraph's Change Data Capture consumer end to end against the sandbox's Streaming API:
 * jsforce changes become envelopes in the event log, the replay id is saved only after the append,
 * a restart resumes without gaps or duplicates, a failed append is retried from the saved replay id,
 * a refused session is renewed, and an expired replay id falls back to every retained event.
 */
import { readFile } from 'node:fs/promises';
import { Connection } from 'jsforce';
import { eventId, logged, startCdcRig, type CdcRig } from './cdcHelpers';

async function jsforceConnection(rig: CdcRig): Promise<Connection> {
  const conn = new Connection({ oauth2: { clientId: 'lumina-sandbox-client', clientSecret: 'lumina-sandbox-secret', loginUrl: rig.sandbox.url }, version: '59.0' });
  await conn.login('integration@lumina.example', 'lumina-sandbox-password');
  return conn;
}

const savedReplayId = async (rig: CdcRig): Promise<number> => (JSON.parse(await readFile(rig.replayStore, 'utf8')) as { replayId: number }).replayId;

describe('Salesforce CDC consumer', () => {
  let rig: CdcRig;
  beforeEach(async () => { rig = await startCdcRig(); });
  afterEach(() => rig.close());

  it('turns a contact update made through jsforce into exactly one ContactChanged envelope, then saves its replay id', async () => {
    await rig.start();
    const [id, other] = rig.contactIds(2) as [string, string];
    const conn = await jsforceConnection(rig);
    await conn.sobject('Contact').update({ Id: id, Email: 'Grace.CDC@example.com' });
    const update = rig.sandbox.changeEvents.latestReplayId();
    const marker = await rig.emit(other);
    const entries = await logged(rig.log, (es) => es.some((e) => e.event.id === eventId(marker)));
    expect(entries.map((e) => e.event)).toEqual([
      {
        id: eventId(update), type: 'ContactChanged', system: 'salesforce', tenant: 'default', entity: { type: 'Contact', id },
        changeType: 'UPDATED', changedFields: ['email', 'updatedAt'], occurredAt: expect.any(String), attributes: { email: 'grace.cdc@example.com' },
      },
      expect.objectContaining({ id: eventId(marker), entity: { type: 'Contact', id: other } }),
    ]);
    await rig.stop();
    expect(await savedReplayId(rig)).toBe(marker);
  });

  it('resumes after a restart from the saved replay id: events emitted while stopped arrive, none twice', async () => {
    const ids = rig.contactIds(6);
    await rig.start();
    const before = [await rig.emit(ids[0] as string), await rig.emit(ids[1] as string)];
    await logged(rig.log, (es) => es.length === 2);
    await rig.stop();

    const whileStopped = [await rig.emit(ids[2] as string), await rig.emit(ids[3] as string, 'DELETE'), await rig.emit(ids[4] as string, 'CREATE')];
    await rig.start();
    const after = await rig.emit(ids[5] as string);
    const entries = await logged(rig.log, (es) => es.some((e) => e.event.id === eventId(after)));

    const expected = [...before, ...whileStopped, after].map(eventId);
    expect(entries.map((e) => e.event.id)).toEqual(expected);
    expect([...rig.log.attempts.entries()]).toEqual(expected.map((id) => [id, 1]));
  });

  it('retries an event whose append failed from the saved replay id, and logs it once', async () => {
    const [a, b, c] = rig.contactIds(3) as [string, string, string];
    await rig.start();
    const first = await rig.emit(a);
    await logged(rig.log, (es) => es.length === 1);
    rig.log.failOnce((e) => e.entity.id === b);
    const failing = await rig.emit(b);
    const next = await rig.emit(c);
    const entries = await logged(rig.log, (es) => es.some((e) => e.event.id === eventId(next)));
    expect(entries.map((e) => e.event.id)).toEqual([first, failing, next].map(eventId));
    expect(rig.log.attempts.get(eventId(failing))).toBe(2);
    const cdc = rig.subgraph().cdc;
    await rig.stop();
    expect(cdc?.status()).toMatchObject({ state: 'stopped', failures: 1, lastReplayId: next });
  });

  it('logs in again when the Streaming API refuses the session, and misses nothing meanwhile', async () => {
    const [a, b] = rig.contactIds(2) as [string, string];
    await rig.start();
    await fetch(`${rig.sandbox.url}/__admin/tokens/expire`, { method: 'POST' });
    const during = await rig.emit(a);
    const entries = await logged(rig.log, (es) => es.some((e) => e.event.id === eventId(during)));
    expect(entries.map((e) => e.event.id)).toEqual([eventId(during)]);
    const afterwards = await rig.emit(b);
    await expect(logged(rig.log, (es) => es.some((e) => e.event.id === eventId(afterwards)))).resolves.toHaveLength(2);
  });

  it('falls back to every retained event when the saved replay id has expired, and clears the entity cache', async () => {
    const [a, b, c] = rig.contactIds(3) as [string, string, string];
    await rig.start();
    const first = await rig.emit(a);
    await logged(rig.log, (es) => es.length === 1);
    await rig.stop();
    const lost = await rig.emit(b);
    await fetch(`${rig.sandbox.url}/__admin/events/expire`, { method: 'POST' });
    const retained = await rig.emit(c);
    await rig.start();
    const entries = await logged(rig.log, (es) => es.some((e) => e.event.id === eventId(retained)));
    expect(entries.map((e) => e.event.id)).toEqual([eventId(first), eventId(retained)]);
    expect(rig.log.attempts.has(eventId(lost))).toBe(false);
    expect(rig.subgraph().entityCache.stats().entries).toBe(0);
  });

  it('maps gap events to invalidating envelopes without changed fields', async () => {
    const [a] = rig.contactIds(1) as [string];
    await rig.start();
    const gap = await rig.emit(a, 'GAP_DELETE');
    const [entry] = await logged(rig.log, (es) => es.length === 1);
    expect(entry?.event).toMatchObject({ id: eventId(gap), changeType: 'DELETED', changedFields: [] });
  });
});
