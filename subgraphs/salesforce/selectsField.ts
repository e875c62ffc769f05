/**
 * Whether the current field's selection asks for a sub-field, looking through inline fragments and
 * named fragment spreads and honouring `@skip`/`@include`. Lets a resolver skip upstream work (the
 * SOQL `COUNT()` behind `totalCount`) when the client did not ask for it.
 */
import {
  getDirectiveValues, GraphQLIncludeDirective, GraphQLSkipDirective, Kind,
  type GraphQLResolveInfo, type SelectionNode, type SelectionSetNode,
} from 'graphql';

function included(node: SelectionNode, info: GraphQLResolveInfo): boolean {
  if (getDirectiveValues(GraphQLSkipDirective, node, info.variableValues)?.if === true) return false;
  return getDirectiveValues(GraphQLIncludeDirective, node, info.variableValues)?.if !== false;
}

function inSet(set: SelectionSetNode | undefined, name: string, info: GraphQLResolveInfo, seen: Set<string>): boolean {
  for (const sel of set?.selections ?? []) {
    if (!included(sel, info)) continue;
    if (sel.kind === Kind.FIELD && sel.name.value === name) return true;
    if (sel.kind === Kind.INLINE_FRAGMENT && inSet(sel.selectionSet, name, info, seen)) return true;
    if (sel.kind === Kind.FRAGMENT_SPREAD && !seen.has(sel.name.value)) {
      seen.add(sel.name.value);
      if (inSet(info.fragments[sel.name.value]?.selectionSet, name, info, seen)) return true;
    }
  }
  return false;
}

/** True when any occurrence of the resolved field selects `name` directly under it. */
export function selectsField(info: GraphQLResolveInfo, name: string): boolean {
  const seen = new Set<string>();
  return info.fieldNodes.some((node) => inSet(node.selectionSet, name, info, seen));
}
