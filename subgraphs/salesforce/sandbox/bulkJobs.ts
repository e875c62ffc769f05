/**
 * Bulk API 2.0 ingest jobs of the sandbox: a job is created `Open`, takes one CSV upload, and on
 * `UploadComplete` is processed asynchronously in chunks (one `setImmediate` per chunk, so 10,000
 * rows never block the event loop): `InProgress` → `JobComplete` (or `Failed` when the header names
 * an unknown field, `Aborted` when aborted). Each row goes through the store's own field validation
 * (fieldValidation.ts), so a bad row fails alone with its `sf__Error`; each chunk commits as one
 * transaction, so Change Data Capture publishes the chunk's changes together.
 *
 * Upsert matches on `externalIdFieldName`: `Id`, or `Email` (the sandbox's Contact has no External ID
 * field, so Email plays that part; a real org needs a custom External ID field for this).
 */
import type { Logger } from 'pino';
import { CSV_NULL, CsvError, csvLine, parseCsv } from './bulkCsv';
import { SalesforceApiError } from './salesforceErrors';
import { normalizeId } from './salesforceIds';
import type { SalesforceStore, SfRecord } from './salesforceStore';
import { findSObject, type SObjectDef } from './sobjectSchema';

export const INGEST_OPERATIONS = ['insert', 'update', 'upsert', 'delete'] as const;
export type IngestOperation = (typeof INGEST_OPERATIONS)[number];
export type JobState = 'Open' | 'UploadComplete' | 'InProgress' | 'JobComplete' | 'Failed' | 'Aborted';

/** Rows processed per event-loop turn. */
export const INGEST_CHUNK = 200;

export interface IngestJob {
  id: string;
  object: string;
  operation: IngestOperation;
  externalIdFieldName: string | null;
  state: JobState;
  createdById: string;
  createdDate: number;
  systemModstamp: number;
  apiVersion: string;
  upload: Buffer | null;
  header: string[];
  processed: number;
  failed: number;
  /** Result CSV lines without their header. */
  successLines: string[];
  failureLines: string[];
  unprocessedLines: string[];
  errorMessage: string | null;
}

export interface IngestContext {
  store: SalesforceStore;
  logger: Logger;
  now: () => number;
}

const badRequest = (code: string, message: string): SalesforceApiError => new SalesforceApiError(400, code, message);

/** Validate a `POST /jobs/ingest` body and return the new job's settings. */
export function readIngestRequest(body: Record<string, unknown>): { object: SObjectDef; operation: IngestOperation; externalIdFieldName: string | null } {
  const object = typeof body.object === 'string' ? findSObject(body.object) : undefined;
  if (!object || !object.createable) throw badRequest('INVALIDJOB', `InvalidJob : Invalid object: ${typeof body.object === 'string' ? body.object.slice(0, 80) : ''}`);
  const operation = INGEST_OPERATIONS.find((op) => op === body.operation);
  if (!operation) throw badRequest('INVALIDJOB', `InvalidJob : Invalid operation: ${String(body.operation).slice(0, 40)}`);
  if (body.contentType !== undefined && body.contentType !== 'CSV') throw badRequest('INVALIDJOB', 'InvalidJob : Only CSV content is supported');
  if (body.columnDelimiter !== undefined && body.columnDelimiter !== 'COMMA') throw badRequest('INVALIDJOB', 'InvalidJob : The sandbox supports columnDelimiter COMMA only');
  let externalIdFieldName: string | null = null;
  if (operation === 'upsert') {
    const name = typeof body.externalIdFieldName === 'string' ? object.fieldByLower.get(body.externalIdFieldName.toLowerCase()) : undefined;
    if (!name || (name.name !== 'Id' && name.name !== 'Email')) {
      throw badRequest('INVALIDJOB', `InvalidJob : External ID field does not exist or is not accessible: ${String(body.externalIdFieldName ?? '').slice(0, 80)} (use Id or Email)`);
    }
    externalIdFieldName = name.name;
  }
  return { object, operation, externalIdFieldName };
}

/** The column values of a row: empty leaves a field alone, `#N/A` clears it, booleans become booleans. */
function rowBody(def: SObjectDef, header: string[], row: string[]): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  header.forEach((col, i) => {
    const raw = row[i] ?? '';
    if (raw === '') return;
    const field = def.fieldByLower.get(col.toLowerCase());
    if (raw === CSV_NULL) body[col] = null;
    else if (field?.type === 'boolean') body[col] = raw.toLowerCase() === 'true' ? true : raw.toLowerCase() === 'false' ? false : raw;
    else body[col] = raw;
  });
  return body;
}

function takeId(body: Record<string, unknown>): string {
  const key = Object.keys(body).find((k) => k.toLowerCase() === 'id');
  const raw = key === undefined ? undefined : body[key];
  if (key !== undefined) delete body[key];
  if (typeof raw !== 'string') throw new SalesforceApiError(400, 'MISSING_ARGUMENT', 'Id not specified in an update call', ['Id']);
  const id = normalizeId(raw);
  if (!id) throw new SalesforceApiError(400, 'MALFORMED_ID', `malformed id ${raw.slice(0, 40)}`, ['Id']);
  return id;
}

