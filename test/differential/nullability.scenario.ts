/**
 * Nulls: null references (no entity fetch for them), entities the owner resolves to null, nulls
 * inside lists, lists of lists of entities (`@.@` flatten paths), a nullable key field that is null,
 * and non-null violations, both raised by a subgraph (error path mapped from `_entities.N`) and found
 * by the gateway while shaping the result (null propagated to the nearest nullable parent).
 */
import type { Scenario } from './harness';

const LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])';

const CUSTOMERS = Array.from({ length: 10 }, (_, i) => ({ id: `c${i}`, name: `Customer ${i}`, vip: i % 3 === 0 ? null : i % 2 === 0 }));
const DELETED = new Set(['c7', 'c8']); // the owner resolves these references to null
const ORDERS = Array.from({ length: 24 }, (_, i) => ({
  id: `o${i}`,
  customerId: i % 6 === 5 ? null : `c${i % 10}`,
  bundles: Array.from({ length: i % 3 }, (_, b) => Array.from({ length: (b % 2) + 1 }, (_, k) => `c${(i + b + k) % 10}`)),
  couponCode: i % 4 === 0 ? null : `SAVE${i % 4}`,
}));

export const nullabilityScenario: Scenario = {
  name: 'nullability',
  subgraphs: [
    {
      name: 'orders',
      typeDefs: `${LINK}
        type Query { orders: [Order]!  order(id: ID!): Order  matrix: [[Int]]! }
        type Order @key(fields: "id") {
          id: ID!  customer: Customer  bundles: [[Customer!]]!  coupon: Coupon  buyer: Customer!
        }
        type Customer @key(fields: "id") { id: ID! }
        type Coupon @key(fields: "code") { code: String }`,
      resolvers: {
        Query: {
          orders: () => ORDERS.map((o, i) => (i % 7 === 6 ? null : o)),
          order: (_: unknown, a: { id: string }) => ORDERS.find((o) => o.id === a.id) ?? null,
          matrix: () => [[1, null, 3], null, [], [4]],
        },
        Order: {
          customer: (o: { customerId: string | null }) => (o.customerId ? { id: o.customerId } : null),
          buyer: (o: { customerId: string | null }) => ({ id: o.customerId ?? 'c7' }),
          bundles: (o: { bundles: string[][] }) => o.bundles.map((b, i) => (i === 1 && b.length === 2 ? null : b.map((id) => ({ id })))),
          coupon: (o: { couponCode: string | null }, _a: unknown) => ({ code: o.couponCode }),
        },
      },
    },
    {
      name: 'crm',
      typeDefs: `${LINK}
        type Customer @key(fields: "id") { id: ID!  name: String!  vip: Boolean  nickname: String!  tier: String }
        type Coupon @key(fields: "code") { code: String  percent: Int! }`,
      resolvers: {
        Customer: {
          __resolveReference: (ref: { id: string }) => (DELETED.has(ref.id) ? null : CUSTOMERS.find((c) => c.id === ref.id) ?? null),
          nickname: (c: { id: string }) => (c.id === 'c4' ? null : `nick-${c.id}`), // non-null violation inside the subgraph
          tier: (c: { id: string }) => (Number(c.id.slice(1)) > 5 ? 'GOLD' : null),
        },
        Coupon: {
          __resolveReference: (ref: { code: string | null }) => ({ code: ref.code }),
          percent: (c: { code: string | null }) => (c.code ? Number(c.code.slice(4)) * 5 : 0),
        },
      },
    },
  ],
  operations: [
    {
      name: 'null references and nulls in root lists',
      query: '{ orders { id customer { id vip tier } } }',
    },
    {
      name: 'entity resolved to null becomes a gateway non-null violation',
      query: '{ order(id: "o7") { id customer { id name } } }',
      expectStock: { errors: true },
    },
    {
      name: 'deleted entities in a list null out to the nearest nullable parent',
      query: '{ orders { id buyer { name } } }',
      expectStock: { errors: true },
    },
    {
      name: 'lists of lists of entities',
      query: '{ orders { id bundles { id name tier } } }',
      expectStock: { errors: true },
    },
    {
      name: 'lists of lists of scalars with nulls',
      query: '{ matrix }',
    },
    {
      name: 'subgraph non-null violation in an entity field maps the _entities path',
      query: '{ orders { id customer { id nickname } } }',
      expectStock: { errors: true },
    },
    {
      name: 'subgraph errors under lists of lists map to nested list paths',
      query: '{ orders { id bundles { id nickname } } }',
      expectStock: { errors: true },
    },
    {
      name: 'null nullable key field is still sent as a representation',
      query: '{ orders { id coupon { code percent } } }',
    },
  ],
};
