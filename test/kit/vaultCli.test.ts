import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decryptCredential, loadVaultKeys, readVaultFile } from '../../subgraphs/kit/credentialVault';
import { tenantOfRef } from '../../subgraphs/kit/vaultCli';

const SECRET = 'client-secret-Qw7!rT9#zP';
const OTHER = 'sap-pass-Lk3$vB8@';
const k1 = `k1:${randomBytes(32).toString('base64')}`;

interface Run { code: number | null; stdout: string; stderr: string }

let dir: string;
let vaultPath: string;
let auditPath: string;

function cli(args: string[], opts: { keys?: string; stdin?: string; env?: Record<string, string> } = {}): Promise<Run> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '', LUMINA_VAULT_PATH: vaultPath, AUDIT_LOG_PATH: auditPath, LUMINA_AUDIT_ACTOR: 'ops:alice', LOG_LEVEL: 'silent',
    ...(opts.keys === undefined ? {} : { LUMINA_VAULT_KEYS: opts.keys }), ...opts.env,
  };
  const child = spawn(process.execPath, ['--import', 'tsx', 'subgraphs/kit/vaultCli.ts', ...args], { cwd: process.cwd(), env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => { stdout += c.toString(); });
  child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
  child.stdin.end(opts.stdin ?? '');
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function auditLines(): Record<string, unknown>[] {
  return existsSync(auditPath) ? readFileSync(auditPath, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>) : [];
}

function expectNoPlaintext(...runs: Run[]): void {
  const everything = [...runs.flatMap((r) => [r.stdout, r.stderr]), readFileSync(vaultPath, 'utf8'), existsSync(auditPath) ? readFileSync(auditPath, 'utf8') : ''].join('\n');
  for (const s of [SECRET, OTHER]) expect(everything).not.toContain(s);
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vault-cli-'));
  vaultPath = join(dir, 'vault.json');
  auditPath = join(dir, 'audit', 'audit.log');
});
afterEach(() => { rmSync(dir, { recursive: true, force: true }); });

