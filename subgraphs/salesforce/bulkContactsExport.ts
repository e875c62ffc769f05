/**
 * `contactsExport(first, after)`: all contacts through a Salesforce Bulk API 2.0 query job, read one
 * page (`maxRecords` = `first`) per GraphQL call by the job's `Sforce-Locator`, so neither the
 * subgraph nor a page ever holds more than `first` contacts. The first call starts the job and waits
 * for it (polling with backoff up to EXPORT_WAIT_MS); the cursor (`after`) carries the job id, the
 * locator and the total, base64url-encoded, so later pages cost one request each.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { badUserInput, subgraphError } from '../kit/subgraphErrors';
import { jobInfo, resultsPage, startQueryJob, type BulkJobInfo } from './bulkJobs';
import { CONTACT_FIELDS, toContactModel } from './mapping';
import type { ContactModel } from './model';
import type { CallContext, SalesforceClient } from './salesforceClient';

/** Largest export page. */
export const MAX_EXPORT_PAGE = 2000;
/** How long the first page waits for Salesforce to finish the query job. */
export const EXPORT_WAIT_MS = 120_000;

export interface ContactExportPageModel {
  nodes: ContactModel[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  totalCount: number;
}

interface ExportCursor { j: string; l: string; t: number }

const JOB_ID = /^750[A-Za-z0-9]{15}$/;
const LOCATOR = /^[A-Za-z0-9+/=_-]{1,200}$/;

export function encodeExportCursor(c: ExportCursor): string {
  return Buffer.from(JSON.stringify(c)).toString('base64url');
}

export function decodeExportCursor(after: string): ExportCursor {
  const bad = (): Error => badUserInput('salesforce', 'after', 'after is not a cursor of contactsExport');
  if (after.length > 400) throw bad();
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(after, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  const c = v as Partial<ExportCursor> | null;
  if (!c || typeof c.j !== 'string' || !JOB_ID.test(c.j) || typeof c.l !== 'string' || !LOCATOR.test(c.l) || !Number.isSafeInteger(c.t) || (c.t as number) < 0) throw bad();
  return c as ExportCursor;
}

/** Polls the query job until it is complete (1, 2, 4 ... up to 500 ms apart). */
async function waitForJob(client: SalesforceClient, call: CallContext, id: string, now: () => number): Promise<BulkJobInfo> {
  const deadline = now() + EXPORT_WAIT_MS;
  for (let delay = 1; ; delay = Math.min(500, delay * 2)) {
    const info = await jobInfo(client, call, 'query', id);
    if (info.state === 'JobComplete') return info;
    if (info.state === 'Failed' || info.state === 'Aborted') {
      call.log.warn({ jobId: id, state: info.state, error: info.errorMessage }, 'contacts export job did not complete');
      throw subgraphError({ code: 'UPSTREAM_REJECTED', system: 'salesforce', message: 'Salesforce could not run the contacts export' });
    }
    if (now() > deadline) throw subgraphError({ code: 'UPSTREAM_TIMEOUT', system: 'salesforce', message: 'the contacts export did not finish in time' });
    await sleep(delay);
  }
}

export async function contactsExport(
  client: SalesforceClient, call: CallContext, args: { first?: number | null; after?: string | null }, now: () => number = Date.now,
): Promise<ContactExportPageModel> {
  const first = args.first ?? 1000;
  if (!Number.isInteger(first) || first < 1 || first > MAX_EXPORT_PAGE) throw badUserInput('salesforce', 'first', `first must be 1..${MAX_EXPORT_PAGE}`);
  let cursor: ExportCursor;
  if (args.after) cursor = decodeExportCursor(args.after);
  else {
    const job = await startQueryJob(client, call, `SELECT ${CONTACT_FIELDS.join(', ')} FROM Contact ORDER BY Id`);
    const done = await waitForJob(client, call, job.id, now);
    cursor = { j: job.id, l: '', t: done.numberRecordsProcessed };
    call.log.info({ jobId: job.id, total: cursor.t }, 'contacts export started');
  }
  const page = await resultsPage(client, call, cursor.j, cursor.l || null, first);
  const endCursor = page.locator ? encodeExportCursor({ ...cursor, l: page.locator }) : null;
  return {
    nodes: page.rows.map(toContactModel),
    pageInfo: { hasNextPage: page.locator !== null, hasPreviousPage: Boolean(args.after), startCursor: args.after ?? null, endCursor },
    totalCount: cursor.t,
  };
}
