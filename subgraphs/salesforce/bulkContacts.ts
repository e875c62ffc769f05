/**
 * `bulkUpsertContacts` and `bulkJob`: contacts created or updated in bulk, matched on email.
 * - Up to SYNC_LIMIT (200) records: one SOQL lookup of the emails, then sObject Collections creates
 *   and updates (`allOrNone: false`), answered as a completed job with one error per failed record.
 * - More (up to MAX_BULK_RECORDS): a Bulk API 2.0 upsert job on `UPSERT_KEY` with the records as CSV,
 *   answered at once with Salesforce's job (UPLOAD_COMPLETE / IN_PROGRESS); `bulkJob(id)` then reads
 *   its progress and, once finished, its failed rows (`failedResults`).
 * The input is validated before anything leaves (contactInput.ts rules, per record, with the
 * record's index in `extensions.field`), and emails must be unique within one call.
 */
import type { BulkJobState, ContactUpsertInput } from '../../schema/generated/salesforce';
import { contactEmailTag, entityTag } from '../kit/cacheTags';
import { badUserInput, isSubgraphError } from '../kit/subgraphErrors';
import { failedRows, jobInfo, startIngestJob, type BulkJobInfo, type FailedRow } from './bulkJobs';
import { updateContactFields, type SalesforceFields } from './contactInput';
import type { MutationDeps } from './contactMutations';
import type { CallContext, SalesforceClient } from './salesforceClient';
import { chunkInList, soqlString } from './soql';

/** Records written synchronously through sObject Collections (Salesforce's per-call maximum). */
export const SYNC_LIMIT = 200;
/** Records accepted by one `bulkUpsertContacts` call. */
export const MAX_BULK_RECORDS = 50_000;
/**
 * The external-id field bulk upserts match on. The sandbox lets `Email` play that part; a real org
 * needs an External ID field holding the email (e.g. a custom `Email_Key__c`) and this set to it.
 */
export const UPSERT_KEY = 'Email';
/** CSV columns of the upload, in order. */
const COLUMNS = ['Email', 'FirstName', 'LastName', 'Title', 'Phone', 'Department', 'AccountId'] as const;
const CSV_ROWS_PER_CHUNK = 1000;

export interface BulkRecordErrorModel {
  index: number | null;
  email: string | null;
  code: string;
  message: string;
}

/** What `BulkJob` resolves from. */
export interface BulkJobModel {
  id: string;
  state: BulkJobState;
  object: string;
  operation: string;
  recordsProcessed: number;
  recordsFailed: number;
  errorMessage: string | null;
  /** The errors when already known (synchronous upserts); otherwise read from Salesforce when asked. */
  knownErrors?: BulkRecordErrorModel[];
}

const STATES: Record<BulkJobInfo['state'], BulkJobState> = {
  Open: 'OPEN', UploadComplete: 'UPLOAD_COMPLETE', InProgress: 'IN_PROGRESS', JobComplete: 'JOB_COMPLETE', Failed: 'FAILED', Aborted: 'ABORTED',
};

export function jobModel(info: BulkJobInfo): BulkJobModel {
  return {
    id: info.id, state: STATES[info.state] ?? 'IN_PROGRESS', object: info.object, operation: info.operation,
    recordsProcessed: info.numberRecordsProcessed ?? 0, recordsFailed: info.numberRecordsFailed ?? 0, errorMessage: info.errorMessage ?? null,
  };
}

/** Validates every record (BAD_USER_INPUT naming `input[i].field`) and returns their Salesforce fields. */
export function validateUpserts(input: readonly ContactUpsertInput[]): SalesforceFields[] {
  if (input.length === 0) throw badUserInput('salesforce', 'input', 'input must contain at least one contact');
  if (input.length > MAX_BULK_RECORDS) throw badUserInput('salesforce', 'input', `input must contain at most ${MAX_BULK_RECORDS} contacts (got ${input.length})`);
  const seen = new Map<string, number>();
  return input.map((rec, i) => {
    let fields: SalesforceFields;
    try {
      fields = updateContactFields(rec);
    } catch (err) {
      const field = isSubgraphError(err) ? String(err.extensions.field ?? 'input').replace(/^input/, `input[${i}]`) : `input[${i}]`;
      throw badUserInput('salesforce', field, `input[${i}]: ${err instanceof Error ? err.message : 'invalid'}`);
    }
    const email = fields.Email as string;
    const first = seen.get(email);
    if (first !== undefined) throw badUserInput('salesforce', `input[${i}].email`, `input[${i}].email repeats the email of input[${first}]`);
    seen.set(email, i);
    return fields;
  });
}

