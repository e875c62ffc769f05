/**
 * Bulk API 2.0 query jobs of the sandbox: the SOQL runs through the same evaluator as `/query`
 * (snapshot at creation; a bad query is refused with 400 at once), the job then moves
 * `UploadComplete` → `InProgress` → `JobComplete` over the next event-loop turns, and its results are
 * served page by page as CSV: a header row on every page, `Sforce-Locator` naming the next page
 * (literal `null` on the last) and `Sforce-NumberOfRecords`. A page is written from the records it
 * holds only. Bulk queries take plain fields (also relationship fields like `Account.Name`, as
 * columns `Account.Name`); subqueries, COUNT and FIELDS() are refused as Salesforce refuses them.
 */
import { csvLine } from './bulkCsv';
import type { JobState } from './bulkJobs';
import { SalesforceApiError } from './salesforceErrors';
import type { JsonRecord } from './recordShape';
import { resolvePath } from './recordShape';
import type { SalesforceStore } from './salesforceStore';
import { executeQuery } from './soqlEvaluator';
import { parseSoql } from './soqlParser';
import { findSObject } from './sobjectSchema';

export interface QueryJob {
  id: string;
  operation: 'query' | 'queryAll';
  object: string;
  query: string;
  state: JobState;
  createdById: string;
  createdDate: number;
  systemModstamp: number;
  apiVersion: string;
  /** Column names (`Id`, `Account.Name`). */
  columns: string[];
  records: JsonRecord[];
}

const invalidJob = (message: string): SalesforceApiError => new SalesforceApiError(400, 'INVALIDJOB', message);

/** Validate a `POST /jobs/query` body, run the query and return the job (state UploadComplete). */
export function createQueryJob(body: Record<string, unknown>, ids: { id: string; userId: string }, store: SalesforceStore, version: string, now: number): QueryJob {
  const operation = body.operation === 'query' || body.operation === 'queryAll' ? body.operation : null;
  if (!operation) throw invalidJob(`InvalidJob : Invalid operation: ${String(body.operation).slice(0, 40)}`);
  if (typeof body.query !== 'string' || body.query.trim() === '') throw invalidJob('InvalidJob : query is required');
  const q = parseSoql(body.query);
  const def = findSObject(q.from.name);
  const unsupported = q.select.find((s) => s.kind !== 'field');
  if (unsupported) throw invalidJob(`InvalidJob : ${unsupported.kind === 'subquery' ? 'Subqueries' : 'Aggregate queries and FIELDS()'} are not supported by Bulk API 2.0 queries`);
  const result = executeQuery({ store, soql: body.query, version, scanAll: operation === 'queryAll', now }, q);
  const columns = def ? q.select.map((s) => (s.kind === 'field' ? resolvePath(def, s.path).name : '')) : [];
  return {
    id: ids.id, operation, object: def?.name ?? q.from.name, query: body.query, state: 'UploadComplete',
    createdById: ids.userId, createdDate: now, systemModstamp: now, apiVersion: version, columns, records: result.records,
  };
}

/** Run the job's (already computed) work over the next two event-loop turns, as Salesforce would asynchronously. */
export function startQuery(job: QueryJob, now: () => number): void {
  setImmediate(() => {
    if (job.state !== 'UploadComplete') return;
    job.state = 'InProgress';
    job.systemModstamp = now();
    setImmediate(() => {
      if (job.state !== 'InProgress') return;
      job.state = 'JobComplete';
      job.systemModstamp = now();
    });
  });
}

/** A column's value of a projected record: nested relationship objects are walked by name. */
function cell(rec: JsonRecord, column: string): string {
  let cur: unknown = rec;
  for (const part of column.split('.')) {
    if (!cur || typeof cur !== 'object') return '';
    cur = (cur as JsonRecord)[part];
  }
  return cur === null || cur === undefined ? '' : String(cur as string | number | boolean);
}

/** Encode/decode the opaque page locator (the offset of the page's first row). */
export function encodeLocator(offset: number): string {
  return Buffer.from(`L${offset}`).toString('base64url');
}

export function decodeLocator(locator: string, total: number): number {
  const m = /^L(\d{1,9})$/.exec(Buffer.from(locator.slice(0, 40), 'base64url').toString('latin1'));
  const offset = m ? Number(m[1]) : NaN;
  if (!Number.isInteger(offset) || offset <= 0 || offset >= total) throw new SalesforceApiError(400, 'INVALIDJOB', 'InvalidJob : Invalid locator');
  return offset;
}

/** One page of results as CSV, with its Sforce-Locator. `maxRecords` absent: the rest in one page. */
export function resultPage(job: QueryJob, locator: string | null, maxRecords: number | null): { csv: Buffer; locator: string; count: number } {
  const total = job.records.length;
  const start = locator ? decodeLocator(locator, total) : 0;
  const end = maxRecords === null ? total : Math.min(total, start + maxRecords);
  const lines: string[] = [csvLine(job.columns)];
  for (let i = start; i < end; i++) {
    const rec = job.records[i] as JsonRecord;
    lines.push(csvLine(job.columns.map((c) => cell(rec, c))));
  }
  return { csv: Buffer.from(lines.join('')), locator: end < total ? encodeLocator(end) : 'null', count: end - start };
}
