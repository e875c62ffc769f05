/**
 * The subscription of the fan-out benchmark, shared by its processes: the two tiny subgraphs'
 * SDL (`orders` owns `Subscription.orderChanged`, `people` owns `Person.name`), the one operation
 * every subscriber sends, and the check of each delivered result.
 *
 * Every event carries `seq` (1..K for measured events, 0 or below for warm-ups) and `emittedAt`,
 * the emitter's clock (`benchClock()`) when it published the event, so a subscriber computes its
 * latency from the payload alone. `buyer.name` comes from the second subgraph: an event whose
 * entity fetch failed does not pass the check.
 */

const LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])';

export const ORDERS_SDL = `${LINK}
type Query { order(id: ID!): Order }
type Subscription { orderChanged(id: ID): OrderEvent! }
type OrderEvent { seq: Int! emittedAt: Float! order: Order }
type Order @key(fields: "id") { id: ID! status: String! buyer: Person }
type Person @key(fields: "id", resolvable: false) { id: ID! }`;

export const PEOPLE_SDL = `${LINK}
type Query { person(id: ID!): Person }
type Person @key(fields: "id") { id: ID! name: String! }`;

/** The one operation and variables of every subscriber (so the gateway shares one upstream). */
export const FANOUT_QUERY = 'subscription Fanout($id: ID) { orderChanged(id: $id) { seq emittedAt order { id status buyer { name } } } }';
export const FANOUT_VARIABLES = { id: 'o1' } as const;
export const ORDER_ID = 'o1';
export const BUYER_ID = 'p1';
export const BUYER_NAME = 'Person p1';

/** Wall-clock milliseconds with sub-millisecond resolution, comparable across processes of one machine. */
export function benchClock(): number {
  return performance.timeOrigin + performance.now();
}

/** The order status of event `seq` (warm-ups share one). */
export function statusOf(seq: number): string {
  return seq > 0 ? `S${seq}` : 'warm-up';
}

export interface DeliveredEvent {
  seq: number;
  emittedAt: number;
}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function hasKeys(o: Obj, keys: readonly string[]): boolean {
  const own = Object.keys(o);
  return own.length === keys.length && keys.every((k) => own.includes(k));
}

/**
 * The event of one delivered GraphQL result (`{ data: { orderChanged } }`), or why it is wrong:
 * errors, missing or extra fields, another order, a wrong status for its seq or a wrong buyer name.
 * Cheap (no serialisation) because it runs between two subscribers' receive timestamps.
 */
export function readEvent(result: unknown): DeliveredEvent | string {
  const bad = (why: string): string => `${why}: ${JSON.stringify(result).slice(0, 300)}`;
  if (!isObj(result) || !hasKeys(result, ['data']) || !isObj(result.data) || !hasKeys(result.data, ['orderChanged'])) return bad('not a data-only result');
  const ev = result.data.orderChanged;
  if (!isObj(ev) || !hasKeys(ev, ['seq', 'emittedAt', 'order'])) return bad('wrong event fields');
  const { seq, emittedAt, order } = ev;
  if (typeof seq !== 'number' || !Number.isInteger(seq) || typeof emittedAt !== 'number') return bad('wrong seq or emittedAt');
  if (!isObj(order) || !hasKeys(order, ['id', 'status', 'buyer']) || order.id !== ORDER_ID || order.status !== statusOf(seq)) return bad('wrong order');
  const buyer = order.buyer;
  if (!isObj(buyer) || !hasKeys(buyer, ['name']) || buyer.name !== BUYER_NAME) return bad('wrong buyer (entity fetch from people)');
  return { seq, emittedAt };
}