interface SaveResult { id?: string; success: boolean; errors?: Array<{ statusCode?: string; errorCode?: string; message?: string }> }

function saveError(index: number, email: string, res: SaveResult | undefined): BulkRecordErrorModel {
  const e = res?.errors?.[0];
  return { index, email, code: e?.statusCode ?? e?.errorCode ?? 'UNKNOWN_EXCEPTION', message: e?.message ?? 'the record was not saved' };
}

/** Contact ids by lower-cased email, for the emails given (one SOQL query per URL-sized chunk). */
async function idsByEmail(client: SalesforceClient, call: CallContext, emails: string[]): Promise<Map<string, string[]>> {
  const chunks = chunkInList(emails, soqlString, (list) => `SELECT Id, Email FROM Contact WHERE Email IN (${list})`, client.config.maxSoqlChars);
  const out = new Map<string, string[]>();
  for (const chunk of chunks) {
    const res = await client.query(`SELECT Id, Email FROM Contact WHERE Email IN (${chunk.map(soqlString).join(',')})`, call, SYNC_LIMIT * 2);
    for (const r of res.records) {
      const email = String(r.Email ?? '').toLowerCase();
      out.set(email, [...(out.get(email) ?? []), String(r.Id)]);
    }
  }
  return out;
}

async function upsertNow(deps: MutationDeps, records: SalesforceFields[]): Promise<BulkJobModel> {
  const { client, call } = deps;
  const existing = await idsByEmail(client, call, records.map((r) => r.Email as string));
  const errors: BulkRecordErrorModel[] = [];
  const creates: Array<{ index: number; fields: SalesforceFields }> = [];
  const updates: Array<{ index: number; fields: SalesforceFields & { Id: string } }> = [];
  records.forEach((fields, index) => {
    const email = fields.Email as string;
    const ids = existing.get(email) ?? [];
    if (ids.length > 1) errors.push({ index, email, code: 'DUPLICATE_EXTERNAL_ID', message: `${ids.length} contacts have this email` });
    else if (ids[0]) updates.push({ index, fields: { ...fields, Id: ids[0] } });
    else creates.push({ index, fields });
  });
  const spec = (method: 'POST' | 'PATCH') => ({ what: `collections ${method === 'POST' ? 'create' : 'update'} Contact`, endpoint: 'composite.sobjects', method });
  const [created, updated] = await Promise.all([
    creates.length ? client.raw(call, spec('POST'), (conn) => conn.create('Contact', creates.map((c) => c.fields), { allOrNone: false }) as Promise<SaveResult[]>) : [],
    updates.length ? client.raw(call, spec('PATCH'), (conn) => conn.update('Contact', updates.map((u) => u.fields), { allOrNone: false }) as Promise<SaveResult[]>) : [],
  ]);
  const tags: string[] = [];
  const collect = (items: Array<{ index: number; fields: SalesforceFields }>, results: SaveResult[]): void => items.forEach((item, i) => {
    const res = results[i];
    const email = item.fields.Email as string;
    if (res?.success && res.id) tags.push(entityTag('Contact', res.id), contactEmailTag(email), ...(item.fields.AccountId ? [entityTag('Account', item.fields.AccountId)] : []));
    else errors.push(saveError(item.index, email, res));
  });
  collect(creates, created);
  collect(updates, updated);
  if (tags.length) deps.invalidate(tags);
  errors.sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
  deps.call.log.info({ records: records.length, failed: errors.length }, 'contacts upserted synchronously');
  return {
    id: `sync:${deps.call.requestId}`, state: 'JOB_COMPLETE', object: 'Contact', operation: 'upsert',
    recordsProcessed: records.length, recordsFailed: errors.length, errorMessage: null, knownErrors: errors,
  };
}

const quote = (v: string | null | undefined): string => (v === undefined ? '' : v === null ? '#N/A' : `"${v.replace(/"/g, '""')}"`);

