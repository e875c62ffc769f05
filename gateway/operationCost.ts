/**
 * A static cost estimate of an operation, before anything runs, in the style of Apollo's demand
 * control and IBM's GraphQL Cost Directives spec. A pure function of (schema, document, operation
 * name, limits), so it is computed once per prepared document.
 *
 * The formula, for the selected operation:
 *
 *     cost(operation)  = cost(root selection) + 10 * rootFields   (the 10 only for a mutation)
 *     cost(selection)  = sum of cost(field) over its fields and applicable fragments; under an
 *                        abstract type (interface, union): the fields and untyped fragments, plus the
 *                        max over the fragments conditioned on a narrower type (per type condition)
 *     cost(leaf field) = 0   (scalars and enums, lists of them too; `__typename`)
 *     cost(field)      = 1 + cost(its selection)          for an object, interface or union field
 *                      = size * (1 + cost(its selection)) when that field is a list
 *     size             = the field's `first`/`last`/`limit`/`top` argument (the largest given):
 *                        its literal value; `maxListSize` when it is a variable (the request may
 *                        send any value); the argument's schema default when absent; else
 *                        `defaultListSize`.
 *     connections      = a non-list field with a size (e.g. `contacts(first: 5)`) passes it to its
 *                        `edges` and `nodes` list children, so they multiply by 5 (once: the
 *                        connection itself counts 1, not 5).
 *
 * Introspection (`__schema`, `__type` and everything under them) costs 0: the gateway answers it
 * itself, without a subgraph call (the depth limit still counts it). Fields the schema does not
 * know (the document is not validated yet) cost 1 when they have a selection, else 0.
 *
 * Safe on hostile documents: each fragment is costed once per (type, page size) (memoized),
 * a fragment spread inside its own expansion (a cycle) costs 0, nesting deeper than
 * `NESTING_CUTOFF` is not descended (the depth limit refuses such a document anyway), and every
 * sum saturates at `Number.MAX_SAFE_INTEGER`.
 */
import {
  Kind, getNamedType, getNullableType, getOperationAST, isAbstractType, isCompositeType, isIntrospectionType,
  isListType, isObjectType, isUnionType,
  type DocumentNode, type FieldNode, type FragmentDefinitionNode, type GraphQLCompositeType, type GraphQLField,
  type GraphQLSchema, type OperationDefinitionNode, type SelectionSetNode,
} from 'graphql';

/** The part of `OperationLimits` the estimate reads. */
export interface ListSizeLimits {
  /** List size assumed for a list field without a size argument. @default 20 */
  defaultListSize: number;
  /** Size assumed when the size argument is a variable. @default 100 */
  maxListSize: number;
}

/**
 * Nesting beyond which nothing is descended: selections (fields, inline fragments, spreads) in the
 * walks here and in `operationLimits.ts`, brackets in `parseWithLimits`. graphql-js's recursive
 * parser overflows Node's default stack at about 2,000 levels; legitimate operations nest < 50.
 */
export const NESTING_CUTOFF = 500;

/** Extra cost of each root field of a mutation. */
export const MUTATION_FIELD_COST = 10;

const SIZE_ARGUMENTS = new Set(['first', 'last', 'limit', 'top']);
const CONNECTION_LISTS = new Set(['edges', 'nodes']);

/** Adds and multiplies without leaving the safe integers (fragment fan-out grows exponentially). */
export function saturate(n: number): number {
  return n > Number.MAX_SAFE_INTEGER ? Number.MAX_SAFE_INTEGER : n;
}

export function fragmentsOf(document: DocumentNode): Map<string, FragmentDefinitionNode> {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION && !fragments.has(d.name.value)) fragments.set(d.name.value, d);
  return fragments;
}

/** The operation `operationName` picks, as graphql-js's `getOperationAST` does; undefined when none. */
export function selectOperation(document: DocumentNode, operationName: string | null): OperationDefinitionNode | undefined {
  return getOperationAST(document, operationName ?? undefined) ?? undefined;
}

/**
 * The distinct response keys (alias or field name) of the operation's root selection, fragments
 * expanded: what the root resolves, each once however often it is repeated.
 */
export function rootResponseKeys(operation: OperationDefinitionNode, fragments: Map<string, FragmentDefinitionNode>): Set<string> {
  const keys = new Set<string>();
  const seen = new Set<string>();
  const stack: SelectionSetNode[] = [operation.selectionSet];
  for (let set = stack.pop(); set; set = stack.pop()) {
    for (const s of set.selections) {
      if (s.kind === Kind.FIELD) keys.add(s.alias?.value ?? s.name.value);
      else if (s.kind === Kind.INLINE_FRAGMENT) stack.push(s.selectionSet);
      else if (!seen.has(s.name.value)) {
        seen.add(s.name.value);
        const f = fragments.get(s.name.value);
        if (f) stack.push(f.selectionSet);
      }
    }
  }
  return keys;
}

interface CostWalk {
  schema: GraphQLSchema;
  fragments: Map<string, FragmentDefinitionNode>;
  limits: ListSizeLimits;
  memo: Map<string, number>;
  active: Set<string>;
}

