import pino from 'pino';
import { startSubgraphServer, type SubgraphServer } from '../../subgraphs/kit/subgraphServer';
import { subgraphError } from '../../subgraphs/kit/subgraphErrors';

const SDL = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
type Thing @key(fields: "id") { id: ID! name: String! }
type Query { thing(id: ID!): Thing  requestId: String!  broken: String  missing: String }`;

describe('subgraph server bootstrap', () => {
  let server: SubgraphServer;
  const contexts: string[] = [];
  beforeAll(async () => {
    server = await startSubgraphServer<{ requestId: string }>({
      system: 'sap', sdl: SDL, logger: pino({ level: 'silent' }), maxBodyBytes: 2048,
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
    fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });

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
