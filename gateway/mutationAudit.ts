/**
 * One audit record per mutation that reached execution (`subgraphs/kit/auditLog.ts`): who (the
 * token's subject), tenant, the operation (its name, else its root fields), the target entity (the
 * first root field's `id` argument, literal or variable), the outcome and the request id, with the
 * variables' secrets and personal fields redacted. Mutations refused before execution (auth, limits,
 * rate limits) are counted in metrics, not audited: nothing was attempted.
 */
import { Kind, type FieldNode, type ValueNode } from 'graphql';
import { redactAuditInputs, type AuditLog, type AuditRecord } from '../subgraphs/kit/auditLog';
import type { Caller } from './callerAdmission';
import type { PreparedOperation } from './federatedExecutor';
import type { ExecutionErrorOut } from './responseShaper';

function rootFields(prepared: PreparedOperation): FieldNode[] {
  return prepared.operation.selectionSet.selections.filter((s): s is FieldNode => s.kind === Kind.FIELD);
}

function argValue(value: ValueNode | undefined, variables: Record<string, unknown>): string | null {
  if (!value) return null;
  if (value.kind === Kind.VARIABLE) {
    const v = variables[value.name.value];
    return typeof v === 'string' || typeof v === 'number' ? String(v) : null;
  }
  return value.kind === Kind.STRING || value.kind === Kind.INT ? value.value : null;
}

function target(fields: FieldNode[], variables: Record<string, unknown>): AuditRecord['target'] {
  const first = fields[0];
  if (!first) return null;
  const id = first.arguments?.find((a) => a.name.value === 'id' || a.name.value === 'channelId');
  return { type: first.name.value, id: argValue(id?.value, variables) };
}

function outcomeOf(errors: ExecutionErrorOut[] | undefined): AuditRecord['outcome'] {
  if (!errors || errors.length === 0) return 'success';
  return errors.every((e) => e.extensions?.code === 'UNAUTHORIZED') ? 'denied' : 'failure';
}

export interface MutationAuditInput {
  prepared: PreparedOperation;
  variables: Record<string, unknown>;
  caller: Caller;
  requestId: string;
  errors: ExecutionErrorOut[] | undefined;
}

export function auditMutation(audit: AuditLog, m: MutationAuditInput): void {
  const fields = rootFields(m.prepared);
  const codes = [...new Set((m.errors ?? []).map((e) => String(e.extensions?.code ?? 'INTERNAL_SERVER_ERROR')))];
  audit.record({
    actor: m.caller.subject,
    tenant: m.caller.tenant,
    action: 'mutation',
    operation: m.prepared.operationName ?? fields.map((f) => f.name.value).join(','),
    target: target(fields, m.variables),
    outcome: outcomeOf(m.errors),
    requestId: m.requestId,
    ...(codes.length > 0 ? { errorCodes: codes } : {}),
    inputs: redactAuditInputs(m.variables),
  });
}
