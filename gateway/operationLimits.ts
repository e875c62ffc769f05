/**
 * Operation limits: what a single GraphQL document may ask of the gateway, checked once per
 * prepared document, before validation and before any subgraph call. A refused operation gets
 * status 400 and one GraphQLError per broken limit, each with a stable `extensions.code` and
 * `{ limit, actual }`:
 *
 * | code | limit | env key | default |
 * |---|---|---|---|
 * | TOO_MANY_TOKENS | lexical tokens (graphql-js `parse` option `maxTokens`) | GATEWAY_MAX_TOKENS | 5000 |
 * | QUERY_TOO_DEEP | field nesting, fragments expanded, `__typename` and introspection included | GATEWAY_MAX_DEPTH | 15 |
 * | TOO_MANY_ALIASES | aliased fields, each fragment counted per spread | GATEWAY_MAX_ALIASES | 30 |
 * | TOO_MANY_ROOT_FIELDS | distinct response keys of the root selection, fragments expanded | GATEWAY_MAX_ROOT_FIELDS | 20 |
 * | TOO_MANY_DIRECTIVES | directive uses anywhere in the operation, each fragment counted per spread | GATEWAY_MAX_DIRECTIVES | 50 |
 * | QUERY_TOO_COMPLEX | the static cost estimate of `operationCost.ts` | GATEWAY_MAX_COST | 10000 |
 *
 * `GATEWAY_DEFAULT_LIST_SIZE` (20) and `GATEWAY_MAX_LIST_SIZE` (100) feed the cost estimate.
 * All checks are pure functions of (schema, document, operation name, limits) and safe on hostile
 * documents: fragments are measured once each (memoized), cycles count 0, and nesting beyond
 * `NESTING_CUTOFF` (500) is not descended (reported as QUERY_TOO_DEEP), in the walks as in the
 * parser.
 */
import { GraphQLError, Kind, Lexer, Source, TokenKind, parse, type DocumentNode, type FragmentDefinitionNode, type GraphQLSchema, type SelectionSetNode } from 'graphql';
import { envInt, type Env } from '../subgraphs/kit/envConfig';
import { NESTING_CUTOFF, estimateCost, fragmentsOf, rootResponseKeys, saturate, selectOperation } from './operationCost';

export interface OperationLimits {
  /** Lexical tokens a document may have (graphql-js `parse` option `maxTokens`). @default 5_000 */
  maxTokens: number;
  /** Field nesting, fragments expanded; `__typename` and introspection fields count like others (the standard introspection query has depth 15). @default 15 */
  maxDepth: number;
  /** Aliased fields in the operation, fragments counted once per spread. @default 30 */
  maxAliases: number;
  /** Distinct response keys of the operation's root selection, after fragment expansion. @default 20 */
  maxRootFields: number;
  /** Directive uses in the operation, its variables and fragments (per spread). @default 50 */
  maxDirectives: number;
  /** Static cost estimate (see `operationCost.ts`). @default 10_000 */
  maxCost: number;
  /** List size assumed for a list field without a size argument. @default 20 */
  defaultListSize: number;
  /** List size assumed when the size argument is a variable (conservative). @default 100 */
  maxListSize: number;
}

export const DEFAULT_OPERATION_LIMITS: Readonly<OperationLimits> = Object.freeze({
  maxTokens: 5_000,
  maxDepth: 15,
  maxAliases: 30,
  maxRootFields: 20,
  maxDirectives: 50,
  maxCost: 10_000,
  defaultListSize: 20,
  maxListSize: 100,
});

/** Every `extensions.code` this file produces (all client errors: status 400, safe to show). */
export const OPERATION_LIMIT_CODES = [
  'TOO_MANY_TOKENS', 'QUERY_TOO_DEEP', 'TOO_MANY_ALIASES', 'TOO_MANY_ROOT_FIELDS', 'TOO_MANY_DIRECTIVES', 'QUERY_TOO_COMPLEX',
] as const;
export type OperationLimitCode = (typeof OPERATION_LIMIT_CODES)[number];

