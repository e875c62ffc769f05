/**
 * Bulk API 2.0 over HTTP: `/services/data/vXX.X/jobs/ingest` and `/jobs/query` (see bulkJobs.ts and
 * bulkQueryJobs.ts for the job lifecycles). JSON bodies except the CSV upload (`PUT .../batches`,
 * `Content-Type: text/csv`, 201 empty; anything else 415) and the CSV results. Errors are
 * Salesforce's array form: 400 INVALIDJOB, 409 INVALIDJOBSTATE for a request the job's state does
 * not allow, 404 NOT_FOUND for an unknown job id. Routes are counted like every sandbox route, e.g.
 * `PUT /services/data/vXX.X/jobs/ingest/:id/batches`.
 */
import type { HttpMethod, Route, SandboxReply } from '../../kit/sandboxServer';
import { csvLine } from './bulkCsv';
import { readIngestRequest, startIngest, type IngestJob, type JobState } from './bulkJobs';
import { createQueryJob, resultPage, startQuery, type QueryJob } from './bulkQueryJobs';
import { SalesforceApiError, notFound, parseJsonBody } from './salesforceErrors';
import { makeId } from './salesforceIds';
import { runResource, withLimitHeader, type RestCall, type RestDeps, type RestHandler } from './restSupport';
import { formatDatetime } from './soqlDates';

/** Jobs kept; the oldest finished ones are forgotten beyond this. */
export const MAX_BULK_JOBS = 500;
const BULK_JOB_PREFIX = '750';
const TERMINAL: ReadonlySet<JobState> = new Set(['JobComplete', 'Failed', 'Aborted']);

const invalidState = (job: { state: JobState }, what: string): SalesforceApiError =>
  new SalesforceApiError(409, 'INVALIDJOBSTATE', `InvalidJobState : ${what} is not allowed for a job in state ${job.state}`);

function common(job: IngestJob | QueryJob, kind: 'ingest' | 'query') {
  return {
    id: job.id, operation: job.operation, object: job.object, createdById: job.createdById,
    createdDate: formatDatetime(job.createdDate), systemModstamp: formatDatetime(job.systemModstamp), state: job.state,
    concurrencyMode: 'Parallel', contentType: 'CSV', apiVersion: Number(job.apiVersion),
    jobType: kind === 'ingest' ? 'V2Ingest' : 'V2Query', lineEnding: 'LF', columnDelimiter: 'COMMA',
  };
}

function ingestInfo(job: IngestJob) {
  return {
    ...common(job, 'ingest'),
    ...(job.externalIdFieldName ? { externalIdFieldName: job.externalIdFieldName } : {}),
    contentUrl: `services/data/v${job.apiVersion}/jobs/ingest/${job.id}/batches`,
    numberRecordsProcessed: job.processed, numberRecordsFailed: job.failed, retries: 0,
    totalProcessingTime: 0, apiActiveProcessingTime: 0, apexProcessingTime: 0,
    ...(job.errorMessage ? { errorMessage: job.errorMessage } : {}),
  };
}

function queryInfo(job: QueryJob) {
  return {
    ...common(job, 'query'),
    numberRecordsProcessed: TERMINAL.has(job.state) || job.state === 'InProgress' ? job.records.length : 0,
    retries: 0, totalProcessingTime: 0, isPkChunkingSupported: true,
  };
}

function csvReply(body: Buffer | string, headers: Record<string, string> = {}): SandboxReply {
  return { status: 200, headers: { 'content-type': 'text/csv', ...headers }, body };
}

function positiveParam(call: RestCall, name: string): number | null {
  const raw = call.req.query.get(name);
  if (raw === null || raw === '') return null;
  if (!/^\d{1,9}$/.test(raw) || Number(raw) < 1) throw new SalesforceApiError(400, 'INVALIDJOB', `InvalidJob : ${name} must be a positive integer`);
  return Number(raw);
}