describe('vault CLI', () => {
  it('sets from stdin, lists refs with key ids, and audits, without printing or storing the plaintext', async () => {
    const set = await cli(['set', 'acme/salesforce/clientSecret'], { keys: k1, stdin: `${SECRET}\n` });
    expect(set).toMatchObject({ code: 0, stdout: 'set acme/salesforce/clientSecret (key k1)\n', stderr: '' });
    const set2 = await cli(['set', 'acme/sap/password'], { keys: k1, stdin: OTHER });
    const list = await cli(['list']);
    expect(list).toMatchObject({ code: 0, stdout: 'acme/salesforce/clientSecret\tk1\nacme/sap/password\tk1\n' });
    const keys = loadVaultKeys({ LUMINA_VAULT_KEYS: k1 });
    const entries = readVaultFile(vaultPath).entries;
    expect(decryptCredential(keys, 'acme/salesforce/clientSecret', entries['acme/salesforce/clientSecret']!)).toBe(SECRET);
    expect(auditLines()).toEqual([
      expect.objectContaining({ audit: true, actor: 'ops:alice', tenant: 'acme', action: 'credential.set', target: { type: 'credential', id: 'acme/salesforce/clientSecret' }, outcome: 'success', requestId: expect.any(String) }),
      expect.objectContaining({ action: 'credential.set', target: { type: 'credential', id: 'acme/sap/password' }, outcome: 'success' }),
    ]);
    expectNoPlaintext(set, set2, list);
  });

  it('rotates to a key from new-key, after which the old key is no longer needed', async () => {
    await cli(['set', 'acme/sap/password'], { keys: k1, stdin: OTHER });
    await cli(['set', 'globex/teams/clientSecret'], { keys: k1, stdin: SECRET });
    const before = readVaultFile(vaultPath).entries;
    const fresh = await cli(['new-key', 'k2']);
    expect(fresh.code).toBe(0);
    expect(fresh.stdout).toMatch(/^k2:[A-Za-z0-9+/]{43}=\n$/);
    const k2 = fresh.stdout.trim();
    const rotate = await cli(['rotate'], { keys: `${k2},${k1}` });
    expect(rotate).toMatchObject({ code: 0, stdout: 'rotated 2 credential(s) to key k2\n', stderr: '' });
    const after = readVaultFile(vaultPath).entries;
    const onlyNew = loadVaultKeys({ LUMINA_VAULT_KEYS: k2 });
    for (const [ref, plain] of [['acme/sap/password', OTHER], ['globex/teams/clientSecret', SECRET]] as const) {
      expect(after[ref]?.kid).toBe('k2');
      expect(after[ref]?.data).not.toBe(before[ref]?.data);
      expect(decryptCredential(onlyNew, ref, after[ref]!)).toBe(plain);
    }
    expect(auditLines().at(-1)).toMatchObject({ action: 'credential.rotate', actor: 'ops:alice', target: { type: 'vault', id: vaultPath }, outcome: 'success' });
    expectNoPlaintext(rotate);
  });

  it('lets a reader in another process keep decrypting while the CLI rotates', async () => {
    await cli(['set', 'acme/sap/password'], { keys: k1, stdin: OTHER });
    const keyIds = ['k2', 'k3', 'k4'];
    const keyText = [k1];
    let reads = 0;
    let rotating = true;
    const reader = (async () => {
      const keys = () => loadVaultKeys({ LUMINA_VAULT_KEYS: keyText.join(',') });
      while (rotating) {
        const entry = readVaultFile(vaultPath).entries['acme/sap/password']!;
        expect(decryptCredential(keys(), 'acme/sap/password', entry)).toBe(OTHER);
        reads += 1;
        await new Promise((r) => setImmediate(r));
      }
    })();
    for (const kid of keyIds) {
      const next = `${kid}:${randomBytes(32).toString('base64')}`;
      keyText.unshift(next);
      expect((await cli(['rotate'], { keys: keyText.join(',') })).code).toBe(0);
    }
    rotating = false;
    await reader;
    expect(reads).toBeGreaterThan(0);
    expect(readVaultFile(vaultPath).entries['acme/sap/password']?.kid).toBe('k4');
  });

  it('deletes by ref, and refuses an unknown ref with exit 1 and a failure audit record', async () => {
    await cli(['set', 'acme/sap/password'], { keys: k1, stdin: OTHER });
    expect(await cli(['delete', 'acme/sap/password'], { keys: k1 })).toMatchObject({ code: 0, stdout: 'deleted acme/sap/password\n' });
    const missing = await cli(['delete', 'acme/sap/password'], { keys: k1 });
    expect(missing).toMatchObject({ code: 1, stdout: '', stderr: "vault: no credential 'acme/sap/password' in the vault\n" });
    expect(auditLines().map((l) => [l.action, l.outcome, l.errorCodes])).toEqual([
      ['credential.set', 'success', undefined], ['credential.delete', 'success', undefined], ['credential.delete', 'failure', ['UNKNOWN_CREDENTIAL']],
    ]);
  });

  it('exits 2 with a one-line reason on usage and configuration errors, storing nothing', async () => {
    const cases: [string[], { keys?: string; stdin?: string }, RegExp][] = [
      [[], {}, /^vault: usage: npm run vault -- set <ref>/],
      [['set'], { keys: k1 }, /^vault: set: exactly one <ref> is needed\n$/],
      [['set', 'acme/x', SECRET], { keys: k1 }, /^vault: set: exactly one <ref> is needed\n$/],
      [['set', 'bad ref'], { keys: k1, stdin: SECRET }, /must match/],
      [['set', 'acme/x'], { keys: k1, stdin: '\n' }, /^vault: set: no value on stdin/],
      [['set', 'acme/x'], { stdin: SECRET }, /^vault: LUMINA_VAULT_KEYS \(or LUMINA_VAULT_KEY_FILE\) must be set/],
      [['rotate'], { keys: 'k1:short' }, /^vault: LUMINA_VAULT_KEYS: key 'k1' must be the base64 of exactly 32 bytes\n$/],
      [['new-key', 'bad id'], {}, /^vault: new-key: the key id must match/],
    ];
    const runs = await Promise.all(cases.map(([args, opts]) => cli(args, opts)));
    cases.forEach(([, , reason], i) => {
      const run = runs[i]!;
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(reason);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stdout).toBe('');
      expect(run.stderr).not.toContain(SECRET);
    });
    expect(existsSync(vaultPath)).toBe(false);
  });

  it('reads its keys from LUMINA_VAULT_KEY_FILE', async () => {
    const keyFile = join(dir, 'keys');
    writeFileSync(keyFile, `${k1}\n`);
    const set = await cli(['set', 'acme/sap/password'], { stdin: OTHER, env: { LUMINA_VAULT_KEY_FILE: keyFile } });
    expect(set).toMatchObject({ code: 0, stdout: 'set acme/sap/password (key k1)\n' });
  });

  it('takes the tenant of a ref from its first segment', () => {
    expect(tenantOfRef('acme/sap/password')).toBe('acme');
    expect(tenantOfRef('shared-token')).toBeNull();
    expect(tenantOfRef('bad.tenant/sap/password')).toBeNull();
  });
});
