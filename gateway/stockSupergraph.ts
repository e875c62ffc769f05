/**
 * The supergraph as the stock `@apollo/gateway` (GATEWAY_EXECUTOR=stock) can load it. The stock gateway
 * refuses supergraphs linking `@authenticated` / `@requiresScopes` (features "for: SECURITY" it does not
 * implement), so they are removed here: their `@link`s, directive definitions, the `requiresScopes__Scope`
 * scalar and every usage.
 *
 * The stock path therefore does NOT enforce them: every field is served to every caller the HTTP layer
 * lets through. It is kept for comparison and benchmarks only; the fast executor enforces them
 * (`fieldAuthorization.ts`).
 */
import type { SupergraphSdlHook } from '@apollo/gateway';
import { Kind, parse, print, visit, type ConstDirectiveNode, type ConstValueNode } from 'graphql';
import { AUTHENTICATED_SPEC, REQUIRES_SCOPES_SPEC } from './supergraphFeatures';

const STRIPPED = new Map([[AUTHENTICATED_SPEC, 'authenticated'], [REQUIRES_SCOPES_SPEC, 'requiresScopes']]);

function stringArg(d: ConstDirectiveNode, name: string): string | undefined {
  const v: ConstValueNode | undefined = d.arguments?.find((a) => a.name.value === name)?.value;
  return v?.kind === Kind.STRING ? v.value : undefined;
}

/** The supergraph without the security features the stock gateway refuses (it does not enforce them). */
export function stripSecurityDirectives(supergraphSdl: string): string {
  const doc = parse(supergraphSdl);
  /** Directive names in this supergraph (after `as:`) -> dropped; type-name prefixes of the features. */
  const names = new Set<string>();
  const prefixes: string[] = [];
  const isStrippedLink = (d: ConstDirectiveNode): boolean => {
    if (d.name.value !== 'link') return false;
    const url = stringArg(d, 'url');
    const base = url ? STRIPPED.get(url.replace(/\/v[0-9.]+$/, '/v0.1')) : undefined;
    if (!base) return false;
    const name = stringArg(d, 'as') ?? base;
    names.add(name);
    prefixes.push(`${name}__`);
    return true;
  };
  for (const def of doc.definitions) {
    if (def.kind === Kind.SCHEMA_DEFINITION || def.kind === Kind.SCHEMA_EXTENSION) def.directives?.forEach(isStrippedLink);
  }
  if (names.size === 0) return supergraphSdl;
  const stripped = visit(doc, {
    Directive: (node) => (names.has(node.name.value) || (node.name.value === 'link' && isStrippedLink(node as ConstDirectiveNode)) ? null : undefined),
    DirectiveDefinition: (node) => (names.has(node.name.value) ? null : undefined),
    ScalarTypeDefinition: (node) => (prefixes.some((p) => node.name.value.startsWith(p)) ? null : undefined),
    EnumTypeDefinition: (node) => (prefixes.some((p) => node.name.value.startsWith(p)) ? null : undefined),
  });
  return `${print(stripped)}\n`;
}

/**
 * Wraps a `supergraphSdl` hook (e.g. `createSupergraphFile(...).hook`) so the stock gateway gets every
 * version, the first and each hot reload, through `stripSecurityDirectives`.
 */
export function stockSupergraphHook(hook: SupergraphSdlHook): SupergraphSdlHook {
  return async (options) => {
    const loaded = await hook({ ...options, update: (sdl) => options.update(stripSecurityDirectives(sdl)) });
    return { ...loaded, supergraphSdl: stripSecurityDirectives(loaded.supergraphSdl) };
  };
}
