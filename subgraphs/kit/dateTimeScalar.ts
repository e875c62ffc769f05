/**
 * The `DateTime` scalar every subgraph declares: serialised as ISO-8601 UTC with milliseconds.
 * Inputs must be ISO-8601 date-times with an offset (`Z` or `+hh:mm`) or bare dates (midnight UTC).
 */
import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';

const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;

function toIso(value: unknown): string | null {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (typeof value === 'string' && ISO_DATE_TIME.test(value)) {
    const d = new Date(value);
    return Number.isNaN(d.getTime()) ? null : d.toISOString();
  }
  return null;
}

function parseInput(value: unknown): string {
  const iso = toIso(value);
  if (iso === null || value instanceof Date) {
    throw new GraphQLError('DateTime must be an ISO-8601 date-time with an offset, e.g. 2026-10-01T09:30:00Z', { extensions: { code: 'BAD_USER_INPUT' } });
  }
  return iso;
}

export const DateTimeScalar = new GraphQLScalarType<string, string>({
  name: 'DateTime',
  description: 'ISO-8601 date-time in UTC with milliseconds.',
  serialize(value) {
    const iso = toIso(value);
    if (iso === null) throw new GraphQLError('DateTime cannot represent an invalid date');
    return iso;
  },
  parseValue: parseInput,
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING) throw new GraphQLError('DateTime must be a string', { nodes: ast, extensions: { code: 'BAD_USER_INPUT' } });
    return parseInput(ast.value);
  },
});
