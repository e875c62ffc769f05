/**
 * Abuse: a subgraph answering garbage (its answers are untrusted input to the executor). Valid JSON
 * under a non-JSON content type, a JSON array body, errors with a string path / non-string message /
 * null entry, HTTP 401, an unknown `__typename`, no `data` at all, a `__proto__` key in the data, and
 * `_entities` of the wrong length or shape. Each answer is scripted by a marker field in the query.
 */
import type { Scenario } from './harness';
import type { RawReply, SubgraphRequest } from './subgraphServer';

const LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])';

const ITEMS = Array.from({ length: 5 }, (_, i) => ({ id: `i${i}`, name: `Item ${i}` }));

const json = (body: unknown): RawReply => ({ status: 200, body: JSON.stringify(body) });

const REPLIES: Record<string, RawReply> = {
  plainText: { status: 200, contentType: 'text/plain', body: JSON.stringify({ data: { plainText: 'hello' } }) },
  arrayBody: json([{ data: { arrayBody: 'x' } }]),
  weirdErrors: json({ data: { weirdErrors: 'partial' }, errors: [{ message: 'string path', path: 'oops' }, { message: 42 }, { message: '' }] }),
  badExtensions: json({ data: { badExtensions: 'partial' }, errors: [{ message: 'extensions is a string', extensions: 'nope' }] }),
  nullError: json({ data: { nullError: 'partial' }, errors: [null] }),
  unauthorized: { status: 401, body: JSON.stringify({ errors: [{ message: 'token expired' }] }) },
  wrongTypename: json({ data: { wrongTypename: { __typename: 'Ghost', name: 'boo' } } }),
  noData: json({}),
  // hand-written: JSON.stringify cannot produce an own `__proto__` key
  protoKeys: { status: 200, body: '{"data":{"protoKeys":{"name":"n","__proto__":{"secret":"leaked","name":"shadow"}}}}' },
  notAList: json({ data: { notAList: { 0: 1 } } }),
  scalarForObject: json({ data: { scalarForObject: 5 } }),
  numericTypename: json({ data: { numericTypename: { __typename: 5, name: 'n' } } }),
  extraFields: json({ data: { extraFields: { secret: 's', name: 'n', __typename: 'Thing', more: { deep: true } } } }),
  shortNote: json({ data: { _entities: [{ shortNote: 'only one' }] } }),
  mapNote: json({ data: { _entities: { 0: { mapNote: 'not a list' } } } }),
};

function junkReply(request: SubgraphRequest): RawReply | undefined {
  const marker = Object.keys(REPLIES).find((k) => request.query.includes(k));
  return marker ? REPLIES[marker] : undefined;
}

export const malformedSubgraphScenario: Scenario = {
  name: 'malformedSubgraph',
  subgraphs: [
    {
      name: 'main',
      typeDefs: `${LINK}
        type Query { items: [Item!]! }
        type Item @key(fields: "id") { id: ID!  name: String! }`,
      resolvers: {
        Query: { items: () => ITEMS },
        Item: { __resolveReference: (ref: { id: string }) => ITEMS.find((i) => i.id === ref.id) ?? null },
      },
    },
    {
      name: 'junk',
      rawReply: junkReply,
      typeDefs: `${LINK}
        type Query {
          plainText: String  arrayBody: String  weirdErrors: String  badExtensions: String  nullError: String  unauthorized: String
          wrongTypename: Thing  noData: String  protoKeys: Thing
          notAList: [Int]  scalarForObject: Thing  numericTypename: Thing  extraFields: Thing
        }
        type Thing { name: String  secret: String }
        type Item @key(fields: "id") { id: ID!  shortNote: String  mapNote: String }`,
      resolvers: { Item: { __resolveReference: (ref: { id: string }) => ref } },
    },
  ],
  operations: [
    {
      name: 'valid JSON under a text/plain content type',
      query: '{ plainText items { id } }',
      expectStock: { errors: true },
    },
    {
      name: 'a JSON array body',
      query: '{ arrayBody items { id } }',
      expectStock: { errors: true },
    },
    {
      name: 'errors with a string path, a numeric message and an empty message',
      query: '{ weirdErrors }',
      expectStock: { errors: true },
    },
    {
      name: 'an error whose extensions is a string',
      query: '{ badExtensions }',
      expectStock: { errors: true },
    },
    {
      name: 'a null entry in errors',
      query: '{ nullError }',
      expectStock: { errors: true },
    },
    {
      name: 'HTTP 401 from a subgraph',
      query: '{ unauthorized items { name } }',
      expectStock: { errors: true },
    },
    {
      name: 'an unknown __typename for an object',
      query: '{ wrongTypename { name } items { id } }',
      expectStock: { errors: true },
    },
    {
      name: 'an answer without data or errors',
      query: '{ noData items { id } }',
    },
    {
      name: 'a __proto__ key in subgraph data never becomes a prototype',
      query: '{ protoKeys { name secret } }',
    },
    {
      name: 'a non-list value for a list field',
      query: '{ notAList }',
      expectStock: { errors: true, nullData: true },
    },
    {
      name: 'a scalar for an object field',
      query: '{ scalarForObject { name } }',
      expectStock: { errors: true, nullData: true },
    },
    {
      name: 'a non-string __typename',
      query: '{ numericTypename { name } }',
      expectStock: { errors: true, nullData: true },
    },
    {
      name: 'fields the query did not ask for are dropped',
      query: '{ extraFields { name } }',
    },
    {
      name: '_entities shorter than the representations sent',
      query: '{ items { id name shortNote } }',
      expectStock: { errors: true },
    },
    {
      name: '_entities that is not a list',
      query: '{ items { id mapNote } }',
      expectStock: { errors: true },
    },
  ],
};
