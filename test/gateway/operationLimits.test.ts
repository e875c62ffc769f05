import { readFileSync } from 'node:fs';
import path from 'node:path';
import { GraphQLError, buildSchema, getIntrospectionQuery, parse, type DocumentNode } from 'graphql';
import { NESTING_CUTOFF } from '../../gateway/operationCost';
import {
  DEFAULT_OPERATION_LIMITS, checkOperationLimits, loadOperationLimits, parseWithLimits, type OperationLimits,
} from '../../gateway/operationLimits';
import { apiSchema } from '../../schema/apiSchema';

const tiny = buildSchema(`
  directive @tag(name: String) repeatable on FIELD | FRAGMENT_SPREAD | INLINE_FRAGMENT | QUERY | VARIABLE_DEFINITION | FRAGMENT_DEFINITION
  type Query { me: User users: [User!]! version: String a: Int b: Int c: Int }
  type User { id: ID! best: User friends: [User!]! }
`);

function limits(overrides: Partial<OperationLimits> = {}): OperationLimits {
  return { ...DEFAULT_OPERATION_LIMITS, ...overrides };
}

function check(query: string | DocumentNode, overrides: Partial<OperationLimits> = {}, operationName: string | null = null): Array<{ code: unknown; limit: unknown; actual: unknown }> {
  const doc = typeof query === 'string' ? parse(query, { maxTokens: 1_000_000 }) : query;
  return checkOperationLimits(tiny, doc, operationName, limits(overrides)).map((e) => ({ code: e.extensions.code, limit: e.extensions.limit, actual: e.extensions.actual }));
}

function thrown(fn: () => unknown): GraphQLError {
  try {
    fn();
  } catch (err) {
    if (err instanceof GraphQLError) return err;
    throw err;
  }
  throw new Error('expected a GraphQLError');
}

function nested(depth: number): string {
  return `{ ${'me { '.repeat(depth - 1)}id${' }'.repeat(depth - 1)} }`;
}

describe('parse with a token limit', () => {
  it('parses a document of exactly maxTokens tokens and refuses one more with TOO_MANY_TOKENS', () => {
    // `{ a b c }` is 5 tokens (graphql-js counts every token but <EOF>)
    expect(parseWithLimits('{ a b c }', { maxTokens: 5 }).definitions).toHaveLength(1);
    const err = thrown(() => parseWithLimits('{ a b c version }', { maxTokens: 5 }));
    expect(err.extensions).toEqual({ code: 'TOO_MANY_TOKENS', limit: 5, actual: 6 });
  });

  it('stops a huge document at the limit', () => {
    const err = thrown(() => parseWithLimits(`{ ${'a '.repeat(200_000)}}`, DEFAULT_OPERATION_LIMITS));
    expect(err.extensions.code).toBe('TOO_MANY_TOKENS');
    expect(err.message).toBe('The document has more than 5000 tokens.');
  });

  it('reports other syntax errors as GRAPHQL_PARSE_FAILED with their location', () => {
    const err = thrown(() => parseWithLimits('{ me { id }', DEFAULT_OPERATION_LIMITS));
    expect(err.extensions).toEqual({ code: 'GRAPHQL_PARSE_FAILED' });
    expect(err.message).toMatch(/^Syntax Error: /);
    expect(err.locations).toEqual([{ line: 1, column: 12 }]);
  });
});

