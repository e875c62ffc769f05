/**
 * The operations page's recent events over a real stack (no browser): an SAP sales-order change
 * reaches the SAP subgraph's event log through the sandbox's webhook, and `/admin/status.json` shows
 * it, fetched from the subgraphs' `GET /internal/events/recent` with the internal token.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdminRoute, type AdminRoute } from '../../../gateway/adminPage';
import { createAdminStatus, type AdminStatus } from '../../../gateway/adminStatus';
import { createJwtAuth, type JwtAuthOptions } from '../../../gateway/jwtAuth';
import { STACK_GATEWAY_OPTIONS, startStack, TEST_INTERNAL_TOKEN, testToken, type Stack } from '../federatedGraph/startStack';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('recent events on the operations page', () => {
  let stack: Stack;
  let admin: AdminRoute;
  let server: http.Server;
  let statusUrl: string;

  beforeAll(async () => {
    stack = await startStack({ events: true });
    admin = createAdminRoute({
      auth: createJwtAuth(STACK_GATEWAY_OPTIONS.auth as JwtAuthOptions),
      readiness: { check: () => Promise.resolve({ ready: true, supergraph: true, subgraphs: {} }) },
      stats: () => stack.gateway.stats(),
      subgraphUrls: () => Object.fromEntries(Object.entries(stack.subgraphs).map(([name, s]) => [name, s.url])),
      internalToken: TEST_INTERNAL_TOKEN,
      cacheMs: 0,
    });
    server = http.createServer((req, res) => {
      void admin.handle(req, res, new URL(req.url ?? '/', 'http://gateway')).then((done) => {
        if (!done) res.writeHead(404).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    statusUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/admin/status.json`;
  }, 60_000);
  afterAll(async () => {
    await admin?.close();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    await stack?.close();
  });

  const status = async (): Promise<AdminStatus> => {
    const res = await fetch(statusUrl, { headers: { authorization: `Bearer ${await testToken({ scopes: ['admin'] })}` } });
    expect(res.status).toBe(200);
    return (await res.json()) as AdminStatus;
  };

  it('shows an SAP sales-order change in recentEvents, newest first, once the subgraph has logged it', async () => {
    const before = await status();
    expect(before.events).toEqual({ available: true, reason: null });
    const seen = new Set(before.recentEvents.map((e) => e.id));
    const current = await stack.query<{ salesOrder: { status: string } }>('{ salesOrder(id: "42") { status } }');
    const target = current.data?.salesOrder.status === 'COMPLETED' ? 'IN_PROCESS' : 'COMPLETED';
    const changed = await stack.query('mutation($s: SalesOrderStatus!) { updateSalesOrderStatus(id: "42", status: $s) { id } }', { s: target });
    expect(changed.errors).toBeUndefined();
    // The sandbox's webhook delivery is asynchronous: poll the log (bounded by a count, not a clock).
    let after = before;
    for (let attempt = 0; attempt < 100 && !after.recentEvents.some((e) => !seen.has(e.id) && e.entity.id === '42'); attempt += 1) {
      await sleep(50);
      after = await status();
    }
    const fresh = after.recentEvents.find((e) => !seen.has(e.id) && e.entity.id === '42');
    expect(fresh).toMatchObject({ type: 'SalesOrderChanged', system: 'sap', tenant: 'default', entity: { type: 'SalesOrder', id: '42' } });
    expect(fresh!.cursor).toMatch(/^\d+-\d+$/);
    expect(Object.keys(fresh!).sort()).toEqual(['cursor', 'entity', 'id', 'occurredAt', 'system', 'tenant', 'type']);
    expect(after.recentEvents.length).toBeLessThanOrEqual(30);
    const times = after.recentEvents.map((e) => Number(e.cursor.split('-')[0]));
    expect(times).toEqual([...times].sort((a, b) => b - a));
  }, 30_000);

  it('asks the subgraphs with the internal token: with a wrong one the status has no events and names the missing system', async () => {
    const recent = stack.subgraphs.sap.url.replace('/graphql', '/internal/events/recent?limit=1');
    expect((await fetch(recent, { headers: { authorization: `Bearer ${TEST_INTERNAL_TOKEN}-wrong` } })).status).toBe(401);
    expect((await fetch(recent, { headers: { authorization: `Bearer ${TEST_INTERNAL_TOKEN}` } })).status).toBe(200);
    const wrong = createAdminStatus({
      readiness: { check: () => Promise.resolve({ ready: true, supergraph: true, subgraphs: {} }) }, stats: () => stack.gateway.stats(),
      subgraphUrls: () => ({ sap: stack.subgraphs.sap.url }), internalToken: `${TEST_INTERNAL_TOKEN}-wrong`,
    });
    try {
      const snapshot = await wrong.snapshot();
      expect(snapshot.events).toEqual({ available: false, reason: 'No recent events from sap.' });
      expect(snapshot.recentEvents).toEqual([]);
    } finally {
      await wrong.close();
    }
  });
});
