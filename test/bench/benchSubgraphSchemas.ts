/**
 * The four Federation 2 subgraphs of the community federation benchmark (accounts, inventory,
 * products, reviews), as SDL plus resolvers over `benchData.ts`. `benchSubgraphHost.ts` serves
 * them over HTTP; `benchSupergraph.ts` composes them.
 */
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import { parse, type GraphQLSchema } from 'graphql';
import {
  BENCH_IN_STOCK, BENCH_PRODUCTS, BENCH_USERS, REVIEW_AUTHOR_ID, productByUpc, reviewById, reviewsOfProduct,
  reviewsOfUser, shippingEstimate, userById, type BenchReview,
} from './benchData';

export type BenchSubgraphName = 'accounts' | 'inventory' | 'products' | 'reviews';

export const BENCH_SUBGRAPH_NAMES: readonly BenchSubgraphName[] = ['accounts', 'inventory', 'products', 'reviews'];

export interface BenchSubgraphDefinition {
  typeDefs: string;
  resolvers: GraphQLResolverMap<unknown>;
}

const LINK = (imports: string[]): string =>
  `extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: [${imports.map((i) => `"${i}"`).join(', ')}])\n`;

type Rep = Record<string, unknown>;
const str = (v: unknown): string => (typeof v === 'string' ? v : String(v));
const num = (v: unknown): number | null => (typeof v === 'number' ? v : null);

const accounts: BenchSubgraphDefinition = {
  typeDefs: `${LINK(['@key', '@shareable'])}
type Query {
  me: User
  user(id: ID!): User
  users: [User]
}
type User @key(fields: "id") {
  id: ID!
  name: String
  username: String @shareable
  birthday: Int
}`,
  resolvers: {
    Query: {
      me: () => BENCH_USERS[0],
      user: (_: unknown, args: { id: string }) => userById(args.id) ?? null,
      users: () => BENCH_USERS,
    },
    User: { __resolveReference: (rep: Rep) => userById(str(rep.id)) ?? null },
  },
};

const inventory: BenchSubgraphDefinition = {
  typeDefs: `${LINK(['@key', '@external', '@requires'])}
type Product @key(fields: "upc") {
  upc: String!
  weight: Int @external
  price: Int @external
  inStock: Boolean
  shippingEstimate: Int @requires(fields: "price weight")
}`,
  resolvers: {
    Product: {
      __resolveReference: (rep: Rep) => {
        const upc = str(rep.upc);
        if (!BENCH_IN_STOCK.has(upc)) return null;
        return { upc, price: num(rep.price), weight: num(rep.weight), inStock: BENCH_IN_STOCK.get(upc) };
      },
      shippingEstimate: (p: { price: number | null; weight: number | null }) => shippingEstimate(p.price, p.weight),
    },
  },
};

const products: BenchSubgraphDefinition = {
  typeDefs: `${LINK(['@key'])}
type Query {
  topProducts(first: Int = 5): [Product]
}
type Product @key(fields: "upc") {
  upc: String!
  name: String
  price: Int
  weight: Int
}`,
  resolvers: {
    Query: { topProducts: (_: unknown, args: { first: number }) => BENCH_PRODUCTS.slice(0, Math.max(0, args.first)) },
    Product: { __resolveReference: (rep: Rep) => productByUpc(str(rep.upc)) ?? null },
  },
};

const reviewFields = {
  product: (r: BenchReview) => ({ upc: r.productUpc }),
  author: () => ({ id: REVIEW_AUTHOR_ID, username: userById(REVIEW_AUTHOR_ID)?.username ?? null }),
};

const reviews: BenchSubgraphDefinition = {
  typeDefs: `${LINK(['@key', '@external', '@provides'])}
type Review @key(fields: "id") {
  id: ID!
  body: String
  product: Product
  author: User @provides(fields: "username")
}
type User @key(fields: "id") {
  id: ID!
  username: String @external
  reviews: [Review]
}
type Product @key(fields: "upc") {
  upc: String!
  reviews: [Review]
}`,
  resolvers: {
    Review: { __resolveReference: (rep: Rep) => reviewById(str(rep.id)) ?? null, ...reviewFields },
    User: { __resolveReference: (rep: Rep) => ({ id: str(rep.id) }), reviews: () => reviewsOfUser() },
    Product: {
      __resolveReference: (rep: Rep) => ({ upc: str(rep.upc) }),
      reviews: (p: { upc: string }) => reviewsOfProduct(p.upc),
    },
  },
};

export const BENCH_SUBGRAPHS: Readonly<Record<BenchSubgraphName, BenchSubgraphDefinition>> = { accounts, inventory, products, reviews };

/** The executable subgraph schema (`@apollo/subgraph`: `_service`, `_entities`, `__resolveReference`). */
export function buildBenchSubgraphSchema(name: BenchSubgraphName): GraphQLSchema {
  const def = BENCH_SUBGRAPHS[name];
  return buildSubgraphSchema([{ typeDefs: parse(def.typeDefs), resolvers: def.resolvers }]);
}