describe('operation limits', () => {
  it('passes an operation within every limit', () => {
    expect(check('query Q($x: Int @tag) @tag { a: me { id best { id } } users { id } }')).toEqual([]);
  });

  it('refuses depth over maxDepth with QUERY_TOO_DEEP, counting fragments expanded and __typename', () => {
    expect(check(nested(15))).toEqual([]);
    expect(check(nested(16))).toEqual([{ code: 'QUERY_TOO_DEEP', limit: 15, actual: 16 }]);
    expect(check('{ me { ...F } } fragment F on User { best { ... on User { best { __typename } } } }', { maxDepth: 3 }))
      .toEqual([{ code: 'QUERY_TOO_DEEP', limit: 3, actual: 4 }]);
  });

  it('refuses aliases over maxAliases with TOO_MANY_ALIASES, counting a fragment per spread', () => {
    const fields = (n: number): string => Array.from({ length: n }, (_, i) => `x${i}: version`).join(' ');
    expect(check(`{ ${fields(30)} }`, { maxRootFields: 100 })).toEqual([]);
    expect(check(`{ ${fields(31)} }`, { maxRootFields: 100 })).toEqual([{ code: 'TOO_MANY_ALIASES', limit: 30, actual: 31 }]);
    expect(check('{ me { ...F } a: me { ...F } } fragment F on User { x: id y: id }', { maxAliases: 4 }))
      .toEqual([{ code: 'TOO_MANY_ALIASES', limit: 4, actual: 5 }]);
  });

  it('refuses root fields over maxRootFields with TOO_MANY_ROOT_FIELDS, counting distinct response keys after fragment expansion', () => {
    expect(check('{ a b c a b c ...R } fragment R on Query { a version }', { maxRootFields: 4 })).toEqual([]);
    expect(check('{ a b ...R } fragment R on Query { c version }', { maxRootFields: 3 }))
      .toEqual([{ code: 'TOO_MANY_ROOT_FIELDS', limit: 3, actual: 4 }]);
  });

  it('refuses directives over maxDirectives with TOO_MANY_DIRECTIVES, counting the operation, variables, spreads and fragments (per spread)', () => {
    const q = 'query ($v: Int @tag) @tag { me @tag { ...F @tag ... @tag { id } } } fragment F on User @tag { id @tag @tag }';
    // operation 1, variable 1, field 1, spread 1, inline 1, fragment definition 1 + its fields 2 = 8
    expect(check(q, { maxDirectives: 8 })).toEqual([]);
    expect(check(q, { maxDirectives: 7 })).toEqual([{ code: 'TOO_MANY_DIRECTIVES', limit: 7, actual: 8 }]);
    expect(check('{ me { ...F ...F } } fragment F on User { id @tag }', { maxDirectives: 1 }))
      .toEqual([{ code: 'TOO_MANY_DIRECTIVES', limit: 1, actual: 2 }]);
  });

  it('refuses an estimated cost over maxCost with QUERY_TOO_COMPLEX', () => {
    expect(check('{ users { friends { id } } }', { maxCost: 420 })).toEqual([]);
    expect(check('{ users { friends { id } } }', { maxCost: 419 })).toEqual([{ code: 'QUERY_TOO_COMPLEX', limit: 419, actual: 420 }]);
  });

  it('reports every broken limit at once', () => {
    const codes = check(`{ ${Array.from({ length: 40 }, (_, i) => `u${i}: users { friends { friends { id } } }`).join(' ')} }`).map((e) => e.code);
    expect(codes).toEqual(['TOO_MANY_ALIASES', 'TOO_MANY_ROOT_FIELDS', 'QUERY_TOO_COMPLEX']);
  });

  it('checks only the operation operationName picks', () => {
    const doc = `query Small { me { id } } query Deep ${nested(20).slice(0)}`;
    expect(check(doc, {}, 'Small')).toEqual([]);
    expect(check(doc, {}, 'Deep').map((e) => e.code)).toEqual(['QUERY_TOO_DEEP']);
    expect(check(doc, {}, null)).toEqual([]);
  });
});

describe('operation limits on hostile documents', () => {
  it('terminates on fragment cycles (validation refuses them later)', () => {
    expect(check('{ me { ...A } } fragment A on User { best { ...B } } fragment B on User { best { ...A } }')).toEqual([]);
    expect(check('{ ...Q } fragment Q on Query { ...Q a }')).toEqual([]);
  });

  it('measures each fragment once: a 10-level fan-out of 10 spreads each counts 10^10 aliases without walking them', () => {
    const levels = Array.from({ length: 10 }, (_, i) => `fragment F${i + 1} on User { ${Array.from({ length: 10 }, () => `...F${i}`).join(' ')} }`).join('\n');
    const errors = check(`{ me { ...F10 } } ${levels} fragment F0 on User { x: id }`);
    expect(errors).toContainEqual({ code: 'TOO_MANY_ALIASES', limit: 30, actual: 10 ** 10 });
  });

  it('refuses nesting deeper than the walk descends with QUERY_TOO_DEEP, without overflowing the stack', () => {
    const deep = nested(NESTING_CUTOFF + 500);
    expect(check(deep)).toEqual([{ code: 'QUERY_TOO_DEEP', limit: 15, actual: NESTING_CUTOFF + 1 }]);
    const inline = `{ ${'... on Query { '.repeat(NESTING_CUTOFF + 10)}a${' }'.repeat(NESTING_CUTOFF + 10)} }`;
    expect(check(inline).map((e) => e.code)).toEqual(['QUERY_TOO_DEEP']);
  });

  it('refuses brackets nested deeper than NESTING_CUTOFF before parsing (graphql-js would overflow the stack), as QUERY_TOO_DEEP', () => {
    const huge = { maxTokens: 1_000_000 };
    expect(parseWithLimits(nested(NESTING_CUTOFF), huge).definitions).toHaveLength(1);
    const lists = `{ a(x: ${'['.repeat(20_000)}1${']'.repeat(20_000)}) }`;
    const objects = `{ a(x: ${'{ b: '.repeat(20_000)}1${'}'.repeat(20_000)}) }`;
    for (const text of [nested(NESTING_CUTOFF + 1), nested(50_000), lists, objects]) {
      expect(thrown(() => parseWithLimits(text, huge)).extensions).toEqual({ code: 'QUERY_TOO_DEEP', limit: NESTING_CUTOFF, actual: NESTING_CUTOFF + 1 });
    }
  });

  it('does not count brackets inside strings, block strings and comments', () => {
    const q = '"';
    const text = `{ a(x: ${q}${'{'.repeat(2_000)}${q}, y: ${q.repeat(3)}${'['.repeat(2_000)}${q.repeat(3)}) # ${'('.repeat(2_000)}\n }`;
    expect(parseWithLimits(text, { maxTokens: 100 }).definitions).toHaveLength(1);
  });
});

