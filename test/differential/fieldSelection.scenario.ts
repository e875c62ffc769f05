/**
 * Field selection mechanics: aliases (the same field twice with different arguments, in the root
 * subgraph and in an entity fetch), `@skip`/`@include` with literals and variables (Condition nodes
 * in the plan), variables with defaults (omitted and given), input objects (literal and variable,
 * nested lists), and introspection (`__schema`, `__type`) mixed with federated fields.
 */
import type { Scenario } from './harness';

const LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])';

const CATEGORIES = ['BOOK', 'TOOL', 'TOY'];
const ITEMS = Array.from({ length: 30 }, (_, i) => ({
  id: `i${i}`,
  name: `Item ${i}`,
  category: CATEGORIES[i % 3] ?? 'BOOK',
  cents: 199 + 250 * i,
  tags: i % 2 ? ['sale', `t${i % 5}`] : [`t${i % 5}`],
}));

interface ItemFilter {
  category?: string;
  price?: { min?: number; max?: number };
  tags?: string[];
}

function matches(item: (typeof ITEMS)[number], f: ItemFilter | undefined): boolean {
  if (!f) return true;
  if (f.category && item.category !== f.category) return false;
  if (f.price?.min !== undefined && item.cents < f.price.min) return false;
  if (f.price?.max !== undefined && item.cents > f.price.max) return false;
  return !f.tags?.length || f.tags.some((t) => item.tags.includes(t));
}

const stockLevel = (id: string, warehouse: string) => (Number(id.slice(1)) * (warehouse.length + 3)) % 17;

export const fieldSelectionScenario: Scenario = {
  name: 'fieldSelection',
  subgraphs: [
    {
      name: 'catalog',
      typeDefs: `${LINK}
        enum Category { BOOK TOOL TOY }
        input PriceRange { min: Int  max: Int }
        input ItemFilter { category: Category  price: PriceRange  tags: [String!] }
        type Query { items(filter: ItemFilter, first: Int = 10, offset: Int = 0): [Item!]! }
        type Item @key(fields: "id") { id: ID!  name: String!  category: Category!  price(currency: String = "USD"): Float!  tags: [String!]! }`,
      resolvers: {
        Query: { items: (_: unknown, a: { filter?: ItemFilter; first: number; offset: number }) => ITEMS.filter((i) => matches(i, a.filter)).slice(a.offset, a.offset + a.first) },
        Item: {
          __resolveReference: (ref: { id: string }) => ITEMS.find((i) => i.id === ref.id) ?? null,
          price: (i: { cents: number }, a: { currency: string }) => (a.currency === 'EUR' ? Math.round(i.cents * 0.9) / 100 : i.cents / 100),
        },
      },
    },
    {
      name: 'warehouse',
      typeDefs: `${LINK}
        type Item @key(fields: "id") { id: ID!  stock(warehouse: String = "MAIN"): Int!  restockDates(limit: Int = 2): [String!]! }`,
      resolvers: {
        Item: {
          __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
          stock: (i: { id: string }, a: { warehouse: string }) => stockLevel(i.id, a.warehouse),
          restockDates: (i: { id: string }, a: { limit: number }) => Array.from({ length: a.limit }, (_, k) => `2025-0${(k % 9) + 1}-1${Number(i.id.slice(1)) % 10}`),
        },
      },
    },
  ],
  operations: [
    {
      name: 'same field twice with different arguments and aliases',
      query: '{ books: items(filter: { category: BOOK }) { id usd: price eur: price(currency: "EUR") } toys: items(filter: { category: TOY }, first: 3) { name price } }',
    },
    {
      name: 'aliased entity fields with different arguments',
      query: '{ items(first: 8) { id main: stock north: stock(warehouse: "NORTH") stock(warehouse: "SOUTH") soon: restockDates later: restockDates(limit: 4) } }',
    },
    {
      name: 'skip and include with literals',
      query: '{ items(first: 5) { id name @skip(if: true) category @include(if: true) stock @include(if: false) price @skip(if: false) } }',
    },
    {
      name: 'include with a true variable keeps the entity fetch',
      query: 'query Q($withStock: Boolean!, $noTags: Boolean!) { items(first: 6) { id tags @skip(if: $noTags) stock @include(if: $withStock) restockDates @include(if: $withStock) } }',
      variables: { withStock: true, noTags: false },
    },
    {
      name: 'include with a false variable prunes the entity fetch',
      query: 'query Q($withStock: Boolean!, $noTags: Boolean!) { items(first: 6) { id tags @skip(if: $noTags) stock @include(if: $withStock) restockDates @include(if: $withStock) } }',
      variables: { withStock: false, noTags: true },
    },
    {
      name: 'conditions on fragments with defaulted variables',
      query: 'query Q($full: Boolean = true, $lean: Boolean = false) { items(first: 4) { id ... @include(if: $full) { name stock } ... on Item @skip(if: $lean) { restockDates(limit: 1) } } }',
    },
    {
      name: 'variables with defaults omitted and input objects as variables',
      query: 'query Q($filter: ItemFilter = { category: TOOL }, $first: Int = 4, $wh: String = "EAST") { items(filter: $filter, first: $first) { id category stock(warehouse: $wh) } }',
    },
    {
      name: 'input object variable with nested list and range',
      query: 'query Q($filter: ItemFilter!, $offset: Int) { items(filter: $filter, first: 20, offset: $offset) { id name tags price stock } }',
      variables: { filter: { price: { min: 1000, max: 6000 }, tags: ['sale', 't3'] }, offset: 1 },
    },
    {
      name: 'explicit null for a defaulted condition variable',
      query: 'query Q($show: Boolean = true) { items(first: 2) { id stock @include(if: $show) } }',
      variables: { show: null },
      expectStock: { errors: true, nullData: true },
    },
    {
      name: 'operation picked by name from a document with two',
      query: 'query Cheap { items(filter: { price: { max: 1000 } }) { id price } } query Tools { items(filter: { category: TOOL }, first: 3) { id stock } }',
      operationName: 'Tools',
    },
    {
      name: 'a variable named representations used in an entity fetch',
      query: 'query Q($representations: String) { items(first: 2) { id stock(warehouse: $representations) } }',
      variables: { representations: 'NORTH' },
      expectStock: { errors: true, nullData: true },
    },
    {
      name: 'introspection only, no fetch',
      query: '{ __typename __schema { queryType { name } types { name kind } } }',
    },
    {
      name: 'introspection with a variable',
      query: 'query T($name: String!) { __type(name: $name) { name kind inputFields { name type { name kind ofType { name } } } } items(first: 1) { id } }',
      variables: { name: 'ItemFilter' },
    },
    {
      name: 'introspection mixed with a federated field',
      query: '{ __schema { queryType { name } mutationType { name } } __type(name: "Item") { name kind fields { name } } items(first: 2) { __typename id stock } }',
    },
    {
      name: 'aliased introspection with variables in the federated part',
      query: 'query Q($first: Int!) { t: __type(name: "Category") { enumValues { name } } items(first: $first) { id } __typename }',
      variables: { first: 3 },
    },
  ],
};
