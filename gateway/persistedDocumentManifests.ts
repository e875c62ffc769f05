/**
 * The persisted documents manifests the gateway trusts, read from files and hot-reloaded.
 *
 * A manifest is a JSON object `{ "sha256:<hex>" | "<hex>": "<document>" }`, as `npm run codegen`
 * writes `schema/generated/operations/persisted-documents.json` (the client preset's format). Every
 * hash must be the sha256 of its text and every text must parse as an executable document
 * (operations and fragments only). Several files are merged.
 *
 * At start every file must exist and be valid, else `loadManifests` throws naming the file. Then
 * their folders are watched (`fs.watch`, plus a stat poll as a fallback where watching is
 * unreliable), changes are debounced and re-read; a file that cannot be read or is invalid is
 * refused with the reason logged and its previous documents stay served, and a later good file
 * is picked up as usual (the same contract as `supergraphFile.ts`).
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { resolve as resolvePath } from 'node:path';
import { Kind, parse } from 'graphql';
import type { Logger } from 'pino';
import { reasonOf, statKey, watchFiles } from './watchFiles';

export interface ManifestsOptions {
  paths: readonly string[];
  logger: Logger;
  /** Reload the files when they change. @default true */
  watch?: boolean;
  /** How often the files' stat is polled, as a fallback for `fs.watch`. @default 1_000 */
  pollMs?: number;
  /** Quiet time after a change before the files are read. @default 100 */
  debounceMs?: number;
  /** Called after a reload changed the documents. @default undefined */
  onChange?: () => void;
}

export interface Manifests {
  /** sha256 (lower-case hex) -> document text, over all files. */
  current(): ReadonlyMap<string, string>;
  /** Re-reads the files now (what a watch event does after the debounce). */
  reload(): Promise<void>;
  /** Stops watching; waits for a reload in progress. */
  close(): Promise<void>;
}

const HEX64 = /^[0-9a-f]{64}$/;
export const isHex64 = (s: string): boolean => s.length === 64 && HEX64.test(s);
export const sha256Hex = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');
const isObject = (v: unknown): v is object => typeof v === 'object' && v !== null && !Array.isArray(v);
const sha256 = sha256Hex;

/** Parses and checks a manifest's text; throws with the reason when it cannot be served. */
export function parseManifest(text: string): Map<string, string> {
  const json: unknown = JSON.parse(text);
  if (!isObject(json)) throw new Error('a manifest must be a JSON object of "sha256:<hex>" -> document');
  const docs = new Map<string, string>();
  for (const [key, query] of Object.entries(json)) {
    const hash = key.startsWith('sha256:') ? key.slice(7) : key;
    const label = key.length > 80 ? `${key.slice(0, 80)}...` : key;
    if (!isHex64(hash)) throw new Error(`key '${label}' is not "sha256:" followed by 64 lower-case hex digits`);
    if (typeof query !== 'string') throw new Error(`the document of ${label} is not a string`);
    if (sha256(query) !== hash) throw new Error(`the hash ${label} is not the sha256 of its document`);
    const doc = parse(query, { noLocation: true });
    if (doc.definitions.some((d) => d.kind !== Kind.OPERATION_DEFINITION && d.kind !== Kind.FRAGMENT_DEFINITION)) {
      throw new Error(`the document of ${label} is not executable (it defines types)`);
    }
    docs.set(hash, query);
  }
  return docs;
}

interface ManifestFile {
  path: string;
  docs: Map<string, string>;
  /** sha256 of the text served and of the last text refused, so an unchanged file is not re-read twice. */
  textHash: string;
  refusedHash: string | null;
  /** `ino:size:mtime`, so the poll notices changes. */
  statKey: string;
}


function loadInitial(path: string): ManifestFile {
  let text: string;
  let key: string;
  try {
    text = readFileSync(path, 'utf8');
    key = statKey(statSync(path));
  } catch (err) {
    throw new Error(`cannot read the persisted documents manifest ${path}: ${reasonOf(err)}; run \`npm run codegen\``, { cause: err });
  }
  try {
    return { path, docs: parseManifest(text), textHash: sha256(text), refusedHash: null, statKey: key };
  } catch (err) {
    throw new Error(`the persisted documents manifest ${path} is invalid: ${reasonOf(err)}`, { cause: err });
  }
}

/** Re-reads one manifest; returns true when its documents changed. Keeps the old ones when the new file is broken. */
async function refreshFile(f: ManifestFile, log: Logger): Promise<boolean> {
  let text: string;
  try {
    const [t, st] = await Promise.all([readFile(f.path, 'utf8'), stat(f.path)]);
    text = t;
    f.statKey = statKey(st);
  } catch (err) {
    log.warn({ manifestPath: f.path, reason: reasonOf(err) }, 'persisted documents manifest unreadable; keeping the previous one');
    return false;
  }
  const textHash = sha256(text);
  if (textHash === f.textHash || textHash === f.refusedHash) return false;
  try {
    const docs = parseManifest(text);
    log.info({ manifestPath: f.path, documents: docs.size, before: f.docs.size }, 'persisted documents manifest reloaded');
    Object.assign(f, { docs, textHash, refusedHash: null });
    return true;
  } catch (err) {
    f.refusedHash = textHash;
    log.error({ manifestPath: f.path, reason: reasonOf(err) }, 'persisted documents manifest refused; keeping the previous one');
    return false;
  }
}



/** Loads the manifest files (throws when one is missing or invalid) and keeps them current. */
export function loadManifests(opts: ManifestsOptions): Manifests {
  const files = opts.paths.map((p) => loadInitial(resolvePath(p)));
  const merge = (): Map<string, string> => new Map(files.flatMap((f) => [...f.docs]));
  let docs = merge();
  let reloading: Promise<void> = Promise.resolve();
  const reload = (): Promise<void> => {
    reloading = reloading
      .then(async () => {
        const changed = (await Promise.all(files.map((f) => refreshFile(f, opts.logger)))).some(Boolean);
        if (!changed) return;
        docs = merge();
        opts.onChange?.();
      })
      .catch((err: unknown) => opts.logger.error({ err }, 'persisted documents reload failed'));
    return reloading;
  };
  const stop = opts.watch === false || files.length === 0
    ? () => undefined
    : watchFiles(files, { log: opts.logger, what: 'manifest', pollMs: opts.pollMs, debounceMs: opts.debounceMs }, () => void reload());
  return {
    current: () => docs,
    reload,
    async close() {
      stop();
      await reloading;
    },
  };
}