/** The field's size argument: literal, variable (`maxListSize`) or schema default; undefined when it has none. */
function sizeOf(field: FieldNode, def: GraphQLField<unknown, unknown>, limits: ListSizeLimits): number | undefined {
  let size: number | undefined;
  for (const arg of field.arguments ?? []) {
    if (!SIZE_ARGUMENTS.has(arg.name.value)) continue;
    const v = arg.value.kind === Kind.INT ? Math.max(0, Number(arg.value.value)) : arg.value.kind === Kind.VARIABLE ? limits.maxListSize : undefined;
    if (v !== undefined) size = Math.max(size ?? 0, v);
  }
  if (size !== undefined) return size;
  for (const a of def.args) {
    if (SIZE_ARGUMENTS.has(a.name) && typeof a.defaultValue === 'number') size = Math.max(size ?? 0, a.defaultValue);
  }
  return size;
}

function fieldCost(w: CostWalk, field: FieldNode, parent: GraphQLCompositeType | undefined, pageSize: number | undefined, level: number): number {
  const name = field.name.value;
  if (name === '__typename' || name === '__schema' || name === '__type' || (parent && isIntrospectionType(parent))) return 0;
  const def = parent && !isUnionType(parent) ? parent.getFields()[name] : undefined;
  if (!def) return field.selectionSet ? saturate(1 + selectionCost(w, field.selectionSet, undefined, undefined, level + 1)) : 0;
  const named = getNamedType(def.type);
  if (!isCompositeType(named) || !field.selectionSet) return 0;
  const isList = isListType(getNullableType(def.type));
  const size = sizeOf(field, def, w.limits);
  const own = saturate(1 + selectionCost(w, field.selectionSet, named, isList ? undefined : size, level + 1));
  if (!isList) return own;
  const ownSize = field.arguments?.some((a) => SIZE_ARGUMENTS.has(a.name.value)) ? size : undefined;
  const multiplier = ownSize ?? (CONNECTION_LISTS.has(name) && pageSize !== undefined ? pageSize : size ?? w.limits.defaultListSize);
  return saturate(multiplier * own);
}

function fragmentCost(w: CostWalk, name: string, parent: GraphQLCompositeType | undefined, pageSize: number | undefined, level: number): number {
  const fragment = w.fragments.get(name);
  if (!fragment || w.active.has(name)) return 0;
  const type = conditionType(w.schema, fragment.typeCondition.name.value, parent);
  if (type === null) return 0;
  const key = `${name}\u0000${type?.name ?? ''}\u0000${pageSize ?? ''}`;
  const hit = w.memo.get(key);
  if (hit !== undefined) return hit;
  w.active.add(name);
  const cost = selectionCost(w, fragment.selectionSet, type, pageSize, level + 1);
  w.active.delete(name);
  w.memo.set(key, cost);
  return cost;
}

/**
 * The type a fragment's selection is costed on: the parent when it is an object type the
 * condition allows, else the condition's type; null when the fragment can never apply.
 */
function conditionType(schema: GraphQLSchema, condition: string | undefined, parent: GraphQLCompositeType | undefined): GraphQLCompositeType | undefined | null {
  if (condition === undefined || !parent) return parent;
  const cond = schema.getType(condition);
  if (!cond || !isCompositeType(cond)) return null;
  if (isObjectType(parent)) return cond === parent || (isAbstractType(cond) && schema.isSubType(cond, parent)) ? parent : null;
  return cond;
}

function selectionCost(w: CostWalk, set: SelectionSetNode, type: GraphQLCompositeType | undefined, pageSize: number | undefined, level: number): number {
  if (level > NESTING_CUTOFF) return 0;
  const abstract = type !== undefined && isAbstractType(type);
  let base = 0;
  const narrower = new Map<string, number>();
  const add = (condition: string | undefined, cost: number): void => {
    if (!abstract || condition === undefined || condition === type.name) base = saturate(base + cost);
    else narrower.set(condition, saturate((narrower.get(condition) ?? 0) + cost));
  };
  for (const s of set.selections) {
    if (s.kind === Kind.FIELD) {
      base = saturate(base + fieldCost(w, s, type, pageSize, level));
    } else if (s.kind === Kind.INLINE_FRAGMENT) {
      const cond = conditionType(w.schema, s.typeCondition?.name.value, type);
      if (cond !== null) add(s.typeCondition?.name.value, selectionCost(w, s.selectionSet, cond, pageSize, level + 1));
    } else {
      add(w.fragments.get(s.name.value)?.typeCondition.name.value, fragmentCost(w, s.name.value, type, pageSize, level));
    }
  }
  let widest = 0;
  for (const c of narrower.values()) widest = Math.max(widest, c);
  return saturate(base + widest);
}

/**
 * The estimated cost of the operation `operationName` picks (formula above); 0 when the document
 * has no such operation or the schema no such root type (validation reports those).
 */
export function estimateCost(schema: GraphQLSchema, document: DocumentNode, operationName: string | null, limits: ListSizeLimits): number {
  const operation = selectOperation(document, operationName);
  if (!operation) return 0;
  const root = schema.getRootType(operation.operation);
  if (!root) return 0;
  const fragments = fragmentsOf(document);
  const w: CostWalk = { schema, fragments, limits, memo: new Map(), active: new Set() };
  const cost = selectionCost(w, operation.selectionSet, root, undefined, 0);
  if (operation.operation !== 'mutation') return cost;
  return saturate(cost + MUTATION_FIELD_COST * rootResponseKeys(operation, fragments).size);
}