/** The upload CSV, built CSV_ROWS_PER_CHUNK rows at a time. */
export function upsertCsv(records: readonly SalesforceFields[]): string {
  const chunks = [`${COLUMNS.join(',')}\n`];
  for (let start = 0; start < records.length; start += CSV_ROWS_PER_CHUNK) {
    let chunk = '';
    for (const rec of records.slice(start, start + CSV_ROWS_PER_CHUNK)) chunk += `${COLUMNS.map((c) => quote(rec[c])).join(',')}\n`;
    chunks.push(chunk);
  }
  return chunks.join('');
}

export async function bulkUpsertContacts(deps: MutationDeps, input: readonly ContactUpsertInput[]): Promise<BulkJobModel> {
  const records = validateUpserts(input);
  if (records.length <= SYNC_LIMIT) return upsertNow(deps, records);
  const info = await startIngestJob(deps.client, deps.call, { object: 'Contact', operation: 'upsert', externalIdFieldName: UPSERT_KEY }, upsertCsv(records));
  deps.invalidate(records.map((r) => contactEmailTag(r.Email as string)));
  deps.call.log.info({ jobId: info.id, records: records.length }, 'bulk contact upsert job started');
  return jobModel(info);
}

const JOB_ID = /^750[A-Za-z0-9]{12}(?:[A-Za-z0-9]{3})?$/;

/** A Bulk API ingest job by id; null for unknown ids and for synchronous results (not kept). */
export async function bulkJob(client: SalesforceClient, call: CallContext, id: string): Promise<BulkJobModel | null> {
  if (id.startsWith('sync:')) return null;
  if (!JOB_ID.test(id)) throw badUserInput('salesforce', 'id', 'id is not a Salesforce bulk job id');
  try {
    return jobModel(await jobInfo(client, call, 'ingest', id));
  } catch (err) {
    if (isSubgraphError(err) && err.extensions.code === 'NOT_FOUND') return null;
    throw err;
  }
}

/** `CODE:message:fields --` → code and message. */
function failedRowError(row: FailedRow): BulkRecordErrorModel {
  const raw = row.sf__Error ?? '';
  const colon = raw.indexOf(':');
  const code = colon > 0 ? raw.slice(0, colon) : 'UNKNOWN_EXCEPTION';
  const message = (colon > 0 ? raw.slice(colon + 1) : raw).replace(/:[^:]*--\s*$/, '').trim();
  return { index: null, email: row.Email ? row.Email.toLowerCase() : null, code, message };
}

/** A job's record errors: known ones, or its failed rows once Salesforce finished it. */
export async function jobErrors(client: SalesforceClient, call: CallContext, job: BulkJobModel): Promise<BulkRecordErrorModel[]> {
  if (job.knownErrors) return job.knownErrors;
  if (job.state !== 'JOB_COMPLETE' && job.state !== 'FAILED' && job.state !== 'ABORTED') return [];
  return (await failedRows(client, call, job.id)).map(failedRowError);
}

/** Largest `errors(first)` page. */
export const MAX_ERRORS_PAGE = 1000;

/** One page of a job's errors as a connection; cursors are the offset, base64url-encoded. */
export function bulkErrorConnection(errors: readonly BulkRecordErrorModel[], args: { first?: number | null; after?: string | null }) {
  const first = args.first ?? 100;
  if (!Number.isInteger(first) || first < 1 || first > MAX_ERRORS_PAGE) throw badUserInput('salesforce', 'first', `first must be 1..${MAX_ERRORS_PAGE}`);
  let start = 0;
  if (args.after) {
    const m = /^e(\d{1,9})$/.exec(Buffer.from(args.after.slice(0, 40), 'base64url').toString('latin1'));
    if (!m) throw badUserInput('salesforce', 'after', 'after is not a cursor of this list');
    start = Number(m[1]) + 1;
  }
  const cursor = (i: number): string => Buffer.from(`e${i}`).toString('base64url');
  const edges = errors.slice(start, start + first).map((node, i) => ({ cursor: cursor(start + i), node }));
  return {
    edges,
    nodes: edges.map((e) => e.node),
    pageInfo: { hasNextPage: start + first < errors.length, hasPreviousPage: start > 0, startCursor: edges[0]?.cursor ?? null, endCursor: edges[edges.length - 1]?.cursor ?? null },
    totalCount: errors.length,
  };
}
