import pino from 'pino';
import { createEntityCache, type EntityCache } from '../../subgraphs/kit/entityCache';
import { MAX_INVALIDATION_TAGS } from '../../subgraphs/kit/invalidationRequest';
import { startSubgraphServer, type SubgraphServer } from '../../subgraphs/kit/subgraphServer';
import { CONTEXT_ENV } from '../subgraphs/signedContext';

const SDL = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
type Query { ok: Boolean }`;
const TOKEN = 'internal-token-for-tests-0123456789';

async function start(opts: { token?: string; cache: EntityCache }): Promise<SubgraphServer> {
  return startSubgraphServer({
    system: 'sap', sdl: SDL, logger: pino({ level: 'silent' }), resolvers: { Query: { ok: () => true } },
    createContext: () => ({}), env: { ...CONTEXT_ENV }, entityCache: opts.cache, ...(opts.token ? { internalApiToken: opts.token } : {}),
  });
}

function fill(cache: EntityCache): void {
  for (const tenant of ['default', 'acme']) {
    cache.set(tenant, 'SalesOrder', '1', { id: '1' }, { tags: ['SalesOrder:1'] });
    cache.set(tenant, 'SalesOrder', '2', { id: '2' }, { tags: ['SalesOrder:2'] });
  }
}

describe('POST /internal/invalidate', () => {
  let server: SubgraphServer;
  let cache: EntityCache;
  let endpoint: string;
  beforeAll(async () => {
    cache = createEntityCache();
    server = await start({ token: TOKEN, cache });
    endpoint = server.url.replace('/graphql', '/internal/invalidate');
  });
  afterAll(() => server.close());
  beforeEach(() => { cache.clear(); fill(cache); });

  const post = (body: string, auth: string | null = `Bearer ${TOKEN}`) =>
    fetch(endpoint, { method: 'POST', headers: { 'content-type': 'application/json', ...(auth === null ? {} : { authorization: auth }) }, body });

  it('evicts the tagged entries of one tenant and answers how many', async () => {
    const res = await post(JSON.stringify({ tags: ['SalesOrder:1'], tenant: 'acme' }));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ evicted: 1 });
    expect(cache.peek('acme', 'SalesOrder', '1')).toBeUndefined();
    expect(cache.peek('default', 'SalesOrder', '1')).toBeDefined();
    expect(cache.peek('acme', 'SalesOrder', '2')).toBeDefined();
  });

  it('evicts in every tenant when no tenant is named', async () => {
    const res = await post(JSON.stringify({ tags: ['SalesOrder:2', 'Unknown:9'] }));
    expect(await res.json()).toEqual({ evicted: 2 });
    expect(cache.stats().entries).toBe(2);
  });

  it.each([
    ['no authorization header', null],
    ['a wrong token', 'Bearer not-the-token'],
    ['a token of another length', `Bearer ${TOKEN}x`],
    ['another scheme', `Basic ${TOKEN}`],
  ])('refuses %s with 401 and evicts nothing', async (_what, auth) => {
    const res = await post(JSON.stringify({ tags: ['SalesOrder:1'] }), auth);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: expect.any(String) });
    expect(cache.stats().entries).toBe(4);
  });

  it.each([
    ['not JSON', '{"tags": ['],
    ['an array', '["SalesOrder:1"]'],
    ['null', 'null'],
    ['tags missing', '{}'],
    ['tags a string', '{"tags": "SalesOrder:1"}'],
    ['a number tag', '{"tags": [1]}'],
    ['an empty tag', '{"tags": [""]}'],
    ['a 513-character tag', JSON.stringify({ tags: ['x'.repeat(513)] })],
    ['more than 10,000 tags', JSON.stringify({ tags: Array.from({ length: MAX_INVALIDATION_TAGS + 1 }, (_, i) => `SalesOrder:${i}`) })],
    ['a tenant with a space', '{"tags": ["SalesOrder:1"], "tenant": "a b"}'],
    ['a null tenant', '{"tags": ["SalesOrder:1"], "tenant": null}'],
    ['a nested tenant', '{"tags": ["SalesOrder:1"], "tenant": {"$ne": 1}}'],
    ['a misspelt tenant field', '{"tags": ["SalesOrder:1"], "tennant": "acme"}'],
  ])('answers a body that is %s with 400 and evicts nothing', async (_what, body) => {
    const res = await post(body);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: expect.any(String) });
    expect(cache.stats().entries).toBe(4);
  });

  it('accepts 10,000 tags of 512 characters', async () => {
    const tags = Array.from({ length: MAX_INVALIDATION_TAGS }, (_, i) => `SalesOrder:${i}`.padEnd(512, 'x'));
    const res = await post(JSON.stringify({ tags: [...tags.slice(1), 'SalesOrder:1'] }));
    expect(await res.json()).toEqual({ evicted: 2 });
  });

  it('refuses a body over the cap with 413, and other methods with 405', async () => {
    expect((await post(`{"tags": ["${'x'.repeat(7 * 1024 * 1024)}"]}`)).status).toBe(413);
    const get = await fetch(endpoint, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(get.status).toBe(405);
  });

  it('is also the invalidate() of the started server, which validates like the endpoint', async () => {
    expect(await server.invalidate({ tags: ['SalesOrder:1'] })).toBe(2);
    await expect(server.invalidate({ tags: ['SalesOrder:2'], tenant: 'no spaces allowed' })).rejects.toThrow(/tenant/);
    expect(cache.stats().entries).toBe(2);
  });
});

describe('the invalidation endpoint without INTERNAL_API_TOKEN', () => {
  it('answers 404 (disabled), even with a token', async () => {
    const cache = createEntityCache();
    fill(cache);
    const server = await start({ cache });
    try {
      const res = await fetch(server.url.replace('/graphql', '/internal/invalidate'), {
        method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: '{"tags":["SalesOrder:1"]}',
      });
      expect(res.status).toBe(404);
      expect(cache.stats().entries).toBe(4);
    } finally {
      await server.close();
    }
  });
});
