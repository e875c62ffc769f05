import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { redisScratch } from './redisScratch';
import { createApqStore, type ApqStore } from '../../gateway/apqStore';
import {
  createPersistedDocuments, DEFAULT_MANIFEST_PATH,
  type PersistedDocuments, type PersistedDocumentsOptions, type Resolved,
} from '../../gateway/persistedDocuments';

const ROOT = path.resolve(__dirname, '..', '..');
const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
const TEAMS = 'query ListTeams { teams { id displayName } }';
const ORDER = 'query SalesOrderById($id: ID!) { salesOrder(id: $id) { id status } }';
const UNKNOWN = 'query Other { teams { id } }';
const apqExt = (query: string, version: unknown = 1) => ({ persistedQuery: { version, sha256Hash: sha256(query) } });
const manifestOf = (...docs: string[]): string => JSON.stringify(Object.fromEntries(docs.map((d) => [`sha256:${sha256(d)}`, d])), null, 2);

/** Polls `check` until it returns true, for at most `ms`. */
async function eventually(check: () => boolean, ms = 10_000): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until && !check()) await new Promise((r) => setTimeout(r, 20));
  return check();
}

describe('persisted documents', () => {
  let dir: string;
  let manifest: string;
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info' }, { write: (l: string) => void lines.push(JSON.parse(l) as Record<string, unknown>) });
  const open: PersistedDocuments[] = [];
  const create = (opts: Partial<PersistedDocumentsOptions> & { apq?: ApqStore }): PersistedDocuments => {
    const pd = createPersistedDocuments({ mode: 'allow', manifestPaths: [manifest], logger, watch: false, ...opts });
    open.push(pd);
    return pd;
  };
  const memoryApq = (): ApqStore => createApqStore({ logger });

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'persisted-documents-'));
    manifest = path.join(dir, 'persisted-documents.json');
    writeFileSync(manifest, manifestOf(TEAMS, ORDER));
    lines.length = 0;
  });
  afterEach(async () => {
    for (const pd of open.splice(0)) await pd.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('automatic persisted queries (Apollo APQ)', () => {
    it('answers an unknown hash with PERSISTED_QUERY_NOT_FOUND and status 200, as Apollo Server does', async () => {
      const pd = create({ apq: memoryApq() });
      expect(await pd.resolve({ extensions: apqExt(UNKNOWN) }))
        .toEqual({ ok: false, status: 200, code: 'PERSISTED_QUERY_NOT_FOUND', message: 'PersistedQueryNotFound' });
    });

    it('registers a document sent with its hash, then serves it by the hash alone', async () => {
      const pd = create({ apq: memoryApq() });
      expect(await pd.resolve({ query: UNKNOWN, extensions: apqExt(UNKNOWN) }))
        .toEqual({ ok: true, query: UNKNOWN, hash: sha256(UNKNOWN), source: 'freeform', trusted: false });
      expect(await pd.resolve({ extensions: apqExt(UNKNOWN) }))
        .toEqual({ ok: true, query: UNKNOWN, hash: sha256(UNKNOWN), source: 'apq', trusted: false });
      expect(pd.stats()).toMatchObject({ apqRegistrations: 1, apqHits: 1, freeform: 1, manifestHits: 0, refused: 0 });
    });

    it('refuses a registration whose hash is not the sha256 of the query with 400 and stores nothing', async () => {
      const apq = memoryApq();
      const pd = create({ apq });
      const forged = { persistedQuery: { version: 1, sha256Hash: sha256(TEAMS) } };
      expect(await pd.resolve({ query: UNKNOWN, extensions: forged }))
        .toEqual({ ok: false, status: 400, code: 'PERSISTED_QUERY_HASH_MISMATCH', message: 'provided sha does not match query' });
      expect(await apq.get(sha256(TEAMS))).toBeUndefined();
      expect(await apq.get(sha256(UNKNOWN))).toBeUndefined();
    });

    it.each([[2], ['1'], [null]])('refuses persisted query version %p with 400', async (version) => {
      const pd = create({ apq: memoryApq() });
      expect(await pd.resolve({ extensions: apqExt(TEAMS, version) }))
        .toEqual({ ok: false, status: 400, code: 'PERSISTED_QUERY_VERSION_UNSUPPORTED', message: 'Unsupported persisted query version' });
    });

    it('answers PERSISTED_QUERY_NOT_SUPPORTED without an APQ store, yet serves manifest hashes', async () => {
      const pd = create({});
      expect(await pd.resolve({ extensions: apqExt(UNKNOWN) })).toMatchObject({ ok: false, status: 200, code: 'PERSISTED_QUERY_NOT_SUPPORTED' });
      expect(await pd.resolve({ query: UNKNOWN, extensions: apqExt(UNKNOWN) })).toMatchObject({ ok: false, code: 'PERSISTED_QUERY_NOT_SUPPORTED' });
      expect(await pd.resolve({ extensions: apqExt(TEAMS) })).toEqual({ ok: true, query: TEAMS, hash: sha256(TEAMS), source: 'manifest', trusted: true });
    });
  });

  describe('documentId (GraphQL-over-HTTP persisted documents)', () => {
    it('resolves sha256:<hash> of a manifest document as trusted', async () => {
      const pd = create({ mode: 'safelist' });
      expect(await pd.resolve({ documentId: `sha256:${sha256(ORDER)}` }))
        .toEqual({ ok: true, query: ORDER, hash: sha256(ORDER), source: 'manifest', trusted: true });
      expect(pd.stats().manifestHits).toBe(1);
    });

    it('answers an unknown id with 404 PERSISTED_DOCUMENT_NOT_FOUND in every mode', async () => {
      for (const mode of ['allow', 'log', 'safelist'] as const) {
        const pd = create({ mode, apq: memoryApq() });
        expect(await pd.resolve({ documentId: `sha256:${sha256(UNKNOWN)}` })).toMatchObject({ ok: false, status: 404, code: 'PERSISTED_DOCUMENT_NOT_FOUND' });
      }
    });

    it.each([
      ['another prefix', `x-relay:${sha256(TEAMS)}`],
      ['a custom id', 'ListTeams'],
      ['upper-case hex', `sha256:${sha256(TEAMS).toUpperCase()}`],
      ['a short hash', `sha256:${sha256(TEAMS).slice(1)}`],
      ['an empty string', ''],
    ])('refuses %s with 400 PERSISTED_DOCUMENT_ID_UNSUPPORTED', async (_label, documentId) => {
      const pd = create({});
      expect(await pd.resolve({ documentId })).toMatchObject({ ok: false, status: 400, code: 'PERSISTED_DOCUMENT_ID_UNSUPPORTED' });
    });

    it('refuses a documentId sent together with a query or an APQ extension with 400 BAD_REQUEST', async () => {
      const pd = create({});
      const documentId = `sha256:${sha256(TEAMS)}`;
      expect(await pd.resolve({ documentId, query: TEAMS })).toMatchObject({ ok: false, status: 400, code: 'BAD_REQUEST' });
      expect(await pd.resolve({ documentId, extensions: apqExt(TEAMS) })).toMatchObject({ ok: false, status: 400, code: 'BAD_REQUEST' });
    });

    it('resolves APQ-registered documents by documentId outside safelist mode', async () => {
      const pd = create({ apq: memoryApq() });
      await pd.resolve({ query: UNKNOWN, extensions: apqExt(UNKNOWN) });
      expect(await pd.resolve({ documentId: `sha256:${sha256(UNKNOWN)}` })).toMatchObject({ ok: true, source: 'apq', trusted: false });
    });
  });

  describe('modes', () => {
    it('allow: runs freeform documents, marking only manifest text as trusted', async () => {
      const pd = create({ mode: 'allow' });
      expect(await pd.resolve({ query: UNKNOWN })).toEqual({ ok: true, query: UNKNOWN, hash: sha256(UNKNOWN), source: 'freeform', trusted: false });
      expect(await pd.resolve({ query: TEAMS })).toMatchObject({ ok: true, source: 'freeform', trusted: true });
      expect(pd.stats()).toMatchObject({ freeform: 1, manifestHits: 1, unknownLogged: 0 });
      expect(lines.filter((l) => l.msg === 'document not in the persisted documents manifest')).toEqual([]);
    });

    it('safelist: refuses every document not in the manifest with 400 PERSISTED_DOCUMENT_REQUIRED and registers nothing', async () => {
      const apq = memoryApq();
      const pd = create({ mode: 'safelist', apq });
      for (const params of [{ query: UNKNOWN }, { query: UNKNOWN, extensions: apqExt(UNKNOWN) }, { extensions: apqExt(UNKNOWN) }]) {
        expect(await pd.resolve(params)).toMatchObject({ ok: false, status: 400, code: 'PERSISTED_DOCUMENT_REQUIRED' });
      }
      expect(await apq.get(sha256(UNKNOWN))).toBeUndefined();
      expect(await pd.resolve({ query: TEAMS })).toMatchObject({ ok: true, trusted: true });
      expect(await pd.resolve({ extensions: apqExt(ORDER) })).toMatchObject({ ok: true, source: 'manifest', trusted: true });
      expect(pd.stats()).toMatchObject({ refused: 3, manifestHits: 2, freeform: 0, apqRegistrations: 0 });
    });

    it('safelist: does not serve documents another gateway registered in the shared APQ store', async () => {
      const apq = memoryApq();
      await create({ mode: 'allow', apq }).resolve({ query: UNKNOWN, extensions: apqExt(UNKNOWN) });
      const strict = create({ mode: 'safelist', apq });
      expect(await strict.resolve({ extensions: apqExt(UNKNOWN) })).toMatchObject({ ok: false, code: 'PERSISTED_DOCUMENT_REQUIRED' });
      expect(await strict.resolve({ documentId: `sha256:${sha256(UNKNOWN)}` })).toMatchObject({ ok: false, code: 'PERSISTED_DOCUMENT_NOT_FOUND' });
    });

    it('log: runs unknown documents, counts each and logs each document once, without its literals', async () => {
      const pd = create({ mode: 'log', apq: memoryApq() });
      const secret = 'query Lookup { contactByEmail(email: "ceo@example.com") { id } }';
      expect(await pd.resolve({ query: secret })).toMatchObject({ ok: true, trusted: false });
      expect(await pd.resolve({ query: secret })).toMatchObject({ ok: true, trusted: false });
      expect(await pd.resolve({ query: TEAMS })).toMatchObject({ ok: true, trusted: true });
      const logged = lines.filter((l) => l.msg === 'document not in the persisted documents manifest');
      expect(logged).toHaveLength(1);
      expect(logged[0]).toMatchObject({ hash: sha256(secret), operation: 'query Lookup', source: 'freeform', level: 40 });
      expect(JSON.stringify(lines)).not.toContain('ceo@example.com');
      expect(pd.stats()).toMatchObject({ unknownLogged: 2, freeform: 2, manifestHits: 1 });
    });

    it('refuses an unknown mode at creation', () => {
      expect(() => create({ mode: 'strict' as 'allow' })).toThrow(/mode must be one of allow, safelist, log \(got 'strict'\)/);
    });
  });

  describe('manifests', () => {
    it.each([
      ['missing', null, /cannot read the persisted documents manifest .*npm run codegen/],
      ['not JSON', '{"sha256:', /is invalid: /],
      ['an array', '[]', /must be a JSON object/],
      ['a hash that is not the sha256 of its document', JSON.stringify({ [`sha256:${sha256(TEAMS)}`]: UNKNOWN }), /is not the sha256 of its document/],
      ['a key that is not a hash', JSON.stringify({ ListTeams: TEAMS }), /is not "sha256:" followed by 64 lower-case hex digits/],
      ['a document that does not parse', manifestOf('query {'), /Syntax Error/],
      ['type definitions', manifestOf('type Query { a: Int }'), /not executable/],
    ])('fails at creation naming the file when a manifest is %s', (_label, text, reason) => {
      const bad = path.join(dir, 'bad.json');
      if (text !== null) writeFileSync(bad, text);
      expect(() => create({ manifestPaths: [manifest, bad] })).toThrow(reason);
      expect(() => create({ manifestPaths: [manifest, bad] })).toThrow(bad);
    });

    it('merges several manifest files and lists their documents for cache warming', async () => {
      const second = path.join(dir, 'second.json');
      writeFileSync(second, manifestOf(UNKNOWN));
      const pd = create({ mode: 'safelist', manifestPaths: [manifest, second] });
      expect(await pd.resolve({ query: UNKNOWN })).toMatchObject({ ok: true, trusted: true });
      expect(pd.documents().sort((a, b) => a.query.localeCompare(b.query)))
        .toEqual([UNKNOWN, ORDER, TEAMS].sort().map((query) => ({ hash: sha256(query), query })));
    });

    it('keeps the previous documents when a reloaded manifest is broken, logging why, and takes a fixed one', async () => {
      const pd = create({ mode: 'safelist' });
      const changes: string[][] = [];
      pd.onChange((docs) => changes.push(docs.map((d) => d.query)));
      writeFileSync(manifest, JSON.stringify({ [`sha256:${sha256(TEAMS)}`]: UNKNOWN }));
      await pd.reload();
      const refused = lines.filter((l) => l.msg === 'persisted documents manifest refused; keeping the previous one');
      expect(refused).toHaveLength(1);
      expect(refused[0]?.reason).toMatch(/is not the sha256 of its document/);
      expect(await pd.resolve({ query: TEAMS })).toMatchObject({ ok: true, trusted: true });
      expect(changes).toEqual([]);
      writeFileSync(manifest, manifestOf(UNKNOWN));
      await pd.reload();
      expect(await pd.resolve({ query: UNKNOWN })).toMatchObject({ ok: true, trusted: true });
      expect(await pd.resolve({ query: TEAMS })).toMatchObject({ ok: false, code: 'PERSISTED_DOCUMENT_REQUIRED' });
      expect(changes).toEqual([[UNKNOWN]]);
    });

    it('hot-reloads a changed manifest file without a restart', async () => {
      const pd = create({ mode: 'safelist', watch: true, pollMs: 50, debounceMs: 10 });
      let changed = 0;
      pd.onChange(() => void (changed += 1));
      expect(await pd.resolve({ query: UNKNOWN })).toMatchObject({ ok: false });
      writeFileSync(manifest, manifestOf(TEAMS, ORDER, UNKNOWN));
      expect(await eventually(() => changed > 0)).toBe(true);
      expect(await pd.resolve({ query: UNKNOWN })).toMatchObject({ ok: true, trusted: true });
    });

    it('serves every document of the committed manifest by its documentId', async () => {
      const committed = path.join(ROOT, DEFAULT_MANIFEST_PATH);
      const docs = Object.entries(JSON.parse(readFileSync(committed, 'utf8')) as Record<string, string>);
      const pd = create({ mode: 'safelist', manifestPaths: [committed] });
      expect(docs.length).toBeGreaterThanOrEqual(6);
      for (const [id, query] of docs) expect(await pd.resolve({ documentId: id })).toMatchObject({ ok: true, query, trusted: true });
    });
  });

  describe('APQ on Redis', () => {
    const scratch = redisScratch('pd');
    const { keyPrefix, raw } = scratch;
    const stores: ApqStore[] = [];
    const redisApq = (): ApqStore => {
      const s = createApqStore({ logger, redisUrl: 'redis://127.0.0.1:6379', keyPrefix });
      stores.push(s);
      return s;
    };
    beforeAll(() => scratch.connect());
    afterAll(async () => {
      for (const s of stores) await s.close();
      await scratch.cleanup();
    });

    it('serves a document registered through one gateway to another', async () => {
      const query = `query Replica${randomUUID().replace(/-/g, '')} { teams { id } }`;
      await create({ apq: redisApq() }).resolve({ query, extensions: apqExt(query) });
      expect(await create({ apq: redisApq() }).resolve({ extensions: apqExt(query) })).toMatchObject({ ok: true, query, source: 'apq' });
    });

    it('never serves a store entry whose text does not hash to its key', async () => {
      await raw.set(`${keyPrefix}${sha256(UNKNOWN)}`, 'mutation { deleteContact(id: "1") { id } }');
      expect(await create({ apq: redisApq() }).resolve({ extensions: apqExt(UNKNOWN) })).toMatchObject({ ok: false, code: 'PERSISTED_QUERY_NOT_FOUND' });
    });
  });

  describe('abuse: malformed requests give ok:false, never a throw', () => {
    const huge = 'a'.repeat(5_000_000);
    const cases: [string, unknown, number, string][] = [
      ['params null', null, 400, 'BAD_REQUEST'],
      ['params a string', 'query { a }', 400, 'BAD_REQUEST'],
      ['params an array', [{ query: TEAMS }], 400, 'BAD_REQUEST'],
      ['no query at all', {}, 400, 'BAD_REQUEST'],
      ['an empty query', { query: '' }, 400, 'BAD_REQUEST'],
      ['a numeric query', { query: 42 }, 400, 'BAD_REQUEST'],
      ['an object query', { query: { kind: 'Document' } }, 400, 'BAD_REQUEST'],
      ['an array query', { query: [TEAMS] }, 400, 'BAD_REQUEST'],
      ['extensions a string', { query: TEAMS, extensions: '{"persistedQuery":{}}' }, 400, 'BAD_REQUEST'],
      ['extensions an array', { query: TEAMS, extensions: [] }, 400, 'BAD_REQUEST'],
      ['persistedQuery a string', { extensions: { persistedQuery: 'x' } }, 400, 'BAD_REQUEST'],
      ['persistedQuery without a hash', { extensions: { persistedQuery: { version: 1 } } }, 400, 'BAD_REQUEST'],
      ['a numeric sha256Hash', { extensions: { persistedQuery: { version: 1, sha256Hash: 42 } } }, 400, 'BAD_REQUEST'],
      ['a giant sha256Hash', { extensions: { persistedQuery: { version: 1, sha256Hash: huge } } }, 200, 'PERSISTED_QUERY_NOT_FOUND'],
      ['a giant sha256Hash with a query', { query: TEAMS, extensions: { persistedQuery: { version: 1, sha256Hash: huge } } }, 400, 'PERSISTED_QUERY_HASH_MISMATCH'],
      ['a giant documentId', { documentId: `sha256:${huge}` }, 400, 'PERSISTED_DOCUMENT_ID_UNSUPPORTED'],
      ['a numeric documentId', { documentId: 7 }, 400, 'PERSISTED_DOCUMENT_ID_UNSUPPORTED'],
      ['an object documentId', { documentId: { toString: () => `sha256:${sha256(TEAMS)}` } }, 400, 'PERSISTED_DOCUMENT_ID_UNSUPPORTED'],
      ['a __proto__ key in extensions (JSON)', JSON.parse(`{"extensions":{"__proto__":${JSON.stringify(apqExt(TEAMS))}}}`), 400, 'BAD_REQUEST'],
      ['a __proto__ key in params (JSON)', JSON.parse(`{"__proto__":{"documentId":"sha256:${sha256(TEAMS)}"}}`), 400, 'BAD_REQUEST'],
      ['a constructor key', JSON.parse('{"constructor":{"prototype":{"query":"{ teams { id } }"}}}'), 400, 'BAD_REQUEST'],
      ['a proxy that throws', new Proxy({}, { getOwnPropertyDescriptor: () => { throw new Error('boom'); } }), 500, 'INTERNAL_SERVER_ERROR'],
    ];

    it.each(cases)('%s', async (_label, params, status, code) => {
      const pd = create({ mode: 'allow', apq: memoryApq() });
      const result: Resolved = await pd.resolve(params as never);
      expect(result).toMatchObject({ ok: false, status, code });
      expect(result.ok || result.message.length < 200).toBe(true);
      expect(({} as Record<string, unknown>).persistedQuery).toBeUndefined();
      expect(({} as Record<string, unknown>).documentId).toBeUndefined();
      expect(pd.stats().refused).toBe(1);
    });

    it('ignores properties inherited from a polluted Object.prototype', async () => {
      const pd = create({ mode: 'safelist', apq: memoryApq() });
      const proto = Object.prototype as Record<string, unknown>;
      proto.documentId = `sha256:${sha256(TEAMS)}`;
      proto.persistedQuery = { version: 1, sha256Hash: sha256(TEAMS) };
      try {
        expect(await pd.resolve({ query: UNKNOWN, extensions: {} })).toMatchObject({ ok: false, code: 'PERSISTED_DOCUMENT_REQUIRED' });
      } finally {
        delete proto.documentId;
        delete proto.persistedQuery;
      }
    });
  });
});
