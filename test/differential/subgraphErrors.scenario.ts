/**
 * Subgraph failures: a root field error (path + custom code), entity field errors at
 * `_entities.N.field` (nullable and non-null), a whole entity failing (`_entities.N`), entity errors
 * under a union list where only some elements are sent as representations, an error without a path
 * next to data, HTTP 500, and a 200 with invalid JSON, for root and entity fetches.
 */
import { GraphQLError } from 'graphql';
import type { Scenario } from './harness';
import type { RawReply, SubgraphRequest } from './subgraphServer';

const LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])';

const ITEMS = Array.from({ length: 16 }, (_, i) => ({ id: `i${i}`, name: `Item ${i}` }));
const FEED = Array.from({ length: 12 }, (_, i) => (i % 3 === 1 ? { __typename: 'Notice', text: `Notice ${i}` } : { __typename: 'Item', ...ITEMS[i] }));

function fragileReply(request: SubgraphRequest): RawReply | undefined {
  if (request.query.includes('status500') || request.query.includes('brokenNote')) return { status: 500, contentType: 'text/plain', body: 'upstream exploded' };
  if (request.query.includes('badJson') || request.query.includes('garbledNote')) return { status: 200, body: '{"data": {"badJson": ' };
  if (request.query.includes('noPathError')) {
    return { status: 200, body: JSON.stringify({ data: { noPathError: 'partial' }, errors: [{ message: 'upstream quota nearly exhausted', extensions: { code: 'QUOTA_WARNING' } }] }) };
  }
  return undefined;
}

export const subgraphErrorsScenario: Scenario = {
  name: 'subgraphErrors',
  subgraphs: [
    {
      name: 'main',
      typeDefs: `${LINK}
        type Query { items: [Item!]!  looseItems: [Item]  repeated: [Item]!  flaky: String  mustWork: String!  feed: [FeedEntry!]! }
        union FeedEntry = Item | Notice
        type Notice { text: String! }
        type Item @key(fields: "id") { id: ID!  name: String! }`,
      resolvers: {
        Query: {
          items: () => ITEMS,
          looseItems: () => ITEMS.slice(0, 12),
          repeated: () => [2, 13, 1, 2, 13, 5, 2, 0].map((i) => ITEMS[i]),
          flaky: () => {
            throw new GraphQLError('flaky backend is down', { extensions: { code: 'BACKEND_DOWN', retryable: true } });
          },
          feed: () => FEED,
          mustWork: () => Promise.reject(new GraphQLError('required backend failed', { extensions: { code: 'BACKEND_DOWN' } })),
        },
        FeedEntry: { __resolveType: (e: { __typename: string }) => e.__typename },
        Item: { __resolveReference: (ref: { id: string }) => ITEMS.find((i) => i.id === ref.id) ?? null },
      },
    },
    {
      name: 'pricing',
      typeDefs: `${LINK}
        type Item @key(fields: "id") { id: ID!  price: Int  discount: Int! }`,
      resolvers: {
        Item: {
          // async, so only this representation fails (a synchronous throw fails the whole `_entities`)
          __resolveReference: async (ref: { id: string }) => {
            if (ref.id === 'i13') throw new GraphQLError('item i13 is quarantined', { extensions: { code: 'QUARANTINED' } });
            return Promise.resolve(ref);
          },
          price: (i: { id: string }) => {
            if (Number(i.id.slice(1)) % 4 === 2) throw new GraphQLError(`no price for ${i.id}`, { extensions: { code: 'PRICE_UNAVAILABLE' } });
            return 100 + Number(i.id.slice(1));
          },
          discount: (i: { id: string }) => {
            if (i.id === 'i5' || i.id === 'i9') throw new Error(`discount service failed for ${i.id}`);
            return Number(i.id.slice(1)) % 3;
          },
        },
      },
    },
    {
      name: 'labels',
      typeDefs: `${LINK.replace('["@key"]', '["@key", "@external", "@requires"]')}
        type Item @key(fields: "id") {
          id: ID!  price: Int @external  discount: Int! @external
          priceLabel: String @requires(fields: "price")
          discountLabel: String @requires(fields: "discount")
        }`,
      resolvers: {
        Item: {
          __resolveReference: (ref: { id: string; price?: number | null; discount?: number }) => ref,
          priceLabel: (i: { id: string; price: number | null }) => (i.price === null ? `${i.id}: no price` : `${i.id}: $${i.price}`),
          discountLabel: (i: { id: string; discount: number }) => `${i.id}: -${i.discount}`,
        },
      },
    },
    {
      name: 'fragile',
      rawReply: fragileReply,
      typeDefs: `${LINK}
        type Query { status500: String  badJson: String  noPathError: String }
        type Item @key(fields: "id") { id: ID!  brokenNote: String  garbledNote: String  okNote: String }`,
      resolvers: {
        Query: { status500: () => 'never', badJson: () => 'never', noPathError: () => 'never' },
        Item: { __resolveReference: (ref: { id: string }) => ref, okNote: (i: { id: string }) => `ok ${i.id}` },
      },
    },
  ],
  operations: [
    {
      name: 'root field error keeps its path and code next to other data',
      query: '{ flaky items { id } }',
      expectStock: { errors: true },
    },
    {
      name: 'non-null root field error nulls the whole response data',
      query: '{ mustWork items { id price } }',
      expectStock: { errors: true, nullData: true },
    },
    {
      name: 'nullable entity field errors map _entities paths to response paths',
      query: '{ items { id name price } }',
      expectStock: { errors: true },
    },
    {
      name: 'non-null entity field error nulls the entity',
      query: '{ items { id discount } }',
      expectStock: { errors: true, nullData: true },
    },
    {
      name: 'non-null entity field error nulls only its nullable list element',
      query: '{ looseItems { id name discount } }',
      expectStock: { errors: true },
    },
    {
      name: 'entity errors under a union list with partial representations',
      query: '{ feed { __typename ... on Item { id price } ... on Notice { text } } }',
      expectStock: { errors: true },
    },
    {
      name: 'requires after a partly failed fetch skips entities it could not complete',
      query: '{ looseItems { id priceLabel discountLabel } }',
      expectStock: { errors: true },
    },
    {
      name: 'repeated entities with errors get one error per occurrence',
      query: '{ repeated { id name price } }',
      expectStock: { errors: true },
    },
    {
      name: 'identical aliased entity fetches with errors',
      query: '{ a: looseItems { id price } b: looseItems { id price } }',
      expectStock: { errors: true },
    },
    {
      name: 'error without a path next to data',
      query: '{ noPathError items { name } }',
      expectStock: { errors: true },
    },
    {
      name: 'HTTP 500 from a root fetch',
      query: '{ status500 items { id } }',
      expectStock: { errors: true },
    },
    {
      name: 'HTTP 500 from an entity fetch',
      query: '{ items { id brokenNote price } }',
      expectStock: { errors: true },
    },
    {
      name: 'invalid JSON from a subgraph',
      query: '{ badJson }',
      expectStock: { errors: true },
    },
    {
      name: 'invalid JSON from an entity fetch next to a healthy one',
      query: '{ items { id garbledNote price } }',
      expectStock: { errors: true },
    },
  ],
};
