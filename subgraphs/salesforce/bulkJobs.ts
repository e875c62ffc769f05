/**
 * The Salesforce Bulk API 2.0 calls of the subgraph (PROTOCOLS.md §1.7), over the tenant's jsforce
 * connection through `client.raw` (policy, session refresh, error mapping as every other call).
 * Ingest: create the job, upload one CSV, mark it UploadComplete, read its info and failed rows.
 * Query: create the job, read its info, read one page of results by locator with `maxRecords`
 * (jsforce's own `bulk2.query()` crashes on multi-page results, so pages are read here one by one,
 * with jsforce's HttpApi for the `Sforce-Locator` header).
 */
import type { Connection } from 'jsforce';
import { HttpApi } from 'jsforce/lib/http-api';
import type { CallContext, SalesforceClient } from './salesforceClient';

/** Bulk API 2.0 job states. */
export type SalesforceJobState = 'Open' | 'UploadComplete' | 'InProgress' | 'JobComplete' | 'Failed' | 'Aborted';

/** The job info fields the subgraph reads. */
export interface BulkJobInfo {
  id: string;
  object: string;
  operation: string;
  state: SalesforceJobState;
  numberRecordsProcessed: number;
  numberRecordsFailed?: number;
  errorMessage?: string;
}

/** One row of `failedResults`: `sf__Id`, `sf__Error` and the uploaded columns. */
export type FailedRow = Record<string, string>;

export interface ResultsPage {
  /** Rows keyed by column name (`Id`, `Account.Name`); every value a string ('' for null). */
  rows: Record<string, string>[];
  /** The next page's locator, or null after the last page. */
  locator: string | null;
}

const base = (conn: Connection, kind: 'ingest' | 'query'): string => `/services/data/v${conn.version}/jobs/${kind}`;
/** Fresh per request: jsforce writes Authorization and Content-Length into the headers object it is given. */
const json = (): Record<string, string> => ({ 'Content-Type': 'application/json' });

/** Creates an ingest job, uploads `csv` and closes it; Salesforce then processes it on its own. */
export async function startIngestJob(
  client: SalesforceClient, call: CallContext,
  job: { object: string; operation: 'insert' | 'update' | 'upsert' | 'delete'; externalIdFieldName?: string }, csv: string,
): Promise<BulkJobInfo> {
  const created = await client.raw(call, { what: 'bulk ingest create', endpoint: 'jobs.ingest', method: 'POST' }, (conn) =>
    conn.request<BulkJobInfo>({ method: 'POST', url: base(conn, 'ingest'), headers: json(), body: JSON.stringify({ ...job, contentType: 'CSV', lineEnding: 'LF', columnDelimiter: 'COMMA' }) }));
  await client.raw(call, { what: 'bulk ingest upload', endpoint: 'jobs.ingest.batches', method: 'PUT' }, (conn) =>
    conn.request({ method: 'PUT', url: `${base(conn, 'ingest')}/${created.id}/batches`, headers: { 'Content-Type': 'text/csv' }, body: csv }));
  return client.raw(call, { what: 'bulk ingest close', endpoint: 'jobs.ingest', method: 'PATCH' }, (conn) =>
    conn.request<BulkJobInfo>({ method: 'PATCH', url: `${base(conn, 'ingest')}/${created.id}`, headers: json(), body: JSON.stringify({ state: 'UploadComplete' }) }));
}

export function jobInfo(client: SalesforceClient, call: CallContext, kind: 'ingest' | 'query', id: string): Promise<BulkJobInfo> {
  return client.raw(call, { what: `bulk ${kind} info`, endpoint: `jobs.${kind}`, method: 'GET' }, (conn) =>
    conn.request<BulkJobInfo>({ method: 'GET', url: `${base(conn, kind)}/${id}` }));
}

/** The failed rows of a finished ingest job (jsforce parses the CSV). */
export async function failedRows(client: SalesforceClient, call: CallContext, id: string): Promise<FailedRow[]> {
  const rows = await client.raw(call, { what: 'bulk ingest failedResults', endpoint: 'jobs.ingest.failedResults', method: 'GET' }, (conn) =>
    conn.request<FailedRow[] | string>({ method: 'GET', url: `${base(conn, 'ingest')}/${id}/failedResults`, headers: { Accept: 'text/csv' } }));
  return Array.isArray(rows) ? rows : [];
}

export function startQueryJob(client: SalesforceClient, call: CallContext, soql: string): Promise<BulkJobInfo> {
  return client.raw(call, { what: 'bulk query create', endpoint: 'jobs.query', method: 'POST' }, (conn) =>
    conn.request<BulkJobInfo>({ method: 'POST', url: base(conn, 'query'), headers: json(), body: JSON.stringify({ operation: 'query', query: soql }) }));
}

/** One page of a finished query job: at most `maxRecords` rows from `locator` (null: the first page). */
export function resultsPage(client: SalesforceClient, call: CallContext, id: string, locator: string | null, maxRecords: number): Promise<ResultsPage> {
  return client.raw(call, { what: 'bulk query results', endpoint: 'jobs.query.results', method: 'GET' }, async (conn) => {
    const api = new HttpApi(conn, { responseType: 'text/csv' });
    let next: string | null = null;
    api.on('response', (res: { headers: Record<string, string | undefined> }) => {
      const value = res.headers['sforce-locator'];
      next = value && value !== 'null' ? value : null;
    });
    const query = new URLSearchParams({ maxRecords: String(maxRecords), ...(locator ? { locator } : {}) });
    const rows = await api.request<Record<string, string>[] | string>({
      method: 'GET', url: `${conn.instanceUrl}${base(conn, 'query')}/${id}/results?${query.toString()}`, headers: { Accept: 'text/csv' },
    });
    return { rows: Array.isArray(rows) ? rows : [], locator: next };
  });
}
