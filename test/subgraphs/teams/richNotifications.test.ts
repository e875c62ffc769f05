/**
 * Rich change notifications end to end: the subgraph generates its encryption key pair, subscribes
 * with `includeResourceData`, and verifies the sandbox's validation tokens against the sandbox's
 * JWKS (derived from GRAPH_AUTHORITY_HOST) before it decrypts and publishes.
 */
import { X509Certificate } from 'node:crypto';
import { encodeMessageId } from '../../../subgraphs/teams/messageId';
import { accessToken, graphFetch, SMALL } from '../../sandboxes/teams/graphSandboxHelpers';
import { startHarness, type Harness } from './teamsHarness';

describe('rich notifications', () => {
  let h: Harness;
  let teamId: string;
  let channelId: string;
  let token: string;

  beforeAll(async () => {
    h = await startHarness({
      env: { TEAMS_NOTIFICATION_URL: 'auto', TEAMS_RICH_NOTIFICATIONS: 'true', TEAMS_NOTIFICATION_CERT_ID: 'rich-test-cert' },
      sandbox: { size: SMALL },
    });
    await h.sub.events.manager()?.ready();
    token = await accessToken(h.sb);
    const [team, channels = []] = [...h.sb.data().channelsByTeam.entries()][0] ?? [];
    teamId = team ?? '';
    channelId = channels[0]?.id ?? '';
  });
  afterAll(() => h.close());

  it('subscribes with includeResourceData and the generated certificate', () => {
    const keys = h.sub.events.keys;
    expect(keys).not.toBeNull();
    for (const s of h.sb.subscriptions.list()) {
      expect(s.json).toMatchObject({ includeResourceData: true, encryptionCertificate: keys?.certificate, encryptionCertificateId: 'rich-test-cert' });
    }
    expect(new X509Certificate(Buffer.from(keys?.certificate ?? '', 'base64')).publicKey.asymmetricKeyType).toBe('rsa');
  });

  it('publishes the decrypted message and serves it from the index without another Graph call', async () => {
    const head = await h.sub.events.log.head();
    const posted = await graphFetch(h.sb, `/v1.0/teams/${teamId}/channels/${channelId}/messages`, { method: 'POST', token, body: { body: { content: 'rich and encrypted' } } });
    await h.sb.notifications.idle();
    const id = encodeMessageId({ teamId, channelId, messageId: String(posted.body.id) });
    const [entry, ...rest] = await h.sub.events.log.read(head);
    expect(rest).toEqual([]);
    expect(entry?.event).toMatchObject({ entity: { type: 'Message', id }, changeType: 'CREATED', occurredAt: posted.body.lastModifiedDateTime });
    expect(h.sub.events.webhook?.stats()).toMatchObject({ refused: 0 });
    h.resetCounts();
    const res = await h.query<{ message: { body: { content: string } } }>('query($id: ID!) { message(id: $id) { body { content } } }', { id });
    expect(res.data?.message.body.content).toBe('rich and encrypted');
    expect(h.counts()).toEqual({});
  });

  it('publishes nothing when the sandbox signs validation tokens for another app', async () => {
    const head = await h.sub.events.log.head();
    const refused = h.sub.events.webhook?.stats().refused ?? 0;
    const sub = h.sb.subscriptions.list()[0];
    if (!sub) throw new Error('no subscription');
    // The sandbox signs a token for the subscription's app; pretend another app created it.
    sub.json.applicationId = '99999999-9999-4999-8999-999999999999';
    const channel = sub.target.kind === 'channel' ? sub.target : null;
    await graphFetch(h.sb, `/v1.0/teams/${channel?.teamId}/channels/${channel?.channelId}/messages`, { method: 'POST', token, body: { body: { content: 'token for someone else' } } });
    await h.sb.notifications.idle();
    expect(await h.sub.events.log.read(head)).toEqual([]);
    expect(h.sub.events.webhook?.stats().refused).toBe(refused + 1);
  });
});
