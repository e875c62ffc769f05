/**
 * Keys: a composite key (`id org { id }`), a second key on the same entity (`email`) owned by a third
 * subgraph, so `invoices -> user (composite) -> profile (email)` is a three-hop chain, and a nested
 * entity (`Org`) resolved by its own key.
 */
import type { Scenario } from './harness';

const LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable"])';

const ORGS = ['o1', 'o2', 'o3', 'o4'].map((id, i) => ({ id, name: `Org ${i + 1}`, plan: i % 2 ? 'ENTERPRISE' : 'TEAM' }));
const USERS = Array.from({ length: 24 }, (_, i) => ({
  id: `u${Math.floor(i / 4)}`, // each id exists in every org: only the composite key identifies a user
  orgId: ORGS[i % 4]?.id ?? 'o1',
  name: `User ${i}`,
  email: `user${i}@example.com`,
}));
const INVOICES = USERS.flatMap((u, i) => Array.from({ length: 1 + (i % 3) }, (_, j) => ({ id: `inv-${i}-${j}`, amount: 100 * (i + 1) + j, userId: u.id, orgId: u.orgId })));

type UserRow = (typeof USERS)[number];
const userView = (u: UserRow) => ({ ...u, org: { id: u.orgId } });
const orgField = (field: 'name' | 'plan') => (o: { id: string }) => ORGS.find((x) => x.id === o.id)?.[field] ?? null;
const byComposite = (id: string, orgId: string) => USERS.find((u) => u.id === id && u.orgId === orgId);

export const keysScenario: Scenario = {
  name: 'keys',
  subgraphs: [
    {
      name: 'accounts',
      typeDefs: `${LINK}
        type Query { users: [User!]!  user(id: ID!, orgId: ID!): User  orgs: [Org!]! }
        type User @key(fields: "id org { id }") @key(fields: "email") { id: ID! org: Org! email: String! name: String! }
        type Org @key(fields: "id") { id: ID! name: String! }`,
      resolvers: {
        Query: {
          users: () => USERS.map(userView),
          user: (_: unknown, a: { id: string; orgId: string }) => {
            const u = byComposite(a.id, a.orgId);
            return u ? userView(u) : null;
          },
          orgs: () => ORGS,
        },
        User: {
          __resolveReference: (ref: { id?: string; org?: { id: string }; email?: string }) => {
            const u = ref.email ? USERS.find((x) => x.email === ref.email) : byComposite(ref.id ?? '', ref.org?.id ?? '');
            return u ? userView(u) : null;
          },
        },
        Org: { __resolveReference: (ref: { id: string }) => ORGS.find((o) => o.id === ref.id) ?? null, name: orgField('name') },
      },
    },
    {
      name: 'billing',
      typeDefs: `${LINK}
        type Query { invoices: [Invoice!]! }
        type Invoice @key(fields: "id") { id: ID! amount: Int! user: User! }
        type User @key(fields: "id org { id }") { id: ID! org: Org! invoices: [Invoice!]! total: Int! }
        type Org @key(fields: "id") { id: ID! plan: String! }`,
      resolvers: {
        Query: { invoices: () => INVOICES },
        Invoice: { user: (i: { userId: string; orgId: string }) => ({ id: i.userId, org: { id: i.orgId } }) },
        User: {
          invoices: (u: { id: string; org: { id: string } }) => INVOICES.filter((i) => i.userId === u.id && i.orgId === u.org.id),
          total: (u: { id: string; org: { id: string } }) => INVOICES.filter((i) => i.userId === u.id && i.orgId === u.org.id).reduce((n, i) => n + i.amount, 0),
        },
        Org: { __resolveReference: (ref: { id: string }) => ORGS.find((o) => o.id === ref.id) ?? null, plan: orgField('plan') },
      },
    },
    {
      name: 'profiles',
      typeDefs: `${LINK}
        type User @key(fields: "email") { email: String! avatarUrl: String bio: String }`,
      resolvers: {
        User: {
          __resolveReference: (ref: { email: string }) => ({ email: ref.email }),
          avatarUrl: (u: { email: string }) => (u.email.startsWith('user1') ? null : `https://cdn.example.com/${u.email}.png`),
          bio: (u: { email: string }) => `Bio of ${u.email}`,
        },
      },
    },
  ],
  operations: [
    {
      name: 'composite key entity join',
      query: '{ users { id name org { id name } invoices { id amount } total } }',
    },
    {
      name: 'three-hop chain through a composite key then a second key',
      query: '{ invoices { id amount user { name email avatarUrl bio org { name plan } } } }',
    },
    {
      name: 'key-only selection needs no entity fetch',
      query: '{ invoices { id user { id org { id } } } }',
    },
    {
      name: 'nested entity resolved by its own key from two subgraphs',
      query: '{ orgs { id name plan } users { org { plan name } } }',
    },
    {
      name: 'single entity by composite key arguments',
      query: 'query One($id: ID!, $org: ID!) { user(id: $id, orgId: $org) { name bio invoices { amount user { email } } } }',
      variables: { id: 'u3', org: 'o4' },
    },
    {
      name: 'missing entity by composite key is null',
      query: 'query One($id: ID!, $org: ID!) { user(id: $id, orgId: $org) { name total } }',
      variables: { id: 'u9', org: 'o1' },
    },
  ],
};
