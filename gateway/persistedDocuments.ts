/**
 * Persisted documents: which GraphQL document a request means, and whether the gateway runs it.
 *
 * A request names its document in one of four ways (at most one of `query` / `documentId`):
 * - `documentId: "sha256:<64 lower-case hex>"` (GraphQL-over-HTTP, Appendix A "Persisted
 *   Documents"): looked up in the manifests, then (outside safelist mode) in the APQ store;
 *   unknown -> 404 PERSISTED_DOCUMENT_NOT_FOUND. Other prefixes and custom ids -> 400
 *   PERSISTED_DOCUMENT_ID_UNSUPPORTED.
 * - `extensions.persistedQuery: { version: 1, sha256Hash }` without `query` (Apollo APQ): manifests,
 *   then the APQ store; unknown -> PERSISTED_QUERY_NOT_FOUND with status 200, as Apollo Server
 *   answers, so Apollo clients retry with the text. Without an APQ store -> PERSISTED_QUERY_NOT_SUPPORTED.
 * - `query` plus that extension (APQ registration): the hash must be sha256(query), else 400
 *   "provided sha does not match query"; the document is then stored in the APQ store.
 * - `query` alone (freeform).
 * A document whose sha256 is in a manifest is trusted, however it arrived.
 *
 * Modes: `allow` runs every document; `log` runs every document and reports (log + `unknownLogged`)
 * those not in a manifest; `safelist` runs manifest documents only: everything else, including APQ
 * registration of unknown documents, is refused with 400 PERSISTED_DOCUMENT_REQUIRED. 400, not 403:
 * the refusal does not depend on who asks (no credential changes it), it is a request the server
 * does not accept, which GraphQL-over-HTTP answers with 400 (Apollo Router says 403 for freeform
 * text not in its list; a 403 reads as an authorization failure to clients and proxies).
 *
 * No refusal may be cached (a document can be registered or added to a manifest a second later):
 * the HTTP handler sends `REFUSED_CACHE_CONTROL` (`private, no-cache, must-revalidate`) as
 * `cache-control` with every `ok: false`, as Apollo Server does for its PERSISTED_QUERY_* errors. It also refuses mutations over GET (405, Appendix A).
 *
 * Manifests (`npm run codegen` writes `schema/generated/operations/persisted-documents.json`) are
 * read at start, a missing or broken one failing the start, and hot-reloaded, a broken one being
 * refused and its previous documents kept: see `persistedDocumentManifests.ts`.
 *
 * `resolve` never throws: malformed input of any shape gives `ok: false`.
 */
import { LRUCache } from 'lru-cache';
import type { Logger } from 'pino';
import type { ApqStore } from './apqStore';
import { isHex64, loadManifests, sha256Hex as sha256 } from './persistedDocumentManifests';

export type PersistedDocumentsMode = 'allow' | 'safelist' | 'log';

/** The manifest `npm run codegen` writes, relative to the repository root. */
export const DEFAULT_MANIFEST_PATH = 'schema/generated/operations/persisted-documents.json';
/** `cache-control` for every refusal. */
export const REFUSED_CACHE_CONTROL = 'private, no-cache, must-revalidate';

export interface PersistedDocumentsOptions {
  mode: PersistedDocumentsMode;
  /** Manifest files; their documents are merged. */
  manifestPaths: readonly string[];
  /** Store for APQ registrations; without one, APQ is answered PERSISTED_QUERY_NOT_SUPPORTED. @default undefined */
  apq?: ApqStore;
  logger: Logger;
  /** Reload the manifests when they change. @default true */
  watch?: boolean;
  /** How often the manifests' stat is polled, as a fallback for `fs.watch`. @default 1_000 */
  pollMs?: number;
  /** Quiet time after a change before the manifests are read. @default 100 */
  debounceMs?: number;
}

export interface PersistedDocumentRequest {
  query?: unknown;
  documentId?: unknown;
  extensions?: unknown;
}

