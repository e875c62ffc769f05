/**
 * Rate limits end to end: a client over its token bucket is refused with 429 RATE_LIMITED and a
 * Retry-After before anything reaches a system, while another client of the same tenant is still
 * served. The bucket refills slowly (one token per 10 s) so "quick" does not depend on how fast
 * the machine is.
 */
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { startStack, testToken, type Stack } from '../federatedGraph/startStack';
import { expectRefusal, PROBE_QUERY } from './abuseChecks';

describe('rate limits per client', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ gateway: { rateLimits: { perTenant: null, perClient: { ratePerS: 0.1, burst: 3 } } } });
  }, 120_000);
  afterAll(() => stack?.close());

  it('refuses the 4th quick request of a client with 429 RATE_LIMITED and Retry-After, and serves another client', async () => {
    const greedy = { authorization: `Bearer ${await testToken({ subject: 'greedy-client' })}` };
    for (let i = 0; i < 3; i++) {
      const ok = await stack.query(PROBE_QUERY, undefined, greedy);
      expect({ i, status: ok.status }).toEqual({ i, status: 200 });
    }
    stack.resetCounters();
    const refused = await stack.query(PROBE_QUERY, undefined, greedy);
    expectRefusal({ status: refused.status, body: { errors: refused.errors, data: refused.data } }, { status: 429, code: 'RATE_LIMITED', reason: 'client_rate_limit' });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(stack.counts()).toEqual({ salesforce: {}, sap: {}, teams: {} });

    const other = await stack.query<{ contacts: { nodes: unknown[] } }>(PROBE_QUERY, undefined, { authorization: `Bearer ${await testToken({ subject: 'polite-client' })}` });
    expect(other.status).toBe(200);
    expect(other.data?.contacts.nodes).toHaveLength(1);
  });

  it('counts a refused token against no bucket: a bad token is 401, not 429, however often it is sent', async () => {
    for (let i = 0; i < 5; i++) {
      const res = await stack.query(PROBE_QUERY, undefined, { authorization: 'Bearer abc' });
      expect({ i, status: res.status }).toEqual({ i, status: 401 });
    }
  });

  it('keeps limiting over graphql-ws: a spent client is refused per operation with RATE_LIMITED', async () => {
    const token = await testToken({ subject: 'ws-greedy-client' });
    const client = createClient({ url: stack.gatewayUrl.replace('http', 'ws'), webSocketImpl: WebSocket, retryAttempts: 0, connectionParams: { authorization: `Bearer ${token}` } });
    try {
      const codes: unknown[] = [];
      // connection_init takes one token; then each operation takes one.
      for (let i = 0; i < 4; i++) {
        const code = await new Promise<unknown>((resolve) => {
          client.subscribe({ query: PROBE_QUERY }, {
            next: (v) => resolve(v.errors ? (v.errors[0] as { extensions?: { code?: unknown } }).extensions?.code : 'ok'),
            error: (e) => resolve(Array.isArray(e) ? (e[0] as { extensions?: { code?: unknown } }).extensions?.code : 'error'),
            complete: () => undefined,
          });
        });
        codes.push(code);
      }
      expect(codes).toEqual(['ok', 'ok', 'RATE_LIMITED', 'RATE_LIMITED']);
    } finally {
      await client.dispose();
    }
  });
});