/** Apply one row; returns the record id and whether it was created. */
function applyRow(ctx: IngestContext, job: IngestJob, def: SObjectDef, body: Record<string, unknown>): { id: string; created: boolean } {
  const origin = `com/salesforce/api/bulk/${job.apiVersion}`;
  const { store } = ctx;
  switch (job.operation) {
    case 'insert':
      return { id: store.create(def.name, body, job.createdById, origin).id, created: true };
    case 'update': {
      const id = takeId(body);
      return { id: store.update(def.name, id, body, job.createdById, origin).id, created: false };
    }
    case 'delete': {
      const id = takeId(body);
      store.delete(def.name, id, job.createdById, origin);
      return { id, created: false };
    }
    case 'upsert': {
      const match = upsertMatch(store, def, job.externalIdFieldName ?? 'Id', body);
      if (!match) {
        if (job.externalIdFieldName === 'Id') throw new SalesforceApiError(400, 'INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id', ['Id']);
        return { id: store.create(def.name, body, job.createdById, origin).id, created: true };
      }
      if (job.externalIdFieldName === 'Id') takeId(body);
      return { id: store.update(def.name, match.id, body, job.createdById, origin).id, created: false };
    }
  }
}

function upsertMatch(store: SalesforceStore, def: SObjectDef, key: string, body: Record<string, unknown>): SfRecord | undefined {
  const col = Object.keys(body).find((k) => k.toLowerCase() === key.toLowerCase());
  const value = col === undefined ? undefined : body[col];
  if (typeof value !== 'string') throw new SalesforceApiError(400, 'REQUIRED_FIELD_MISSING', `Required fields are missing: [${key}]`, [key]);
  if (key === 'Id') {
    const id = normalizeId(value);
    const rec = id ? store.get(def.name, id) : undefined;
    return rec && rec.values.IsDeleted !== true ? rec : undefined;
  }
  const live = store.contactsByEmail(value).filter((r) => r.values.IsDeleted !== true);
  if (live.length > 1) {
    throw new SalesforceApiError(400, 'DUPLICATE_EXTERNAL_ID', `${key}: more than one record found for external id field: [${live.map((r) => r.id).join(', ')}]`, [key]);
  }
  return live[0];
}

/** `sf__Error` text as Salesforce writes it: `CODE:message:fields --`. */
function errorText(err: unknown, logger: Logger): string {
  if (err instanceof SalesforceApiError) return `${err.errorCode}:${err.message}:${(err.fields ?? []).join(',')} --`;
  logger.error({ err }, 'unexpected error processing a bulk row');
  return 'UNKNOWN_EXCEPTION:An unexpected error occurred:--';
}

function processRows(ctx: IngestContext, job: IngestJob, def: SObjectDef, rows: string[][], start: number): void {
  if (job.state === 'Aborted') {
    job.unprocessedLines = rows.slice(start).map(csvLine);
    return;
  }
  const end = Math.min(rows.length, start + INGEST_CHUNK);
  const journal = ctx.store.begin();
  try {
    for (let i = start; i < end; i++) {
      const row = rows[i] as string[];
      try {
        const { id, created } = applyRow(ctx, job, def, rowBody(def, job.header, row));
        job.successLines.push(csvLine([id, String(created), ...row]));
      } catch (err) {
        job.failed++;
        job.failureLines.push(csvLine(['', errorText(err, ctx.logger), ...row]));
      }
      job.processed++;
    }
  } finally {
    journal.commit();
  }
  job.systemModstamp = ctx.now();
  if (end < rows.length) setImmediate(() => processRows(ctx, job, def, rows, end));
  else job.state = 'JobComplete';
}

function failJob(ctx: IngestContext, job: IngestJob, message: string): void {
  job.state = 'Failed';
  job.errorMessage = message;
  job.systemModstamp = ctx.now();
}

/** Move an uploaded job to UploadComplete and process it over the next event-loop turns. */
export function startIngest(ctx: IngestContext, job: IngestJob): void {
  job.state = 'UploadComplete';
  job.systemModstamp = ctx.now();
  setImmediate(() => {
    if (job.state !== 'UploadComplete') return;
    job.state = 'InProgress';
    const def = findSObject(job.object) as SObjectDef;
    let rows: string[][];
    try {
      rows = job.upload ? parseCsv(job.upload.toString('utf8')) : [];
    } catch (err) {
      failJob(ctx, job, `InvalidBatch : ${err instanceof CsvError ? err.message : 'unreadable CSV'}`);
      return;
    }
    job.upload = null;
    job.header = rows.shift() ?? [];
    const unknown = job.header.find((col) => !def.fieldByLower.has(col.toLowerCase()));
    if (job.header.length === 0) {
      failJob(ctx, job, 'InvalidBatch : No data was uploaded for this job');
      return;
    }
    if (unknown !== undefined) {
      failJob(ctx, job, `InvalidBatch : Field name not found : ${unknown.slice(0, 80)}`);
      return;
    }
    processRows(ctx, job, def, rows.filter((r) => r.length > 1 || (r[0] ?? '') !== ''), 0);
  });
}