export interface ResolvedDocument {
  ok: true;
  /** The document text to parse, validate and run. */
  query: string;
  /** sha256 (lower-case hex) of `query`: a key for parsed-document and plan caches. */
  hash: string;
  /** Where the text came from: a manifest, the APQ store, or the request itself. */
  source: 'manifest' | 'apq' | 'freeform';
  /** Whether the document is in a manifest. */
  trusted: boolean;
}

export type PersistedDocumentErrorCode =
  | 'BAD_REQUEST'
  | 'PERSISTED_QUERY_NOT_FOUND'
  | 'PERSISTED_QUERY_NOT_SUPPORTED'
  | 'PERSISTED_QUERY_VERSION_UNSUPPORTED'
  | 'PERSISTED_QUERY_HASH_MISMATCH'
  | 'PERSISTED_DOCUMENT_ID_UNSUPPORTED'
  | 'PERSISTED_DOCUMENT_NOT_FOUND'
  | 'PERSISTED_DOCUMENT_REQUIRED'
  | 'INTERNAL_SERVER_ERROR';

export interface RefusedDocument {
  ok: false;
  /** HTTP status for the response. */
  status: number;
  code: PersistedDocumentErrorCode;
  /** Client-safe; never echoes the request. */
  message: string;
}

export type Resolved = ResolvedDocument | RefusedDocument;

export interface PersistedDocumentsStats {
  /** Accepted documents that are in a manifest (by id, APQ hash or text). */
  manifestHits: number;
  /** Accepted documents read from the APQ store. */
  apqHits: number;
  /** Documents stored in the APQ store. */
  apqRegistrations: number;
  /** Accepted documents not in a manifest whose text came with the request. */
  freeform: number;
  /** Requests answered `ok: false`, for any reason. */
  refused: number;
  /** Log mode: accepted documents not in a manifest (each counted; logged once per document). */
  unknownLogged: number;
}

export interface ManifestDocument {
  hash: string;
  query: string;
}

export interface PersistedDocuments {
  resolve(params: PersistedDocumentRequest): Promise<Resolved>;
  /** The manifests' documents, to warm parse/validation/plan caches. */
  documents(): ManifestDocument[];
  /** Calls `cb` with all documents after a reload changed them; returns the unsubscribe function. */
  onChange(cb: (documents: ManifestDocument[]) => void): () => void;
  stats(): PersistedDocumentsStats;
  /** Reads the manifests now (what a watch event does after the debounce). */
  reload(): Promise<void>;
  /** Stops watching. The APQ store is the caller's to close. */
  close(): Promise<void>;
}

const refuse = (status: number, code: PersistedDocumentErrorCode, message: string): RefusedDocument => ({ ok: false, status, code, message });
const BAD = {
  params: refuse(400, 'BAD_REQUEST', 'The request parameters must be a JSON object.'),
  query: refuse(400, 'BAD_REQUEST', '`query` must be a string.'),
  empty: refuse(400, 'BAD_REQUEST', 'GraphQL operations must contain a non-empty `query`, a `documentId` or a `persistedQuery` extension.'),
  extensions: refuse(400, 'BAD_REQUEST', '`extensions` must be an object.'),
  apq: refuse(400, 'BAD_REQUEST', '`extensions.persistedQuery` must be an object with `version` and a string `sha256Hash`.'),
  both: refuse(400, 'BAD_REQUEST', 'Send one of `query` or `documentId`, and `documentId` without a `persistedQuery` extension.'),
  version: refuse(400, 'PERSISTED_QUERY_VERSION_UNSUPPORTED', 'Unsupported persisted query version'),
  mismatch: refuse(400, 'PERSISTED_QUERY_HASH_MISMATCH', 'provided sha does not match query'),
  documentId: refuse(400, 'PERSISTED_DOCUMENT_ID_UNSUPPORTED', '`documentId` must be `sha256:` followed by 64 lower-case hex digits.'),
} as const;
const NOT_FOUND = refuse(200, 'PERSISTED_QUERY_NOT_FOUND', 'PersistedQueryNotFound');
const NOT_SUPPORTED = refuse(200, 'PERSISTED_QUERY_NOT_SUPPORTED', 'PersistedQueryNotSupported');
const DOCUMENT_NOT_FOUND = refuse(404, 'PERSISTED_DOCUMENT_NOT_FOUND', 'No persisted document has this `documentId`.');
const REQUIRED = refuse(400, 'PERSISTED_DOCUMENT_REQUIRED', 'This gateway only runs persisted documents: send the `documentId` of a document from its manifest.');

