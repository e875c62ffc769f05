/**
 * Bulk API 2.0 in the Salesforce sandbox, driven by unmodified jsforce (`conn.bulk2`) where jsforce
 * works, and by raw HTTP for query-result paging (jsforce 3's multi-page `bulk2.query` crashes, see
 * PROTOCOLS.md §1.7) and the error cases.
 */
import type { Connection } from 'jsforce';
import type { SalesforceSandbox } from '../../../subgraphs/salesforce/sandbox/salesforceSandbox';
import { admin, bearer, counter, loggedIn, rest, startSandbox, type RawReply } from './sandboxHelpers';

const V = '/services/data/v59.0';
const POLL = { pollInterval: 10, pollTimeout: 20_000 };

interface JobInfo { id: string; state: string; numberRecordsProcessed: number; numberRecordsFailed?: number; errorMessage?: string; object: string; jobType: string }

describe('Salesforce sandbox Bulk API 2.0', () => {
  let sb: SalesforceSandbox;
  let conn: Connection;
  let token: string;

  beforeAll(async () => {
    sb = await startSandbox();
    conn = await loggedIn(sb);
    token = await bearer(sb);
  });
  afterAll(() => sb.close());
  beforeEach(async () => {
    await admin(sb, 'POST', 'reset');
  });

  async function waitFor(kind: 'ingest' | 'query', id: string): Promise<JobInfo> {
    for (let i = 0; i < 10_000; i++) {
      const res = await rest(sb, token, 'GET', `${V}/jobs/${kind}/${id}`);
      const info = res.json as JobInfo;
      if (['JobComplete', 'Failed', 'Aborted'].includes(info.state)) return info;
      await new Promise((r) => setImmediate(r));
    }
    throw new Error('job did not finish');
  }

  it('inserts contacts with loadAndWaitForResults, failing bad rows alone with their sf__Error', async () => {
    const input = Array.from({ length: 500 }, (_, i) => ({ LastName: `Bulk${i}`, Email: i % 100 === 7 ? `not-an-email-${i}` : `bulk${i}@lumina.example` }));
    const res = await conn.bulk2.loadAndWaitForResults({ object: 'Contact', operation: 'insert', input, ...POLL });
    expect(res.successfulResults).toHaveLength(495);
    expect(res.failedResults).toHaveLength(5);
    expect(res.failedResults[0]).toMatchObject({ sf__Id: '', Email: 'not-an-email-7', LastName: 'Bulk7' });
    expect(res.failedResults[0]!.sf__Error).toMatch(/^INVALID_EMAIL_ADDRESS:/);
    const ok = res.successfulResults[0]!;
    expect(ok).toMatchObject({ sf__Created: 'true', LastName: 'Bulk0', Email: 'bulk0@lumina.example' });
    expect(ok.sf__Id).toMatch(/^003[A-Za-z0-9]{15}$/);
    const q = await conn.query<{ Id: string }>("SELECT Id FROM Contact WHERE Email = 'bulk499@lumina.example'");
    expect(q.totalSize).toBe(1);
    expect(counter(sb, 'PUT /services/data/vXX.X/jobs/ingest/:id/batches')).toBe(1);
  });

  it('upserts on Email: existing contacts are updated, new ones created', async () => {
    const existing = (await conn.query<{ Email: string }>('SELECT Email FROM Contact ORDER BY Id LIMIT 2')).records.map((r) => r.Email);
    const input = [
      { Email: existing[0], LastName: 'Renamed0', Title: 'CFO' },
      { Email: existing[1], LastName: 'Renamed1' },
      { Email: 'fresh@lumina.example', LastName: 'Fresh' },
    ];
    const res = await conn.bulk2.loadAndWaitForResults({ object: 'Contact', operation: 'upsert', externalIdFieldName: 'Email', input, ...POLL });
    expect(res.failedResults).toEqual([]);
    expect(res.successfulResults.map((r) => r.sf__Created)).toEqual(['false', 'false', 'true']);
    const q = await conn.query<{ LastName: string; Title: string | null }>(`SELECT LastName, Title FROM Contact WHERE Email = '${existing[0]}'`);
    expect(q.records).toEqual([expect.objectContaining({ LastName: 'Renamed0', Title: 'CFO' })]);
  });

  it('processes 10,000 rows in chunks while the server keeps answering', async () => {
    const created = await rest(sb, token, 'POST', `${V}/jobs/ingest`, { object: 'Contact', operation: 'insert' });
    const id = (created.json as JobInfo).id;
    const csv = `LastName,Email\n${Array.from({ length: 10_000 }, (_, i) => `Row${i},row${i}@bulk.example`).join('\n')}\n`;
    expect((await rest(sb, token, 'PUT', `${V}/jobs/ingest/${id}/batches`, csv, { 'content-type': 'text/csv' })).status).toBe(201);
    const closed = await rest(sb, token, 'PATCH', `${V}/jobs/ingest/${id}`, { state: 'UploadComplete' });
    expect((closed.json as JobInfo).state).toBe('UploadComplete');
    const seen = new Set<string>();
    let info: JobInfo;
    do {
      info = (await rest(sb, token, 'GET', `${V}/jobs/ingest/${id}`)).json as JobInfo;
      seen.add(info.state);
    } while (info.state !== 'JobComplete');
    expect(seen.has('InProgress')).toBe(true);
    expect(info.numberRecordsProcessed).toBe(10_000);
    expect(info.numberRecordsFailed).toBe(0);
    const ok = await rest(sb, token, 'GET', `${V}/jobs/ingest/${id}/successfulResults`);
    const lines = String(ok.json).trimEnd().split('\n');
    expect(lines[0]).toBe('"sf__Id","sf__Created","LastName","Email"');
    expect(lines).toHaveLength(10_001);
  });

  it('pages query results by locator with a header row on every page and a literal null locator last', async () => {
    const job = (await conn.request({ method: 'POST', url: `${V}/jobs/query`, body: JSON.stringify({ operation: 'query', query: 'SELECT Id, LastName, Account.Name FROM Contact ORDER BY Id' }), headers: { 'content-type': 'application/json' } })) as JobInfo;
    expect(job).toMatchObject({ state: 'UploadComplete', jobType: 'V2Query', object: 'Contact' });
    expect((await waitFor('query', job.id)).numberRecordsProcessed).toBe(700);
    const pages: RawReply[] = [];
    let locator = '';
    do {
      const page = await rest(sb, token, 'GET', `${V}/jobs/query/${job.id}/results?maxRecords=300${locator ? `&locator=${locator}` : ''}`);
      pages.push(page);
      locator = page.headers.get('sforce-locator') ?? '';
    } while (locator !== 'null');
    expect(pages.map((p) => p.headers.get('sforce-numberofrecords'))).toEqual(['300', '300', '100']);
    for (const p of pages) {
      expect(p.headers.get('content-type')).toMatch(/^text\/csv/);
      expect(String(p.json).split('\n')[0]).toBe('"Id","LastName","Account.Name"');
    }
    const ids = pages.flatMap((p) => String(p.json).trimEnd().split('\n').slice(1).map((l) => l.split(',')[0]));
    expect(new Set(ids).size).toBe(700);
  });

  it('reads a single-page query through jsforce bulk2.query', async () => {
    const rows = await (await conn.bulk2.query("SELECT Id, Email FROM Contact WHERE LastName LIKE 'A%'", POLL)).toArray();
    const count = await conn.query("SELECT COUNT() FROM Contact WHERE LastName LIKE 'A%'");
    expect(rows).toHaveLength(count.totalSize);
  });

  it('refuses bad requests with Salesforce error arrays', async () => {
    const unknown = await rest(sb, token, 'GET', `${V}/jobs/ingest/750000000000000AAA`);
    expect(unknown).toMatchObject({ status: 404, json: [{ errorCode: 'NOT_FOUND' }] });
    expect(await rest(sb, token, 'POST', `${V}/jobs/ingest`, { object: 'Contact', operation: 'merge' })).toMatchObject({ status: 400, json: [{ errorCode: 'INVALIDJOB' }] });
    expect(await rest(sb, token, 'POST', `${V}/jobs/ingest`, { object: 'Contact', operation: 'upsert', externalIdFieldName: 'Phone' })).toMatchObject({ status: 400, json: [{ errorCode: 'INVALIDJOB' }] });
    const id = ((await rest(sb, token, 'POST', `${V}/jobs/ingest`, { object: 'Contact', operation: 'insert' })).json as JobInfo).id;
    expect(await rest(sb, token, 'PUT', `${V}/jobs/ingest/${id}/batches`, '{"a":1}')).toMatchObject({ status: 415, json: [{ errorCode: 'UNSUPPORTEDCONTENTTYPE' }] });
    expect((await rest(sb, token, 'GET', `${V}/jobs/ingest/${id}/failedResults`)).status).toBe(409);
    expect(await rest(sb, token, 'POST', `${V}/jobs/query`, { operation: 'query', query: 'SELECT COUNT() FROM Contact' })).toMatchObject({ status: 400, json: [{ errorCode: 'INVALIDJOB' }] });
    expect(await rest(sb, token, 'POST', `${V}/jobs/query`, { operation: 'query', query: 'SELECT Nope FROM Contact' })).toMatchObject({ status: 400, json: [{ errorCode: 'INVALID_FIELD' }] });
    const q = ((await rest(sb, token, 'POST', `${V}/jobs/query`, { operation: 'query', query: 'SELECT Id FROM Contact' })).json as JobInfo).id;
    await waitFor('query', q);
    expect(await rest(sb, token, 'GET', `${V}/jobs/query/${q}/results?locator=bogus`)).toMatchObject({ status: 400, json: [{ errorCode: 'INVALIDJOB' }] });
  });

  it('fails a job whose header names an unknown field, and aborts and deletes jobs', async () => {
    const id = ((await rest(sb, token, 'POST', `${V}/jobs/ingest`, { object: 'Contact', operation: 'insert' })).json as JobInfo).id;
    await rest(sb, token, 'PUT', `${V}/jobs/ingest/${id}/batches`, 'LastName,Shoe_Size__c\nX,42\n', { 'content-type': 'text/csv' });
    await rest(sb, token, 'PATCH', `${V}/jobs/ingest/${id}`, { state: 'UploadComplete' });
    const failed = await waitFor('ingest', id);
    expect(failed).toMatchObject({ state: 'Failed', errorMessage: expect.stringContaining('Shoe_Size__c') });
    const other = ((await rest(sb, token, 'POST', `${V}/jobs/ingest`, { object: 'Contact', operation: 'insert' })).json as JobInfo).id;
    expect((await rest(sb, token, 'PATCH', `${V}/jobs/ingest/${other}`, { state: 'Aborted' })).json).toMatchObject({ state: 'Aborted' });
    const listed = (await rest(sb, token, 'GET', `${V}/jobs/ingest`)).json as { records: JobInfo[] };
    expect(listed.records.map((j) => j.id)).toEqual(expect.arrayContaining([id, other]));
    expect((await rest(sb, token, 'DELETE', `${V}/jobs/ingest/${other}`)).status).toBe(204);
    expect((await rest(sb, token, 'GET', `${V}/jobs/ingest/${other}`)).status).toBe(404);
  });
});
