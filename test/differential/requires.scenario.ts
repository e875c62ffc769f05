/**
 * `@requires` / `@external`: a required scalar, required nested object fields
 * (`dimensions { width height depth }`), a required field that takes arguments
 * (`price(currency: EUR)`), a field requiring data from two other subgraphs, and requires under
 * lists where some entities are null.
 */
import type { Scenario } from './harness';

const LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable", "@external", "@requires"])';

const RATES: Record<string, number> = { USD: 1, EUR: 0.9, GBP: 0.8 };
const PRODUCTS = Array.from({ length: 20 }, (_, i) => ({
  upc: `p-${String(i).padStart(2, '0')}`,
  name: `Product ${i}`,
  basePrice: 500 + 37 * i,
  weightGrams: 100 * ((i % 7) + 1),
  dimensions: { width: 10 + i, height: 5 + (i % 4), depth: 2 + (i % 3), unit: 'cm' },
}));
const find = (upc: string) => PRODUCTS.find((p) => p.upc === upc);

interface ShippingRep {
  upc: string;
  weightGrams: number;
  dimensions: { width: number; height: number; depth: number };
  price?: number;
  inStock?: boolean;
  name?: string;
}

export const requiresScenario: Scenario = {
  name: 'requires',
  subgraphs: [
    {
      name: 'catalog',
      typeDefs: `${LINK}
        enum Currency { USD EUR GBP }
        type Query { products: [Product!]!  product(upc: String!): Product  shelf: [Product]! }
        type Product @key(fields: "upc") {
          upc: String!  name: String!  price(currency: Currency = USD): Int!
          weightGrams: Int!  dimensions: Dimensions!
        }
        type Dimensions @shareable { width: Int! height: Int! depth: Int! unit: String! }`,
      resolvers: {
        Query: {
          products: () => PRODUCTS,
          product: (_: unknown, a: { upc: string }) => find(a.upc) ?? null,
          shelf: () => PRODUCTS.slice(0, 6).map((p, i) => (i % 3 === 1 ? null : p)),
        },
        Product: {
          __resolveReference: (ref: { upc: string }) => find(ref.upc) ?? null,
          price: (p: { basePrice: number }, a: { currency: string }) => Math.round(p.basePrice * (RATES[a.currency] ?? 1)),
        },
      },
    },
    {
      name: 'inventory',
      typeDefs: `${LINK}
        type Product @key(fields: "upc") { upc: String!  inStock: Boolean!  warehouse: String }`,
      resolvers: {
        Product: {
          __resolveReference: (ref: { upc: string }) => ({ upc: ref.upc }),
          inStock: (p: { upc: string }) => Number(p.upc.slice(2)) % 4 !== 0,
          warehouse: (p: { upc: string }) => (Number(p.upc.slice(2)) % 5 === 0 ? null : `WH-${Number(p.upc.slice(2)) % 3}`),
        },
      },
    },
    {
      name: 'shipping',
      typeDefs: `${LINK}
        enum Currency { USD EUR GBP }
        type Product @key(fields: "upc") {
          upc: String!
          weightGrams: Int! @external
          dimensions: Dimensions! @external
          price(currency: Currency = USD): Int! @external
          name: String! @external
          inStock: Boolean! @external
          shippingEstimate: Int! @requires(fields: "weightGrams")
          volumetricWeight: Int! @requires(fields: "dimensions { width height depth }")
          euroTax: Int! @requires(fields: "price(currency: EUR)")
          deliveryNote: String @requires(fields: "inStock name")
        }
        type Dimensions @shareable { width: Int! height: Int! depth: Int! }`,
      resolvers: {
        Product: {
          __resolveReference: (ref: ShippingRep) => ref,
          shippingEstimate: (p: ShippingRep) => Math.ceil(p.weightGrams / 250) * 3,
          volumetricWeight: (p: ShippingRep) => Math.ceil((p.dimensions.width * p.dimensions.height * p.dimensions.depth) / 5),
          euroTax: (p: ShippingRep) => Math.round((p.price ?? 0) * 0.2),
          deliveryNote: (p: ShippingRep) => (p.inStock ? `${p.name} ships today` : null),
        },
      },
    },
  ],
  operations: [
    {
      name: 'required scalar from the owning subgraph',
      query: '{ products { upc shippingEstimate } }',
    },
    {
      name: 'required nested object fields',
      query: '{ products { name dimensions { unit } volumetricWeight } }',
    },
    {
      name: 'required field that takes arguments',
      query: '{ products { upc usd: price eur: price(currency: EUR) euroTax } }',
    },
    {
      name: 'field requiring data from two other subgraphs',
      query: '{ products { upc inStock warehouse deliveryNote shippingEstimate } }',
    },
    {
      name: 'requires under a list with null entities',
      query: '{ shelf { upc name volumetricWeight deliveryNote } }',
    },
    {
      name: 'requires on a single nullable root entity',
      query: 'query P($upc: String!) { product(upc: $upc) { name euroTax volumetricWeight shippingEstimate } missing: product(upc: "nope") { euroTax } }',
      variables: { upc: 'p-07' },
    },
  ],
};
