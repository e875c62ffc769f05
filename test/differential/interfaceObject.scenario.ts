/**
 * `@interfaceObject`: the ratings subgraph sees `Media` as an object type and adds fields to every
 * implementation; entities it returns must get their real `__typename` from the content subgraph
 * before type conditions (`... on Book`) can be applied.
 */
import type { Scenario } from './harness';

const LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@interfaceObject", "@shareable"])';

const MEDIA = Array.from({ length: 18 }, (_, i) =>
  i % 3 === 0
    ? { __typename: 'Movie', id: `m${i}`, title: `Movie ${i}`, director: `Director ${i % 4}`, minutes: 90 + i }
    : { __typename: 'Book', id: `m${i}`, title: `Book ${i}`, author: `Author ${i % 5}`, pages: 100 + 10 * i },
);
const find = (id: string) => MEDIA.find((m) => m.id === id) ?? null;
const stars = (id: string) => (Number(id.slice(1)) % 5) + 1;

export const interfaceObjectScenario: Scenario = {
  name: 'interfaceObject',
  subgraphs: [
    {
      name: 'content',
      typeDefs: `${LINK}
        type Query { library: [Media!]!  media(id: ID!): Media }
        interface Media @key(fields: "id") { id: ID!  title: String! }
        type Book implements Media @key(fields: "id") { id: ID!  title: String!  author: String!  pages: Int! }
        type Movie implements Media @key(fields: "id") { id: ID!  title: String!  director: String!  minutes: Int! }`,
      resolvers: {
        Query: { library: () => MEDIA, media: (_: unknown, a: { id: string }) => find(a.id) },
        Media: { __resolveReference: (ref: { id: string }) => find(ref.id) },
        Book: { __resolveReference: (ref: { id: string }) => find(ref.id) },
        Movie: { __resolveReference: (ref: { id: string }) => find(ref.id) },
      },
    },
    {
      name: 'ratings',
      typeDefs: `${LINK}
        type Query { topRated(min: Int! = 4): [Media!]! }
        type Media @key(fields: "id") @interfaceObject { id: ID!  stars: Int!  similar: [Media!]! }`,
      resolvers: {
        Query: { topRated: (_: unknown, a: { min: number }) => MEDIA.filter((m) => stars(m.id) >= a.min).map((m) => ({ id: m.id })) },
        Media: {
          __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
          stars: (m: { id: string }) => stars(m.id),
          similar: (m: { id: string }) => MEDIA.filter((x) => x.id !== m.id && stars(x.id) === stars(m.id)).slice(0, 3).map((x) => ({ id: x.id })),
        },
      },
    },
  ],
  operations: [
    {
      name: 'interface entities get fields from the interface object',
      query: '{ library { id title stars } }',
    },
    {
      name: 'interface object results resolve their concrete type before fragments',
      query: '{ topRated { __typename id stars ... on Book { author } ... on Movie { director minutes } } }',
    },
    {
      name: 'nested interface object lists with type conditions',
      query: '{ media(id: "m4") { title ... on Book { pages } similar { kind: __typename title stars ... on Movie { director } } } }',
    },
    {
      name: 'named fragment on the interface through the interface object',
      query: 'query Top { topRated(min: 5) { ...MediaCard } } fragment MediaCard on Media { id title stars ... on Book { author } }',
      operationName: 'Top',
    },
  ],
};
