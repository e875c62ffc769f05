/**
 * `GET /query?q=` and `GET /queryAll?q=` with server-side cursors: results larger than the batch
 * size (`Sforce-Query-Options: batchSize=200..2000`, default 2000) come back in pages linked by
 * `nextRecordsUrl` = `/services/data/vNN.0/query/01g...-{offset}`, served by `GET /query/{locator}`.
 * Cursors expire after 15 idle minutes (then 400 INVALID_QUERY_LOCATOR), as in Salesforce.
 */
import type { SandboxReply } from '../../kit/sandboxServer';
import { SalesforceApiError } from './salesforceErrors';
import { KEY_PREFIX, makeId } from './salesforceIds';
import type { JsonRecord } from './recordShape';
import type { RestCall, RestResource } from './restSupport';
import { executeQuery } from './soqlEvaluator';
import { parseSoql } from './soqlParser';

export const MIN_BATCH = 200;
export const MAX_BATCH = 2000;
const CURSOR_IDLE_MS = 15 * 60_000;
const MAX_CURSORS = 200;

interface Cursor {
  records: JsonRecord[];
  totalSize: number;
  pageSize: number;
  lastUsed: number;
}

/** Read `batchSize=N` from Sforce-Query-Options, clamped to 200..2000. */
export function batchSizeOf(header: string | string[] | undefined, fallback: number): number {
  const text = Array.isArray(header) ? header.join(',') : header ?? '';
  const m = /batchSize\s*=\s*(\d+)/i.exec(text);
  const n = m ? Number(m[1]) : fallback;
  return Math.min(MAX_BATCH, Math.max(MIN_BATCH, n));
}

export function queryResources(): RestResource[] {
  const cursors = new Map<string, Cursor>();
  let serial = 0;

  function page(call: RestCall, id: string, cursor: Cursor, offset: number): SandboxReply {
    const records = cursor.records.slice(offset, offset + cursor.pageSize);
    const next = offset + cursor.pageSize;
    const done = next >= cursor.records.length;
    return {
      status: 200,
      body: {
        totalSize: cursor.totalSize, done,
        ...(done ? {} : { nextRecordsUrl: `/services/data/v${call.version}/query/${id}-${next}` }),
        records,
      },
    };
  }

  function run(call: RestCall, scanAll: boolean): SandboxReply {
    const soql = call.req.query.get('q');
    if (soql === null || soql.trim() === '') throw new SalesforceApiError(400, 'MALFORMED_QUERY', 'A query string has to be specified');
    const now = call.deps.now();
    const result = executeQuery({ store: call.deps.store, soql, version: call.version, scanAll, now }, parseSoql(soql));
    const pageSize = batchSizeOf(call.req.headers['sforce-query-options'], call.deps.defaultBatchSize());
    if (result.records.length <= pageSize) {
      return { status: 200, body: { totalSize: result.totalSize, done: true, records: result.records } };
    }
    for (const [k, c] of cursors) if (now - c.lastUsed > CURSOR_IDLE_MS) cursors.delete(k);
    if (cursors.size >= MAX_CURSORS) {
      const oldest = cursors.keys().next();
      if (!oldest.done) cursors.delete(oldest.value);
    }
    const id = makeId(KEY_PREFIX.QueryLocator, ++serial);
    const cursor: Cursor = { records: result.records, totalSize: result.totalSize, pageSize, lastUsed: now };
    cursors.set(id, cursor);
    return page(call, id, cursor, 0);
  }

  function more(call: RestCall): SandboxReply {
    const m = /^(01g[A-Za-z0-9]{15})-(\d{1,9})$/.exec(call.params.locator ?? '');
    const cursor = m ? cursors.get(m[1] as string) : undefined;
    const now = call.deps.now();
    if (!m || !cursor || now - cursor.lastUsed > CURSOR_IDLE_MS || Number(m[2]) >= cursor.records.length) {
      if (m && cursor) cursors.delete(m[1] as string);
      throw new SalesforceApiError(400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
    }
    cursor.lastUsed = now;
    return page(call, m[1] as string, cursor, Number(m[2]));
  }

  return [
    { method: 'GET', pattern: '/query', handler: (call) => run(call, false) },
    { method: 'GET', pattern: '/queryAll', handler: (call) => run(call, true) },
    { method: 'GET', pattern: '/query/:locator', handler: more },
    { method: 'GET', pattern: '/queryAll/:locator', handler: more },
  ];
}