describe('operation limits on the composed API schema', () => {
  const schema = apiSchema();
  const manifest = JSON.parse(readFileSync(path.resolve(__dirname, '../../schema/generated/operations/persisted-documents.json'), 'utf8')) as Record<string, string>;
  const codes = (query: string): unknown[] =>
    checkOperationLimits(schema, parseWithLimits(query, DEFAULT_OPERATION_LIMITS), null, DEFAULT_OPERATION_LIMITS).map((e) => e.extensions.code);

  it.each(Object.entries(manifest).map(([id, text]) => [/(?:query|mutation) (\w+)/.exec(text)?.[1], id, text]))(
    'passes the AI core operation %s under the defaults', (_name, _id, text) => {
      expect(codes(text ?? '')).toEqual([]);
    },
  );

  it('refuses an alias bomb with TOO_MANY_ALIASES and QUERY_TOO_COMPLEX', () => {
    const bomb = `{ contactByEmail(email: "a@b.c") { ${Array.from({ length: 200 }, (_, i) => `o${i}: salesOrders(first: 100) { nodes { id } }`).join(' ')} } }`;
    expect(codes(bomb)).toEqual(['TOO_MANY_ALIASES', 'QUERY_TOO_COMPLEX']);
  });

  it('refuses a deep cross-system cycle with QUERY_TOO_DEEP', () => {
    const hop = 'salesOrders(first: 1) { nodes { soldTo { ';
    const q = `{ contactByEmail(email: "a@b.c") { ${hop.repeat(5)}id${' } } }'.repeat(5)} } }`;
    expect(codes(q)).toEqual(['QUERY_TOO_DEEP']);
  });

  it('refuses a wide root with TOO_MANY_ROOT_FIELDS', () => {
    const q = `{ ${Array.from({ length: 21 }, (_, i) => `c${i}: contact(id: "${i}") { id }`).join(' ')} }`;
    expect(codes(q)).toEqual(['TOO_MANY_ROOT_FIELDS']);
  });

  it('refuses a wide page with QUERY_TOO_COMPLEX', () => {
    expect(codes('{ contacts(first: 1000) { nodes { salesOrders(first: 100) { nodes { id } } } } }')).toEqual(['QUERY_TOO_COMPLEX']);
  });

  it('passes the standard introspection query at the default depth (it has depth 15: introspection counts like any field)', () => {
    expect(checkOperationLimits(schema, parse(getIntrospectionQuery()), null, DEFAULT_OPERATION_LIMITS)).toEqual([]);
    expect(checkOperationLimits(schema, parse(getIntrospectionQuery()), null, { ...DEFAULT_OPERATION_LIMITS, maxDepth: 14 }).map((e) => e.extensions))
      .toEqual([{ code: 'QUERY_TOO_DEEP', limit: 14, actual: 15 }]);
  });
});

describe('operation limits from the environment', () => {
  it('defaults to the documented values', () => {
    expect(loadOperationLimits({})).toEqual({
      maxTokens: 5_000, maxDepth: 15, maxAliases: 30, maxRootFields: 20, maxDirectives: 50, maxCost: 10_000, defaultListSize: 20, maxListSize: 100,
    });
  });

  it('reads every key', () => {
    expect(loadOperationLimits({
      GATEWAY_MAX_TOKENS: '100', GATEWAY_MAX_DEPTH: '5', GATEWAY_MAX_ALIASES: '0', GATEWAY_MAX_ROOT_FIELDS: '3', GATEWAY_MAX_DIRECTIVES: '4',
      GATEWAY_MAX_COST: '99', GATEWAY_DEFAULT_LIST_SIZE: '7', GATEWAY_MAX_LIST_SIZE: '8',
    })).toEqual({ maxTokens: 100, maxDepth: 5, maxAliases: 0, maxRootFields: 3, maxDirectives: 4, maxCost: 99, defaultListSize: 7, maxListSize: 8 });
  });

  it.each([
    ['GATEWAY_MAX_DEPTH', 'deep'], ['GATEWAY_MAX_DEPTH', String(NESTING_CUTOFF + 1)], ['GATEWAY_MAX_TOKENS', '0'], ['GATEWAY_MAX_COST', '1.5'],
    ['GATEWAY_MAX_ALIASES', '-1'], ['GATEWAY_MAX_LIST_SIZE', 'many'],
  ])('fails fast naming %s when it is %s', (key, value) => {
    expect(() => loadOperationLimits({ [key]: value })).toThrow(new RegExp(`^${key} must be an integer`));
  });
});
