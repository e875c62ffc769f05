/**
 * What the supergraph's `@authenticated` and `@requiresScopes` directives ask of a caller, read once per
 * supergraph, and where an operation meets them. Semantics are Apollo Router's:
 * - `@requiresScopes(scopes: [["a", "b"], ["c"]])` holds when the caller has (a AND b) OR c, and implies
 *   `@authenticated`;
 * - a directive on a type (object, interface, scalar, enum) applies to every field returning that type,
 *   and to the fields selected on it (a fragment `... on Secret { x }` needs Secret's requirement);
 * - requirements met several times (a field and its type, a type and its parent) must all hold.
 * Composition (2.14) already propagates the requirements of implementing types onto their interfaces,
 * so a field selected through an interface carries the interface's copy.
 *
 * The API schema drops these directives: they are read from the supergraph schema itself, under the
 * names the supergraph's `@link` gives them.
 */
import type { Supergraph } from '@apollo/federation-internals';
import {
  Kind, getNamedType, isCompositeType,
  type DocumentNode, type FieldNode, type FragmentDefinitionNode, type GraphQLCompositeType, type GraphQLSchema,
  type OperationDefinitionNode, type SelectionSetNode,
} from 'graphql';

/** One requirement: authentication, and every listed scope formula (each `[[a, b], [c]]` = (a AND b) OR c). */
export interface Requirement {
  authenticated: boolean;
  scopes: ReadonlyArray<ReadonlyArray<readonly string[]>>;
}

/** What a request knows of its caller. Absent = anonymous. */
export interface AccessCaller {
  authenticated: boolean;
  scopes: readonly string[];
}

export interface AuthRequirements {
  /** False when the supergraph has no requirement at all (nothing to check, ever). */
  readonly any: boolean;
  /** The requirement of the field `type.field`, or of the type `type` (field omitted). */
  of(type: string, field?: string): Requirement | undefined;
}

/** A field of an operation that has a requirement (its own, its parent type's or its return type's). */
export interface AccessSite {
  node: FieldNode;
  requirement: Requirement;
  /** A root field of the operation (a denied root subscription field refuses the subscription). */
  root: boolean;
}

function combine(parts: ReadonlyArray<Requirement | undefined>): Requirement | undefined {
  let out: Requirement | undefined;
  for (const r of parts) {
    if (!r) continue;
    out = out ? { authenticated: out.authenticated || r.authenticated, scopes: [...out.scopes, ...r.scopes] } : r;
  }
  return out;
}

/** Reads every `@authenticated` / `@requiresScopes` of the supergraph schema. */
export function readAuthRequirements(supergraph: Supergraph): AuthRequirements {
  const features = supergraph.schema.coreFeatures;
  const authName = features?.getByIdentity('https://specs.apollo.dev/authenticated')?.directiveNameInSchema('authenticated');
  const scopesName = features?.getByIdentity('https://specs.apollo.dev/requiresScopes')?.directiveNameInSchema('requiresScopes');
  const map = new Map<string, Requirement>();
  type Directed = { appliedDirectives: ReadonlyArray<{ name: string; arguments(): Record<string, unknown> }> };
  const read = (key: string, element: Directed): void => {
    const parts: Requirement[] = [];
    for (const d of element.appliedDirectives) {
      if (d.name === authName) parts.push({ authenticated: true, scopes: [] });
      if (d.name === scopesName) parts.push({ authenticated: true, scopes: [d.arguments().scopes as string[][]] });
    }
    const r = combine(parts);
    if (r) map.set(key, r);
  };
  if (authName || scopesName) {
    for (const type of supergraph.schema.types()) {
      if (type.kind === 'InputObjectType' || type.kind === 'UnionType') continue;
      read(type.name, type);
      if (type.kind === 'ObjectType' || type.kind === 'InterfaceType') for (const f of type.fields()) read(`${type.name}.${f.name}`, f);
    }
  }
  return { any: map.size > 0, of: (type, field) => map.get(field === undefined ? type : `${type}.${field}`) };
}

/** Whether `caller` (undefined = anonymous) meets `r`. */
export function satisfies(r: Requirement, caller: AccessCaller | undefined): boolean {
  if (!caller?.authenticated) return false;
  const has = new Set(caller.scopes);
  return r.scopes.every((formula) => formula.length === 0 || formula.some((all) => all.every((s) => has.has(s))));
}

/**
 * The fields of `operation` that have a requirement, in document order (each field node once). Runs once
 * per prepared operation; an operation without any (the common case) costs nothing per request.
 */
export function accessSites(schema: GraphQLSchema, reqs: AuthRequirements, document: DocumentNode, operation: OperationDefinitionNode): AccessSite[] {
  const sites: AccessSite[] = [];
  if (!reqs.any) return sites;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const seenFields = new Set<FieldNode>();
  const seenFragments = new Set<string>();
  const walk = (set: SelectionSetNode, parent: GraphQLCompositeType, root: boolean): void => {
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) {
        if (seenFields.has(sel) || sel.name.value.startsWith('__')) continue;
        seenFields.add(sel);
        const def = 'getFields' in parent ? parent.getFields()[sel.name.value] : undefined;
        if (!def) continue;
        const returned = getNamedType(def.type);
        const requirement = combine([reqs.of(parent.name), reqs.of(parent.name, sel.name.value), reqs.of(returned.name)]);
        if (requirement) sites.push({ node: sel, requirement, root });
        if (sel.selectionSet && isCompositeType(returned)) walk(sel.selectionSet, returned, false);
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        const cond = sel.typeCondition ? schema.getType(sel.typeCondition.name.value) : parent;
        if (cond && isCompositeType(cond)) walk(sel.selectionSet, cond, root);
      } else {
        const frag = fragments.get(sel.name.value);
        if (!frag || seenFragments.has(frag.name.value)) continue;
        seenFragments.add(frag.name.value);
        const cond = schema.getType(frag.typeCondition.name.value);
        if (cond && isCompositeType(cond)) walk(frag.selectionSet, cond, root);
      }
    }
  };
  const rootType = schema.getRootType(operation.operation);
  if (rootType) walk(operation.selectionSet, rootType, true);
  return sites;
}

/** The indices of the sites `caller` may not see. */
export function deniedSites(sites: readonly AccessSite[], caller: AccessCaller | undefined): number[] {
  const out: number[] = [];
  for (let i = 0; i < sites.length; i += 1) if (!satisfies(sites[i]!.requirement, caller)) out.push(i);
  return out;
}
