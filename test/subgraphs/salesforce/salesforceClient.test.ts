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
import type { GraphQLError as UpstreamError } from 'graphql';
import type { SubgraphServer } from '../../../subgraphs/kit/subgraphServer';
import type { UpstreamCallEvent, UpstreamObserver, UpstreamRateLimitEvent } from '../../../subgraphs/kit/upstreamObserver';
import type { UpstreamPolicyTuning } from '../../../subgraphs/kit/upstreamPolicy';
import { loadSalesforceConfig } from '../../../subgraphs/salesforce/config';
import { createSalesforceClient, type SalesforceClient } from '../../../subgraphs/salesforce/salesforceClient';
import { startSalesforceSandbox, type SalesforceSandbox } from '../../../subgraphs/salesforce/sandbox/salesforceSandbox';
import { startSalesforceSubgraph } from '../../../subgraphs/salesforce/server';
import { QUERY, TOKEN, seedContacts, startHarness, type GraphQLReply, type Harness } from './subgraphHelpers';
import { CONTEXT_ENV, contextHeaders } from '../signedContext';

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
    const s = await startSalesforceSubgraph({ port: 0, logger: pino({ level: 'silent' }), env: { ...CONTEXT_ENV, SALESFORCE_LOGIN_URL: h.sandbox.url, SALESFORCE_RETRY_DELAY_MS: '10', ENTITY_CACHE: 'false', SALESFORCE_CDC: 'false', ...env } });
    extra.push(s);
    return async (query, variables) => {
      const res = await fetch(s.url, { method: 'POST', headers: { 'content-type': 'application/json', ...contextHeaders() }, body: JSON.stringify({ query, variables }) });
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
      const res = await h.gql(CONTACT, { id }, contextHeaders('default', { requestId: 'req-sf-42' }));
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

/**
 * The client itself (one per tenant, as the subgraph builds it) under the kit's upstream policy,
 * against the real sandbox: retries only for reads, the breaker, the bulkhead, Retry-After, the
 * observer's events and the single-flight session renewal. Sleeps are recorded, not waited.
 */
describe('Salesforce client resilience', () => {
  const silent = pino({ level: 'silent' });
  let sandbox: SalesforceSandbox;
  const clients: SalesforceClient[] = [];
  const call = { requestId: 'req-resilience', log: silent };

  beforeAll(async () => {
    sandbox = await startSalesforceSandbox({ port: 0, logger: silent, size: { accounts: 5, people: 200 } });
  });
  afterEach(async () => {
    clients.splice(0).forEach((c) => c.close());
    sandbox.faults.clear();
  });
  afterAll(async () => { await sandbox.close(); });

  const count = (endpoint: string): number => sandbox.counters.snapshot().byEndpoint[endpoint] ?? 0;
  const admin = (method: string, p: string, body?: unknown): Promise<Response> => fetch(`${sandbox.url}/__admin/${p}`, {
    method, ...(body !== undefined ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}),
  });

  function recorder(): UpstreamObserver & { calls: UpstreamCallEvent[]; limits: UpstreamRateLimitEvent[]; states: string[] } {
    const calls: UpstreamCallEvent[] = [];
    const limits: UpstreamRateLimitEvent[] = [];
    const states: string[] = [];
    return { calls, limits, states, call: (e) => calls.push(e), rateLimit: (e) => limits.push(e), throttled: () => undefined, breaker: (e) => states.push(e.state) };
  }

  /** A logged-in client (its session made before counting starts) with recorded sleeps. */
  async function client(env: Record<string, string> = {}, tuning: UpstreamPolicyTuning = {}) {
    const observer = recorder();
    const sleeps: number[] = [];
    const c = createSalesforceClient({
      config: loadSalesforceConfig({ SALESFORCE_LOGIN_URL: sandbox.url, SALESFORCE_MAX_RETRIES: '3', ...env }), logger: silent, tenant: 'acme', observer,
      tuning: { sleep: async (ms) => { sleeps.push(ms); }, ...tuning },
    });
    clients.push(c);
    await c.query('SELECT Id FROM Contact LIMIT 1', call);
    sandbox.counters.reset();
    observer.calls.length = 0;
    return { c, observer, sleeps };
  }

  const SOQL = 'SELECT Id, Email FROM Contact ORDER BY Id LIMIT 2';

  it('ends a flaky read (timeout, 429, 504, OK) with the records after exactly 4 upstream requests', async () => {
    const { c, observer } = await client({ SALESFORCE_TIMEOUT_MS: '300' }, { deadlineMs: 10_000 });
    sandbox.faults.set({ pathPrefix: '/services/data', script: [{ delayMs: 1500 }, { status: 429, retryAfter: 0 }, { status: 504 }] });
    const res = await c.query(SOQL, call);
    expect(res.records).toHaveLength(2);
    expect(count(QUERY)).toBe(4);
    expect(observer.calls.map((e) => [e.endpoint, e.attempt, e.status])).toEqual([['query', 1, 0], ['query', 2, 429], ['query', 3, 504], ['query', 4, 200]]);
    expect(observer.calls[0]).toMatchObject({ system: 'salesforce', tenant: 'acme', method: 'GET' });
  });

  it('fails a write on the same script after one request, without replaying it', async () => {
    const { c } = await client({ SALESFORCE_TIMEOUT_MS: '300' }, { deadlineMs: 10_000 });
    sandbox.faults.set({ pathPrefix: '/services/data', script: [{ delayMs: 1500 }, { status: 429, retryAfter: 0 }, { status: 504 }] });
    const err = (await c.create('Contact', { LastName: 'Once', Email: 'once@example.com' }, call).catch((e: unknown) => e)) as UpstreamError;
    expect(err.extensions).toMatchObject({ code: 'UPSTREAM_TIMEOUT', system: 'salesforce', retryable: true });
    expect(count('POST /services/data/vXX.X/sobjects/:type')).toBe(1);
  });

  it('honours a short Retry-After as the least wait, and refuses a long one at once with UPSTREAM_RATE_LIMITED', async () => {
    const { c, sleeps } = await client({}, { maxRetryAfterMs: 2000 });
    sandbox.faults.set({ pathPrefix: '/services/data', script: [{ status: 429, retryAfter: 1 }] });
    await c.query(SOQL, call);
    expect(sleeps).toHaveLength(1);
    expect(sleeps[0]).toBeGreaterThanOrEqual(1000);
    expect(count(QUERY)).toBe(2);

    sandbox.counters.reset();
    sandbox.faults.set({ pathPrefix: '/services/data', script: [{ status: 429, retryAfter: 30 }] });
    const err = (await c.query(SOQL, call).catch((e: unknown) => e)) as UpstreamError;
    expect(err.extensions).toMatchObject({ code: 'UPSTREAM_RATE_LIMITED', retryable: true, retryAfterSeconds: 30 });
    expect(count(QUERY)).toBe(1);
    expect(sleeps).toHaveLength(1);
  });

  it('opens the breaker after failures; then no request reaches Salesforce until a half-open probe succeeds', async () => {
    const { c, observer } = await client({ SALESFORCE_MAX_RETRIES: '0' }, { breaker: { volumeThreshold: 4, resetTimeoutMs: 200 } });
    sandbox.faults.set({ pathPrefix: '/services/data', forceStatus: 503 });
    for (let i = 0; i < 4; i++) await expect(c.query(SOQL, call)).rejects.toMatchObject({ extensions: { code: 'UPSTREAM_UNAVAILABLE' } });
    expect(c.breakerState()).toBe('open');
    sandbox.counters.reset();
    const errs = await Promise.all([1, 2, 3].map(() => c.query(SOQL, call).catch((e: UpstreamError) => e.extensions)));
    expect(errs).toEqual(Array(3).fill({ code: 'UPSTREAM_UNAVAILABLE', system: 'salesforce', retryable: true, reason: 'circuit_open' }));
    expect(count(QUERY)).toBe(0);
    sandbox.faults.clear();
    while (c.breakerState() !== 'half_open') await new Promise((r) => setTimeout(r, 20));
    expect((await c.query(SOQL, call)).records).toHaveLength(2);
    expect(count(QUERY)).toBe(1);
    expect(observer.states).toEqual(['open', 'half_open', 'closed']);
  });

  it('caps concurrent calls per tenant (bulkhead) and refuses beyond the queue at once', async () => {
    const { c } = await client({}, { bulkhead: { maxConcurrent: 2, maxQueue: 1 } });
    sandbox.faults.set({ pathPrefix: '/services/data', latencyMs: 100 });
    const results = await Promise.all(Array.from({ length: 5 }, () => c.query(SOQL, call).then(() => 'ok', (e: UpstreamError) => String(e.extensions.reason))));
    expect(results.sort()).toEqual(['bulkhead_full', 'bulkhead_full', 'ok', 'ok', 'ok']);
    expect(count(QUERY)).toBe(3);
  });

  it('renews an expired session once for 100 concurrent calls (one token request)', async () => {
    const { c } = await client();
    await admin('POST', 'tokens/expire');
    const results = await Promise.all(Array.from({ length: 100 }, () => c.query(SOQL, call)));
    expect(results.every((r) => r.records.length === 2)).toBe(true);
    expect(count(TOKEN)).toBe(1);
  });

  it('answers a 401 on a write with one refresh and one replay, and UPSTREAM_AUTH_FAILED when the replay is refused too', async () => {
    const { c } = await client();
    const POST = 'POST /services/data/vXX.X/sobjects/:type';
    sandbox.faults.set({ pathPrefix: '/services/data', forceStatus: 401, forceCount: 1 });
    await expect(c.create('Contact', { LastName: 'Replayed', Email: 'replayed@example.com' }, call)).resolves.toMatch(/^003/);
    expect([count(TOKEN), count(POST)]).toEqual([1, 2]);

    sandbox.counters.reset();
    sandbox.faults.set({ pathPrefix: '/services/data', forceStatus: 401 });
    const err = (await c.create('Contact', { LastName: 'Refused', Email: 'refused@example.com' }, call).catch((e: unknown) => e)) as UpstreamError;
    expect(err.extensions).toMatchObject({ code: 'UPSTREAM_AUTH_FAILED', retryable: false });
    expect([count(TOKEN), count(POST)]).toEqual([1, 2]);
  });

  it('reports Sforce-Limit-Info as a rate limit and sends the traceparent', async () => {
    const { c, observer } = await client();
    const seen: Array<string | undefined> = [];
    const listener = (req: IncomingMessage): void => { seen.push(req.headers.traceparent as string | undefined); };
    sandbox.server.on('request', listener);
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    try {
      await c.query(SOQL, { ...call, traceparent });
    } finally {
      sandbox.server.off('request', listener);
    }
    expect(seen).toEqual([traceparent]);
    expect(observer.limits.at(-1)).toMatchObject({ system: 'salesforce', tenant: 'acme', name: 'api-usage', limit: 100000 });
    expect(observer.limits.at(-1)!.used).toBeGreaterThan(0);
  });
});
