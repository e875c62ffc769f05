/**
 * `@shareable` and `@override(from:)`: a shareable root field and shareable value type resolvable in
 * two subgraphs, shareable entity fields, and fields migrated with `@override` whose old subgraph
 * still answers with different (stale) values, so routing to the wrong subgraph shows in `data`.
 */
import type { Scenario } from './harness';

const LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable", "@override"])';

const SHOPS = Array.from({ length: 12 }, (_, i) => ({
  id: `s${i}`,
  name: `Shop ${i}`,
  address: { street: `${i + 1} Main St`, city: ['Berlin', 'Paris', 'Oslo'][i % 3] ?? 'Rome', geo: { lat: 50 + i / 10, lng: 8 + i / 10 } },
  rating: 3 + (i % 3) * 0.5,
  openingHours: i % 4 === 0 ? null : ['09-12', '13-18'],
}));
const find = (id: string) => SHOPS.find((s) => s.id === id) ?? null;

export const shareableScenario: Scenario = {
  name: 'shareable',
  subgraphs: [
    {
      name: 'legacy',
      typeDefs: `${LINK}
        type Query { shops: [Shop!]! @shareable  featured: Shop @shareable }
        type Shop @key(fields: "id") {
          id: ID!  name: String! @shareable  address: Address! @shareable
          rating: Float!  openingHours: [String!]  legacyCode: String!
        }
        type Address @shareable { street: String! city: String! geo: Geo! }
        type Geo @shareable { lat: Float! lng: Float! }`,
      resolvers: {
        Query: { shops: () => SHOPS, featured: () => SHOPS[3] },
        Shop: {
          __resolveReference: (ref: { id: string }) => find(ref.id),
          rating: () => 0, // stale: the modern subgraph overrides it
          openingHours: () => ['stale'],
          legacyCode: (s: { id: string }) => `L-${s.id}`,
        },
      },
    },
    {
      name: 'modern',
      typeDefs: `${LINK}
        type Query { featured: Shop @shareable  nearby(city: String!): [Shop!]! }
        type Shop @key(fields: "id") {
          id: ID!  name: String! @shareable  address: Address! @shareable
          rating: Float! @override(from: "legacy")
          openingHours: [String!] @override(from: "legacy")
          tags: [String!]!
        }
        type Address @shareable { street: String! city: String! geo: Geo! }
        type Geo @shareable { lat: Float! lng: Float! }`,
      resolvers: {
        Query: {
          featured: () => SHOPS[3],
          nearby: (_: unknown, a: { city: string }) => SHOPS.filter((s) => s.address.city === a.city),
        },
        Shop: {
          __resolveReference: (ref: { id: string }) => find(ref.id),
          tags: (s: { id: string }) => [`tag-${s.id}`, 'retail'],
        },
      },
    },
  ],
  operations: [
    {
      name: 'overridden fields come from the new subgraph',
      query: '{ shops { id name rating openingHours legacyCode } }',
    },
    {
      name: 'shareable value type and shareable root field',
      query: '{ featured { name address { street city geo { lat lng } } tags rating } }',
    },
    {
      name: 'entities from the second subgraph joined back to the first',
      query: '{ nearby(city: "Oslo") { id legacyCode address { city } rating tags } }',
    },
    {
      name: 'shareable fields mixed with both subgraphs fields per entity',
      query: '{ shops { address { geo { lat } } tags legacyCode name } }',
    },
  ],
};
