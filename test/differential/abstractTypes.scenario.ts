/**
 * Interfaces and unions across subgraphs: a union whose members are entities owned elsewhere, an
 * interface implemented by entities of two subgraphs, inline and named fragments (nested, on the
 * abstract and on concrete types), `__typename` everywhere including aliased `__typename`.
 */
import type { Scenario } from './harness';

const LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable"])';

const PEOPLE = Array.from({ length: 12 }, (_, i) => ({ id: `p${i}`, name: `Person ${i}`, employerId: i % 4 === 3 ? null : `c${i % 3}` }));
const COMPANIES = Array.from({ length: 3 }, (_, i) => ({ id: `c${i}`, name: `Company ${i}`, employees: PEOPLE.filter((p) => p.employerId === `c${i}`).map((p) => p.id) }));
const DOCS = Array.from({ length: 6 }, (_, i) => ({ __typename: 'Document', id: `d${i}`, title: `Doc ${i}`, ownerId: `p${i * 2}` }));

type Hit = { __typename: string; id: string };
const SEARCH: Hit[] = Array.from({ length: 21 }, (_, i) =>
  i % 3 === 0 ? { __typename: 'Person', id: `p${i % 12}` } : i % 3 === 1 ? { __typename: 'Company', id: `c${i % 3}` } : { __typename: 'Document', id: `d${i % 6}` },
);
const node = (id: string) => (id.startsWith('p') ? { __typename: 'Person', id } : id.startsWith('c') ? { __typename: 'Company', id } : DOCS.find((d) => d.id === id) ?? null);

export const abstractTypesScenario: Scenario = {
  name: 'abstractTypes',
  subgraphs: [
    {
      name: 'search',
      typeDefs: `${LINK}
        type Query { search(term: String!): [SearchResult!]!  node(id: ID!): Node  nodes(ids: [ID!]!): [Node]! }
        union SearchResult = Person | Company | Document
        interface Node { id: ID! }
        type Person implements Node @key(fields: "id") { id: ID! }
        type Company implements Node @key(fields: "id") { id: ID! }
        type Document implements Node @key(fields: "id") { id: ID!  title: String!  owner: Person! }`,
      resolvers: {
        Query: {
          search: () => SEARCH.map((h) => (h.__typename === 'Document' ? DOCS.find((d) => d.id === h.id) : h)),
          node: (_: unknown, a: { id: string }) => node(a.id),
          nodes: (_: unknown, a: { ids: string[] }) => a.ids.map(node),
        },
        Document: {
          __resolveReference: (ref: { id: string }) => DOCS.find((d) => d.id === ref.id) ?? null,
          owner: (d: { ownerId: string }) => ({ id: d.ownerId }),
        },
      },
    },
    {
      name: 'people',
      typeDefs: `${LINK}
        type Person @key(fields: "id") { id: ID!  name: String!  employer: Company  contacts: [Contact!]! }
        type Company @key(fields: "id") { id: ID! }
        union Contact = Email | Phone
        type Email { address: String! }
        type Phone { number: String!  mobile: Boolean! }`,
      resolvers: {
        Person: {
          __resolveReference: (ref: { id: string }) => PEOPLE.find((p) => p.id === ref.id) ?? null,
          employer: (p: { employerId: string | null }) => (p.employerId ? { id: p.employerId } : null),
          contacts: (p: { id: string }) => [
            { __typename: 'Email', address: `${p.id}@example.com` },
            ...(Number(p.id.slice(1)) % 2 ? [{ __typename: 'Phone', number: `+1-555-${p.id}`, mobile: true }] : []),
          ],
        },
        Contact: { __resolveType: (c: { __typename: string }) => c.__typename },
      },
    },
    {
      name: 'companies',
      typeDefs: `${LINK}
        type Company @key(fields: "id") { id: ID!  name: String!  staff: [Person!]! }
        type Person @key(fields: "id") { id: ID! }`,
      resolvers: {
        Company: {
          __resolveReference: (ref: { id: string }) => COMPANIES.find((c) => c.id === ref.id) ?? null,
          staff: (c: { employees: string[] }) => c.employees.map((id) => ({ id })),
        },
      },
    },
  ],
  operations: [
    {
      name: 'union of entities from three subgraphs with inline fragments',
      query: '{ search(term: "a") { __typename ... on Person { name employer { name } } ... on Company { name } ... on Document { title owner { name } } } }',
    },
    {
      name: 'aliased __typename and aliased fields in fragments',
      query: '{ search(term: "b") { kind: __typename t2: __typename ... on Company { label: name id } ... on Person { label: name __typename } } }',
    },
    {
      name: 'named fragments on the interface and on concrete types',
      query: `query Nodes($ids: [ID!]!) { nodes(ids: $ids) { ...NodeBits } }
        fragment NodeBits on Node { id __typename ...PersonBits ... on Company { ...CompanyBits } ... on Document { title } }
        fragment PersonBits on Person { name contacts { __typename ... on Email { address } ... on Phone { number mobile } } }
        fragment CompanyBits on Company { name staff { name } }`,
      variables: { ids: ['p1', 'c2', 'd3', 'x9', 'p4', 'p7'] },
      operationName: 'Nodes',
    },
    {
      name: 'fragment with a type condition matching nothing',
      query: '{ node(id: "d1") { id ... on Person { name } ... on Document { owner { employer { name } } } } }',
    },
    {
      name: '__typename alone on entities and nested unions',
      query: '{ search(term: "c") { __typename ... on Person { contacts { __typename } employer { __typename } } } }',
    },
  ],
};
