/**
 * `@inaccessible`: a field (`Employee.ssn`), an argument and an enum value present in the subgraph
 * but hidden from the API schema. The planner still fetches `ssn` internally to satisfy a
 * `@requires`, and it must not leak into `data`. A subgraph returning the hidden enum value
 * (`LEGACY`) is an invalid value for the API schema (stock: null + value-completion error). Asking for
 * `ssn` directly fails validation.
 */
import type { Scenario } from './harness';

const LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable", "@external", "@requires", "@inaccessible"])';

const LEVELS = ['JUNIOR', 'SENIOR', 'PRINCIPAL'];
const EMPLOYEES = Array.from({ length: 16 }, (_, i) => ({
  id: `e${i}`,
  name: `Employee ${i}`,
  ssn: `000-00-${String(1000 + i)}`,
  level: LEVELS[i % 3] ?? 'JUNIOR',
  formerLevel: i % 5 === 0 ? 'LEGACY' : LEVELS[(i + 1) % 3],
}));
const find = (id: string) => EMPLOYEES.find((e) => e.id === id) ?? null;

export const inaccessibleScenario: Scenario = {
  name: 'inaccessible',
  subgraphs: [
    {
      name: 'hr',
      typeDefs: `${LINK}
        enum Level { JUNIOR SENIOR PRINCIPAL LEGACY @inaccessible }
        type Query {
          employees(includeArchived: Boolean @inaccessible): [Employee!]!
          employee(id: ID!): Employee
        }
        type Employee @key(fields: "id") {
          id: ID!  name: String!  ssn: String! @inaccessible
          level: Level!  formerLevel: Level
        }`,
      resolvers: {
        Query: { employees: () => EMPLOYEES, employee: (_: unknown, a: { id: string }) => find(a.id) },
        Employee: { __resolveReference: (ref: { id: string }) => find(ref.id) },
      },
    },
    {
      name: 'payroll',
      typeDefs: `${LINK}
        type Employee @key(fields: "id") {
          id: ID!
          ssn: String! @external
          salaryBand: String! @requires(fields: "ssn")
          taxId: String @requires(fields: "ssn")
        }`,
      resolvers: {
        Employee: {
          __resolveReference: (ref: { id: string; ssn: string }) => ref,
          salaryBand: (e: { ssn: string }) => `band-${Number(e.ssn.slice(-1)) % 4}`,
          taxId: (e: { ssn: string }) => `TX${e.ssn.replace(/-/g, '')}`,
        },
      },
    },
  ],
  operations: [
    {
      name: 'inaccessible field required internally does not leak',
      query: '{ employees { id name salaryBand taxId } }',
    },
    {
      name: 'hidden enum value from a subgraph in a nullable field',
      query: '{ employees { id level formerLevel } }',
      expectStock: { errors: true },
    },
    {
      name: 'hidden enum value on a single entity with requires',
      query: '{ employee(id: "e5") { name formerLevel salaryBand } }',
      expectStock: { errors: true },
    },
    {
      name: 'selecting an inaccessible field fails validation',
      query: '{ employees { id ssn } }',
      expectStock: { errors: true, nullData: true },
    },
    {
      name: 'passing an inaccessible argument fails validation',
      query: '{ employees(includeArchived: true) { id } }',
      expectStock: { errors: true, nullData: true },
    },
  ],
};
