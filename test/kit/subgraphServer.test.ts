import pino from 'pino';
import { signInternalContext } from '../../subgraphs/kit/internalContext';
import { startSubgraphServer, type SubgraphRequestInfo, type SubgraphServer } from '../../subgraphs/kit/subgraphServer';
import { subgraphError } from '../../subgraphs/kit/subgraphErrors';
import { parseTenantRegistry } from '../../subgraphs/kit/tenantRegistry';
import { contextHeaders, TEST_CONTEXT_SECRET, testTenantRegistry } from '../subgraphs/signedContext';

const SDL = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
type Thing @key(fields: "id") { id: ID! name: String! }
type Query { thing(id: ID!): Thing  requestId: String!  broken: String  missing: String  caller: String! }`;

describe('subgraph server bootstrap', () => {
  let server: SubgraphServer;
  const contexts: string[] = [];
  beforeAll(async () => {
    server = await startSubgraphServer<{ requestId: string }>({
      system: 'sap', sdl: SDL, logger: pino({ level: 'silent' }), maxBodyBytes: 2048, contextSecrets: [TEST_CONTEXT_SECRET], tenants: testTenantRegistry(),
      routes: [
        { method: 'POST', path: '/webhooks/test', handle: async (req, res) => { res.writeHead(202, { 'x-seen': req.headers['x-marker'] ?? '' }); res.end(); } },
        { method: 'POST', path: '/webhooks/fails', handle: async () => { throw new Error('secret=hunter2'); } },
      ],
      createContext: ({ requestId }) => { contexts.push(requestId); return { requestId }; },
      resolvers: {
        Query: {
          thing: (_: unknown, { id }: { id: string }) => ({ id, name: `thing ${id}` }),
          requestId: (_: unknown, __: unknown, ctx: { requestId: string }) => ctx.requestId,
          broken: () => { throw new Error('db password=hunter2 at 10.0.0.7'); },
          missing: () => { throw subgraphError({ code: 'NOT_FOUND', system: 'sap', message: 'Sales order not found' }); },
        },
        Thing: { __resolveReference: (ref: { id: string }) => ({ id: ref.id, name: `thing ${ref.id}` }) },
      },
    });
  });
  afterAll(() => server.close());

  const post = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json', ...contextHeaders('default', { requestId: '' }), ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });

  it('answers /health with 200', async () => {
    const res = await fetch(server.url.replace('/graphql', '/health'));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok', system: 'sap' });
  });

  it('uses a sane caller request id, echoes it and hands it to the context', async () => {
    const res = await post({ query: '{ requestId }' }, { 'x-request-id': 'req-123.abc' });
    expect(res.headers.get('x-request-id')).toBe('req-123.abc');
    expect(await res.json()).toEqual({ data: { requestId: 'req-123.abc' } });
  });

  it('replaces a missing or insane request id with a UUID', async () => {
    const res = await post({ query: '{ requestId }' }, { 'x-request-id': 'bad id\twith spaces' });
    const id = res.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(await res.json()).toEqual({ data: { requestId: id } });
  });

  it('resolves federation entities', async () => {
    const res = await post({ query: 'query($r:[_Any!]!){ _entities(representations:$r){ ... on Thing { id name } } }', variables: { r: [{ __typename: 'Thing', id: '7' }] } });
    expect(await res.json()).toEqual({ data: { _entities: [{ id: '7', name: 'thing 7' }] } });
  });

  it('masks unexpected errors and keeps coded ones', async () => {
    const body = (await (await post({ query: '{ broken missing }' })).json()) as { errors: { message: string; extensions: unknown }[] };
    expect(body.errors).toEqual(expect.arrayContaining([
      expect.objectContaining({ message: 'Unexpected error', extensions: { code: 'INTERNAL_SERVER_ERROR', system: 'sap', retryable: false } }),
      expect.objectContaining({ message: 'Sales order not found', extensions: { code: 'NOT_FOUND', system: 'sap', retryable: false } }),
    ]));
    expect(JSON.stringify(body)).not.toContain('hunter2');
  });

  it('refuses bodies over the limit with 413 and invalid JSON with 400, and keeps serving', async () => {
    expect((await post({ query: `{ requestId } #${'x'.repeat(4096)}` })).status).toBe(413);
    const bad = await post('{"query": ');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { errors: { extensions: { code: string } }[] }).errors[0]?.extensions.code).toBe('BAD_REQUEST');
    expect((await post({ query: '{ requestId }' })).status).toBe(200);
  });

  it('serves routes, 405 on a route path with another method, and masks a failing route as 500', async () => {
    const hook = await fetch(server.url.replace('/graphql', '/webhooks/test'), { method: 'POST', headers: { 'x-marker': 'm1' }, body: '{}' });
    expect([hook.status, hook.headers.get('x-seen')]).toEqual([202, 'm1']);
    const wrongMethod = await fetch(server.url.replace('/graphql', '/webhooks/test'));
    expect([wrongMethod.status, wrongMethod.headers.get('allow')]).toEqual([405, 'POST']);
    const failed = await fetch(server.url.replace('/graphql', '/webhooks/fails'), { method: 'POST', body: '{}' });
    expect(failed.status).toBe(500);
    expect(await failed.text()).not.toContain('hunter2');
    expect((await post({ query: '{ requestId }' })).status).toBe(200);
  });
});