/** The Bulk API 2.0 routes, mounted like the other REST resources (version, session, limit header). */
export function bulkRoutes(deps: RestDeps): Route[] {
  const ingest = new Map<string, IngestJob>();
  const queries = new Map<string, QueryJob>();
  let serial = 0;
  const ctx = { store: deps.store, logger: deps.logger, now: deps.now };

  function remember<J extends { state: JobState }>(jobs: Map<string, J>, id: string, job: J): void {
    if (jobs.size >= MAX_BULK_JOBS) {
      for (const [k, j] of jobs) if (TERMINAL.has(j.state)) { jobs.delete(k); break; }
    }
    jobs.set(id, job);
  }
  function find<J>(jobs: Map<string, J>, call: RestCall): J {
    const job = jobs.get(call.params.id ?? '');
    if (!job) throw notFound();
    return job;
  }

  function createIngest(call: RestCall): SandboxReply {
    const { object, operation, externalIdFieldName } = readIngestRequest(parseJsonBody(call.req.body) as Record<string, unknown>);
    const now = deps.now();
    const job: IngestJob = {
      id: makeId(BULK_JOB_PREFIX, ++serial), object: object.name, operation, externalIdFieldName, state: 'Open',
      createdById: call.userId, createdDate: now, systemModstamp: now, apiVersion: call.version, upload: null, header: [],
      processed: 0, failed: 0, successLines: [], failureLines: [], unprocessedLines: [], errorMessage: null,
    };
    remember(ingest, job.id, job);
    return { status: 200, body: ingestInfo(job) };
  }

  function upload(call: RestCall): SandboxReply {
    const job = find(ingest, call);
    const type = String(call.req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    if (type !== 'text/csv') {
      throw new SalesforceApiError(415, 'UNSUPPORTEDCONTENTTYPE', `UnsupportedContentType : Unsupported content type: ${type?.slice(0, 60) ?? ''}. Use text/csv`);
    }
    if (job.state !== 'Open' || job.upload) throw invalidState(job, 'Uploading data');
    job.upload = call.req.body;
    return { status: 201 };
  }

  function patchIngest(call: RestCall): SandboxReply {
    const job = find(ingest, call);
    const { state } = parseJsonBody(call.req.body) as Record<string, unknown>;
    if (state === 'UploadComplete') {
      if (job.state !== 'Open') throw invalidState(job, 'UploadComplete');
      startIngest(ctx, job);
    } else if (state === 'Aborted') {
      if (TERMINAL.has(job.state)) throw invalidState(job, 'Aborting');
      job.state = 'Aborted';
      job.upload = null;
    } else throw new SalesforceApiError(400, 'INVALIDJOB', `InvalidJob : Invalid state: ${String(state).slice(0, 40)}`);
    return { status: 200, body: ingestInfo(job) };
  }

  function ingestResults(which: 'successful' | 'failed' | 'unprocessed'): RestHandler {
    return (call) => {
      const job = find(ingest, call);
      if (which !== 'unprocessed' && !TERMINAL.has(job.state)) throw invalidState(job, 'Reading results');
      const lead = which === 'successful' ? ['sf__Id', 'sf__Created'] : which === 'failed' ? ['sf__Id', 'sf__Error'] : [];
      const lines = which === 'successful' ? job.successLines : which === 'failed' ? job.failureLines : job.unprocessedLines;
      return csvReply([csvLine([...lead, ...job.header]), ...lines].join(''));
    };
  }

  function remove<J extends { state: JobState }>(jobs: Map<string, J>): RestHandler {
    return (call) => {
      const job = find(jobs, call);
      if (job.state === 'InProgress' || job.state === 'UploadComplete') throw invalidState(job, 'Deleting');
      jobs.delete(call.params.id ?? '');
      return { status: 204 };
    };
  }

  function createQuery(call: RestCall): SandboxReply {
    const body = parseJsonBody(call.req.body) as Record<string, unknown>;
    const job = createQueryJob(body, { id: makeId(BULK_JOB_PREFIX, serial + 1), userId: call.userId }, deps.store, call.version, deps.now());
    serial++;
    remember(queries, job.id, job);
    startQuery(job, deps.now);
    return { status: 200, body: queryInfo(job) };
  }

  function queryResults(call: RestCall): SandboxReply {
    const job = find(queries, call);
    if (job.state !== 'JobComplete') throw invalidState(job, 'Reading results');
    const page = resultPage(job, call.req.query.get('locator') || null, positiveParam(call, 'maxRecords'));
    return csvReply(page.csv, { 'Sforce-Locator': page.locator, 'Sforce-NumberOfRecords': String(page.count) });
  }

  function abortQuery(call: RestCall): SandboxReply {
    const job = find(queries, call);
    const { state } = parseJsonBody(call.req.body) as Record<string, unknown>;
    if (state !== 'Aborted') throw new SalesforceApiError(400, 'INVALIDJOB', `InvalidJob : Invalid state: ${String(state).slice(0, 40)}`);
    if (TERMINAL.has(job.state)) throw invalidState(job, 'Aborting');
    job.state = 'Aborted';
    return { status: 200, body: queryInfo(job) };
  }

  const list = <J>(jobs: Map<string, J>, info: (j: J) => object): RestHandler => () =>
    ({ status: 200, body: { done: true, records: [...jobs.values()].map(info), nextRecordsUrl: null } });

  const table: Array<[HttpMethod, string, RestHandler]> = [
    ['POST', '/jobs/ingest', createIngest],
    ['GET', '/jobs/ingest', list(ingest, ingestInfo)],
    ['GET', '/jobs/ingest/:id', (call) => ({ status: 200, body: ingestInfo(find(ingest, call)) })],
    ['PATCH', '/jobs/ingest/:id', patchIngest],
    ['DELETE', '/jobs/ingest/:id', remove(ingest)],
    ['PUT', '/jobs/ingest/:id/batches', upload],
    ['GET', '/jobs/ingest/:id/successfulResults', ingestResults('successful')],
    ['GET', '/jobs/ingest/:id/failedResults', ingestResults('failed')],
    ['GET', '/jobs/ingest/:id/unprocessedrecords', ingestResults('unprocessed')],
    ['POST', '/jobs/query', createQuery],
    ['GET', '/jobs/query', list(queries, queryInfo)],
    ['GET', '/jobs/query/:id', (call) => ({ status: 200, body: queryInfo(find(queries, call)) })],
    ['PATCH', '/jobs/query/:id', abortQuery],
    ['DELETE', '/jobs/query/:id', remove(queries)],
    ['GET', '/jobs/query/:id/results', queryResults],
  ];
  return table.map(([method, pattern, handler]) => ({
    method,
    path: `/services/data/:version${pattern}`,
    name: `${method} /services/data/vXX.X${pattern}`,
    handler: async (req) => withLimitHeader(await runResource(handler, req, req.params, deps), deps.usage),
  }));
}
