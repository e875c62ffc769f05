/**
 * The OData client's server-driven paging guard (`__next` links are only ever followed on the
 * configured service root, so credentials never travel to a host named in a response), and its
 * resilience under the kit's upstream policy.
 */
import type { IncomingMessage } from 'node:http';
import type { GraphQLError } from 'graphql';
import pino from 'pino';
import type { UpstreamCallEvent, UpstreamObserver } from '../../../subgraphs/kit/upstreamObserver';
import type { UpstreamPolicyTuning } from '../../../subgraphs/kit/upstreamPolicy';
import { loadSapConfig } from '../../../subgraphs/sap/config';
import { createODataClient, endpointOf, rebaseNextLink, type ODataClient } from '../../../subgraphs/sap/odataClient';
import { startSapSandbox, type SapSandbox } from '../../../subgraphs/sap/sandbox/sapSandbox';

const ROOT = 'https://s4.example.com/sap/opu/odata/sap/API_SALES_ORDER_SRV/';

describe('__next links', () => {
  it('keeps a link on our own service as is', () => {
    expect(rebaseNextLink(ROOT, `${ROOT}A_SalesOrder?$skiptoken=1000`)).toBe(`${ROOT}A_SalesOrder?$skiptoken=1000`);
  });

  it('re-bases a link that names another host (a proxy, or an attacker) onto our root', () => {
    expect(rebaseNextLink(ROOT, 'http://evil.example:8080/sap/opu/odata/sap/API_SALES_ORDER_SRV/A_SalesOrder?$skiptoken=2'))
      .toBe(`${ROOT}A_SalesOrder?$skiptoken=2`);
  });

  it('resolves relative links against the service root', () => {
    expect(rebaseNextLink(ROOT, 'A_SalesOrder?$skiptoken=3')).toBe(`${ROOT}A_SalesOrder?$skiptoken=3`);
  });

  it.each([
    'https://s4.example.com/sap/opu/odata/sap/API_BUSINESS_PARTNER/A_BusinessPartner',
    'https://s4.example.com/sap/opu/odata/sap/API_SALES_ORDER_SRV/../API_BUSINESS_PARTNER/A_BusinessPartner',
    'https://s4.example.com/sap/opu/odata/sap/API_SALES_ORDER_SRV/%2e%2e/x',
    '/admin',
    'http://[bad',
  ])('refuses %s', (next) => {
    expect(rebaseNextLink(ROOT, next)).toBeNull();
  });
});

/**
 * The OData client (one per tenant) under the kit's upstream policy, against the real SAP sandbox
 * and its fault knobs. Sleeps are recorded, not waited; counts come from the sandbox's counters.
 */
