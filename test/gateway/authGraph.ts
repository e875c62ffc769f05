/**
 * A small real graph for the field-authorization tests: two subgraphs (scenario servers that record
 * every request body) whose fields, types, list elements, union members, interface implementations,
 * an enum, mutations and a subscription carry `@authenticated` / `@requiresScopes`.
 */
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import { startScenarioSubgraph, type ScenarioSubgraph, type SubgraphRequest } from '../differential/subgraphServer';

const LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@authenticated", "@requiresScopes"])';

const A_SDL = `${LINK}
type Query {
  public: String
  me: User @authenticated
  users: [User!]
  secretCount: Int! @requiresScopes(scopes: [["admin"]])
  items: [Item!]!
  node(id: ID!): Node
}
type User @key(fields: "id") {
  id: ID!
  name: String!
  email: String @requiresScopes(scopes: [["pii:read"], ["admin"]])
  ssn: String! @requiresScopes(scopes: [["pii:read", "admin"]])
  level: Level
}
enum Level @requiresScopes(scopes: [["admin"]]) { LOW HIGH }
union Item = Book | Secret
type Book { title: String }
type Secret @requiresScopes(scopes: [["secret"]]) { code: String }
interface Node { id: ID! }
type Page implements Node { id: ID! title: String }
type Vault implements Node @authenticated { id: ID! content: String }
type Mutation {
  deleteUser(id: ID!): Boolean @requiresScopes(scopes: [["admin"]])
  rename(id: ID!, name: String!): User @authenticated
}
type Subscription {
  userChanged: User @requiresScopes(scopes: [["users:watch"]])
}`;

const B_SDL = `${LINK}
type User @key(fields: "id") {
  id: ID!
  badge: String
  orders: [Order!] @requiresScopes(scopes: [["orders:read"]])
}
type Order { id: ID! total: Int! }`;

const USERS = [{ id: 'u1', name: 'Ada' }, { id: 'u2', name: 'Alan' }];

export interface AuthGraph {
  supergraphSdl: string;
  a: ScenarioSubgraph;
  b: ScenarioSubgraph;
  /** Request bodies each subgraph received, in order. */
  bodies: { a: SubgraphRequest[]; b: SubgraphRequest[] };
  /** How often the `deleteUser` resolver ran. */
  deletes(): number;
  close(): Promise<void>;
}

export async function startAuthGraph(): Promise<AuthGraph> {
  const bodies = { a: [] as SubgraphRequest[], b: [] as SubgraphRequest[] };
  let deletes = 0;
  const user = (id: string) => ({ ...(USERS.find((u) => u.id === id) ?? { id, name: 'Nobody' }), email: `${id}@example.com`, ssn: `ssn-${id}`, level: 'HIGH' });
  const a = await startScenarioSubgraph({
    name: 'a', typeDefs: A_SDL,
    rawReply: (r) => void bodies.a.push(r),
    resolvers: {
      Query: {
        public: () => 'hello',
        me: () => user('u1'),
        users: () => USERS.map((u) => user(u.id)),
        secretCount: () => 42,
        items: () => [{ __typename: 'Book', title: 'SICP' }, { __typename: 'Secret', code: 'XYZZY' }],
        node: (_: unknown, args: { id: string }) => (args.id === 'vault' ? { __typename: 'Vault', id: 'vault', content: 'gold' } : { __typename: 'Page', id: args.id, title: 'Home' }),
      },
      Mutation: {
        deleteUser: () => {
          deletes += 1;
          return true;
        },
        rename: (_: unknown, args: { id: string; name: string }) => ({ ...user(args.id), name: args.name }),
      },
      User: { __resolveReference: (ref: { id: string }) => user(ref.id) },
    } as never,
  });
  const b = await startScenarioSubgraph({
    name: 'b', typeDefs: B_SDL,
    rawReply: (r) => void bodies.b.push(r),
    resolvers: {
      User: { __resolveReference: (ref: { id: string }) => ({ id: ref.id, badge: `badge-${ref.id}`, orders: [{ id: `${ref.id}-o1`, total: 10 }] }) },
    } as never,
  });
  const composed = composeServices([
    { name: 'a', url: a.url, typeDefs: parse(A_SDL) },
    { name: 'b', url: b.url, typeDefs: parse(B_SDL) },
  ]);
  if (composed.errors) {
    await Promise.all([a.close(), b.close()]);
    throw new Error(composed.errors.map((e) => e.message).join('\n'));
  }
  return {
    supergraphSdl: composed.supergraphSdl, a, b, bodies,
    deletes: () => deletes,
    close: async () => {
      await Promise.all([a.close(), b.close()]);
    },
  };
}
