/**
 * The audit log through the gateway: every mutation that reached execution writes one record (who,
 * tenant, operation, target, outcome, request id) to the audit file, with personal fields of the
 * inputs redacted; a mutation refused for a missing scope is recorded as denied; a supergraph change
 * is recorded as a configuration change.
 */
import { readFileSync } from 'node:fs';
import { testToken, startStack, type Stack } from './startStack';

interface AuditLine {
  audit: boolean;
  actor: string | null;
  tenant: string | null;
  action: string;
  operation?: string | null;
  target?: { type: string; id: string | null } | null;
  outcome: string;
  requestId?: string | null;
  errorCodes?: string[];
  inputs?: unknown;
}

function lines(path: string): AuditLine[] {
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return [];
  }
  return text.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as AuditLine);
}

/** The audit destination writes asynchronously: wait (bounded) for a record to appear. */
async function waitFor(path: string, match: (l: AuditLine) => boolean): Promise<AuditLine> {
  for (let i = 0; i < 100; i++) {
    const found = lines(path).find(match);
    if (found) return found;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no matching audit record in ${path}: ${JSON.stringify(lines(path))}`);
}

describe('audit log', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('records a mutation with who, tenant, operation, target, outcome and request id, personal inputs redacted', async () => {
    const email = 'grace.hopper@audit.example.com';
    const created = await stack.query<{ createContact: { id: string } }>(
      'mutation AddContact($i: CreateContactInput!) { createContact(input: $i) { id } }',
      { i: { firstName: 'Grace', lastName: 'Hopper', email, title: 'Rear Admiral' } }, { 'x-request-id': 'audit-create-1' });
    expect(created.errors).toBeUndefined();
    const record = await waitFor(stack.auditPath, (l) => l.requestId === 'audit-create-1');
    expect(record).toMatchObject({
      audit: true, actor: 'e2e-user', tenant: 'default', action: 'mutation', operation: 'AddContact',
      target: { type: 'createContact', id: null }, outcome: 'success',
    });
    const text = JSON.stringify(record);
    expect(text).not.toContain(email);
    expect(text).not.toContain('Hopper');
    expect(text).toContain('Rear Admiral');

    const id = created.data?.createContact.id as string;
    await stack.query('mutation($id: ID!) { deleteContact(id: $id) { id } }', { id }, { 'x-request-id': 'audit-delete-1' });
    expect(await waitFor(stack.auditPath, (l) => l.requestId === 'audit-delete-1')).toMatchObject({ target: { type: 'deleteContact', id }, outcome: 'success' });
  });

  it('records a mutation refused for a missing scope as denied, and nothing reached Salesforce', async () => {
    const readOnly = `Bearer ${await testToken({ subject: 'reader', scopes: ['crm:read'] })}`;
    stack.resetCounters();
    const res = await stack.query('mutation { deleteContact(id: "003000000000001AAA") { id } }', undefined, { authorization: readOnly, 'x-request-id': 'audit-denied-1' });
    expect(res.errors?.[0]?.extensions?.code).toBe('UNAUTHORIZED');
    expect(Object.keys(stack.counts().salesforce).filter((k) => k.startsWith('DELETE'))).toEqual([]);
    expect(await waitFor(stack.auditPath, (l) => l.requestId === 'audit-denied-1')).toMatchObject({
      actor: 'reader', action: 'mutation', target: { type: 'deleteContact', id: '003000000000001AAA' }, outcome: 'denied', errorCodes: ['UNAUTHORIZED'],
    });
  });
});
