/**
 * The benchmark operation (the community federation benchmark's nested `TestQuery` over `users`
 * and `topProducts`) and its expected response, computed once without any gateway: the query is
 * executed against the supergraph's API schema with plain resolvers over the same tables the
 * subgraphs serve (`benchData.ts`), following each subgraph's rules. A gateway whose response
 * differs from this (data or errors) is wrong.
 */
import { execute, parse, type GraphQLSchema } from 'graphql';
import {
  BENCH_IN_STOCK, BENCH_PRODUCTS, BENCH_USERS, REVIEW_AUTHOR_ID, productByUpc, reviewsOfProduct, reviewsOfUser,
  shippingEstimate, userById, type BenchProduct, type BenchReview, type BenchUser,
} from './benchData';

export const TEST_QUERY = `fragment User on User {
  id
  username
  name
}

fragment Review on Review {
  id
  body
}

fragment Product on Product {
  inStock
  name
  price
  shippingEstimate
  upc
  weight
}

query TestQuery {
  __typename
  users {
    ...User
    reviews {
      ...Review
      product {
        ...Product
        reviews {
          ...Review
          author {
            ...User
            reviews {
              ...Review
              product {
                ...Product
              }
            }
          }
        }
      }
    }
  }
  topProducts {
    ...Product
    reviews {
      ...Review
      author {
        ...User
        reviews {
          ...Review
          product {
            ...Product
          }
        }
      }
    }
  }
}
`;

/** The HTTP body every gateway receives. */
export const TEST_QUERY_BODY = JSON.stringify({ query: TEST_QUERY, operationName: 'TestQuery' });

// Graphql-js's default field resolver calls a property that is a function, so plain objects with
// methods are a complete resolver set.
function productNode(p: BenchProduct): Record<string, unknown> {
  return {
    ...p,
    inStock: BENCH_IN_STOCK.get(p.upc) ?? null,
    shippingEstimate: shippingEstimate(p.price, p.weight),
    reviews: () => reviewsOfProduct(p.upc).map(reviewNode),
  };
}

function userNode(u: BenchUser): Record<string, unknown> {
  return { ...u, reviews: () => reviewsOfUser().map(reviewNode) };
}

function reviewNode(r: BenchReview): Record<string, unknown> {
  const product = productByUpc(r.productUpc);
  const author = userById(REVIEW_AUTHOR_ID);
  return { id: r.id, body: r.body, product: product ? productNode(product) : null, author: author ? userNode(author) : null };
}

/** The expected `{ data }` of `TEST_QUERY`, as the canonical JSON `canonicalJson` produces. */
export function expectedTestQueryResponse(apiSchema: GraphQLSchema): string {
  const root = { users: () => BENCH_USERS.map(userNode), topProducts: (args: { first: number }) => BENCH_PRODUCTS.slice(0, args.first).map(productNode) };
  const result = execute({ schema: apiSchema, document: parse(TEST_QUERY), rootValue: root, operationName: 'TestQuery' });
  if ('then' in result) throw new Error('the reference resolvers are synchronous');
  if (result.errors) throw new Error(`reference execution failed: ${result.errors.map((e) => e.message).join('; ')}`);
  return canonicalJson({ data: result.data });
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]));
  }
  return v;
}

/** `{ data, errors }` of a GraphQL response with sorted keys; `extensions` are ignored. */
export function canonicalJson(response: unknown): string {
  const r = (response ?? {}) as { data?: unknown; errors?: unknown };
  return JSON.stringify(sortKeys(r.errors === undefined ? { data: r.data } : { data: r.data, errors: r.errors }));
}
