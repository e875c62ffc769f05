/**
 * An operation's variables as the executor needs them: checked against their definitions (as graphql-js
 * does before execution), `@skip`/`@include` conditions, and the key that picks a compiled response
 * shaper (one per combination of the condition variables' values).
 */
import {
  Kind, getVariableValues, valueFromASTUntyped, visit,
  type DirectiveNode, type DocumentNode, type GraphQLSchema, type OperationDefinitionNode,
} from 'graphql';
import type { ExecutionErrorOut } from './responseShaper';

/** Whether `@skip`/`@include` on a selection let it through, given variable values (defaults applied). */
export function conditionsHold(directives: readonly DirectiveNode[] | undefined, vars: Record<string, unknown>): boolean {
  if (!directives || directives.length === 0) return true;
  for (const d of directives) {
    const name = d.name.value;
    if (name !== 'skip' && name !== 'include') continue;
    const arg = d.arguments?.find((a) => a.name.value === 'if');
    if (!arg) continue;
    const v = arg.value.kind === Kind.VARIABLE ? vars[arg.value.name.value] : arg.value.kind === Kind.BOOLEAN ? arg.value.value : undefined;
    if (name === 'skip' && v === true) return false;
    if (name === 'include' && v !== true) return false;
  }
  return true;
}

/** Names of the variables used as `if:` of `@skip`/`@include` anywhere in the document. */
export function conditionVariableNames(document: DocumentNode): string[] {
  const names = new Set<string>();
  visit(document, {
    Directive(node) {
      if (node.name.value !== 'skip' && node.name.value !== 'include') return;
      for (const a of node.arguments ?? []) if (a.value.kind === Kind.VARIABLE) names.add(a.value.name.value);
    },
  });
  return [...names].sort();
}

/** The variables' default values from the operation's definitions. */
export function variableDefaults(operation: OperationDefinitionNode): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const def of operation.variableDefinitions ?? []) {
    if (def.defaultValue) out[def.variable.name.value] = valueFromASTUntyped(def.defaultValue);
  }
  return out;
}

/** Checks the request's variables against the operation (BAD_USER_INPUT like graphql-js), or undefined when valid. */
export function variableErrors(schema: GraphQLSchema, operation: OperationDefinitionNode, variables: Record<string, unknown>): ExecutionErrorOut[] | undefined {
  if (!operation.variableDefinitions || operation.variableDefinitions.length === 0) return undefined;
  const res = getVariableValues(schema, operation.variableDefinitions, variables, { maxErrors: 50 });
  if (!res.errors) return undefined;
  return res.errors.map((e) => ({ message: e.message, extensions: { code: 'BAD_USER_INPUT' } }));
}
