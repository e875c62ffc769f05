import { readFileSync } from 'node:fs';
import path from 'node:path';
import { buildSchema, getIntrospectionQuery, parse, type GraphQLSchema } from 'graphql';
import { estimateCost, rootResponseKeys, selectOperation, fragmentsOf } from '../../gateway/operationCost';
import { DEFAULT_OPERATION_LIMITS } from '../../gateway/operationLimits';
import { apiSchema } from '../../schema/apiSchema';

const SIZES = { defaultListSize: 20, maxListSize: 100 };

const tiny = buildSchema(`
  type Query {
    me: User
    users: [User!]!
    page(first: Int, after: String): UserConnection!
    pageWithDefault(first: Int = 7): UserConnection!
    top(limit: Int, last: Int): [User!]!
    node: Node
    result: SearchResult
    version: String
    tags: [String!]!
  }
  type Mutation { rename(name: String!): User! ping: Boolean! }
  interface Node { id: ID! }
  type User implements Node { id: ID! name: String! friends: [User!]! posts(first: Int = 5): [Post!]! best: User }
  type Post implements Node { id: ID! title: String! author: User! }
  union SearchResult = User | Post
  type UserConnection { edges: [UserEdge!]! nodes: [User!]! pageInfo: PageInfo! }
  type UserEdge { cursor: String! node: User! }
  type PageInfo { hasNextPage: Boolean! }
`);

function cost(query: string, schema: GraphQLSchema = tiny, operationName: string | null = null): number {
  return estimateCost(schema, parse(query), operationName, SIZES);
}

describe('operation cost estimate', () => {
  it('charges 1 per object field and 0 per leaf field, __typename included', () => {
    expect(cost('{ version __typename }')).toBe(0);
    expect(cost('{ me { id name } }')).toBe(1);
    expect(cost('{ me { best { best { id } } } }')).toBe(3);
  });

  it('multiplies a list field without a size argument by defaultListSize, and leaf lists cost 0', () => {
    expect(cost('{ users { id } }')).toBe(20);
    expect(cost('{ users { best { id } } }')).toBe(20 * 2);
    expect(cost('{ tags }')).toBe(0);
  });

  it('multiplies nested lists', () => {
    expect(cost('{ users { friends { id } } }')).toBe(20 * (1 + 20));
  });

  it('takes the size from a literal first/last/limit/top argument (the largest), maxListSize for a variable, the schema default when absent', () => {
    expect(cost('{ top(limit: 3) { id } }')).toBe(3);
    expect(cost('{ top(limit: 3, last: 8) { id } }')).toBe(8);
    expect(cost('query ($n: Int) { top(limit: $n) { id } }')).toBe(100);
    expect(cost('{ me { posts { id } } }')).toBe(1 + 5);
    expect(cost('{ me { posts(first: 2) { id } } }')).toBe(1 + 2);
  });

  it('multiplies a connection once: its edges and nodes take the size of the field with first', () => {
    expect(cost('{ page(first: 5) { nodes { id } } }')).toBe(1 + 5);
    expect(cost('{ page(first: 5) { edges { node { best { id } } } pageInfo { hasNextPage } } }')).toBe(1 + 5 * (1 + 1 + 1) + 1);
    expect(cost('query ($n: Int) { page(first: $n) { nodes { id } } }')).toBe(1 + 100);
    expect(cost('{ pageWithDefault { nodes { id } } }')).toBe(1 + 7);
    expect(cost('{ page { nodes { id } } }')).toBe(1 + 20);
  });

  it('passes the connection size into fragments spread on the connection', () => {
    expect(cost('{ page(first: 3) { ...P } } fragment P on UserConnection { nodes { id } edges { cursor } }')).toBe(1 + 3 + 3);
  });

  it('takes the max over type-conditioned fragments of an abstract type', () => {
    const q = '{ result { __typename ... on User { best { id } friends { id } } ... on Post { author { id } } } }';
    expect(cost(q)).toBe(1 + Math.max(1 + 20, 1));
    const withSpreads = '{ node { id ...U ...Pt } } fragment U on User { best { id } } fragment Pt on Post { author { best { id } } }';
    expect(cost(withSpreads)).toBe(1 + 2);
  });

  it('adds fields of the abstract type itself to the max of its fragments', () => {
    expect(cost('{ node { ... on Node { id } ... on User { best { id } } ... on User { friends { id } } } }')).toBe(1 + (1 + 20));
  });

  it('charges every root field of a mutation 10 more', () => {
    expect(cost('mutation { rename(name: "x") { id } ping }')).toBe(1 + 2 * 10);
    expect(cost('mutation { a: ping b: ping }')).toBe(2 * 10);
  });

  it('counts a fragment once per spread', () => {
    expect(cost('{ a: me { ...F } b: me { ...F } } fragment F on User { best { id } }')).toBe(2 * (1 + 1));
  });

  it('costs the operation operationName picks, and 0 when there is no such operation', () => {
    const doc = 'query A { me { id } } query B { users { id } }';
    expect(cost(doc, tiny, 'A')).toBe(1);
    expect(cost(doc, tiny, 'B')).toBe(20);
    expect(cost(doc, tiny, null)).toBe(0);
    expect(cost(doc, tiny, 'C')).toBe(0);
  });

  it('costs introspection 0 (the gateway answers it without a subgraph)', () => {
    expect(cost(getIntrospectionQuery())).toBe(0);
    expect(cost('{ __type(name: "User") { fields { name type { name } } } }')).toBe(0);
  });

  it('costs fields the schema does not know 1 when they have a selection (the document is not validated yet)', () => {
    expect(cost('{ nope { deeper { x } } leafNope }')).toBe(2);
  });

  it('terminates on a fragment cycle (counting the cycle 0)', () => {
    expect(cost('{ me { ...A } } fragment A on User { best { ...B } } fragment B on User { best { ...A } }')).toBe(1 + 1 + 1);
  });

  it('saturates at Number.MAX_SAFE_INTEGER instead of overflowing', () => {
    const levels = Array.from({ length: 12 }, (_, i) => `fragment F${i + 1} on User { friends(first: 1000000) { ...F${i} } }`).join('\n');
    expect(cost(`{ me { ...F12 } } ${levels} fragment F0 on User { id }`)).toBe(Number.MAX_SAFE_INTEGER);
  });
});