/** What a request asks for; `hash` null means a malformed APQ hash (it matches nothing). */
type Ask =
  | { kind: 'documentId'; hash: string }
  | { kind: 'apqLookup'; hash: string | null }
  | { kind: 'apqRegister'; hash: string | null; query: string }
  | { kind: 'freeform'; query: string };

/** An own data property of a JSON value; never reads the prototype chain or runs a getter. */
function own(obj: object, key: string): unknown {
  const d = Object.getOwnPropertyDescriptor(obj, key);
  return d && 'value' in d ? d.value : undefined;
}

const isObject = (v: unknown): v is object => typeof v === 'object' && v !== null && !Array.isArray(v);

function parseApqExtension(extensions: unknown): Ask | RefusedDocument | undefined {
  if (extensions === undefined || extensions === null) return undefined;
  if (!isObject(extensions)) return BAD.extensions;
  const pq = own(extensions, 'persistedQuery');
  if (pq === undefined || pq === null) return undefined;
  if (!isObject(pq)) return BAD.apq;
  if (own(pq, 'version') !== 1) return BAD.version;
  const hash = own(pq, 'sha256Hash');
  if (typeof hash !== 'string') return BAD.apq;
  return { kind: 'apqLookup', hash: isHex64(hash) ? hash : null };
}

function parseDocumentId(id: unknown): Ask | RefusedDocument {
  if (typeof id !== 'string' || id.length !== 71 || !id.startsWith('sha256:')) return BAD.documentId;
  const hash = id.slice(7);
  return isHex64(hash) ? { kind: 'documentId', hash } : BAD.documentId;
}

/** Reads the request parameters into what they ask for, or the reason they are malformed. */
function parseRequest(params: unknown): Ask | RefusedDocument {
  if (!isObject(params)) return BAD.params;
  const query = own(params, 'query');
  const documentId = own(params, 'documentId');
  if (query !== undefined && query !== null && typeof query !== 'string') return BAD.query;
  const apq = parseApqExtension(own(params, 'extensions'));
  if (apq && 'ok' in apq) return apq;
  if (documentId !== undefined && documentId !== null) return query || apq ? BAD.both : parseDocumentId(documentId);
  if (apq?.kind === 'apqLookup') return query ? { kind: 'apqRegister', hash: apq.hash, query } : apq;
  return query ? { kind: 'freeform', query } : BAD.empty;
}

