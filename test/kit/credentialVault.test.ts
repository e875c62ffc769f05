import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import {
  VaultError, deleteCredential, loadVaultKeys, openVault, parseVaultFile, readVaultFile, rotateVault, setCredential,
  type CredentialVault, type VaultFile,
} from '../../subgraphs/kit/credentialVault';
import { createLogger } from '../../subgraphs/kit/logger';

const SECRET_A = 'sf-client-secret-9f8e7d6c';
const SECRET_B = 'sap-password-Zq!x8#w';
const key = (): string => randomBytes(32).toString('base64');
const k1 = `k1:${key()}`;
const k2 = `k2:${key()}`;

let dir: string;
let path: string;
let logText: string;
const vaults: CredentialVault[] = [];

function logger() {
  const log = createLogger('vault-test', {}, new Writable({ write(c: Buffer, _e, cb) { logText += c.toString(); cb(); } }));
  log.level = 'debug';
  return log;
}

function open(env: Record<string, string>): CredentialVault {
  const vault = openVault({ path, env, logger: logger(), pollMs: 20 });
  vaults.push(vault);
  return vault;
}

function nextChange(vault: CredentialVault): Promise<void> {
  return new Promise((resolve) => { const off = vault.onChange(() => { off(); resolve(); }); });
}

function codeOf(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (err) {
    if (err instanceof VaultError) return { code: err.code, message: err.message };
    throw err;
  }
  throw new Error('expected a VaultError');
}

function tamper(mutate: (file: VaultFile) => void): void {
  const file = JSON.parse(readFileSync(path, 'utf8')) as VaultFile;
  mutate(file);
  writeFileSync(path, JSON.stringify(file));
}

