import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAuditLog, redactAuditInputs, type AuditLog } from '../../subgraphs/kit/auditLog';

let dir: string;
const logs: AuditLog[] = [];

function readLines(path: string): Record<string, unknown>[] {
  return readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
}

beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'audit-')); });
afterEach(async () => {
  for (const log of logs.splice(0)) await log.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('audit log', () => {
  it('writes one JSON line per record to its own file, with the who, what, outcome and redacted inputs', async () => {
    const path = join(dir, 'nested', 'audit.log');
    const audit = createAuditLog({ env: { AUDIT_LOG_PATH: path } });
    logs.push(audit);
    audit.record({
      actor: 'user:42', tenant: 'acme', action: 'mutation', operation: 'updateContact', target: { type: 'Contact', id: '003A' },
      outcome: 'success', requestId: 'req-1',
      inputs: { id: '003A', input: { email: 'jane@example.com', title: 'CTO', password: 'hunter2' } },
    });
    audit.record({ actor: null, tenant: null, action: 'config.tenants', outcome: 'failure', errorCodes: ['BAD_CONFIG'] });
    await audit.flush();
    const [first, second] = readLines(path);
    expect(first).toMatchObject({
      audit: true, actor: 'user:42', tenant: 'acme', action: 'mutation', operation: 'updateContact',
      target: { type: 'Contact', id: '003A' }, outcome: 'success', requestId: 'req-1',
      inputs: { id: '003A', input: { email: '[personal]', title: 'CTO', password: '[redacted]' } },
    });
    expect(typeof first?.time).toBe('string');
    expect(Number.isNaN(Date.parse(first?.time as string))).toBe(false);
    expect(first).not.toHaveProperty('errorCodes');
    expect(second).toMatchObject({ audit: true, actor: null, tenant: null, operation: null, target: null, requestId: null, outcome: 'failure', errorCodes: ['BAD_CONFIG'] });
    expect(second).not.toHaveProperty('inputs');
    const text = readFileSync(path, 'utf8');
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('jane@example.com');
  });

  it('appends across instances and drops (without throwing) records after close', async () => {
    const path = join(dir, 'audit.log');
    const one = createAuditLog({ destination: path });
    one.record({ actor: 'a', tenant: null, action: 'credential.set', outcome: 'success' });
    await one.close();
    one.record({ actor: 'late', tenant: null, action: 'credential.set', outcome: 'success' });
    const two = createAuditLog({ destination: path });
    logs.push(two);
    two.record({ actor: 'b', tenant: null, action: 'credential.rotate', outcome: 'success' });
    await two.flush();
    expect(readLines(path).map((l) => l.actor)).toEqual(['a', 'b']);
  });

  it('flushes every queued record, however many', async () => {
    const path = join(dir, 'audit.log');
    const audit = createAuditLog({ destination: path });
    logs.push(audit);
    for (let i = 0; i < 500; i++) audit.record({ actor: `u${i}`, tenant: 't', action: 'mutation', outcome: 'success', inputs: { note: 'x'.repeat(200) } });
    await audit.flush();
    expect(readLines(path)).toHaveLength(500);
  });
});

describe('audit input redaction', () => {
  it('blanks secrets and personal fields at any depth, in any key spelling', () => {
    const input = {
      SAP_PASSWORD: 'p', client_secret: 's', apiKey: 'k', Authorization: 'Bearer t', privateKey: 'pk', refreshToken: 'rt', clientState: 'cs',
      contact: { FirstName: 'Jane', LastName: 'Doe', Email: 'jane@x.io', MobilePhone: '+1', Birthdate: '1990-01-01', MailingStreet: '1 Main', MailingCity: 'X', MailingPostalCode: '1', MailingCountry: 'DE', AccountId: '001' },
      message: { body: { contentType: 'html', content: '<p>hi</p>' }, importance: 'high' },
      note: 'call jane@x.io', header: 'Bearer abc', id: 'a1',
    };
    expect(redactAuditInputs(input)).toEqual({
      SAP_PASSWORD: '[redacted]', client_secret: '[redacted]', apiKey: '[redacted]', Authorization: '[redacted]', privateKey: '[redacted]', refreshToken: '[redacted]', clientState: '[redacted]',
      contact: { FirstName: '[personal]', LastName: '[personal]', Email: '[personal]', MobilePhone: '[personal]', Birthdate: '[personal]', MailingStreet: '[personal]', MailingCity: '[personal]', MailingPostalCode: '[personal]', MailingCountry: '[personal]', AccountId: '001' },
      message: { body: '[personal]', importance: 'high' },
      note: '[personal]', header: '[redacted]', id: 'a1',
    });
    expect(input.contact.Email).toBe('jane@x.io');
  });

  it('bounds depth, width, string length and survives cycles and odd values', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    const deep = { l1: { l2: { l3: { l4: { l5: { l6: { l7: 1 } } } } } } };
    const out = redactAuditInputs({
      cyclic, deep, list: Array.from({ length: 60 }, (_, i) => i), wide: Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`k${i}`, i])),
      long: 'y'.repeat(600), when: new Date(0), big: 10n, bytes: Buffer.from('secret'), fn: () => 1,
    }) as Record<string, unknown>;
    expect(out.cyclic).toEqual({ a: 1, self: '[circular]' });
    expect(JSON.stringify(out.deep)).toContain('[truncated]');
    expect(out.list).toHaveLength(51);
    expect((out.list as unknown[])[50]).toBe('[+10 more]');
    expect(Object.keys(out.wide as object)).toHaveLength(51);
    expect((out.long as string).length).toBeLessThan(600);
    expect(out).toMatchObject({ when: '1970-01-01T00:00:00.000Z', big: '10', bytes: '[binary]' });
    expect(out.fn).toBeUndefined();
  });
});
