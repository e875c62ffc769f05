/**
 * The sandbox's Streaming API (`/cometd/NN.0`, faye) driven by unmodified jsforce: Change Data
 * Capture events for REST changes, the OAuth check on the handshake (AuthFailure extension), refusal
 * of unknown or foreign client ids, and the Replay extension (-1, -2, N, and an expired N).
 */
import { Connection } from 'jsforce';
import { StreamingExtension } from 'jsforce/api/streaming';
import type { Message } from 'faye';
import type { SalesforceSandbox } from '../../../subgraphs/salesforce/sandbox/salesforceSandbox';
import { bayeux, emitMarker, handshake, listen, replayIds, type BayeuxReply, type Listener } from './cometdHelpers';
import { admin, bearer, loggedIn, startSandbox } from './sandboxHelpers';

describe('Salesforce sandbox Streaming API (CometD) with jsforce', () => {
  let sb: SalesforceSandbox;
  let conn: Connection;
  const open: Listener[] = [];
  const track = (l: Listener): Listener => { open.push(l); return l; };
  const contact = (i: number): string => (sb.store.all('Contact')[i] as { id: string }).id;

  beforeAll(async () => {
    sb = await startSandbox({ size: { accounts: 5, people: 30 } });
    conn = await loggedIn(sb);
  });
  afterEach(async () => { await Promise.all(open.splice(0).map((l) => l.close())); });
  afterAll(() => sb.close());

  it('delivers a Change Data Capture event with the documented shape for a contact updated through jsforce', async () => {
    const l = track(listen(conn, -1));
    await l.subscription;
    const id = contact(0);
    await conn.sobject('Contact').update({ Id: id, Email: 'ada.cdc@example.com' });
    const [event] = await l.until((r) => r.length >= 1);
    const identity = await conn.identity();
    expect(event).toEqual({
      schema: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
      payload: {
        ChangeEventHeader: {
          entityName: 'Contact', recordIds: [id], changeType: 'UPDATE',
          // The seeded contact was last modified by another user, hence LastModifiedById.
          changedFields: ['Email', 'LastModifiedDate', 'LastModifiedById'], changeOrigin: 'com/salesforce/api/rest/59.0',
          transactionKey: expect.any(String), sequenceNumber: 1, commitTimestamp: expect.any(Number),
          commitNumber: expect.any(Number), commitUser: identity.user_id, nulledFields: [], diffFields: [],
        },
        Email: 'ada.cdc@example.com',
        LastModifiedById: identity.user_id,
        LastModifiedDate: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      },
      event: { replayId: sb.changeEvents.latestReplayId() },
    });
  });

  it('refuses a handshake with a bad token with advice.reconnect none, which the AuthFailure extension reports', async () => {
    const bad = new Connection({ instanceUrl: sb.url, accessToken: '00D000000000000!AQbogus', version: '59.0' });
    const failure = new Promise<Message>((resolve) => {
      const l = track(listen(bad, -1, undefined, [new StreamingExtension.AuthFailure((m: Message) => resolve(m))]));
      l.subscription.then(undefined, () => undefined);
    });
    expect(await failure).toMatchObject({
      channel: '/meta/handshake', successful: false, error: '403::Handshake denied',
      advice: { reconnect: 'none' }, ext: { sfdc: { failureReason: '401::Authentication invalid' } },
    });
  });

  it('refuses an unknown client id, a client id used with another session, and requests without a session', async () => {
    const tokenA = await bearer(sb);
    const tokenB = await bearer(sb);
    const clientId = await handshake(sb, tokenA);
    const connect = (cid: string) => [{ channel: '/meta/connect', clientId: cid, connectionType: 'long-polling', advice: { timeout: 0 } }];
    const unknown = await bayeux(sb, tokenA, connect('notaclientid'));
    expect((unknown.body as BayeuxReply[])[0]).toMatchObject({ successful: false, error: '403::Unknown client', advice: { reconnect: 'handshake' } });
    const foreign = await bayeux(sb, tokenB, [{ channel: '/meta/subscribe', clientId, subscription: '/data/ContactChangeEvent' }]);
    expect((foreign.body as BayeuxReply[])[0]).toMatchObject({ successful: false, error: '403::Unknown client' });
    const anonymous = await bayeux(sb, null, connect(clientId));
    expect((anonymous.body as BayeuxReply[])[0]).toMatchObject({ successful: false, error: '403::Unknown client' });
    const own = await bayeux(sb, tokenA, [{ channel: '/meta/subscribe', clientId, subscription: '/data/ContactChangeEvent' }]);
    expect((own.body as BayeuxReply[])[0]).toMatchObject({ successful: true, subscription: '/data/ContactChangeEvent' });
  });

  it('replays every retained event to a subscriber with -2', async () => {
    await conn.sobject('Contact').update({ Id: contact(1), Title: 'Replay A' });
    await conn.sobject('Contact').update({ Id: contact(2), Title: 'Replay B' });
    const retained = sb.changeEvents.retained().map((e) => e.replayId);
    const l = track(listen(conn, -2));
    await l.subscription;
    const marker = await emitMarker(sb, contact(3));
    const got = await l.until((r) => r.some((e) => e.event.replayId === marker));
    expect(replayIds(got)).toEqual([...retained, marker]);
  });

  it('replays only the events after N to a subscriber with replay id N, then live ones', async () => {
    await conn.sobject('Contact').update({ Id: contact(4), Title: 'N' });
    const n = sb.changeEvents.latestReplayId();
    await conn.sobject('Contact').update({ Id: contact(5), Title: 'after N 1' });
    await conn.sobject('Contact').update({ Id: contact(6), Title: 'after N 2' });
    const l = track(listen(conn, n));
    await l.subscription;
    const marker = await emitMarker(sb, contact(3));
    const got = await l.until((r) => r.some((e) => e.event.replayId === marker));
    expect(replayIds(got)).toEqual([n + 1, n + 2, marker]);
    expect(got.map((e) => e.payload.Title ?? e.payload.Description)).toEqual(['after N 1', 'after N 2', 'marker']);
  });

  it('delivers only new events to a subscriber with -1', async () => {
    await conn.sobject('Contact').update({ Id: contact(7), Title: 'before -1' });
    const l = track(listen(conn, -1));
    await l.subscription;
    const marker = await emitMarker(sb, contact(3));
    expect(replayIds(await l.until((r) => r.length >= 1))).toEqual([marker]);
  });

  it('refuses a replay id that is no longer retained, and one from the future', async () => {
    await conn.sobject('Contact').update({ Id: contact(8), Title: 'soon gone' });
    const old = sb.changeEvents.latestReplayId();
    await admin(sb, 'POST', 'events/expire');
    await expect(track(listen(conn, old - 1)).subscription).rejects.toMatchObject({ message: expect.stringContaining(`The replayId {${old - 1}} you provided was invalid`) });
    await expect(track(listen(conn, old + 1000)).subscription).rejects.toMatchObject({ message: expect.stringContaining('you provided was invalid') });
    // Exactly the newest id is still a valid position: nothing after it was lost.
    await expect(track(listen(conn, old)).subscription).resolves.toBeUndefined();
  });

  it('carries the same events on /data/ChangeEvents, refuses unknown channels and never lets a client publish', async () => {
    const all = track(listen(conn, -1, '/data/ChangeEvents'));
    await all.subscription;
    await conn.sobject('Account').update({ Id: (sb.store.all('Account')[0] as { id: string }).id, Industry: 'Banking' });
    const [event] = await all.until((r) => r.length >= 1);
    expect(event?.payload.ChangeEventHeader).toMatchObject({ entityName: 'Account', changeType: 'UPDATE', changedFields: expect.arrayContaining(['Industry', 'LastModifiedDate']) });

    await expect(track(listen(conn, -1, '/topic/NoSuchTopic')).subscription).rejects.toMatchObject({ message: expect.stringContaining('The channel you requested to subscribe to does not exist') });
    const token = await bearer(sb);
    const clientId = await handshake(sb, token);
    const before = sb.changeEvents.latestReplayId();
    const forged = await bayeux(sb, token, [{ channel: '/data/ContactChangeEvent', clientId, data: { payload: {}, event: { replayId: 1 } } }]);
    expect((forged.body as BayeuxReply[])[0]).toMatchObject({ successful: false, error: '403::Publish denied' });
    expect(sb.changeEvents.latestReplayId()).toBe(before);
  });

  it('ends streaming clients when sessions end: the next poll is refused and the re-handshake denied', async () => {
    const denied = new Promise<Message>((resolve) => {
      const l = track(listen(conn, -1, undefined, [new StreamingExtension.AuthFailure((m: Message) => resolve(m))]));
      void l.subscription.then(() => admin(sb, 'POST', 'tokens/expire'));
    });
    expect(await denied).toMatchObject({ channel: '/meta/handshake', error: '403::Handshake denied', advice: { reconnect: 'none' } });
    expect(sb.cometd.clients()).toBe(0);
    await conn.login('integration@lumina.example', 'lumina-sandbox-password');
  });
});
