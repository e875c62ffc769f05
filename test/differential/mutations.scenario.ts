/**
 * Mutations run serially, in document order, across two subgraphs that share state: each root
 * mutation field reads what the previous one wrote (a counter and an audit log), so any reordering
 * or parallelism changes `data`. Entity fetches after a mutation (`Counter.auditTrail`) must see the
 * state as of the end of the mutation sequence step they belong to. `reset` restores the state
 * before each side runs.
 */
import type { Scenario } from './harness';

const LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])';

const state = { value: 0, history: [] as number[], log: [] as { seq: number; message: string; seen: number }[] };

function reset(): void {
  state.value = 0;
  state.history = [];
  state.log = [];
}

function set(value: number) {
  state.value = value;
  state.history.push(value);
  return { id: 'main' };
}

export const mutationsScenario: Scenario = {
  name: 'mutations',
  reset,
  subgraphs: [
    {
      name: 'counter',
      typeDefs: `${LINK}
        type Query { counter: Counter! }
        type Mutation {
          increment(by: Int = 1): Counter!
          double: Counter!
          failIfAbove(limit: Int!): Counter
        }
        type Counter @key(fields: "id") { id: ID!  value: Int!  history: [Int!]! }`,
      resolvers: {
        Query: { counter: () => ({ id: 'main' }) },
        Mutation: {
          increment: (_: unknown, a: { by: number }) => set(state.value + a.by),
          double: () => set(state.value * 2),
          failIfAbove: (_: unknown, a: { limit: number }) => {
            if (state.value > a.limit) throw new Error(`counter ${state.value} is above ${a.limit}`);
            return set(state.value - 1);
          },
        },
        Counter: {
          __resolveReference: () => ({ id: 'main' }),
          value: () => state.value,
          history: () => [...state.history],
        },
      },
    },
    {
      name: 'audit',
      typeDefs: `${LINK}
        type Mutation { log(message: String!): LogEntry! }
        type LogEntry { seq: Int!  message: String!  counterSeen: Int! }
        type Counter @key(fields: "id") { id: ID!  auditTrail: [String!]! }`,
      resolvers: {
        Mutation: {
          log: (_: unknown, a: { message: string }) => {
            const entry = { seq: state.log.length + 1, message: a.message, seen: state.value };
            state.log.push(entry);
            return { ...entry, counterSeen: entry.seen };
          },
        },
        Counter: {
          __resolveReference: () => ({ id: 'main' }),
          auditTrail: () => state.log.map((e) => `${e.seq}:${e.message}@${e.seen}`),
        },
      },
    },
  ],
  operations: [
    {
      name: 'root mutation fields run in document order',
      query: 'mutation { __typename a: increment(by: 2) { value __typename } b: double { value } c: increment { value } d: double { value history } }',
    },
    {
      name: 'mutations across two subgraphs interleave in order',
      query: 'mutation { a: increment(by: 3) { value } l1: log(message: "after-a") { seq counterSeen } b: double { value } l2: log(message: "after-b") { seq counterSeen message } }',
    },
    {
      name: 'entity fetch after a mutation sees the state of its step',
      query: 'mutation { a: log(message: "start") { seq } b: increment(by: 5) { value auditTrail } c: log(message: "end") { counterSeen } d: double { auditTrail value } }',
    },
    {
      name: 'a failing mutation in the middle does not stop the next ones',
      query: 'mutation M($limit: Int!) { a: increment(by: 4) { value } b: failIfAbove(limit: $limit) { value } c: double { value history } }',
      variables: { limit: 3 },
      expectStock: { errors: true },
    },
    {
      name: 'the same mutation twice with a defaulted variable',
      query: 'mutation M($by: Int = 7) { a: increment(by: $by) { value } b: increment(by: $by) { history } c: log(message: "twice") { counterSeen } }',
    },
  ],
};