/** The limits from the environment; a bad value throws naming its key and range. */
export function loadOperationLimits(env: Env = process.env): OperationLimits {
  const d = DEFAULT_OPERATION_LIMITS;
  return {
    maxTokens: envInt(env, 'GATEWAY_MAX_TOKENS', d.maxTokens, 1, 1_000_000),
    maxDepth: envInt(env, 'GATEWAY_MAX_DEPTH', d.maxDepth, 1, NESTING_CUTOFF),
    maxAliases: envInt(env, 'GATEWAY_MAX_ALIASES', d.maxAliases, 0, 1_000_000),
    maxRootFields: envInt(env, 'GATEWAY_MAX_ROOT_FIELDS', d.maxRootFields, 1, 1_000_000),
    maxDirectives: envInt(env, 'GATEWAY_MAX_DIRECTIVES', d.maxDirectives, 0, 1_000_000),
    maxCost: envInt(env, 'GATEWAY_MAX_COST', d.maxCost, 1, Number.MAX_SAFE_INTEGER),
    defaultListSize: envInt(env, 'GATEWAY_DEFAULT_LIST_SIZE', d.defaultListSize, 0, 1_000_000),
    maxListSize: envInt(env, 'GATEWAY_MAX_LIST_SIZE', d.maxListSize, 0, 1_000_000),
  };
}

function limitError(code: OperationLimitCode, message: string, limit: number, actual: number): GraphQLError {
  return new GraphQLError(message, { extensions: { code, limit, actual } });
}

/** graphql-js 16 says "more that N tokens" (sic); later versions may fix the typo. */
const TOKEN_LIMIT_MESSAGE = /Document contains more tha[nt] \d+ tokens/;

const OPENING = new Set<string>([TokenKind.BRACE_L, TokenKind.PAREN_L, TokenKind.BRACKET_L]);
const CLOSING = new Set<string>([TokenKind.BRACE_R, TokenKind.PAREN_R, TokenKind.BRACKET_R]);

/**
 * The deepest bracket nesting in the first `maxTokens` tokens, lexed without recursion; stops
 * early past `NESTING_CUTOFF`. A lexical error ends the scan (the parser then reports it).
 */
function bracketNesting(source: string, maxTokens: number): number {
  const lexer = new Lexer(new Source(source));
  let level = 0;
  let deepest = 0;
  try {
    for (let n = 0, t = lexer.advance(); t.kind !== TokenKind.EOF && n <= maxTokens && deepest <= NESTING_CUTOFF; n += 1, t = lexer.advance()) {
      if (OPENING.has(t.kind)) deepest = Math.max(deepest, (level += 1));
      else if (CLOSING.has(t.kind)) level -= 1;
    }
  } catch {
    // a syntax error: the parser reports it with its location
  }
  return deepest;
}

function tooDeepToParse(): GraphQLError {
  return limitError('QUERY_TOO_DEEP', `The document is nested more than ${NESTING_CUTOFF} levels deep.`, NESTING_CUTOFF, NESTING_CUTOFF + 1);
}

/**
 * `parse` with the token limit: over it, a GraphQLError coded TOO_MANY_TOKENS (the parser stops
 * there, so a huge document costs no more than `maxTokens` tokens). Brackets nested deeper than
 * `NESTING_CUTOFF` are refused as QUERY_TOO_DEEP before graphql-js's recursive parser sees them
 * (it would overflow the stack). Any other syntax error is graphql-js's own, coded
 * GRAPHQL_PARSE_FAILED with its locations.
 */
export function parseWithLimits(source: string, limits: Pick<OperationLimits, 'maxTokens'>): DocumentNode {
  if (bracketNesting(source, limits.maxTokens) > NESTING_CUTOFF) throw tooDeepToParse();
  try {
    return parse(source, { maxTokens: limits.maxTokens });
  } catch (err) {
    if (err instanceof RangeError) throw tooDeepToParse();
    if (!(err instanceof GraphQLError)) throw err;
    if (TOKEN_LIMIT_MESSAGE.test(err.message)) {
      throw limitError('TOO_MANY_TOKENS', `The document has more than ${limits.maxTokens} tokens.`, limits.maxTokens, limits.maxTokens + 1);
    }
    throw new GraphQLError(err.message, { source: err.source, positions: err.positions, extensions: { code: 'GRAPHQL_PARSE_FAILED' } });
  }
}

interface Tally {
  depth: number;
  aliases: number;
  directives: number;
}

const ZERO: Tally = { depth: 0, aliases: 0, directives: 0 };

