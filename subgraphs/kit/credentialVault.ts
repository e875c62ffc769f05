/**
 * The credential vault: system credentials (client secrets, passwords, private keys, refresh
 * tokens) encrypted at rest with AES-256-GCM in one JSON file, under keys from the environment.
 *
 * File (mode 0600, replaced atomically: temp file in the same folder, fsync, rename):
 * `{ "version": 1, "entries": { "<ref>": { "kid", "iv": b64(12 bytes), "tag": b64(16), "data": b64 } } }`.
 * Every encryption has a fresh random IV; the ref is the GCM additional authenticated data, so an
 * entry moved to another ref fails to decrypt. Keys: `LUMINA_VAULT_KEYS = "kid2:<b64>,kid1:<b64>"`
 * (the first encrypts, all decrypt) or `LUMINA_VAULT_KEY_FILE` (the same text in a file, re-read on
 * every reload). Rotation re-encrypts every entry under the first key; readers that know old and
 * new keys decrypt both files, and a rename means they never see half of one: no downtime.
 *
 * Readers keep the parsed file (ciphertexts), never the plaintext: `get` decrypts on each call.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, watch, writeFileSync, type FSWatcher } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Logger } from 'pino';
import type { Env } from './envConfig';

/** Stable codes of vault failures; messages name refs, key ids, paths and env keys, never a value. */
export type VaultErrorCode = 'VAULT_CONFIG' | 'BAD_REF' | 'UNKNOWN_CREDENTIAL' | 'UNKNOWN_KEY' | 'DECRYPT_FAILED' | 'BAD_VAULT_FILE' | 'VAULT_LOCKED';

export class VaultError extends Error {
  override readonly name = 'VaultError';
  constructor(readonly code: VaultErrorCode, message: string) {
    super(message);
  }
}

/** 32-byte AES keys by id; `current` encrypts. */
export interface VaultKeys {
  current: { id: string; key: Buffer };
  all: Map<string, Buffer>;
}

export const REF_PATTERN = /^[A-Za-z0-9_.:/-]{1,200}$/;
const KID_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const FILE_VERSION = 1;

/** Parses `kid:<base64 32 bytes>` entries separated by commas or new lines; `source` names the env key in errors. */
export function parseVaultKeys(text: string, source: string): VaultKeys {
  const all = new Map<string, Buffer>();
  const items = text.split(/[,\n]/).map((s) => s.trim()).filter(Boolean);
  items.forEach((item, i) => {
    const colon = item.indexOf(':');
    const id = colon > 0 ? item.slice(0, colon) : '';
    const b64 = item.slice(colon + 1);
    if (!KID_PATTERN.test(id)) throw new VaultError('VAULT_CONFIG', `${source}: entry ${i + 1} must be '<key id>:<base64 of 32 bytes>' with a key id of [A-Za-z0-9_.-]{1,64}`);
    const key = BASE64.test(b64) ? Buffer.from(b64, 'base64') : Buffer.alloc(0);
    if (key.length !== 32) throw new VaultError('VAULT_CONFIG', `${source}: key '${id}' must be the base64 of exactly 32 bytes`);
    if (all.has(id)) throw new VaultError('VAULT_CONFIG', `${source}: key id '${id}' appears twice`);
    all.set(id, key);
  });
  const first = items.length > 0 ? [...all][0] : undefined;
  if (!first) throw new VaultError('VAULT_CONFIG', `${source} must list at least one key: 'kid:<base64 of 32 bytes>', the first encrypts`);
  return { current: { id: first[0], key: first[1] }, all };
}

/**
 * The vault keys from `LUMINA_VAULT_KEYS` or the file named by `LUMINA_VAULT_KEY_FILE` (read now;
 * call again to pick up a changed file). Exactly one of the two must be set.
 */
