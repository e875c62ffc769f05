/**
 * Bulk contacts through the real Salesforce subgraph and sandbox: `bulkUpsertContacts` synchronously
 * (sObject Collections, up to 200) and as a Bulk API 2.0 ingest job (10,000 records with bad rows),
 * `bulkJob` progress and per-record errors, and `contactsExport` paged by locator over 20,000
 * contacts with the heap sampled while paging.
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import { MAX_BULK_RECORDS, validateUpserts } from '../../../subgraphs/salesforce/bulkContacts';
import { seedContacts, startHarness, type Harness } from './subgraphHelpers';

const PEOPLE = 20_000;

/** A full garbage collection, so that heapUsed shows what is retained. */
function collectGarbage(): void {
  v8.setFlagsFromString('--expose-gc');
  (vm.runInNewContext('gc') as () => void)();
}
const UPSERT = `mutation ($input: [ContactUpsertInput!]!) {
  bulkUpsertContacts(input: $input) { id state object operation recordsProcessed recordsFailed errors(first: 200) { totalCount nodes { index email code message } } }
}`;
const JOB = `query ($id: ID!, $after: String) {
  bulkJob(id: $id) { id state recordsProcessed recordsFailed errorMessage errors(first: 15, after: $after) { totalCount nodes { index email code } pageInfo { hasNextPage endCursor } } }
}`;
const EXPORT = `query ($after: String) { contactsExport(first: 2000, after: $after) { totalCount nodes { id email lastName createdAt } pageInfo { hasNextPage endCursor } } }`;