function flipFirstByte(b64: string): string {
  const buf = Buffer.from(b64, 'base64');
  buf[0] = (buf[0] ?? 0) ^ 1;
  return buf.toString('base64');
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vault-'));
  path = join(dir, 'vault', 'vault.json');
  logText = '';
});
afterEach(() => {
  for (const v of vaults.splice(0)) v.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('credential vault', () => {
  it('round-trips credentials and keeps the plaintext off the disk and out of the logs', () => {
    const keys = loadVaultKeys({ LUMINA_VAULT_KEYS: k1 });
    setCredential(path, keys, 'acme/salesforce/clientSecret', SECRET_A);
    setCredential(path, keys, 'acme/sap/password', SECRET_B);
    const vault = open({ LUMINA_VAULT_KEYS: k1 });
    expect(vault.get('acme/salesforce/clientSecret')).toBe(SECRET_A);
    expect(vault.get('acme/sap/password')).toBe(SECRET_B);
    expect(vault.refs()).toEqual(['acme/salesforce/clientSecret', 'acme/sap/password']);
    expect(vault.has('acme/sap/password')).toBe(true);
    const onDisk = readFileSync(path, 'utf8');
    for (const s of [SECRET_A, SECRET_B]) {
      expect(onDisk).not.toContain(s);
      expect(onDisk).not.toContain(Buffer.from(s).toString('base64'));
      expect(logText).not.toContain(s);
    }
    expect(logText).toContain('vault opened');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readdirTemp()).toEqual([]);
  });

  it('uses a fresh IV for every encryption', () => {
    const keys = loadVaultKeys({ LUMINA_VAULT_KEYS: k1 });
    setCredential(path, keys, 'r', SECRET_A);
    const first = readVaultFile(path).entries.r;
    setCredential(path, keys, 'r', SECRET_A);
    const second = readVaultFile(path).entries.r;
    expect(second?.iv).not.toBe(first?.iv);
    expect(second?.data).not.toBe(first?.data);
  });

  it('refuses tampered data, a tampered tag and an entry moved to another ref', () => {
    const keys = loadVaultKeys({ LUMINA_VAULT_KEYS: k1 });
    setCredential(path, keys, 'a', SECRET_A);
    setCredential(path, keys, 'b', SECRET_B);
    const original = readFileSync(path, 'utf8');
    const cases: ((f: VaultFile) => void)[] = [
      (f) => { f.entries.a!.data = flipFirstByte(f.entries.a!.data); },
      (f) => { f.entries.a!.tag = flipFirstByte(f.entries.a!.tag); },
      (f) => { f.entries.a!.iv = flipFirstByte(f.entries.a!.iv); },
      (f) => { const a = f.entries.a!; f.entries.a = f.entries.b!; f.entries.b = a; },
    ];
    for (const mutate of cases) {
      writeFileSync(path, original);
      tamper(mutate);
      const vault = open({ LUMINA_VAULT_KEYS: k1 });
      const failure = codeOf(() => vault.get('a'));
      expect(failure.code).toBe('DECRYPT_FAILED');
      expect(failure.message).toContain("'a'");
      expect(failure.message).not.toContain(SECRET_A);
      expect(failure.message).not.toContain(SECRET_B);
    }
  });

  it('names the unknown key id and the ref, never a value or key material', () => {
    const k9 = `k9:${key()}`;
    setCredential(path, loadVaultKeys({ LUMINA_VAULT_KEYS: k9 }), 'acme/teams/clientSecret', SECRET_A);
    const vault = open({ LUMINA_VAULT_KEYS: k1 });
    const failure = codeOf(() => vault.get('acme/teams/clientSecret'));
    expect(failure.code).toBe('UNKNOWN_KEY');
    expect(failure.message).toMatch(/'acme\/teams\/clientSecret'.*'k9'/);
    expect(failure.message).not.toContain(SECRET_A);
    expect(failure.message).not.toContain(k9.slice(3));
  });

  it('answers an unknown ref with UNKNOWN_CREDENTIAL naming it, and a malformed ref with BAD_REF', () => {
    const vault = open({ LUMINA_VAULT_KEYS: k1 });
    expect(codeOf(() => vault.get('acme/sap/password'))).toEqual({ code: 'UNKNOWN_CREDENTIAL', message: "no credential 'acme/sap/password' in the vault" });
    expect(codeOf(() => vault.get('../etc/passwd\n')).code).toBe('BAD_REF');
    expect(vault.has('acme/sap/password')).toBe(false);
    expect(vault.has('__proto__')).toBe(false);
  });

  it('fails fast on bad key configuration, naming the env key and never echoing key material', () => {
    const short = randomBytes(31).toString('base64');
    const cases: [Record<string, string>, RegExp][] = [
      [{}, /LUMINA_VAULT_KEYS \(or LUMINA_VAULT_KEY_FILE\) must be set/],
      [{ LUMINA_VAULT_KEYS: k1, LUMINA_VAULT_KEY_FILE: '/x' }, /only one of LUMINA_VAULT_KEYS and LUMINA_VAULT_KEY_FILE/],
      [{ LUMINA_VAULT_KEYS: `k1:${short}` }, /LUMINA_VAULT_KEYS: key 'k1' must be the base64 of exactly 32 bytes/],
      [{ LUMINA_VAULT_KEYS: 'k1:not base64!' }, /LUMINA_VAULT_KEYS: key 'k1'/],
      [{ LUMINA_VAULT_KEYS: `${k1},${k1}` }, /key id 'k1' appears twice/],
      [{ LUMINA_VAULT_KEYS: key() }, /LUMINA_VAULT_KEYS: entry 1 must be '<key id>:<base64 of 32 bytes>'/],
      [{ LUMINA_VAULT_KEY_FILE: join(dir, 'missing') }, /LUMINA_VAULT_KEY_FILE: cannot read .* \(ENOENT\)/],
    ];
    for (const [env, message] of cases) {
      const failure = codeOf(() => loadVaultKeys(env));
      expect(failure.code).toBe('VAULT_CONFIG');
      expect(failure.message).toMatch(message);
      expect(failure.message).not.toContain(short);
      expect(failure.message).not.toContain(k1.slice(3));
    }
    const keyFile = join(dir, 'keys');
    writeFileSync(keyFile, `${k2}\n${k1}\n`);
    const keys = loadVaultKeys({ LUMINA_VAULT_KEY_FILE: keyFile });
    expect(keys.current.id).toBe('k2');
    expect([...keys.all.keys()]).toEqual(['k2', 'k1']);
    expect(() => open({})).toThrow(VaultError);
  });

  it('rotates every entry to the new key: new ciphertexts, same plaintexts, all or nothing', () => {
    setCredential(path, loadVaultKeys({ LUMINA_VAULT_KEYS: k1 }), 'a', SECRET_A);
    setCredential(path, loadVaultKeys({ LUMINA_VAULT_KEYS: k1 }), 'b', SECRET_B);
    const before = readVaultFile(path).entries;
    expect(rotateVault(path, loadVaultKeys({ LUMINA_VAULT_KEYS: `${k2},${k1}` }))).toEqual({ rotated: 2, keyId: 'k2' });
    const after = readVaultFile(path).entries;
    for (const ref of ['a', 'b']) {
      expect(after[ref]?.kid).toBe('k2');
      expect(after[ref]?.data).not.toBe(before[ref]?.data);
      expect(after[ref]?.iv).not.toBe(before[ref]?.iv);
    }
    const onlyNew = open({ LUMINA_VAULT_KEYS: k2 });
    expect([onlyNew.get('a'), onlyNew.get('b')]).toEqual([SECRET_A, SECRET_B]);

    const k3 = `k3:${key()}`;
    const rotatedText = readFileSync(path, 'utf8');
    expect(codeOf(() => rotateVault(path, loadVaultKeys({ LUMINA_VAULT_KEYS: `${k3},${k1}` }))).code).toBe('UNKNOWN_KEY');
    expect(readFileSync(path, 'utf8')).toBe(rotatedText);
    expect(existsSync(`${path}.lock`)).toBe(false);
  });

  it('lets a reader opened before the rotation read the rotated file after onChange, with the new keys from the key file', async () => {
    const keyFile = join(dir, 'keys');
    writeFileSync(keyFile, k1);
    const env = { LUMINA_VAULT_KEY_FILE: keyFile };
    setCredential(path, loadVaultKeys(env), 'a', SECRET_A);
    const reader = open(env);
    expect(reader.get('a')).toBe(SECRET_A);

    writeFileSync(keyFile, `${k2},${k1}`);
    let changed = nextChange(reader);
    rotateVault(path, loadVaultKeys(env));
    await changed;
    expect(reader.get('a')).toBe(SECRET_A);

    writeFileSync(keyFile, k2); // step 3: the old key is gone everywhere
    changed = nextChange(reader);
    setCredential(path, loadVaultKeys(env), 'b', SECRET_B);
    await changed;
    expect([reader.get('a'), reader.get('b')]).toEqual([SECRET_A, SECRET_B]);
    expect(logText).toContain('vault reloaded');
    expect(logText).not.toContain(SECRET_A);
    expect(logText).not.toContain(SECRET_B);
  });

  it('keeps the previous contents when the file on disk turns bad, logging no contents', async () => {
    setCredential(path, loadVaultKeys({ LUMINA_VAULT_KEYS: k1 }), 'a', SECRET_A);
    const reader = open({ LUMINA_VAULT_KEYS: k1 });
    writeFileSync(path, `{"version":1,"entries":{"a":"${SECRET_B}"}}`);
    await waitFor(() => logText.includes('vault reload failed'));
    expect(reader.get('a')).toBe(SECRET_A);
    expect(logText).toContain('BAD_VAULT_FILE');
    expect(logText).not.toContain(SECRET_B);
  });

  it('stops notifying after unsubscribe and stops reloading after close', async () => {
    const keys = loadVaultKeys({ LUMINA_VAULT_KEYS: k1 });
    const reader = open({ LUMINA_VAULT_KEYS: k1 });
    const probe = open({ LUMINA_VAULT_KEYS: k1 });
    let calls = 0;
    const off = reader.onChange(() => { calls += 1; });
    let changed = nextChange(reader);
    setCredential(path, keys, 'a', SECRET_A);
    await changed;
    expect(calls).toBe(1);
    off();
    changed = nextChange(reader);
    setCredential(path, keys, 'b', SECRET_B);
    await changed;
    expect(calls).toBe(1);
    expect(reader.has('b')).toBe(true);
    reader.close();
    for (const ref of ['c', 'd']) {
      changed = nextChange(probe);
      setCredential(path, keys, ref, SECRET_B);
      await changed;
    }
    expect(probe.has('d')).toBe(true);
    expect(reader.has('c')).toBe(false);
  });

  it('refuses a second writer while the lock is held and deletes by ref', () => {
    const keys = loadVaultKeys({ LUMINA_VAULT_KEYS: k1 });
    setCredential(path, keys, 'a', SECRET_A);
    writeFileSync(`${path}.lock`, '');
    expect(codeOf(() => setCredential(path, keys, 'b', SECRET_B)).code).toBe('VAULT_LOCKED');
    rmSync(`${path}.lock`);
    expect(deleteCredential(path, keys, 'a')).toBe(true);
    expect(deleteCredential(path, keys, 'a')).toBe(false);
    expect(Object.keys(readVaultFile(path).entries)).toEqual([]);
  });
});

describe('vault file parsing (abuse)', () => {
  const iv = randomBytes(12).toString('base64');
  const tag = randomBytes(16).toString('base64');
  const bad: [string, string][] = [
    ['text that is not JSON', 'not json'],
    ['null', 'null'],
    ['an array', '[]'],
    ['another version', '{"version":2,"entries":{}}'],
    ['entries as an array', '{"version":1,"entries":[]}'],
    ['a malformed ref', `{"version":1,"entries":{"a b":{"kid":"k1","iv":"${iv}","tag":"${tag}","data":""}}}`],
    ['an 8-byte IV', `{"version":1,"entries":{"a":{"kid":"k1","iv":"${randomBytes(8).toString('base64')}","tag":"${tag}","data":""}}}`],
    ['data that is not base64', `{"version":1,"entries":{"a":{"kid":"k1","iv":"${iv}","tag":"${tag}","data":"%%%"}}}`],
    ['a malformed key id', `{"version":1,"entries":{"a":{"kid":"k 1","iv":"${iv}","tag":"${tag}","data":""}}}`],
    ['a plaintext value', `{"version":1,"entries":{"a":"${SECRET_A}"}}`],
  ];
  it.each(bad)('refuses %s with BAD_VAULT_FILE naming the path, not the contents', (_label, text) => {
    const failure = codeOf(() => parseVaultFile(text, '/srv/vault.json'));
    expect(failure.code).toBe('BAD_VAULT_FILE');
    expect(failure.message).toContain('/srv/vault.json');
    expect(failure.message).not.toContain(SECRET_A);
  });
});

function readdirTemp(): string[] {
  return readdirSync(join(dir, 'vault')).filter((n) => n.endsWith('.tmp') || n.endsWith('.lock'));
}

async function waitFor(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((r) => setTimeout(r, 10));
}
