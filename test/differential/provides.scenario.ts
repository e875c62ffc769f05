/**
 * `@provides` / `@external`: the reviews subgraph provides `author { username }` on some paths, so
 * the planner skips the users fetch there and must fetch it elsewhere (`User.reviews` then
 * `author` without provides). The provided value deliberately differs in case from the owner's value
 * (`@provides` trusts the providing subgraph), so a wrong source shows up in `data`.
 */
import type { Scenario } from './harness';

const LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable", "@external", "@provides"])';

const USERS = Array.from({ length: 10 }, (_, i) => ({ id: `u${i}`, username: `user_${i}`, email: `u${i}@example.com` }));
const PRODUCTS = Array.from({ length: 8 }, (_, i) => ({ upc: `sku-${i}`, name: `Gadget ${i}`, price: 10 * (i + 1) }));
const REVIEWS = Array.from({ length: 30 }, (_, i) => ({ id: `r${i}`, body: `Review #${i}`, stars: (i % 5) + 1, authorId: `u${i % 10}`, upc: `sku-${i % 8}` }));

type ReviewRow = (typeof REVIEWS)[number];
const providedAuthor = (r: ReviewRow) => ({ id: r.authorId, username: `USER_${r.authorId.slice(1)}` });

export const providesScenario: Scenario = {
  name: 'provides',
  subgraphs: [
    {
      name: 'users',
      typeDefs: `${LINK}
        type Query { me: User }
        type User @key(fields: "id") { id: ID!  username: String! @shareable  email: String! }`,
      resolvers: {
        Query: { me: () => USERS[0] },
        User: { __resolveReference: (ref: { id: string }) => USERS.find((u) => u.id === ref.id) ?? null },
      },
    },
    {
      name: 'products',
      typeDefs: `${LINK}
        type Query { products: [Product!]! }
        type Product @key(fields: "upc") { upc: String!  name: String!  price: Int! }`,
      resolvers: {
        Query: { products: () => PRODUCTS },
        Product: { __resolveReference: (ref: { upc: string }) => PRODUCTS.find((p) => p.upc === ref.upc) ?? null },
      },
    },
    {
      name: 'reviews',
      typeDefs: `${LINK}
        type Query { topReviews(first: Int = 5): [Review!]! }
        type Review @key(fields: "id") {
          id: ID!  body: String!  stars: Int!
          author: User! @provides(fields: "username")
          product: Product!
        }
        type User @key(fields: "id") { id: ID!  username: String! @external  reviews: [Review!]! }
        type Product @key(fields: "upc") { upc: String!  reviews: [Review!]!  averageStars: Float }`,
      resolvers: {
        Query: { topReviews: (_: unknown, a: { first: number }) => REVIEWS.slice(0, a.first) },
        Review: {
          author: providedAuthor,
          product: (r: ReviewRow) => ({ upc: r.upc }),
        },
        User: { reviews: (u: { id: string }) => REVIEWS.filter((r) => r.authorId === u.id) },
        Product: {
          reviews: (p: { upc: string }) => REVIEWS.filter((r) => r.upc === p.upc),
          averageStars: (p: { upc: string }) => {
            const rs = REVIEWS.filter((r) => r.upc === p.upc);
            return rs.length ? rs.reduce((n, r) => n + r.stars, 0) / rs.length : null;
          },
        },
      },
    },
  ],
  operations: [
    {
      name: 'provided field is served without a users fetch',
      query: '{ topReviews(first: 12) { id body author { id username } } }',
    },
    {
      name: 'provided and non-provided fields together',
      query: '{ topReviews { stars author { username email } } }',
    },
    {
      name: 'external field outside the provides path is fetched from its owner',
      query: '{ me { username reviews { body author { username } product { name averageStars } } } }',
    },
    {
      name: 'nested reviews of products with provided authors',
      query: '{ products { name price reviews { stars author { username } } averageStars } }',
    },
    {
      name: 'default argument value of the root field',
      query: '{ topReviews { id product { upc name } } }',
    },
  ],
};