describe('subgraph server: signed internal context', () => {
  const OLD_SECRET = 'old-internal-context-secret-0123456789abcdef';
  const NEW_SECRET = 'new-internal-context-secret-0123456789abcdef';
  let server: SubgraphServer;
  const seen: Pick<SubgraphRequestInfo, 'tenant' | 'scopes' | 'subject' | 'requestId' | 'traceparent'>[] = [];
  beforeAll(async () => {
    server = await startSubgraphServer<object>({
      system: 'salesforce', sdl: SDL, logger: pino({ level: 'silent' }),
      contextSecrets: [NEW_SECRET, OLD_SECRET],
      tenants: parseTenantRegistry({ tenants: { acme: { salesforce: {} }, globex: { sap: {} } } }, 'test'),
      createContext: ({ tenant, scopes, subject, requestId, traceparent }) => { seen.push({ tenant, scopes, subject, requestId, traceparent }); return {}; },
      resolvers: { Query: { caller: () => 'ok', requestId: () => 'x' } },
    });
  });
  afterAll(() => server.close());
  beforeEach(() => { seen.length = 0; });

  const sign = (over: Partial<{ tenant: string; issuedAt: number }> = {}, secret = NEW_SECRET): string =>
    signInternalContext({ tenant: 'acme', scopes: ['contacts:read'], subject: 'alice', requestId: 'gw-req-1', ...over }, [secret]);
  const post = (context: string | undefined, headers: Record<string, string> = {}) => fetch(server.url, {
    method: 'POST', body: '{"query":"{ caller }"}',
    headers: { 'content-type': 'application/json', ...(context === undefined ? {} : { 'x-lumina-context': context }), ...headers },
  });
  const refusal = async (res: Response) => ({ status: res.status, body: await res.json() as { data?: unknown; errors: { extensions: { code: string; reason: string } }[] } });

  it.each([
    ['missing', undefined],
    ['malformed', 'v2.not-json.c2ln'],
    ['bad_signature', `${sign().slice(0, -4)}AAAA`],
    ['bad_signature', sign({}, 'other-deployment-secret-0123456789abcdef')],
    ['stale', sign({ issuedAt: Date.now() - 61_000 })],
    ['future', sign({ issuedAt: Date.now() + 60_000 })],
  ])('refuses a %s context with 401 UNAUTHENTICATED and runs nothing', async (reason, context) => {
    const { status, body } = await refusal(await post(context));
    expect(status).toBe(401);
    expect(body.data).toBeUndefined();
    expect(body.errors).toEqual([expect.objectContaining({ extensions: { code: 'UNAUTHENTICATED', reason } })]);
    expect(seen).toEqual([]);
  });

  it('refuses a GET without a context too', async () => {
    const res = await fetch(`${server.url}?query=${encodeURIComponent('{ caller }')}`, { headers: { 'apollo-require-preflight': 'true' } });
    expect(res.status).toBe(401);
    expect(seen).toEqual([]);
  });

  it('accepts contexts signed with any configured secret (rotation) and hands their fields to the context', async () => {
    for (const secret of [NEW_SECRET, OLD_SECRET]) {
      const res = await post(sign({}, secret), { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' });
      expect([res.status, res.headers.get('x-request-id')]).toEqual([200, 'gw-req-1']);
      expect(await res.json()).toEqual({ data: { caller: 'ok' } });
    }
    expect(seen).toEqual([0, 1].map(() => ({
      tenant: 'acme', scopes: ['contacts:read'], subject: 'alice', requestId: 'gw-req-1',
      traceparent: expect.stringMatching(/^00-0af7651916cd43dd8448eb211c80319c-(?!b7ad6b7169203331)[0-9a-f]{16}-01$/),
    })));
  });

  it('ignores x-lumina-tenant: the signed tenant wins', async () => {
    await post(sign(), { 'x-lumina-tenant': 'globex' });
    expect(seen.map((s) => s.tenant)).toEqual(['acme']);
  });

  it('refuses a tenant not in the registry with 403 UNKNOWN_TENANT, one without this system with 403 SYSTEM_NOT_CONFIGURED', async () => {
    const unknown = await refusal(await post(sign({ tenant: 'initech' })));
    expect([unknown.status, unknown.body.errors[0]?.extensions.code]).toEqual([403, 'UNKNOWN_TENANT']);
    const notConfigured = await refusal(await post(sign({ tenant: 'globex' })));
    expect([notConfigured.status, notConfigured.body.errors[0]?.extensions.code]).toEqual([403, 'SYSTEM_NOT_CONFIGURED']);
    expect(seen).toEqual([]);
  });

  it('keeps /health open without a context', async () => {
    expect((await fetch(server.url.replace('/graphql', '/health'))).status).toBe(200);
  });

  it('fails the start naming INTERNAL_CONTEXT_SECRET when no secret is configured', async () => {
    await expect(startSubgraphServer({
      system: 'sap', sdl: SDL, logger: pino({ level: 'silent' }), env: {}, createContext: () => ({}), resolvers: {},
    })).rejects.toThrow(/INTERNAL_CONTEXT_SECRET/);
  });
});
