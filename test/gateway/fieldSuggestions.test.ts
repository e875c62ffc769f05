import { buildSchema, coerceInputValue, parse, validate, type GraphQLInputType } from 'graphql';
import { hideFieldSuggestions, loadFieldSuggestions } from '../../gateway/fieldSuggestions';

const schema = buildSchema(`
  enum Status { OPEN IN_PROCESS COMPLETED }
  input ContactInput { email: String! lastName: String! }
  interface Node { id: ID! }
  type Contact implements Node { id: ID! email: String lastName: String! }
  type Query {
    contact(id: ID!): Contact
    node(id: ID!): Node
    orders(status: Status): [String!]!
  }
  type Mutation { createContact(input: ContactInput!): Contact! }
`);

function messages(query: string): string[] {
  return validate(schema, parse(query)).map((e) => e.message);
}

describe('field suggestions hidden', () => {
  it.each([
    ['a field', '{ contact(id: "1") { emial } }', 'Cannot query field "emial" on type "Contact".'],
    ['a type', 'query ($s: Stauts) { orders(status: $s) }', 'Unknown type "Stauts".'],
    ['an argument', '{ orders(stauts: OPEN) }', 'Unknown argument "stauts" on field "Query.orders".'],
    ['an enum value', '{ orders(status: OPN) }', 'Value "OPN" does not exist in "Status" enum.'],
    ['an input field', 'mutation { createContact(input: { email: "a@b.c", lastNam: "x" }) { id } }', 'Field "lastNam" is not defined by type "ContactInput".'],
    ['an inline fragment on an abstract type', '{ node(id: "1") { email } }', 'Cannot query field "email" on type "Node".'],
  ])('strips the suggestion graphql-js validate() makes for %s', (_what, query, expected) => {
    const found = messages(query).find((m) => m.startsWith(expected));
    expect(found).toMatch(/ Did you mean .+\?$/);
    expect(hideFieldSuggestions(found ?? '')).toBe(expected);
  });

  it('strips the suggestion of a variable value coerced by graphql-js', () => {
    const errors: string[] = [];
    coerceInputValue({ email: 'a@b.c', lastName: 'x', emial: 'y' }, schema.getType('ContactInput') as GraphQLInputType, (_path, _value, error) => errors.push(error.message));
    expect(errors[0]).toMatch(/Did you mean "email"\?$/);
    expect(hideFieldSuggestions(errors[0] ?? '')).toBe('Field "emial" is not defined by type "ContactInput".');
  });

  it('keeps messages without a suggestion as they are', () => {
    const [unknownDirective] = messages('{ orders @nope }');
    expect(unknownDirective).toBe('Unknown directive "@nope".');
    expect(hideFieldSuggestions(unknownDirective ?? '')).toBe(unknownDirective);
    expect(hideFieldSuggestions('Cannot query field "zzz" on type "Contact".')).toBe('Cannot query field "zzz" on type "Contact".');
  });

  it('never cuts client text that only looks like a suggestion', () => {
    const fake = 'Value " Did you mean x?" is not valid; expected Status.';
    expect(hideFieldSuggestions(fake)).toBe(fake);
    const both = 'Value "why? Did you mean" does not exist in "Status" enum. Did you mean the enum value "OPEN"?';
    expect(hideFieldSuggestions(both)).toBe('Value "why? Did you mean" does not exist in "Status" enum.');
  });

  it('is linear on hostile messages (no regular-expression backtracking)', () => {
    const hostile = `${' Did you mean '.repeat(50_000)}x`;
    expect(hideFieldSuggestions(hostile)).toBe(hostile);
  });
});

describe('field suggestions setting', () => {
  it('is on outside production and off in production, unless GATEWAY_FIELD_SUGGESTIONS says otherwise', () => {
    expect(loadFieldSuggestions({})).toBe(true);
    expect(loadFieldSuggestions({ NODE_ENV: 'production' })).toBe(false);
    expect(loadFieldSuggestions({ NODE_ENV: 'production', GATEWAY_FIELD_SUGGESTIONS: 'true' })).toBe(true);
    expect(loadFieldSuggestions({ GATEWAY_FIELD_SUGGESTIONS: 'false' })).toBe(false);
  });

  it('fails fast naming GATEWAY_FIELD_SUGGESTIONS on a bad value', () => {
    expect(() => loadFieldSuggestions({ GATEWAY_FIELD_SUGGESTIONS: 'no' })).toThrow(/^GATEWAY_FIELD_SUGGESTIONS must be 'true' or 'false'/);
  });
});