/** The first line of a document up to its selection set or variables, e.g. `query ContactOverview`; never literals. */
function operationHeader(query: string): string {
  return query.trimStart().slice(0, 200).split(/[({]/, 1)[0]?.trim().slice(0, 100) ?? '';
}

const MODES: readonly string[] = ['allow', 'safelist', 'log'] satisfies PersistedDocumentsMode[];

/** Loads the manifests (throws when one is missing or invalid, or the mode is unknown) and starts watching them. */
export function createPersistedDocuments(opts: PersistedDocumentsOptions): PersistedDocuments {
  if (!MODES.includes(opts.mode)) throw new Error(`persisted documents mode must be one of ${MODES.join(', ')} (got '${String(opts.mode)}')`);
  const log = opts.logger.child({ component: 'persistedDocuments', mode: opts.mode });
  const listeners = new Set<(documents: ManifestDocument[]) => void>();
  const manifests = loadManifests({
    paths: opts.manifestPaths,
    logger: log,
    watch: opts.watch,
    pollMs: opts.pollMs,
    debounceMs: opts.debounceMs,
    onChange: () => {
      for (const cb of listeners) {
        try {
          cb(documents());
        } catch (err) {
          log.error({ err }, 'persisted documents change listener failed');
        }
      }
    },
  });
  const trusted = (): ReadonlyMap<string, string> => manifests.current();
  const stats: PersistedDocumentsStats = { manifestHits: 0, apqHits: 0, apqRegistrations: 0, freeform: 0, refused: 0, unknownLogged: 0 };
  const reported = new LRUCache<string, true>({ max: 10_000 });
  const documents = (): ManifestDocument[] => [...trusted()].map(([hash, query]) => ({ hash, query }));
  const safelist = opts.mode === 'safelist';

  const accept = (query: string, hash: string, source: ResolvedDocument['source']): Resolved => {
    const isTrusted = trusted().get(hash) === query;
    if (isTrusted) stats.manifestHits += 1;
    else if (source === 'apq') stats.apqHits += 1;
    else stats.freeform += 1;
    if (!isTrusted && opts.mode === 'log') {
      stats.unknownLogged += 1;
      if (!reported.has(hash)) {
        reported.set(hash, true);
        log.warn({ hash, source, operation: operationHeader(query), bytes: Buffer.byteLength(query, 'utf8') }, 'document not in the persisted documents manifest');
      }
    }
    return { ok: true, query, hash, source, trusted: isTrusted };
  };

  const byHash = async (hash: string | null, missing: RefusedDocument): Promise<Resolved> => {
    const fromManifest = hash === null ? undefined : trusted().get(hash);
    if (hash !== null && fromManifest !== undefined) return accept(fromManifest, hash, 'manifest');
    if (safelist) return missing === DOCUMENT_NOT_FOUND ? missing : REQUIRED;
    if (!opts.apq) return missing === DOCUMENT_NOT_FOUND ? missing : NOT_SUPPORTED;
    const stored = hash === null ? undefined : await opts.apq.get(hash);
    // A store may hand back anything; only text whose hash is the key is served.
    return hash !== null && typeof stored === 'string' && sha256(stored) === hash ? accept(stored, hash, 'apq') : missing;
  };

  const register = async (hash: string | null, query: string): Promise<Resolved> => {
    const actual = sha256(query);
    if (hash !== actual) return BAD.mismatch;
    if (trusted().has(actual)) return accept(query, actual, 'freeform');
    if (safelist) return REQUIRED;
    if (!opts.apq) return NOT_SUPPORTED;
    await opts.apq.set(actual, query);
    stats.apqRegistrations += 1;
    return accept(query, actual, 'freeform');
  };

  const resolveAsk = (ask: Ask): Promise<Resolved> | Resolved => {
    switch (ask.kind) {
      case 'documentId':
        return byHash(ask.hash, DOCUMENT_NOT_FOUND);
      case 'apqLookup':
        return byHash(ask.hash, NOT_FOUND);
      case 'apqRegister':
        return register(ask.hash, ask.query);
      case 'freeform': {
        const hash = sha256(ask.query);
        return safelist && !trusted().has(hash) ? REQUIRED : accept(ask.query, hash, 'freeform');
      }
    }
  };

  const resolveRequest = async (params: PersistedDocumentRequest): Promise<Resolved> => {
    let result: Resolved;
    try {
      const ask = parseRequest(params);
      result = 'ok' in ask ? ask : await resolveAsk(ask);
    } catch (err) {
      log.error({ err }, 'persisted document resolution failed');
      result = refuse(500, 'INTERNAL_SERVER_ERROR', 'Unexpected error');
    }
    if (!result.ok) stats.refused += 1;
    return result;
  };

  log.info({ documents: trusted().size, manifests: opts.manifestPaths }, 'persisted documents loaded');
  if (safelist && trusted().size === 0) log.warn('safelist mode without any manifest document: every operation will be refused');

  return {
    resolve: resolveRequest,
    documents,
    onChange(cb) {
      listeners.add(cb);
      return () => listeners.delete(cb);
    },
    stats: () => ({ ...stats }),
    reload: () => manifests.reload(),
    async close() {
      listeners.clear();
      await manifests.close();
    },
  };
}