describe('OData client resilience', () => {
  const silent = pino({ level: 'silent' });
  let sandbox: SapSandbox;
  const clients: ODataClient[] = [];
  const meta = { requestId: 'req-odata', log: silent };
  const ORDERS = 'GET API_SALES_ORDER_SRV/A_SalesOrder';
  const BATCH = 'POST API_SALES_ORDER_SRV/$batch';
  const csrfFetches = (): number => Object.entries(sandbox.counters.snapshot().byEndpoint).filter(([k]) => k.startsWith('HEAD ')).reduce((n, [, v]) => n + v, 0);
  const count = (name: string): number => sandbox.counters.snapshot().byEndpoint[name] ?? 0;

  beforeAll(async () => {
    sandbox = await startSapSandbox({ port: 0, logger: silent, size: { people: 100, accounts: 10, orders: 200 } });
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    sandbox.faults.clear();
  });
  afterAll(async () => { await sandbox.close(); });

  function client(env: Record<string, string> = {}, tuning: UpstreamPolicyTuning = {}) {
    const calls: UpstreamCallEvent[] = [];
    const states: string[] = [];
    const sleeps: number[] = [];
    const observer: UpstreamObserver = { call: (e) => calls.push(e), rateLimit: () => undefined, throttled: () => undefined, breaker: (e) => states.push(e.state) };
    const c = createODataClient({
      config: loadSapConfig({ SAP_BASE_URL: sandbox.url, SAP_RETRIES: '3', ...env }), logger: silent, tenant: 'acme', observer,
      tuning: { sleep: async (ms) => { sleeps.push(ms); }, ...tuning },
    });
    clients.push(c);
    sandbox.counters.reset();
    return { c, calls, states, sleeps };
  }

  it('ends a flaky read (timeout, 429, 504, OK) with the answer after exactly 4 upstream requests', async () => {
    const { c, calls } = client({ SAP_TIMEOUT_MS: '300' }, { deadlineMs: 10_000 });
    sandbox.faults.set({ pathPrefix: '/sap/opu/odata/sap/API_SALES_ORDER_SRV/A_SalesOrder', script: [{ delayMs: 1500 }, { status: 429, retryAfter: 0 }, { status: 504 }] });
    const res = await c.readCollection('API_SALES_ORDER_SRV', 'A_SalesOrder', { $top: '2' }, meta);
    expect(res.results).toHaveLength(2);
    expect(count(ORDERS)).toBe(4);
    expect(calls.map((e) => [e.endpoint, e.attempt, e.status])).toEqual([
      ['API_SALES_ORDER_SRV/A_SalesOrder', 1, 0], ['API_SALES_ORDER_SRV/A_SalesOrder', 2, 429],
      ['API_SALES_ORDER_SRV/A_SalesOrder', 3, 504], ['API_SALES_ORDER_SRV/A_SalesOrder', 4, 200]]);
  });

  it('fails a write on the same script after one request', async () => {
    const { c } = client({ SAP_TIMEOUT_MS: '300' }, { deadlineMs: 10_000 });
    const { etag } = await c.readEntity('API_SALES_ORDER_SRV', "A_SalesOrder('1')", {}, meta);
    sandbox.counters.reset();
    sandbox.faults.set({ pathPrefix: '/sap/opu/odata/sap/API_SALES_ORDER_SRV/A_SalesOrder', script: [{ delayMs: 1500 }, { status: 429, retryAfter: 0 }, { status: 504 }] });
    const err = (await c.update('API_SALES_ORDER_SRV', "A_SalesOrder('1')", { OverallSDProcessStatus: 'B' }, etag ?? '*', meta).catch((e: unknown) => e)) as GraphQLError;
    expect(err.extensions).toMatchObject({ code: 'UPSTREAM_TIMEOUT', system: 'sap', retryable: true });
    expect(count("PATCH API_SALES_ORDER_SRV/A_SalesOrder(key)")).toBe(1);
  });

  it('opens the breaker after failures; then no request reaches SAP until a half-open probe succeeds', async () => {
    const { c, states } = client({ SAP_RETRIES: '0' }, { breaker: { volumeThreshold: 4, resetTimeoutMs: 200 } });
    sandbox.faults.set({ pathPrefix: '/sap/opu/odata/sap/API_SALES_ORDER_SRV/A_SalesOrder', forceStatus: 503, retryAfter: 0 });
    for (let i = 0; i < 4; i++) await expect(c.readCollection('API_SALES_ORDER_SRV', 'A_SalesOrder', { $top: '1' }, meta)).rejects.toMatchObject({ extensions: { code: 'UPSTREAM_UNAVAILABLE' } });
    expect(c.breakerState()).toBe('open');
    sandbox.counters.reset();
    const err = (await c.readCollection('API_SALES_ORDER_SRV', 'A_SalesOrder', { $top: '1' }, meta).catch((e: unknown) => e)) as GraphQLError;
    expect(err.extensions).toEqual({ code: 'UPSTREAM_UNAVAILABLE', system: 'sap', retryable: true, reason: 'circuit_open' });
    expect(count(ORDERS)).toBe(0);
    sandbox.faults.clear();
    while (c.breakerState() !== 'half_open') await new Promise((r) => setTimeout(r, 20));
    await c.readCollection('API_SALES_ORDER_SRV', 'A_SalesOrder', { $top: '1' }, meta);
    expect(states).toEqual(['open', 'half_open', 'closed']);
  });

  it('retries a $batch of reads like a read, honouring Retry-After as the least wait', async () => {
    const { c, sleeps } = client();
    sandbox.faults.set({ pathPrefix: '/sap/opu/odata/sap/API_SALES_ORDER_SRV/$batch', script: [{ status: 503, retryAfter: 1 }] });
    const results = await c.batchRead('API_SALES_ORDER_SRV', ['A_SalesOrder?$top=1', 'A_SalesOrder?$top=2'], meta);
    expect(results.map((r) => (r instanceof Error ? 'error' : r.results.length))).toEqual([1, 2]);
    expect(count(BATCH)).toBe(2);
    expect(sleeps).toHaveLength(1);
    expect(sleeps[0]).toBeGreaterThanOrEqual(1000);
  });

  it('fetches one CSRF token for 100 concurrent $batch calls after SAP dropped every session', async () => {
    const { c } = client();
    await c.batchRead('API_SALES_ORDER_SRV', ['A_SalesOrder?$top=1'], meta);
    await fetch(`${sandbox.url}/__admin/tokens/expire`, { method: 'POST' });
    sandbox.counters.reset();
    const results = await Promise.all(Array.from({ length: 100 }, () => c.batchRead('API_SALES_ORDER_SRV', ['A_SalesOrder?$top=1'], meta)));
    expect(results.every((r) => !(r[0] instanceof Error))).toBe(true);
    expect(csrfFetches()).toBe(1);
  });

  it('sends the traceparent and names endpoints without keys', async () => {
    const { c } = client();
    const seen: Array<string | undefined> = [];
    const listener = (req: IncomingMessage): void => { seen.push(req.headers.traceparent as string | undefined); };
    sandbox.server.on('request', listener);
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    try {
      await c.readEntity('API_SALES_ORDER_SRV', "A_SalesOrder('1')", {}, { ...meta, traceparent });
    } finally {
      sandbox.server.off('request', listener);
    }
    expect(seen).toEqual([traceparent]);
    expect(endpointOf(`${sandbox.url}/sap/opu/odata/sap/API_SALES_ORDER_SRV/A_SalesOrder('1')/to_Item?$top=1`, '/sap/opu/odata/sap/')).toBe('API_SALES_ORDER_SRV/A_SalesOrder');
  });
});
