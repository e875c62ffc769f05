import { createClient, type Client, type FormattedExecutionResult } from 'graphql-ws';
import pino from 'pino';
import WebSocket from 'ws';
import type { EntityEvent } from '../../schema/eventEnvelope';
import { createMemoryEventLog } from '../../subgraphs/kit/eventLog';
import { subscribeFromLog } from '../../subgraphs/kit/logSubscription';
import { startSubgraphServer, type SubgraphServer } from '../../subgraphs/kit/subgraphServer';
import { signedContext, TEST_CONTEXT_SECRET, testTenantRegistry } from '../subgraphs/signedContext';

const SDL = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
type Tick { n: Int! tenant: String! requestId: String! }
type Changed { cursor: String! id: ID! }
type Query { ok: Boolean }
type Subscription { ticks(count: Int!): Tick!  broken: Tick!  changed(after: String): Changed! }`;

interface Ctx { tenant: string; requestId: string }

const event = (n: number, tenant = 'default'): EntityEvent => ({
  id: `sap:test:${n}`, type: 'SalesOrderChanged', system: 'sap', tenant, entity: { type: 'SalesOrder', id: String(n) },
  changeType: 'UPDATED', changedFields: [], occurredAt: '2026-01-01T00:00:00.000Z',
});

async function start(log = createMemoryEventLog()): Promise<SubgraphServer> {
  return startSubgraphServer<Ctx>({
    system: 'sap', sdl: SDL, logger: pino({ level: 'silent' }), contextSecrets: [TEST_CONTEXT_SECRET], tenants: testTenantRegistry(),
    createContext: ({ tenant, requestId }) => ({ tenant, requestId }),
    resolvers: {
      Query: { ok: () => true },
      Subscription: {
        ticks: {
          subscribe: async function* (_: unknown, { count }: { count: number }, ctx: Ctx) {
            for (let n = 1; n <= count; n += 1) yield { ticks: { n, tenant: ctx.tenant, requestId: ctx.requestId } };
          },
        },
        broken: {
          subscribe: async function* () {
            yield { broken: null };
            throw new Error('redis password=hunter2 at 10.0.0.7');
          },
          resolve: () => { throw new Error('db password=hunter2'); },
        },
        changed: {
          subscribe: (_: unknown, { after }: { after?: string | null }, ctx: Ctx) => subscribeFromLog({
            log, after, filter: (e) => e.tenant === ctx.tenant,
            resolve: async ({ cursor, event: e }) => ({ cursor, id: e.entity.id }),
          }),
          resolve: (payload: unknown) => payload,
        },
      },
    },
  });
}

interface Outcome { results: FormattedExecutionResult<Record<string, unknown>, unknown>[]; errors: unknown; completed: boolean }

/** Runs one subscription until it completes or errors. */
function run(client: Client, query: string): Promise<Outcome> {
  const out: Outcome = { results: [], errors: undefined, completed: false };
  return new Promise((resolve) => {
    client.subscribe({ query }, {
      next: (r) => { out.results.push(r); },
      error: (e) => { out.errors = e; resolve(out); },
      complete: () => { out.completed = true; resolve(out); },
    });
  });
}

/** A client whose connection_init carries `params` (by default a context signed for `default`). */
const clientFor = (server: SubgraphServer, params: Record<string, unknown> = { context: signedContext() }, onClosed?: (code: number, reason: string) => void): Client =>
  createClient({
    url: server.url.replace('http:', 'ws:'), webSocketImpl: WebSocket, connectionParams: params, retryAttempts: 0, lazy: true,
    on: { closed: (e) => onClosed?.((e as { code: number }).code, (e as { reason: string }).reason) },
  });

describe('subgraph server over graphql-ws', () => {
  let server: SubgraphServer;
  beforeAll(async () => { server = await start(); });
  afterAll(() => server.close());

  it('streams a Subscription field with the signed tenant and request id of the connection', async () => {
    const client = clientFor(server, { context: signedContext('acme', { requestId: 'gw-42' }), tenant: 'globex' });
    try {
      const out = await run(client, 'subscription { ticks(count: 3) { n tenant requestId } }');
      expect(out.completed).toBe(true);
      expect(out.results.map((r) => (r.data as { ticks: { n: number; tenant: string } }).ticks)).toEqual([1, 2, 3].map((n) => ({ n, tenant: 'acme', requestId: 'gw-42' })));
    } finally {
      await client.dispose();
    }
  });

  it.each([
    ['no context (only a tenant)', { tenant: 'acme' }, 4401, 'missing'],
    ['a forged context', { context: signedContext('acme', {}, 'another-deployment-secret-0123456789abcdef') }, 4401, 'bad_signature'],
    ['a stale context', { context: signedContext('acme', { issuedAt: Date.now() - 120_000 }) }, 4401, 'stale'],
    ['a context from the future', { context: signedContext('acme', { issuedAt: Date.now() + 120_000 }) }, 4401, 'future'],
    ['an unknown tenant', { context: signedContext('initech') }, 4403, 'unknown_tenant'],
  ])('refuses connection_init with %s (closed with 4401 or 4403, nothing subscribed)', async (_label, params, code, reason) => {
    const closes: [number, string][] = [];
    const client = clientFor(server, params, (c, r) => closes.push([c, r]));
    try {
      const out = await run(client, 'subscription { ticks(count: 1) { n } }');
      expect(out.results).toEqual([]);
      expect(out.completed).toBe(false);
      expect(closes[0]).toEqual([code, expect.stringContaining(reason)]);
    } finally {
      await client.dispose();
    }
  });

  it('masks unexpected resolver and stream errors and keeps validation errors', async () => {
    const client = clientFor(server);
    try {
      const broken = await run(client, 'subscription { broken { n } }');
      expect(JSON.stringify(broken)).not.toContain('hunter2');
      expect(broken.results[0]?.errors).toEqual([expect.objectContaining({ message: 'Unexpected error', extensions: { code: 'INTERNAL_SERVER_ERROR', system: 'sap', retryable: false } })]);
      expect(broken.errors).toEqual([expect.objectContaining({ message: 'Unexpected error' })]);
      const invalid = await run(client, 'subscription { nope }');
      expect(invalid.errors).toEqual([expect.objectContaining({ message: expect.stringContaining('nope'), extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } })]);
    } finally {
      await client.dispose();
    }
  });

  it('refuses a malformed after cursor with BAD_USER_INPUT', async () => {
    const client = clientFor(server);
    try {
      const out = await run(client, 'subscription { changed(after: "yesterday") { id } }');
      expect(out.results[0]?.errors).toEqual([expect.objectContaining({ extensions: { code: 'BAD_USER_INPUT' } })]);
    } finally {
      await client.dispose();
    }
  });

  it('closes a socket that sends a message outside the protocol with 4400', async () => {
    const ws = new WebSocket(server.url.replace('http:', 'ws:'), 'graphql-transport-ws');
    const code = await new Promise<number>((resolve) => {
      ws.once('open', () => ws.send('{"type":"subscribe","id":1,"payload":"not an object"}'));
      ws.once('close', (c) => resolve(c));
    });
    expect(code).toBe(4400);
  });

  it('refuses WebSocket upgrades on other paths', async () => {
    const ws = new WebSocket(server.url.replace('http:', 'ws:').replace('/graphql', '/other'), 'graphql-transport-ws');
    const failure = await new Promise<string>((resolve) => {
      ws.once('open', () => resolve('opened'));
      ws.once('error', (e) => resolve(e.message));
    });
    expect(failure).not.toBe('opened');
  });
});

describe('subgraph server close with live subscriptions', () => {
  it('delivers log events to a live subscriber and closes its socket with 1001 on close()', async () => {
    const log = createMemoryEventLog();
    const server = await start(log);
    const closed: number[] = [];
    const client = createClient({
      url: server.url.replace('http:', 'ws:'), webSocketImpl: WebSocket, retryAttempts: 0, lazy: true, connectionParams: { context: signedContext() },
      on: { closed: (e) => closed.push((e as { code: number }).code) },
    });
    const results: unknown[] = [];
    let ended: (why: string) => void = () => undefined;
    const end = new Promise<string>((resolve) => { ended = resolve; });
    client.subscribe({ query: 'subscription { changed { id } }' }, {
      next: (r) => results.push(r.data),
      error: () => ended('error'),
      complete: () => ended('complete'),
    });
    try {
      // "Live only" starts when the server has subscribed: append until the first event arrives.
      for (let n = 1; results.length === 0; n += 1) {
        await log.append(event(n));
        await new Promise((r) => setTimeout(r, 10));
      }
      await log.append(event(1_000, 'other-tenant'));
      await log.append(event(1_001));
      while (results.length < 2) await new Promise((r) => setTimeout(r, 10));
      expect(results.at(-1)).toEqual({ changed: { id: '1001' } });
    } finally {
      await server.close();
    }
    expect(await end).toEqual(expect.any(String));
    expect(closed).toEqual([1001]);
    expect(results).not.toContainEqual({ changed: { id: '1000' } });
    await client.dispose();
  });
});
