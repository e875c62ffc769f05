/**
 * Enforces `@authenticated` and `@requiresScopes` in the fast executor (the stock gateway ignores them).
 *
 * Per prepared operation, `operationAccess` keeps the fields that have a requirement (`accessSites`,
 * computed once; none = no work per request). Per request, `variantFor` decides which of them the caller
 * may not see. None: the operation runs as prepared. Some: a variant runs instead, cached per operation
 * and per set of denied fields: the document without the denied fields (an emptied selection set keeps
 * `__typename`), planned by the query planner, so nothing denied is fetched and a denied mutation field is
 * never sent; the response is shaped by the original operation, where each denied field is null with
 * `{ message: 'Unauthorized field or type', path, extensions: { code: 'UNAUTHORIZED' } }` (and GraphQL null
 * propagation when it is non-null). A subscription whose root field is denied is refused outright.
 */
import { Kind, visit, type DocumentNode, type FieldNode, type SelectionSetNode } from 'graphql';
import type { QueryPlan } from '@apollo/query-planner';
import { deniedSites, type AccessCaller, type AccessSite } from './authRequirements';
import { gatewayError } from './gatewayErrors';
import type { DeniedFields, ExecutionErrorOut, Shaper } from './responseShaper';

export const UNAUTHORIZED_CODE = 'UNAUTHORIZED';
export const UNAUTHORIZED_MESSAGE = 'Unauthorized field or type';

/** The run of an operation for callers denied the same fields. */
export interface AccessVariant {
  /** The denied site indices, e.g. `0,3`. */
  key: string;
  denied: DeniedFields;
  /** The plan of the document without the denied fields. */
  plan: QueryPlan;
  /** Denied root fields (a subscription with one is refused). */
  deniedRoots: FieldNode[];
  /** @internal compiled shapers per `@skip`/`@include` values */
  shapers: Map<string, Shaper>;
}

/** What one prepared operation keeps for authorization. */
export interface OperationAccess {
  document: DocumentNode;
  sites: AccessSite[];
  /** Caller (authenticated flag + scopes) -> its variant, or null when nothing is denied. */
  byCaller: Map<string, AccessVariant | null>;
  variants: Map<string, AccessVariant>;
}

/** Callers remembered per operation before the memo is cleared (variants themselves are kept). */
const MAX_CALLERS = 256;

export function operationAccess(document: DocumentNode, sites: AccessSite[]): OperationAccess {
  return { document, sites, byCaller: new Map(), variants: new Map() };
}

/** The error a denied field gets, at `path`; it passes the gateway's error mask as it is. */
export function unauthorizedError(path: ReadonlyArray<string | number>): ExecutionErrorOut {
  const err = gatewayError({ code: UNAUTHORIZED_CODE, message: UNAUTHORIZED_MESSAGE, system: 'gateway', retryable: false });
  const out: ExecutionErrorOut = { message: UNAUTHORIZED_MESSAGE, path: path.slice(), extensions: { code: UNAUTHORIZED_CODE } };
  Object.defineProperty(out, 'originalError', { value: err, enumerable: false });
  return out;
}

const TYPENAME: FieldNode = { kind: Kind.FIELD, name: { kind: Kind.NAME, value: '__typename' } };

/** `document` without the `denied` field nodes; a selection set left empty selects `__typename`. */
export function withoutFields(document: DocumentNode, denied: ReadonlySet<FieldNode>): DocumentNode {
  return visit(document, {
    Field: { enter: (node) => (denied.has(node) ? null : undefined) },
    SelectionSet: {
      leave: (node: SelectionSetNode) => (node.selections.length === 0 ? { ...node, selections: [TYPENAME] } : undefined),
    },
  });
}

function callerKey(caller: AccessCaller | undefined): string {
  return caller?.authenticated ? `1 ${caller.scopes.join(' ')}` : '0';
}

/**
 * The variant `caller` runs, or null when it may see every field of the operation. `plan` plans a
 * document (the operation's own, without the denied fields, of which `deniedRoots` are root fields);
 * it runs once per distinct set of denials.
 */
export function variantFor(
  access: OperationAccess, caller: AccessCaller | undefined, plan: (document: DocumentNode, deniedRoots: readonly FieldNode[]) => QueryPlan,
): AccessVariant | null {
  if (access.sites.length === 0) return null;
  const ck = callerKey(caller);
  const known = access.byCaller.get(ck);
  if (known !== undefined) return known;
  const denied = deniedSites(access.sites, caller);
  let variant: AccessVariant | null = null;
  if (denied.length > 0) {
    const key = denied.join(',');
    variant = access.variants.get(key) ?? null;
    if (!variant) {
      const nodes = new Set(denied.map((i) => access.sites[i]!.node));
      const deniedRoots = denied.filter((i) => access.sites[i]!.root).map((i) => access.sites[i]!.node);
      variant = {
        key,
        denied: { has: (node) => nodes.has(node), error: unauthorizedError },
        plan: plan(withoutFields(access.document, nodes), deniedRoots),
        deniedRoots,
        shapers: new Map(),
      };
      access.variants.set(key, variant);
    }
  }
  if (access.byCaller.size >= MAX_CALLERS) access.byCaller.clear();
  access.byCaller.set(ck, variant);
  return variant;
}

/** The errors refusing a subscription whose root field the caller may not see, or undefined. */
export function subscriptionRefusal(variant: AccessVariant | null): ExecutionErrorOut[] | undefined {
  if (!variant || variant.deniedRoots.length === 0) return undefined;
  return variant.deniedRoots.map((n) => unauthorizedError([n.alias?.value ?? n.name.value]));
}
