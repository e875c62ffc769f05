/**
 * `npm run vault -- <command>`: the operator's tool for the credential vault.
 *
 *   set <ref>      value from stdin (never argv: it would land in shell history and `ps`); one
 *                  trailing new line is dropped
 *   delete <ref>   removes the credential
 *   list           refs and the key id each is under (never values)
 *   rotate         re-encrypts every credential under the first key of LUMINA_VAULT_KEYS
 *   new-key [kid]  prints a fresh `kid:<base64 32 bytes>` for LUMINA_VAULT_KEYS
 *
 * Vault at `LUMINA_VAULT_PATH` (default `var/vault.json`), keys from `LUMINA_VAULT_KEYS` or
 * `LUMINA_VAULT_KEY_FILE`. set/delete/rotate write one audit record each (`AUDIT_LOG_PATH`; actor
 * `LUMINA_AUDIT_ACTOR`, else `USER`). Exit 0 ok, 1 failed (e.g. unknown ref, vault locked),
 * 2 usage or configuration error; failures are one line on stderr naming refs/keys, never values.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Readable, Writable } from 'node:stream';
import { createAuditLog, type AuditRecord } from './auditLog';
import { VaultError, checkRef, deleteCredential, listCredentials, loadVaultKeys, rotateVault, setCredential } from './credentialVault';
import type { Env } from './envConfig';
import { isTenantId } from './tenant';

export interface VaultCliIo {
  env: Env;
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
}

/** Largest value `set` accepts from stdin. */
export const MAX_VALUE_BYTES = 64 * 1024;

const USAGE = 'usage: npm run vault -- set <ref> (value on stdin) | delete <ref> | list | rotate | new-key [kid]';

class UsageError extends Error {}

async function readValue({ stdin, stderr }: VaultCliIo): Promise<string> {
  if ((stdin as Readable & { isTTY?: boolean }).isTTY) stderr.write('vault: reading the value until end of input (Ctrl-D); it is echoed, prefer a pipe\n');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stdin) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buf.length;
    if (size > MAX_VALUE_BYTES) throw new UsageError(`set: the value on stdin is over ${MAX_VALUE_BYTES} bytes`);
    chunks.push(buf);
  }
  const all = Buffer.concat(chunks);
  const value = all.toString('utf8').replace(/\r?\n$/, '');
  all.fill(0);
  for (const c of chunks) c.fill(0);
  if (value === '') throw new UsageError('set: no value on stdin (pipe it in: printf %s "$VALUE" | npm run vault -- set <ref>)');
  return value;
}

/** The tenant a ref belongs to by convention (`<tenant>/<system>/<field>`), else null. */
export function tenantOfRef(ref: string): string | null {
  const first = ref.split('/')[0] ?? '';
  return ref.includes('/') && isTenantId(first) ? first : null;
}

function newKey(kid: string | undefined): string {
  const id = kid ?? `k${new Date().toISOString().slice(0, 10).replace(/-/g, '')}-${randomBytes(3).toString('hex')}`;
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(id)) throw new UsageError('new-key: the key id must match [A-Za-z0-9_.-]{1,64}');
  return `${id}:${randomBytes(32).toString('base64')}\n`;
}

function refArg(args: string[], command: string): string {
  const ref = args[1];
  if (ref === undefined || args.length > 2) throw new UsageError(`${command}: exactly one <ref> is needed`);
  try {
    checkRef(ref);
  } catch {
    throw new UsageError(`${command}: the ref must match ^[A-Za-z0-9_.:/-]{1,200}$`);
  }
  return ref;
}

/** Runs one command that changes the vault, with its audit record (success or failure). */
async function audited(io: VaultCliIo, path: string, base: Omit<AuditRecord, 'actor' | 'outcome' | 'requestId'>, run: () => Promise<string>): Promise<void> {
  const audit = createAuditLog({ env: io.env });
  const record = { ...base, actor: io.env.LUMINA_AUDIT_ACTOR || io.env.USER || null, requestId: randomUUID() };
  try {
    io.stdout.write(await run());
    audit.record({ ...record, outcome: 'success' });
  } catch (err) {
    const code = err instanceof VaultError ? err.code : err instanceof UsageError ? 'BAD_USER_INPUT' : 'INTERNAL_ERROR';
    audit.record({ ...record, outcome: 'failure', errorCodes: [code], inputs: { vault: path } });
    throw err;
  } finally {
    await audit.close();
  }
}

async function runCommand(args: string[], io: VaultCliIo): Promise<void> {
  const path = io.env.LUMINA_VAULT_PATH || 'var/vault.json';
  const command = args[0];
  switch (command) {
    case 'new-key':
      if (args.length > 2) throw new UsageError('new-key: at most one [kid]');
      io.stdout.write(newKey(args[1]));
      return;
    case 'list':
      if (args.length > 1) throw new UsageError('list: no arguments');
      for (const { ref, kid } of listCredentials(path)) io.stdout.write(`${ref}\t${kid}\n`);
      return;
    case 'set': {
      const ref = refArg(args, 'set');
      const target = { type: 'credential', id: ref };
      return audited(io, path, { action: 'credential.set', operation: 'vault set', tenant: tenantOfRef(ref), target }, async () => {
        const keys = loadVaultKeys(io.env);
        setCredential(path, keys, ref, await readValue(io));
        return `set ${ref} (key ${keys.current.id})\n`;
      });
    }
    case 'delete': {
      const ref = refArg(args, 'delete');
      const target = { type: 'credential', id: ref };
      return audited(io, path, { action: 'credential.delete', operation: 'vault delete', tenant: tenantOfRef(ref), target }, async () => {
        const keys = loadVaultKeys(io.env);
        if (!deleteCredential(path, keys, ref)) throw new VaultError('UNKNOWN_CREDENTIAL', `no credential '${ref}' in the vault`);
        return `deleted ${ref}\n`;
      });
    }
    case 'rotate': {
      if (args.length > 1) throw new UsageError('rotate: no arguments');
      return audited(io, path, { action: 'credential.rotate', operation: 'vault rotate', tenant: null, target: { type: 'vault', id: path } }, async () => {
        const { rotated, keyId } = rotateVault(path, loadVaultKeys(io.env));
        return `rotated ${rotated} credential(s) to key ${keyId}\n`;
      });
    }
    default:
      throw new UsageError(USAGE);
  }
}

/** Runs the CLI; resolves to the exit code. */
export async function runVaultCli(args: string[], io: VaultCliIo): Promise<number> {
  try {
    await runCommand(args, io);
    return 0;
  } catch (err) {
    const usage = err instanceof UsageError || (err instanceof VaultError && err.code === 'VAULT_CONFIG');
    io.stderr.write(`vault: ${reasonOf(err)}\n`);
    return usage ? 2 : 1;
  }
}

/** Our messages name refs, keys and paths only; Node's file system errors name the call and path; anything else only its kind. */
function reasonOf(err: unknown): string {
  if (err instanceof UsageError || err instanceof VaultError) return err.message;
  const e = err as NodeJS.ErrnoException;
  return typeof e.code === 'string' && typeof e.syscall === 'string' ? e.message : `unexpected error (${e.name})`;
}

if (require.main === module) {
  runVaultCli(process.argv.slice(2), { env: process.env, stdin: process.stdin, stdout: process.stdout, stderr: process.stderr }).then(
    (code) => { process.exitCode = code; },
    () => { process.exitCode = 1; },
  );
}
