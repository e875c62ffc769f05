/**
 * `$batch` end to end with a hand-written multipart client: read parts, an atomic changeset that
 * rolls back when its second operation fails, a successful changeset with Content-ID references.
 */
import pino from 'pino';
import { parseBatch } from '../../../subgraphs/sap/sandbox/batch';
import { startSapSandbox, type SapSandbox } from '../../../subgraphs/sap/sandbox/sapSandbox';
import { buildBatchBody, createODataTestClient, parseBatchResponse, type ODataTestClient } from './odataTestClient';

let sandbox: SapSandbox;
let client: ODataTestClient;

beforeAll(async () => {
  sandbox = await startSapSandbox({ logger: pino({ level: 'silent' }), size: { people: 60, accounts: 10, orders: 120 } });
  client = createODataTestClient(sandbox.services.salesOrder, sandbox.credentials.username, sandbox.credentials.password);
  await client.fetchToken();
});
afterAll(() => sandbox.close());

async function postBatch(entries: Parameters<typeof buildBatchBody>[1], headers: Record<string, string> = {}) {
  const res = await client.send('POST', '$batch', {
    headers: { 'content-type': 'multipart/mixed; boundary=batch_t1', ...headers },
    body: buildBatchBody('batch_t1', entries),
  });
  return { res, parts: res.status === 202 ? parseBatchResponse(String(res.headers['content-type']), res.text) : [] };
}

describe('SAP sandbox $batch', () => {
  it('answers read parts in order with their own status codes', async () => {
    const { res, parts } = await postBatch([
      { method: 'GET', url: "A_SalesOrder('2')?$format=json" },
      { method: 'GET', url: "A_SalesOrder('99999')" },
      { method: 'GET', url: 'A_SalesOrder/$count' },
    ]);
    expect(res.status).toBe(202);
    expect(parts.map((p) => p.status)).toEqual([200, 404, 200]);
    expect(JSON.parse(parts[0]!.body!).d.SalesOrder).toBe('2');
    expect(JSON.parse(parts[1]!.body!).error.code).toBe('V1/302');
    expect(parts[2]!.body).toBe('120');
  });

  it('rolls a whole changeset back when its second operation fails and answers one error part', async () => {
    const before = (await client.get("A_SalesOrder('5')")).json.d;
    const { res, parts } = await postBatch([
      [
        { method: 'PATCH', url: "A_SalesOrder('5')", headers: { 'If-Match': before.__metadata.etag }, body: { PurchaseOrderByCustomer: 'PO-BATCH-ROLLBACK' } },
        { method: 'PATCH', url: "A_SalesOrder('6')", headers: { 'If-Match': '*' }, body: { OverallSDProcessStatus: 'X' } },
      ],
      { method: 'GET', url: "A_SalesOrder('5')" },
    ]);
    expect(res.status).toBe(202);
    expect(parts).toHaveLength(2);
    expect(parts[0]!.changeset).toBeUndefined();
    expect(parts[0]!.status).toBe(400);
    expect(JSON.parse(parts[0]!.body!).error.code).toBe('V1/035');
    expect(JSON.parse(parts[1]!.body!).d.PurchaseOrderByCustomer).toBe(before.PurchaseOrderByCustomer);
    const after = (await client.get("A_SalesOrder('5')")).json.d;
    expect(after.PurchaseOrderByCustomer).toBe(before.PurchaseOrderByCustomer);
    expect(after.__metadata.etag).toBe(before.__metadata.etag);
  });

  it('commits a successful changeset, resolving Content-ID references', async () => {
    const count = Number((await client.get('A_SalesOrder/$count')).text);
    const { res, parts } = await postBatch([
      [
        {
          method: 'POST', url: 'A_SalesOrder', contentId: 'o1',
          body: { SalesOrderType: 'OR', SalesOrganization: '1710', DistributionChannel: '10', OrganizationDivision: '00', SoldToParty: '1000002' },
        },
        { method: 'POST', url: '$o1/to_Item', contentId: 'i1', body: { Material: 'TG12', RequestedQuantity: '2' } },
        { method: 'MERGE', url: "A_SalesOrder('7')", headers: { 'If-Match': '*' }, body: { PurchaseOrderByCustomer: 'PO-BATCH-OK' } },
      ],
    ]);
    expect(res.status).toBe(202);
    const cs = parts[0]!.changeset!;
    expect(cs.map((p) => p.status)).toEqual([201, 201, 204]);
    expect(res.text).toContain('Content-ID: o1');
    const created = JSON.parse(cs[0]!.body!).d.SalesOrder;
    const order = (await client.get(`A_SalesOrder('${created}')?$expand=to_Item`)).json.d;
    expect(order.to_Item.results).toHaveLength(1);
    expect(order.to_Item.results[0].Material).toBe('TG12');
    expect(Number((await client.get('A_SalesOrder/$count')).text)).toBe(count + 1);
    expect((await client.get("A_SalesOrder('7')")).json.d.PurchaseOrderByCustomer).toBe('PO-BATCH-OK');
  });

  it('requires the CSRF token for $batch', async () => {
    const res = await client.send('POST', '$batch', {
      headers: { 'content-type': 'multipart/mixed; boundary=b', 'x-csrf-token': 'wrong' },
      body: buildBatchBody('b', [{ method: 'GET', url: "A_SalesOrder('1')" }]),
    });
    expect(res.status).toBe(403);
    expect(res.headers['x-csrf-token']).toBe('Required');
  });

  it('counts a $batch under its own name', () => {
    expect(sandbox.counters.snapshot().byEndpoint['POST API_SALES_ORDER_SRV/$batch']).toBeGreaterThanOrEqual(3);
  });
});

describe('batch multipart parser', () => {
  const ct = 'multipart/mixed; boundary=batch_x';
  it('parses reads and changesets with Content-ID and bodies', () => {
    const body = buildBatchBody('batch_x', [
      { method: 'GET', url: "A_SalesOrder('1')" },
      [{ method: 'PATCH', url: "A_SalesOrder('1')", contentId: '1', body: { A: 1 } }],
    ]);
    const parts = parseBatch(Buffer.from(body), ct);
    expect(parts[0]).toEqual({ kind: 'request', request: expect.objectContaining({ method: 'GET', url: "A_SalesOrder('1')", body: '' }) });
    expect(parts[1]).toEqual({ kind: 'changeset', requests: [expect.objectContaining({ method: 'PATCH', contentId: '1', body: '{"A":1}' })] });
  });

  it('accepts a quoted boundary and bare LF line endings', () => {
    const body = '--q\nContent-Type: application/http\n\nGET A_SalesOrder HTTP/1.1\n\n\n--q--\n';
    expect(parseBatch(Buffer.from(body), 'multipart/mixed; boundary="q"')).toHaveLength(1);
  });
});