export function loadVaultKeys(env: Env): VaultKeys {
  const inline = env.LUMINA_VAULT_KEYS;
  const file = env.LUMINA_VAULT_KEY_FILE;
  if (inline && file) throw new VaultError('VAULT_CONFIG', 'set only one of LUMINA_VAULT_KEYS and LUMINA_VAULT_KEY_FILE');
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new VaultError('VAULT_CONFIG', `LUMINA_VAULT_KEY_FILE: cannot read '${file}' (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    return parseVaultKeys(text, 'LUMINA_VAULT_KEY_FILE');
  }
  if (!inline) throw new VaultError('VAULT_CONFIG', "LUMINA_VAULT_KEYS (or LUMINA_VAULT_KEY_FILE) must be set to 'kid:<base64 of 32 bytes>[,kid:...]'");
  return parseVaultKeys(inline, 'LUMINA_VAULT_KEYS');
}

/** One encrypted credential as stored. */
export interface VaultEntry { kid: string; iv: string; tag: string; data: string }
export interface VaultFile { version: 1; entries: Record<string, VaultEntry> }

export function checkRef(ref: string): void {
  if (!REF_PATTERN.test(ref)) throw new VaultError('BAD_REF', 'a credential ref must match ^[A-Za-z0-9_.:/-]{1,200}$');
}

export function encryptCredential(keys: VaultKeys, ref: string, value: string): VaultEntry {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keys.current.key, iv);
  cipher.setAAD(Buffer.from(ref, 'utf8'));
  const plain = Buffer.from(value, 'utf8');
  const data = Buffer.concat([cipher.update(plain), cipher.final()]);
  plain.fill(0);
  return { kid: keys.current.id, iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64') };
}

export function decryptCredential(keys: VaultKeys, ref: string, entry: VaultEntry): string {
  const key = keys.all.get(entry.kid);
  if (!key) throw new VaultError('UNKNOWN_KEY', `credential '${ref}' is encrypted under key '${entry.kid}', which is not among the vault keys`);
  let plain: Buffer | undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(entry.iv, 'base64'));
    decipher.setAAD(Buffer.from(ref, 'utf8'));
    decipher.setAuthTag(Buffer.from(entry.tag, 'base64'));
    plain = Buffer.concat([decipher.update(Buffer.from(entry.data, 'base64')), decipher.final()]);
    return plain.toString('utf8');
  } catch {
    throw new VaultError('DECRYPT_FAILED', `credential '${ref}' failed authentication under key '${entry.kid}' (tampered, moved from another ref, or a different key with that id)`);
  } finally {
    plain?.fill(0);
  }
}

function isEntry(v: unknown): v is VaultEntry {
  if (typeof v !== 'object' || v === null) return false;
  const e = v as Record<string, unknown>;
  const b64 = (x: unknown, bytes?: number): boolean => typeof x === 'string' && (x === '' || BASE64.test(x)) && (bytes === undefined || Buffer.from(x, 'base64').length === bytes);
  return typeof e.kid === 'string' && KID_PATTERN.test(e.kid) && b64(e.iv, 12) && b64(e.tag, 16) && b64(e.data);
}

/** Parses vault file text; errors name the path and the ref, never contents. */
export function parseVaultFile(text: string, path: string): VaultFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new VaultError('BAD_VAULT_FILE', `vault file '${path}' is not JSON`);
  }
  const file = raw as Partial<VaultFile> | null;
  if (!file || file.version !== FILE_VERSION || typeof file.entries !== 'object' || file.entries === null || Array.isArray(file.entries)) {
    throw new VaultError('BAD_VAULT_FILE', `vault file '${path}' must be { "version": 1, "entries": { ... } }`);
  }
  const entries: Record<string, VaultEntry> = Object.create(null) as Record<string, VaultEntry>;
  for (const [ref, entry] of Object.entries(file.entries)) {
    if (!REF_PATTERN.test(ref)) throw new VaultError('BAD_VAULT_FILE', `vault file '${path}' has an entry whose ref is not a valid ref`);
    if (!isEntry(entry)) throw new VaultError('BAD_VAULT_FILE', `vault file '${path}': entry '${ref}' must have kid, iv (12 bytes), tag (16 bytes) and data in base64`);
    entries[ref] = { kid: entry.kid, iv: entry.iv, tag: entry.tag, data: entry.data };
  }
  return { version: FILE_VERSION, entries };
}

/** The vault file at `path`; a missing file is an empty vault. */
export function readVaultFile(path: string): VaultFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { version: FILE_VERSION, entries: Object.create(null) as Record<string, VaultEntry> };
    throw err;
  }
  return parseVaultFile(text, path);
}

/** Replaces the file atomically (temp file in the same folder, fsync, rename, fsync of the folder), mode 0600. */
export function writeVaultFile(path: string, file: VaultFile): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeFileSync(fd, `${JSON.stringify(file, null, 2)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  try {
    const dirFd = openSync(dir, 'r');
    try { fsyncSync(dirFd); } finally { closeSync(dirFd); }
  } catch {
    // Directory fsync is not supported everywhere (it is on Linux); the rename itself is atomic.
  }
}

/** Runs `change` on the file under an exclusive `<path>.lock` (fails fast when another writer holds it). */
function updateVaultFile<T>(path: string, change: (file: VaultFile) => T): T {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const lock = `${path}.lock`;
  let fd: number;
  try {
    fd = openSync(lock, 'wx', 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new VaultError('VAULT_LOCKED', `another vault writer holds '${lock}' (delete it if no writer is running)`);
    throw err;
  }
  try {
    const file = readVaultFile(path);
    const result = change(file);
    writeVaultFile(path, file);
    return result;
  } finally {
    closeSync(fd);
    rmSync(lock, { force: true });
  }
}

/** Stores (or replaces) one credential, encrypted under the current key. */
export function setCredential(path: string, keys: VaultKeys, ref: string, value: string): void {
  checkRef(ref);
  updateVaultFile(path, (file) => { file.entries[ref] = encryptCredential(keys, ref, value); });
}

/** Removes one credential; false when there was none. (`_keys` keeps the writers' signatures alike; deleting decrypts nothing.) */
export function deleteCredential(path: string, _keys: VaultKeys, ref: string): boolean {
  checkRef(ref);
  return updateVaultFile(path, (file) => {
    if (!(ref in file.entries)) return false;
    delete file.entries[ref];
    return true;
  });
}

/**
 * Re-encrypts every entry under `keys.current` (fresh IVs), all or nothing: an entry under an
 * unknown key or failing authentication aborts before anything is written.
 */
export function rotateVault(path: string, keys: VaultKeys): { rotated: number; keyId: string } {
  return updateVaultFile(path, (file) => {
    const next: Record<string, VaultEntry> = Object.create(null) as Record<string, VaultEntry>;
    for (const [ref, entry] of Object.entries(file.entries)) next[ref] = encryptCredential(keys, ref, decryptCredential(keys, ref, entry));
    file.entries = next;
    return { rotated: Object.keys(next).length, keyId: keys.current.id };
  });
}

/** Refs and the key id each is encrypted under, sorted by ref (no keys needed, no values read). */
export function listCredentials(path: string): { ref: string; kid: string }[] {
  return Object.entries(readVaultFile(path).entries).map(([ref, e]) => ({ ref, kid: e.kid })).sort((a, b) => a.ref.localeCompare(b.ref));
}

/** A process's read side of the vault. */
export interface CredentialVault {
  /** Decrypts on each call; unknown ref -> `VaultError` `UNKNOWN_CREDENTIAL` naming the ref. */
  get(ref: string): string;
  has(ref: string): boolean;
  refs(): string[];
  /** Called after the file changed on disk and was reloaded (rotation, set, delete); returns an unsubscribe. */
  onChange(listener: () => void): () => void;
  close(): void;
}

export interface OpenVaultOptions {
  /** @default env.LUMINA_VAULT_PATH ?? 'var/vault.json' */
  path?: string;
  /** Where `LUMINA_VAULT_KEYS` / `LUMINA_VAULT_KEY_FILE` / `LUMINA_VAULT_PATH` are read. @default process.env */
  env?: Env;
  logger: Logger;
  /** How often the file is checked besides `fs.watch` (which can miss renames on some file systems). @default 2000 */
  pollMs?: number;
}

function signatureOf(path: string): string {
  try {
    const s = statSync(path);
    return `${s.ino}:${s.size}:${s.mtimeMs}:${s.ctimeMs}`;
  } catch {
    return 'missing';
  }
}

/**
 * Opens the vault for reading: keys and file are loaded now (a bad key or file throws, naming the
 * env key or path), then reloaded when the file changes (`fs.watch` on its folder plus a poll);
 * with `LUMINA_VAULT_KEY_FILE` the keys are re-read on each reload and when an entry's key is unknown.
 */
export function openVault(opts: OpenVaultOptions): CredentialVault {
  const env = opts.env ?? process.env;
  const path = opts.path ?? env.LUMINA_VAULT_PATH ?? 'var/vault.json';
  const log = opts.logger.child({ component: 'credential-vault' });
  let keys = loadVaultKeys(env);
  let file = readVaultFile(path);
  let signature = signatureOf(path);
  const listeners = new Set<() => void>();
  log.info({ path, credentials: Object.keys(file.entries).length, keyIds: [...keys.all.keys()], exists: signature !== 'missing' }, 'vault opened');

  const refreshKeys = (): void => {
    if (!env.LUMINA_VAULT_KEY_FILE) return;
    try {
      keys = loadVaultKeys(env);
    } catch (err) {
      log.error({ code: (err as VaultError).code, reason: (err as Error).message }, 'vault keys reload failed; keeping the previous keys');
    }
  };
  const reload = (): void => {
    const next = signatureOf(path);
    if (next === signature) return;
    signature = next;
    refreshKeys();
    try {
      file = readVaultFile(path);
    } catch (err) {
      log.error({ path, code: (err as VaultError).code ?? (err as NodeJS.ErrnoException).code, reason: (err as Error).message }, 'vault reload failed; keeping the previous contents');
      return;
    }
    log.info({ path, credentials: Object.keys(file.entries).length }, 'vault reloaded');
    for (const listener of listeners) {
      try {
        listener();
      } catch (err) {
        log.error({ err }, 'vault change listener failed');
      }
    }
  };

  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dirname(path), { persistent: false }, (_event, name) => {
      if (name === null || name === basename(path)) reload();
    });
    watcher.on('error', () => { watcher?.close(); watcher = undefined; });
  } catch {
    log.debug({ path }, 'vault folder not watchable; polling only');
  }
  const timer = setInterval(reload, opts.pollMs ?? 2000);
  timer.unref();

  return {
    get(ref) {
      checkRef(ref);
      const entry = file.entries[ref];
      if (!entry) throw new VaultError('UNKNOWN_CREDENTIAL', `no credential '${ref}' in the vault`);
      if (!keys.all.has(entry.kid)) refreshKeys();
      return decryptCredential(keys, ref, entry);
    },
    has: (ref) => REF_PATTERN.test(ref) && ref in file.entries,
    refs: () => Object.keys(file.entries).sort(),
    onChange(listener) {
      listeners.add(listener);
      return () => { listeners.delete(listener); };
    },
    close() {
      watcher?.close();
      clearInterval(timer);
      listeners.clear();
    },
  };
}