describe('root response keys', () => {
  it('counts distinct response keys of the root selection, fragments and inline fragments expanded', () => {
    const doc = parse('{ me { id } me { name } a: me { id } ...R ... on Query { version } } fragment R on Query { users { id } version }');
    const op = selectOperation(doc, null);
    expect(op && [...rootResponseKeys(op, fragmentsOf(doc))].sort()).toEqual(['a', 'me', 'users', 'version']);
  });
});

describe('operation cost on the composed API schema', () => {
  // The API schema the gateway serves: schema/ composed as `npm run compose` does (schema/apiSchema.ts).
  const schema = apiSchema();
  const manifest = JSON.parse(readFileSync(path.resolve(__dirname, '../../schema/generated/operations/persisted-documents.json'), 'utf8')) as Record<string, string>;
  const byName = new Map(Object.values(manifest).map((text) => [/(?:query|mutation|subscription) (\w+)/.exec(text)?.[1] ?? '', text]));

  // Expected costs under the defaults (defaultListSize 20, maxListSize 100). ContactOverview is the
  // dearest: its `first: $orders` is a variable (100 orders x (order + amount + 20 lines x (line + amount))).
  it.each([
    ['ContactOverview', 4604],
    ['OrdersOfContact', 303],
    ['RecentChannelMessages', 604],
    ['SearchContacts', 202],
    ['SalesOrderById', 44],
    ['ListTeams', 20],
    ['CreateContact', 12],
    ['SendMessage', 12],
    ['UpdateSalesOrderStatus', 11],
    ['SalesOrderChanged', 4],
  ])('estimates the AI core operation %s at %i, within the default maxCost', (name, expected) => {
    const text = byName.get(name);
    expect(text).toBeDefined();
    const c = estimateCost(schema, parse(text ?? ''), name, DEFAULT_OPERATION_LIMITS);
    expect(c).toBe(expected);
    expect(c).toBeLessThanOrEqual(DEFAULT_OPERATION_LIMITS.maxCost);
  });

  it('covers every operation of the trusted-document manifest', () => {
    expect([...byName.keys()].sort()).toEqual([
      'ContactOverview', 'CreateContact', 'ListTeams', 'OrdersOfContact', 'RecentChannelMessages', 'SalesOrderById',
      'SalesOrderChanged', 'SearchContacts', 'SendMessage', 'UpdateSalesOrderStatus',
    ]);
  });

  it('prices nested pages multiplicatively: contacts of 100 with 100 orders each', () => {
    const q = 'query ($n: Int) { contacts(first: $n) { nodes { salesOrders(first: $n) { nodes { id } } } } }';
    expect(estimateCost(schema, parse(q), null, DEFAULT_OPERATION_LIMITS)).toBe(1 + 100 * (1 + 1 + 100));
  });
});