interface ShapeWalk {
  fragments: Map<string, FragmentDefinitionNode>;
  memo: Map<string, Tally>;
  active: Set<string>;
  truncated: boolean;
}

function fragmentTally(w: ShapeWalk, name: string, level: number): Tally {
  const hit = w.memo.get(name);
  if (hit) return hit;
  const fragment = w.fragments.get(name);
  if (!fragment || w.active.has(name)) return ZERO;
  w.active.add(name);
  const inner = selectionTally(w, fragment.selectionSet, level + 1);
  w.active.delete(name);
  const t = { ...inner, directives: saturate(inner.directives + (fragment.directives?.length ?? 0)) };
  w.memo.set(name, t);
  return t;
}

/** Depth, aliases and directives of a selection set, fragments expanded (each measured once). */
function selectionTally(w: ShapeWalk, set: SelectionSetNode, level: number): Tally {
  if (level > NESTING_CUTOFF) {
    w.truncated = true;
    return ZERO;
  }
  let depth = 0;
  let aliases = 0;
  let directives = 0;
  for (const s of set.selections) {
    let inner = ZERO;
    const own = s.directives?.length ?? 0;
    if (s.kind === Kind.FIELD) {
      inner = s.selectionSet ? selectionTally(w, s.selectionSet, level + 1) : ZERO;
      depth = Math.max(depth, inner.depth + 1);
      if (s.alias) aliases += 1;
    } else {
      inner = s.kind === Kind.INLINE_FRAGMENT ? selectionTally(w, s.selectionSet, level + 1) : fragmentTally(w, s.name.value, level);
      depth = Math.max(depth, inner.depth);
    }
    aliases = saturate(aliases + inner.aliases);
    directives = saturate(directives + own + inner.directives);
  }
  return { depth, aliases, directives };
}

/**
 * Every limit the operation `operationName` picks breaks, one GraphQLError each (codes in the
 * table above, `extensions: { code, limit, actual }`); empty when it is within all limits or the
 * document has no such operation (validation reports that). Run it before `validate`.
 */
export function checkOperationLimits(schema: GraphQLSchema, document: DocumentNode, operationName: string | null, limits: OperationLimits): GraphQLError[] {
  const operation = selectOperation(document, operationName);
  if (!operation) return [];
  const fragments = fragmentsOf(document);
  const w: ShapeWalk = { fragments, memo: new Map(), active: new Set(), truncated: false };
  const t = selectionTally(w, operation.selectionSet, 0);
  let directives = saturate(t.directives + (operation.directives?.length ?? 0));
  for (const v of operation.variableDefinitions ?? []) directives += v.directives?.length ?? 0;
  const errors: GraphQLError[] = [];
  if (w.truncated) {
    errors.push(limitError('QUERY_TOO_DEEP', `The operation is nested more than ${NESTING_CUTOFF} levels deep.`, limits.maxDepth, Math.max(t.depth, NESTING_CUTOFF)));
  } else if (t.depth > limits.maxDepth) {
    errors.push(limitError('QUERY_TOO_DEEP', `The operation has depth ${t.depth}, over the limit of ${limits.maxDepth}.`, limits.maxDepth, t.depth));
  }
  if (t.aliases > limits.maxAliases) {
    errors.push(limitError('TOO_MANY_ALIASES', `The operation uses ${t.aliases} aliases, over the limit of ${limits.maxAliases}.`, limits.maxAliases, t.aliases));
  }
  const rootFields = rootResponseKeys(operation, fragments).size;
  if (rootFields > limits.maxRootFields) {
    errors.push(limitError('TOO_MANY_ROOT_FIELDS', `The operation selects ${rootFields} root fields, over the limit of ${limits.maxRootFields}.`, limits.maxRootFields, rootFields));
  }
  if (directives > limits.maxDirectives) {
    errors.push(limitError('TOO_MANY_DIRECTIVES', `The operation uses ${directives} directives, over the limit of ${limits.maxDirectives}.`, limits.maxDirectives, directives));
  }
  const cost = estimateCost(schema, document, operationName, limits);
  if (cost > limits.maxCost) {
    errors.push(limitError('QUERY_TOO_COMPLEX', `The operation has an estimated cost of ${cost}, over the limit of ${limits.maxCost}.`, limits.maxCost, cost));
  }
  return errors;
}
