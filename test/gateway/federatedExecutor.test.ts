/**
 * The fast executor's own rules that the differential suite cannot show (the stock executor has no
 * counterpart): operations prepared once per text and reused across operation names.
 */
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import { createFederatedExecutor } from '../../gateway/federatedExecutor';

const LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.8", import: ["@key"])';

function supergraph(): string {
  const res = composeServices([
    {
      name: 'a', url: 'http://127.0.0.1:9/graphql',
      typeDefs: parse(`${LINK}
        type Query { shop: Shop }
        type Shop @key(fields: "id") { id: ID! product: Product }
        type Product @key(fields: "id") { id: ID! }`),
    },
    {
      name: 'b', url: 'http://127.0.0.1:9/graphql',
      typeDefs: parse(`${LINK}
        type Product @key(fields: "id") { id: ID! name: String }`),
    },
  ]);
  if (res.errors) throw new Error(res.errors.map((e) => e.message).join('\n'));
  return res.supergraphSdl;
}

describe('federated executor', () => {
  const executor = createFederatedExecutor({ supergraphSdl: supergraph() });
  afterAll(() => executor.close());

  it('parses, validates and plans a text once, and serves a named request from the unnamed entry', () => {
    const text = 'query Names { shop { product { name } } }';
    const before = executor.stats();
    const first = executor.prepareSource(text);
    const again = executor.prepareSource(text, 'Names');
    expect(again).toBe(first);
    const after = executor.stats();
    expect(after.parses - before.parses).toBe(1);
    expect(after.validations - before.validations).toBe(1);
    expect(after.plans - before.plans).toBe(1);
    expect(after.preparedHits - before.preparedHits).toBe(1);
  });

  it('refuses at load a supergraph that passes @fromContext values, so no plan with context rewrites is ever run', () => {
    const ctxLink = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.8", import: ["@key", "@context", "@fromContext"])';
    const res = composeServices([
      {
        name: 'a', url: 'http://127.0.0.1:9/graphql',
        typeDefs: parse(`${ctxLink}
          type Query { t: T! }
          type T @key(fields: "id") @context(name: "ctx") { id: ID! u: U! prop: String! }
          type U @key(fields: "id") { id: ID! field(a: String @fromContext(field: "$ctx { prop }")): Int! }`),
      },
      { name: 'b', url: 'http://127.0.0.1:9/graphql', typeDefs: parse(`${ctxLink}\n type Query { a: Int! }\n type U @key(fields: "id") { id: ID! b: String! }`) },
    ]);
    expect(res.errors).toBeUndefined();
    expect(() => createFederatedExecutor({ supergraphSdl: res.supergraphSdl ?? '' })).toThrow(/context\/v0\.1 is for: SECURITY but is unsupported/);
  });

  it('names the operation it cannot pick', () => {
    expect(() => executor.prepareSource('query A { shop { id } } query B { shop { id } }', 'C')).toThrow(/Unknown operation named "C"/);
  });
});
