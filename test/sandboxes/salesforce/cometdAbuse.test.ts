/**
 * Abuse of the sandbox's CometD endpoint: malformed bodies, odd messages, oversized requests and
 * bad replay positions are answered (never crash the server), and the endpoint keeps working.
 */
import type { SalesforceSandbox } from '../../../subgraphs/salesforce/sandbox/salesforceSandbox';
import { bayeux, handshake, type BayeuxReply } from './cometdHelpers';
import { bearer, startSandbox } from './sandboxHelpers';

describe('Salesforce sandbox CometD endpoint under abuse', () => {
  let sb: SalesforceSandbox;
  let token: string;

  beforeAll(async () => {
    sb = await startSandbox({ size: { accounts: 2, people: 5 } });
    token = await bearer(sb);
  });
  afterAll(() => sb.close());
  afterEach(async () => {
    await expect(handshake(sb, token)).resolves.toMatch(/^[0-9a-z]{28}$/);
  });

  it('answers a body that is not JSON with 400', async () => {
    expect((await bayeux(sb, token, '[{"channel":')).status).toBe(400);
  });

  it('answers messages that are not objects, or lack a channel, with failures', async () => {
    const { status, body } = await bayeux(sb, token, [1, null, 'x', {}, { channel: 42 }]);
    expect(status).toBe(200);
    expect((body as BayeuxReply[]).every((r) => r.successful === false)).toBe(true);
  });

  it('refuses GET (callback-polling) with 405 and an unknown version path with 404', async () => {
    expect((await fetch(`${sb.url}/cometd/59.0?message=%5B%5D&jsonp=cb`)).status).toBe(405);
    expect((await bayeux(sb, token, [], '/cometd/latest')).status).toBe(404);
    expect((await bayeux(sb, token, [], '/cometd/59.0/extra')).status).toBe(404);
  });

  it('refuses a declared body over 1 MiB with 413 and cuts an undeclared one', async () => {
    const big = JSON.stringify([{ channel: '/meta/handshake', version: '1.0', pad: 'x'.repeat(1_100_000) }]);
    expect((await bayeux(sb, token, big)).status).toBe(413);
    // Valid Bayeux in total (a handshake would succeed), sent chunked without a content-length.
    const chunked = new ReadableStream<Uint8Array>({
      start(controller) {
        const encode = (t: string): Uint8Array => new TextEncoder().encode(t);
        controller.enqueue(encode('[{"channel":"/meta/handshake","version":"1.0","supportedConnectionTypes":["long-polling"],"pad":"'));
        for (let i = 0; i < 12; i++) controller.enqueue(encode('x'.repeat(100_000)));
        controller.enqueue(encode('"}]'));
        controller.close();
      },
    });
    const outcome = await fetch(`${sb.url}/cometd/59.0`, { method: 'POST', body: chunked, duplex: 'half', headers: { 'content-type': 'application/json' } } as RequestInit)
      .then((r) => r.status, () => 'connection cut');
    expect(outcome).not.toBe(200);
  });

  it.each([
    ['a string replay id', '5'],
    ['a fractional replay id', 1.5],
    ['a negative replay id other than -1 and -2', -3],
    ['an object', { from: 1 }],
  ])('refuses %s in ext.replay with 400::The replayId ... was invalid', async (_what, value) => {
    const clientId = await handshake(sb, token);
    const { body } = await bayeux(sb, token, [{ channel: '/meta/subscribe', clientId, subscription: '/data/ContactChangeEvent', ext: { replay: { '/data/ContactChangeEvent': value } } }]);
    expect((body as BayeuxReply[])[0]).toMatchObject({ successful: false, error: expect.stringMatching(/^400::The replayId \{.*\} you provided was invalid/) });
  });

  it('refuses subscriptions to channels that are not change event channels, whatever their shape', async () => {
    const clientId = await handshake(sb, token);
    for (const subscription of ['/data/*', '/**', ['/data/ContactChangeEvent', '/meta/connect'], { a: 1 }, '/data/' + 'x'.repeat(5000)]) {
      const { body } = await bayeux(sb, token, [{ channel: '/meta/subscribe', clientId, subscription }]);
      expect((body as BayeuxReply[])[0]).toMatchObject({ successful: false });
    }
  });
});
