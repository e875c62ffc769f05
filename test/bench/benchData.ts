/**
 * The data of the community federation benchmark's four subgraphs (accounts, inventory, products,
 * reviews), reproduced by shape: 6 users, 9 products with price/weight (products) and stock
 * (inventory), 11 reviews over products 1-4 with bodies of the same lengths as the original.
 * Both the bench subgraphs (`benchSubgraphSchemas.ts`) and the reference result
 * (`benchReference.ts`) read these tables, so they cannot drift apart.
 */

export interface BenchUser {
  id: string;
  name: string;
  username: string;
  birthday: number;
}

export interface BenchProduct {
  upc: string;
  name: string;
  price: number;
  weight: number;
}

export interface BenchReview {
  id: string;
  body: string;
  productUpc: string;
}

export const BENCH_USERS: readonly BenchUser[] = [
  ['1', 'Ada Lovelace', 'adalove'],
  ['2', 'Grace Hopper', 'gracehopper'],
  ['3', 'Alan Turing', 'alanturing'],
  ['4', 'Edsger Dijkstra', 'edsger'],
  ['5', 'Barbara Liskov', 'bliskov'],
  ['6', 'Donald Knuth', 'knuth'],
].map(([id, name, username]) => ({ id: id ?? '', name: name ?? '', username: username ?? '', birthday: 1234567890 }));

export const BENCH_PRODUCTS: readonly BenchProduct[] = [
  { upc: '1', name: 'Table', price: 899, weight: 100 },
  { upc: '2', name: 'Couch', price: 1299, weight: 1000 },
  { upc: '3', name: 'Glass', price: 15, weight: 20 },
  { upc: '4', name: 'Chair', price: 499, weight: 100 },
  { upc: '5', name: 'TV', price: 1299, weight: 1000 },
  { upc: '6', name: 'Lamp', price: 6999, weight: 300 },
  { upc: '7', name: 'Grill', price: 3999, weight: 2000 },
  { upc: '8', name: 'Fridge', price: 100000, weight: 6000 },
  { upc: '9', name: 'Sofa', price: 9999, weight: 800 },
];

/** inStock per upc (the inventory subgraph's only own data). */
export const BENCH_IN_STOCK: ReadonlyMap<string, boolean> = new Map(
  ['1', '2', '3', '4', '5', '6', '7', '8', '9'].map((upc): [string, boolean] => [upc, ['1', '5', '6', '7', '9'].includes(upc)]),
);

const LOREM =
  'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et ' +
  'dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris nisi ut aliquip ex ' +
  'ea commodo consequat. Duis aute irure dolor in reprehenderit in voluptate velit esse cillum dolore eu fugiat ' +
  'nulla pariatur. Excepteur sint occaecat cupidatat non proident, sunt in culpa qui officia deserunt mollit ' +
  'anim id est laborum. ';

/** `length` characters of filler text starting `offset` characters into it (wrapping around). */
export function filler(length: number, offset: number): string {
  let text = '';
  while (text.length < offset + length) text += LOREM;
  return text.slice(offset, offset + length);
}

/** [body length, offset, product upc]: the original's body lengths and review -> product links. */
const REVIEW_SHAPE: ReadonlyArray<readonly [number, number, string]> = [
  [445, 0, '1'], [289, 40, '1'], [275, 80, '1'], [143, 120, '1'],
  [445, 0, '2'], [289, 40, '2'], [275, 80, '2'], [143, 120, '2'],
  [143, 160, '3'], [143, 200, '4'], [844, 240, '4'],
];

export const BENCH_REVIEWS: readonly BenchReview[] = REVIEW_SHAPE.map(([length, offset, productUpc], i) => ({
  id: String(i + 1),
  body: filler(length, offset),
  productUpc,
}));

/**
 * The reviews subgraph's quirks, kept from the original because they shape the response: every
 * review's author is user 1 (its username provided by the reviews subgraph), and every user's
 * `reviews` are the first two reviews.
 */
export const REVIEW_AUTHOR_ID = '1';
export const USER_REVIEW_IDS: readonly string[] = ['1', '2'];

/** The inventory subgraph's rule: free above 1000, else half the weight (integer), null without a price. */
export function shippingEstimate(price: number | null | undefined, weight: number | null | undefined): number | null {
  if (price === null || price === undefined) return null;
  if (price > 1000) return 0;
  if (weight === null || weight === undefined) return null;
  return Math.trunc(weight / 2);
}

export function userById(id: string): BenchUser | undefined {
  return BENCH_USERS.find((u) => u.id === id);
}

export function productByUpc(upc: string): BenchProduct | undefined {
  return BENCH_PRODUCTS.find((p) => p.upc === upc);
}

export function reviewById(id: string): BenchReview | undefined {
  return BENCH_REVIEWS.find((r) => r.id === id);
}

export function reviewsOfProduct(upc: string): BenchReview[] {
  return BENCH_REVIEWS.filter((r) => r.productUpc === upc);
}

export function reviewsOfUser(): BenchReview[] {
  return USER_REVIEW_IDS.map((id) => reviewById(id)).filter((r): r is BenchReview => r !== undefined);
}
