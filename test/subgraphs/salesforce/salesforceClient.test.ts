/**
 * The Salesforce client as the subgraph uses it, against the sandbox's fault knobs and admin
 * endpoints: error mapping (code, system, retryable, no upstream message), jsforce's retries of
 * idempotent reads, the timeout, session renewal through refreshFn for every flow, a bounded number
 * of refreshes when Salesforce keeps refusing, and the request id travelling upstream.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import type { SubgraphServer } from '../../../subgraphs/kit/subgraphServer';
import { startSalesforceSubgraph } from '../../../subgraphs/salesforce/server';
import { QUERY, TOKEN, seedContacts, startHarness, type GraphQLReply, type Harness } from './subgraphHelpers';

const CONTACT = 'query($id: ID!) { contact(id: $id) { id email } }';

describe('Salesforce client behaviour through the subgraph', () => {
  const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const dir = mkdtempSync(path.join(tmpdir(), 'sf-subgraph-'));
  const keyPath = path.join(dir, 'jwt.key');
  writeFileSync(keyPath, keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
  let h: Harness;
  let id: string;
  const extra: SubgraphServer[] = [];

  beforeAll(async () => {
    // Every test reads the same contact and expects Salesforce to see it: the entity cache is off.
    h = await startHarness({
      env: { ENTITY_CACHE: 'false' },
      sandbox: { size: { accounts: 5, people: 30 }, credentials: { jwtPublicKeys: [keys.publicKey.export({ type: 'spki', format: 'pem' }).toString()] } },
    });
    await h.warmUp();
    id = seedContacts(h.sandbox, 1)[0]!.id;
  });
  beforeEach(() => h.resetCounters());
  afterEach(() => h.admin('DELETE', 'faults'));
  afterAll(async () => {
    await Promise.all(extra.map((s) => s.close()));
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Another subgraph process-equivalent on the same sandbox, with its own configuration. */
  async function subgraphWith(env: Record<string, string>): Promise<(q: string, v?: Record<string, unknown>) => Promise<GraphQLReply>> {
    const s = await startSalesforceSubgraph({ port: 0, logger: pino({ level: 'silent' }), env: { SALESFORCE_LOGIN_URL: h.sandbox.url, SALESFORCE_RETRY_DELAY_MS: '10', ENTITY_CACHE: 'false', SALESFORCE_CDC: 'false', ...env } });
    extra.push(s);
    return async (query, variables) => {
      const res = await fetch(s.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
      return { status: res.status, headers: res.headers, ...((await res.json()) as object) };
    };
  }

  function expectMasked(res: GraphQLReply, upstreamMessage: RegExp): void {
    const text = JSON.stringify(res);
    expect(text).not.toMatch(upstreamMessage);
    expect(text).not.toContain(h.sandbox.url.replace(/^http:\/\//, ''));
    expect(text).not.toMatch(/services\/data|Bearer|00D/);
  }

  it.each([
    [429, 'UPSTREAM_RATE_LIMITED', /Too many requests/],
    [503, 'UPSTREAM_UNAVAILABLE', /temporarily unavailable/],
    [500, 'UPSTREAM_UNAVAILABLE', /Injected fault/],
    [504, 'UPSTREAM_TIMEOUT', /Injected fault/],
  ])('maps a persistent %i to %s (retryable), after jsforce retried the read twice', async (status, code, upstream) => {
    await h.admin('PUT', 'faults', { forceStatus: status, pathPrefix: '/services/data' });
    const res = await h.gql(CONTACT, { id });
    expect(res.data).toEqual({ contact: null });
    expect(res.errors?.[0]).toMatchObject({ path: ['contact'], extensions: { code, system: 'salesforce', retryable: true } });
    expectMasked(res, upstream);
    expect(h.count(QUERY)).toBe(3);
  });

  it('recovers from one transient 503 by retrying the read', async () => {
    await h.admin('PUT', 'faults', { forceStatus: 503, forceCount: 1, pathPrefix: '/services/data' });
    const res = await h.gql(CONTACT, { id });
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual({ contact: expect.objectContaining({ id }) });
    expect(h.count(QUERY)).toBe(2);
  });

  it('maps the daily API limit (403 REQUEST_LIMIT_EXCEEDED) to UPSTREAM_RATE_LIMITED without retrying', async () => {
    const settings = (await h.admin('GET', 'settings')) as { apiUsage: number; dailyApiLimit: number };
    await h.admin('PATCH', 'settings', { dailyApiLimit: settings.apiUsage });
    try {
      const res = await h.gql(CONTACT, { id });
      expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_RATE_LIMITED', retryable: true });
      expectMasked(res, /TotalRequests/);
      expect(h.count(QUERY)).toBe(1);
    } finally {
      await h.admin('PATCH', 'settings', { dailyApiLimit: settings.dailyApiLimit });
    }
  });

  it('does not retry a failed write', async () => {
    await h.admin('PUT', 'faults', { forceStatus: 503, pathPrefix: '/services/data' });
    const res = await h.gql('mutation { createContact(input: { lastName: "X", email: "x@example.com" }) { id } }');
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', retryable: true });
    expect(h.count('POST /services/data/vXX.X/sobjects/:type')).toBe(1);
  });

  it('gives up after SALESFORCE_TIMEOUT_MS with UPSTREAM_TIMEOUT', async () => {
    const gql = await subgraphWith({ SALESFORCE_TIMEOUT_MS: '150', SALESFORCE_MAX_RETRIES: '0' });
    await h.admin('PUT', 'faults', { latencyMs: 600, pathPrefix: '/services/data' });
    const res = await gql(CONTACT, { id });
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_TIMEOUT', system: 'salesforce', retryable: true });
  });

  it('renews an expired session through refreshFn and replays the request', async () => {
    await h.admin('POST', 'tokens/expire');
    const res = await h.gql(CONTACT, { id });
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual({ contact: expect.objectContaining({ id }) });
    expect(h.count(TOKEN)).toBe(1);
    expect(h.count(QUERY)).toBe(2);
  });

  it('renews once for many concurrent requests that hit an expired session', async () => {
    await h.admin('POST', 'tokens/expire');
    const ids = seedContacts(h.sandbox, 10).map((c) => c.id);
    const results = await Promise.all(ids.map((cid) => h.gql(CONTACT, { id: cid })));
    expect(results.every((r) => r.errors === undefined)).toBe(true);
    expect(h.count(TOKEN)).toBe(1);
  });

  it.each([
    ['password', {}],
    ['jwt', { SALESFORCE_JWT_PRIVATE_KEY_PATH: keyPath }],
  ])('logs in and renews with the %s flow', async (flow, env) => {
    const gql = await subgraphWith({ SALESFORCE_AUTH_FLOW: flow, ...env });
    expect((await gql(CONTACT, { id })).errors).toBeUndefined();
    await h.admin('POST', 'tokens/expire');
    h.resetCounters();
    const res = await gql(CONTACT, { id });
    expect(res.data).toEqual({ contact: expect.objectContaining({ id }) });
    expect(h.count(TOKEN)).toBe(1);
  });

  it('reports refused credentials as UPSTREAM_AUTH_FAILED without the OAuth error text', async () => {
    const gql = await subgraphWith({ SALESFORCE_CLIENT_SECRET: 'wrong-secret' });
    const res = await gql(CONTACT, { id });
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_AUTH_FAILED', system: 'salesforce', retryable: false });
    expect(JSON.stringify(res)).not.toMatch(/invalid_client|wrong-secret/);
    expect(h.count(QUERY)).toBe(0);
  });

  it('stops refreshing when Salesforce still answers 401 after a refresh', async () => {
    await h.admin('PUT', 'faults', { forceStatus: 401, pathPrefix: '/services/data' });
    const res = await h.gql(CONTACT, { id });
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_AUTH_FAILED', retryable: false });
    expect(h.count(TOKEN)).toBe(1);
    expect(h.count(QUERY)).toBe(2);
    await h.admin('DELETE', 'faults');
    expect((await h.gql(CONTACT, { id })).errors).toBeUndefined();
  });

  it('maps an unreachable Salesforce to UPSTREAM_UNAVAILABLE', async () => {
    const closed = await startHarness({ sandbox: { size: { accounts: 1, people: 2 } } });
    const url = closed.sandbox.url;
    await closed.close();
    const gql = await subgraphWith({ SALESFORCE_LOGIN_URL: url });
    const res = await gql(CONTACT, { id });
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', retryable: true });
    expect(JSON.stringify(res)).not.toMatch(/ECONNREFUSED|127\.0\.0\.1/);
  });

  it('echoes the caller\'s request id and sends it to Salesforce as X-Request-Id', async () => {
    const seen: (string | undefined)[] = [];
    const listener = (req: IncomingMessage): void => { seen.push(req.headers['x-request-id'] as string | undefined); };
    h.sandbox.server.on('request', listener);
    try {
      const res = await h.gql(CONTACT, { id }, { 'x-request-id': 'req-sf-42' });
      expect(res.headers.get('x-request-id')).toBe('req-sf-42');
      expect(seen).toEqual(['req-sf-42']);
      const fresh = await h.gql(CONTACT, { id });
      expect(fresh.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
      expect(seen[1]).toBe(fresh.headers.get('x-request-id'));
    } finally {
      h.sandbox.server.off('request', listener);
    }
  });
});
