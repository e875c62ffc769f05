/**
 * Leaf values: enums (as arguments, variables, list elements and entity fields), an enum value the
 * API schema does not know (returned by a subgraph), an invalid enum value in a variable and in a
 * literal, and a JSON-ish custom object scalar (nested objects, arrays, key order, null) in root
 * and entity fetches, as argument and as result.
 */
import { GraphQLScalarType, Kind, type ValueNode } from 'graphql';
import type { Scenario } from './harness';
import type { SubgraphRequest } from './subgraphServer';

const LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable"])';

function literal(node: ValueNode): unknown {
  switch (node.kind) {
    case Kind.OBJECT:
      return Object.fromEntries(node.fields.map((f) => [f.name.value, literal(f.value)]));
    case Kind.LIST:
      return node.values.map(literal);
    case Kind.INT:
    case Kind.FLOAT:
      return Number(node.value);
    case Kind.NULL:
      return null;
    case Kind.VARIABLE:
      return undefined;
    default:
      return node.value;
  }
}

const JSONScalar = new GraphQLScalarType({ name: 'JSON', serialize: (v) => v, parseValue: (v) => v, parseLiteral: literal });

const THEMES = ['LIGHT', 'DARK', 'SYSTEM'];
const PREFS = Array.from({ length: 14 }, (_, i) => ({
  id: `pref${i}`,
  theme: THEMES[i % 3] ?? 'LIGHT',
  config: i % 5 === 4 ? null : { zeta: i, alpha: { nested: [i, `${i}`, { deep: i % 2 === 0 }], empty: {} }, list: [[1, 2], []], flag: i % 2 === 1 },
}));

/** The legacy subgraph speaks a newer enum than the supergraph: it answers `SEPIA` raw. */
function legacyReply(request: SubgraphRequest) {
  if (!request.query.includes('legacyTheme')) return undefined;
  return { status: 200, body: JSON.stringify({ data: { legacyTheme: 'SEPIA', legacyThemes: ['DARK', 'SEPIA', 'LIGHT'] } }) };
}

export const scalarsScenario: Scenario = {
  name: 'scalars',
  subgraphs: [
    {
      name: 'settings',
      typeDefs: `${LINK}
        scalar JSON
        enum Theme { LIGHT DARK SYSTEM }
        type Query {
          preferences(themes: [Theme!]): [Preference!]!
          echo(value: JSON): JSON
          defaultTheme(fallback: Theme = SYSTEM): Theme!
        }
        type Preference @key(fields: "id") { id: ID!  theme: Theme!  config: JSON }`,
      resolvers: {
        JSON: JSONScalar,
        Query: {
          preferences: (_: unknown, a: { themes?: string[] }) => PREFS.filter((p) => !a.themes || a.themes.includes(p.theme)),
          echo: (_: unknown, a: { value: unknown }) => a.value,
          defaultTheme: (_: unknown, a: { fallback: string }) => a.fallback,
        },
        Preference: { __resolveReference: (ref: { id: string }) => PREFS.find((p) => p.id === ref.id) ?? null },
      },
    },
    {
      name: 'sync',
      typeDefs: `${LINK}
        scalar JSON
        enum Theme { LIGHT DARK SYSTEM }
        type Preference @key(fields: "id") { id: ID!  syncedTheme: Theme  devices: JSON! }`,
      resolvers: {
        JSON: JSONScalar,
        Preference: {
          __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
          syncedTheme: (p: { id: string }) => (Number(p.id.slice(4)) % 4 === 0 ? null : THEMES[Number(p.id.slice(4)) % 2]),
          devices: (p: { id: string }) => ({ count: Number(p.id.slice(4)) % 3, names: ['phone', 'laptop'].slice(0, Number(p.id.slice(4)) % 3), meta: null }),
        },
      },
    },
    {
      name: 'legacy',
      rawReply: legacyReply,
      typeDefs: `${LINK}
        enum Theme { LIGHT DARK SYSTEM }
        type Query { legacyTheme: Theme  legacyThemes: [Theme] }`,
      resolvers: { Query: { legacyTheme: () => 'LIGHT', legacyThemes: () => [] } },
    },
  ],
  operations: [
    {
      name: 'enums and object scalars from root and entity fetches',
      query: '{ preferences { id theme config syncedTheme devices } }',
    },
    {
      name: 'enum list argument as a variable',
      query: 'query P($themes: [Theme!]) { preferences(themes: $themes) { id theme devices } }',
      variables: { themes: ['DARK', 'SYSTEM'] },
    },
    {
      name: 'enum argument default and literal',
      query: '{ d: defaultTheme l: defaultTheme(fallback: DARK) }',
    },
    {
      name: 'object scalar argument round-trips as a literal and a variable',
      query: 'query E($v: JSON) { lit: echo(value: { b: 1, a: [true, null, "x"], c: { z: 1.5, y: [] } }) var: echo(value: $v) none: echo }',
      variables: { v: { z: 'last', a: 'first', nested: { list: [3, 2, 1], obj: { k: null } } } },
    },
    {
      name: 'enum value unknown to the API schema from a subgraph',
      query: '{ legacyTheme legacyThemes preferences(themes: [LIGHT]) { id } }',
      expectStock: { errors: true },
    },
    {
      name: 'invalid enum value in a variable',
      query: 'query P($themes: [Theme!]) { preferences(themes: $themes) { id } }',
      variables: { themes: ['DARK', 'NEON'] },
      expectStock: { errors: true, nullData: true },
    },
    {
      name: 'invalid enum literal fails validation',
      query: '{ preferences(themes: [NEON]) { id } }',
      expectStock: { errors: true, nullData: true },
    },
  ],
};