interface JobReply {
  id: string; state: string; recordsProcessed: number; recordsFailed: number;
  errors: { totalCount: number; nodes: Array<{ index: number | null; email: string | null; code: string }>; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
}
interface ExportReply { contactsExport: { totalCount: number; nodes: Array<{ id: string; email: string | null }>; pageInfo: { hasNextPage: boolean; endCursor: string | null } } }

describe('bulk contacts in the Salesforce subgraph', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ sandbox: { size: { accounts: 200, people: PEOPLE } } });
    await h.warmUp();
  });
  afterAll(() => h.close());

  it('exports 20,000 contacts page by page by locator, heap staying bounded', async () => {
    h.resetCounters();
    const ids = new Set<string>();
    let after: string | null = null;
    let pages = 0;
    let total = -1;
    collectGarbage();
    const start = process.memoryUsage().heapUsed;
    let peak = start;
    let afterFirst = 0;
    let retainedPeak = 0; // after the last page
    do {
      const res: { data?: ExportReply | null; errors?: unknown } = await h.gql<ExportReply>(EXPORT, { after });
      expect(res.errors).toBeUndefined();
      const page = res.data!.contactsExport;
      expect(page.nodes.length).toBeLessThanOrEqual(2000);
      for (const n of page.nodes) ids.add(n.id);
      total = page.totalCount;
      after = page.pageInfo.endCursor;
      pages++;
      peak = Math.max(peak, process.memoryUsage().heapUsed);
      if (pages === 1 || !after) {
        collectGarbage();
        if (pages === 1) afterFirst = process.memoryUsage().heapUsed;
        else retainedPeak = process.memoryUsage().heapUsed;
      }
    } while (after);
    expect(total).toBe(PEOPLE);
    expect(ids.size).toBe(PEOPLE);
    expect(pages).toBe(PEOPLE / 2000);
    expect(h.count('POST /services/data/vXX.X/jobs/query')).toBe(1);
    expect(h.count('GET /services/data/vXX.X/jobs/query/:id/results')).toBe(pages);
    const grownMb = (peak - start) / 1_048_576;
    const mb = (n: number): string => (n / 1_048_576).toFixed(1);
    process.stdout.write(`contactsExport of ${PEOPLE} contacts: ${pages} pages; heapUsed peak +${mb(peak - start)} MB over the start (garbage included); `
      + `retained after page 1 +${mb(afterFirst - start)} MB (mostly the sandbox's job snapshot, same process), after page ${pages} ${mb(retainedPeak - afterFirst)} MB more\n`);
    expect((retainedPeak - afterFirst) / 1_048_576).toBeLessThan(10);
    expect(grownMb).toBeLessThan(100);
  });

  it('upserts 150 contacts synchronously through sObject Collections with per-record errors', async () => {
    const existing = seedContacts(h.sandbox, 10);
    const input = [
      ...existing.map((c, i) => ({ email: c.email.toUpperCase(), title: `Bulk title ${i}` })),
      ...Array.from({ length: 140 }, (_, i) => ({ email: `sync${i}@bulk.example`, ...(i % 50 === 3 ? {} : { lastName: `Sync${i}` }) })),
    ];
    h.resetCounters();
    const res = await h.gql<{ bulkUpsertContacts: JobReply }>(UPSERT, { input });
    expect(res.errors).toBeUndefined();
    const job = res.data!.bulkUpsertContacts;
    expect(job).toMatchObject({ state: 'JOB_COMPLETE', object: 'Contact', operation: 'upsert', recordsProcessed: 150, recordsFailed: 3 });
    expect(job.errors.nodes).toEqual([13, 63, 113].map((index) => ({ index, email: `sync${index - 10}@bulk.example`, code: 'REQUIRED_FIELD_MISSING', message: expect.any(String) })));
    expect(h.counts()).toMatchObject({ 'POST /services/data/vXX.X/composite/sobjects': 1, 'PATCH /services/data/vXX.X/composite/sobjects': 1 });
    expect(h.sandbox.store.contactsByEmail(existing[0]!.email)[0]!.values.Title).toBe('Bulk title 0');
    expect(h.sandbox.store.contactsByEmail('sync139@bulk.example')).toHaveLength(1);
  });

  it('runs 10,000 records as a Bulk API 2.0 job that bulkJob follows to JobComplete with the bad rows as errors', async () => {
    const bad = new Set(Array.from({ length: 20 }, (_, i) => i * 499 + 7));
    const input = Array.from({ length: 10_000 }, (_, i) => ({ email: `ingest${i}@bulk.example`, firstName: 'Ingest', ...(bad.has(i) ? {} : { lastName: `Row ${i}, "quoted"` }) }));
    h.resetCounters();
    const started = await h.gql<{ bulkUpsertContacts: JobReply }>(UPSERT.replace(' errors(first: 200) { totalCount nodes { index email code message } }', ''), { input });
    expect(started.errors).toBeUndefined();
    const { id, state } = started.data!.bulkUpsertContacts;
    expect(id).toMatch(/^750/);
    expect(['UPLOAD_COMPLETE', 'IN_PROGRESS']).toContain(state);
    expect(h.count('PUT /services/data/vXX.X/jobs/ingest/:id/batches')).toBe(1);
    let job: JobReply;
    do {
      const res = await h.gql<{ bulkJob: JobReply }>(JOB, { id });
      expect(res.errors).toBeUndefined();
      job = res.data!.bulkJob;
    } while (job.state !== 'JOB_COMPLETE');
    expect(job).toMatchObject({ recordsProcessed: 10_000, recordsFailed: 20 });
    expect(job.errors.totalCount).toBe(20);
    expect(job.errors.nodes).toHaveLength(15);
    const rest = (await h.gql<{ bulkJob: JobReply }>(JOB, { id, after: job.errors.pageInfo.endCursor })).data!.bulkJob.errors;
    expect(rest.pageInfo.hasNextPage).toBe(false);
    const failed = [...job.errors.nodes, ...rest.nodes];
    expect(failed.map((e) => e.email)).toEqual([...bad].map((i) => `ingest${i}@bulk.example`));
    expect(new Set(failed.map((e) => e.code))).toEqual(new Set(['REQUIRED_FIELD_MISSING']));
    expect(h.sandbox.store.contactsByEmail('ingest9999@bulk.example')[0]!.values.LastName).toBe('Row 9999, "quoted"');
  });

  it('rejects invalid input before anything is sent, naming the record', async () => {
    h.resetCounters();
    const badEmail = await h.gql(UPSERT, { input: [{ email: 'a@bulk.example', lastName: 'A' }, { email: 'not an email', lastName: 'B' }] });
    expect(badEmail.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input[1].email' });
    const dup = await h.gql(UPSERT, { input: [{ email: 'a@bulk.example', lastName: 'A' }, { email: 'A@bulk.example', lastName: 'B' }] });
    expect(dup.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input[1].email' });
    expect((await h.gql(UPSERT, { input: [] })).errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect((await h.gql(EXPORT, { after: 'bm9wZQ' })).errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
    expect((await h.gql(JOB, { id: 'nope' })).errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(h.counts()).toEqual({});
    expect(() => validateUpserts(Array.from({ length: MAX_BULK_RECORDS + 1 }, (_, i) => ({ email: `x${i}@bulk.example` })))).toThrow(/at most 50000/);
    expect((await h.gql<{ bulkJob: null }>(JOB, { id: '750000000000000AAA' })).data?.bulkJob).toBeNull();
  });
});
