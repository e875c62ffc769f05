/**
 * What the kit server adds to every subgraph response for the cache protocol: the tenant from the
 * signed internal context, `extensions.cacheTags` / `extensions.invalidatedTags`, and the `Cache-Control`
 * header from `@cacheControl` hints.
 */
import pino from 'pino';
import { startSubgraphServer, type SubgraphRequestInfo, type SubgraphServer } from '../../subgraphs/kit/subgraphServer';
import { CONTEXT_ENV, contextHeaders, testTenantRegistry } from '../subgraphs/signedContext';

const SDL = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
enum CacheControlScope { PUBLIC PRIVATE }
directive @cacheControl(maxAge: Int, scope: CacheControlScope, inheritMaxAge: Boolean) on FIELD_DEFINITION | OBJECT | INTERFACE | UNION
type Thing @key(fields: "id") @cacheControl(maxAge: 60) { id: ID! name: String! part: Part! owner: Owner }
type Part @cacheControl(inheritMaxAge: true) { label: String! }
type Owner @key(fields: "email") @cacheControl(maxAge: 20) { email: String! }
type Unhinted { id: ID! }
type Query { thing(id: ID!): Thing  things(ids: [ID!]!): [Thing!]! @cacheControl(maxAge: 30)  tenant: String! @cacheControl(maxAge: 5)  unhinted: Unhinted  broken: Thing }
type Mutation { renameThing(id: ID!): Thing! @cacheControl(maxAge: 0) }`;

interface Ctx { info: SubgraphRequestInfo }
const thing = (id: string) => ({ id, name: `thing ${id}`, part: { label: 'p' }, owner: { email: `Owner${id}@Example.com` } });

describe('cache protocol in subgraph responses', () => {
  let server: SubgraphServer;
  beforeAll(async () => {
    server = await startSubgraphServer<Ctx>({
      system: 'sap', sdl: SDL, logger: pino({ level: 'silent' }), env: { ...CONTEXT_ENV }, tenants: testTenantRegistry(['default', 'acme_EU-1']),
      createContext: (info) => ({ info }),
      entityTags: {
        Thing: (t: { id: string }) => [`Thing:${t.id}`],
        Owner: (o: { email: string }) => [`Contact:email:${o.email.toLowerCase()}`],
      },
      resolvers: {
        Query: {
          thing: (_: unknown, { id }: { id: string }) => thing(id),
          things: (_: unknown, { ids }: { ids: string[] }) => ids.map(thing),
          tenant: (_: unknown, __: unknown, ctx: Ctx) => ctx.info.tenant,
          unhinted: () => ({ id: 'u' }),
          broken: () => { throw new Error('boom'); },
        },
        Mutation: {
          renameThing: (_: unknown, { id }: { id: string }, ctx: Ctx) => {
            ctx.info.invalidate([`Thing:${id}`]);
            return thing(id);
          },
        },
        Thing: { __resolveReference: (ref: { id: string }) => thing(ref.id) },
      },
    });
  });
  afterAll(() => server.close());

  const post = async (query: string, variables?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json', ...contextHeaders(), ...headers }, body: JSON.stringify({ query, variables }) });
    return { res, body: (await res.json()) as { data?: unknown; errors?: { extensions?: { code?: string } }[]; extensions?: Record<string, unknown> } };
  };

  it('tags a response with every entity it shows, including nested ones, once each', async () => {
    const { body } = await post('{ things(ids: ["1", "2", "1"]) { id owner { email } } thing(id: "2") { name } }');
    const tags = body.extensions?.cacheTags as string[];
    expect([...tags].sort()).toEqual(['Contact:email:owner1@example.com', 'Contact:email:owner2@example.com', 'Thing:1', 'Thing:2']);
    expect(tags).toHaveLength(new Set(tags).size);
  });

  it('tags an _entities answer with the entities it resolved', async () => {
    const { res, body } = await post('query($r: [_Any!]!) { _entities(representations: $r) { ... on Thing { name part { label } } } }', {
      r: [{ __typename: 'Thing', id: '7' }, { __typename: 'Thing', id: '8' }],
    });
    expect(body.extensions).toEqual({ cacheTags: ['Thing:7', 'Thing:8'] });
    expect(res.headers.get('cache-control')).toBe('max-age=60, public');
  });

  it('sets Cache-Control on a POST query to the smallest maxAge among the fields it resolves', async () => {
    expect((await post('{ thing(id: "1") { name part { label } } }')).res.headers.get('cache-control')).toBe('max-age=60, public');
    expect((await post('{ thing(id: "1") { owner { email } } }')).res.headers.get('cache-control')).toBe('max-age=20, public');
    expect((await post('{ things(ids: ["1"]) { name } }')).res.headers.get('cache-control')).toBe('max-age=30, public');
  });

  it('answers no-store for an unhinted composite field, an error, and a mutation', async () => {
    expect((await post('{ unhinted { id } }')).res.headers.get('cache-control')).toBe('no-store');
    expect((await post('{ thing(id: "1") { name } broken { id } }')).res.headers.get('cache-control')).toBe('no-store');
    const mutation = await post('mutation { renameThing(id: "3") { name } }');
    expect(mutation.res.headers.get('cache-control')).toBe('no-store');
    expect(mutation.body.extensions).toEqual({ cacheTags: ['Thing:3'], invalidatedTags: ['Thing:3'] });
  });

  it('leaves extensions out when the response shows no entity', async () => {
    const { body } = await post('{ tenant }');
    expect(body).toEqual({ data: { tenant: 'default' } });
  });

  it('hands the signed tenant to the context, and varies responses by the internal context', async () => {
    const { res, body } = await post('{ tenant }', undefined, { ...contextHeaders('acme_EU-1'), 'x-lumina-tenant': 'default' });
    expect(body).toEqual({ data: { tenant: 'acme_EU-1' } });
    expect(res.headers.get('vary')).toMatch(/x-lumina-context/i);
  });
});
