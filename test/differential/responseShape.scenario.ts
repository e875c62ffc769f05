/**
 * Response shaping details a client can observe: key order (query order, not fetch order, with
 * fields merged from fragments and repeated selections), `__typename` in odd places, aliases named
 * like `Object.prototype` members (untrusted names must not touch prototypes), conditional
 * duplicates of one field, empty lists, all root fields skipped, unicode and numeric edge values,
 * leaf values that break their type (raw subgraph answer), and variables explicitly null vs omitted.
 */
import type { Scenario } from './harness';
import type { SubgraphRequest } from './subgraphServer';

const LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])';

const TITLES = ['Dune 🏜️', 'Ulysses', 'Line\u2028Separator', '"Quoted" \\ slash', 'Ünïcödé', '日本語の本', 'Tab\there', 'Plain'];
const BOOKS = Array.from({ length: 16 }, (_, i) => ({
  id: `b${i}`,
  title: TITLES[i % TITLES.length] ?? 'x',
  year: i === 3 ? 2147483647 : 1900 + 7 * i,
  ratio: [0.1 + 0.2, 1e-7, 123456789.125, -0.5, 1e21][i % 5],
  author: { name: `Author ${i % 4}`, born: 1850 + i },
}));

function oddReply(request: SubgraphRequest) {
  if (!request.query.includes('odd')) return undefined;
  const odd = { s: 5, i: 1.5, f: '1.0', b: 'true', id: 7, e: 'NOPE', big: 2147483648, list: [1, 'two', 3], ok: 'fine' };
  return { status: 200, body: JSON.stringify({ data: { odd } }) };
}

export const responseShapeScenario: Scenario = {
  name: 'responseShape',
  subgraphs: [
    {
      name: 'books',
      typeDefs: `${LINK}
        type Query { books(first: Int = 16): [Book!]! }
        type Book @key(fields: "id") { id: ID!  title: String!  year: Int!  ratio: Float!  author: Author! }
        type Author { name: String!  born: Int! }`,
      resolvers: {
        Query: { books: (_: unknown, a: { first: number }) => BOOKS.slice(0, a.first) },
        Book: { __resolveReference: (ref: { id: string }) => BOOKS.find((b) => b.id === ref.id) ?? null },
      },
    },
    {
      name: 'reviews',
      typeDefs: `${LINK}
        type Book @key(fields: "id") { id: ID!  rating: Float  reviews: [Review!]!  priceIn(currency: String = "USD"): String }
        type Review { stars: Int!  text: String! }`,
      resolvers: {
        Book: {
          __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
          rating: (b: { id: string }) => (Number(b.id.slice(1)) % 5 === 4 ? null : (Number(b.id.slice(1)) % 5) + 0.5),
          reviews: (b: { id: string }) => Array.from({ length: Number(b.id.slice(1)) % 3 }, (_, k) => ({ stars: k + 3, text: `r${k} of ${b.id}` })),
          priceIn: (_b: unknown, a: { currency: string | null }) => (a.currency === null ? 'explicit null' : `10 ${a.currency}`),
        },
      },
    },
    {
      name: 'oddities',
      rawReply: oddReply,
      typeDefs: `${LINK}
        enum Genre { NOVEL POEM }
        type Query { odd: Odd }
        type Odd { s: String  i: Int  f: Float  b: Boolean  id: ID  e: Genre  big: Int  list: [Int]  ok: String }`,
      resolvers: { Query: { odd: () => null } },
    },
  ],
  operations: [
    {
      name: 'keys follow the query order, not the fetch order',
      query: '{ books(first: 6) { rating title reviews { text stars } id year } }',
    },
    {
      name: 'fields merged from fragments keep their first position',
      query: 'query { books(first: 5) { ...A rating id ...B } } fragment A on Book { title rating } fragment B on Book { id year title author { born } }',
    },
    {
      name: 'one response key selected twice with different sub-selections',
      query: '{ books(first: 4) { author { name } id author { born } reviews { stars } title reviews { text } } }',
    },
    {
      name: '__typename in odd places and aliased',
      query: '{ __typename q: __typename books(first: 3) { rating __typename title t: __typename reviews { stars __typename } author { __typename a: __typename } } }',
    },
    {
      name: 'aliases named like Object.prototype members',
      query: '{ books(first: 3) { constructor: title toString: id hasOwnProperty: year valueOf: rating __proto__: author { name } } }',
    },
    {
      name: 'conditional duplicates of one field',
      query: 'query Q($a: Boolean!, $b: Boolean!) { books(first: 3) { title @include(if: $a) id title @include(if: $b) rating @skip(if: $a) rating @skip(if: $b) } }',
      variables: { a: false, b: true },
    },
    {
      name: 'empty root list makes no entity fetch',
      query: '{ books(first: 0) { id rating reviews { stars } } }',
    },
    {
      name: 'every root field skipped gives an empty object',
      query: 'query Q($no: Boolean = false) { books @include(if: $no) { id } odd @include(if: $no) { ok } }',
    },
    {
      name: 'unicode and numeric edge values survive both executors',
      query: '{ books { id title year ratio author { name } rating } }',
    },
    {
      name: 'leaf values that break their type are nulled with errors',
      query: '{ odd { ok s i f b id e big list } }',
      expectStock: { errors: true },
    },
    {
      name: 'identical concurrent queries return identical results',
      query: '{ books { id title rating reviews { stars text } author { name } } }',
      concurrency: 6,
    },
    {
      name: 'omitted variable lets the subgraph default apply',
      query: 'query Q($cur: String) { books(first: 3) { id priceIn(currency: $cur) } }',
      variables: {},
    },
    {
      name: 'explicitly null variable reaches the entity fetch as null',
      query: 'query Q($cur: String) { books(first: 3) { id priceIn(currency: $cur) } }',
      variables: { cur: null },
    },
  ],
};
