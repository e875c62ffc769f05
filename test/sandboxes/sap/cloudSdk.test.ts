/**
 * The SAP sandbox driven by SAP's own client, `@sap-cloud-sdk/http-client`, unchanged: if these
 * pass, the sandbox speaks OData V2 (CSRF handshake, ETags, paging, errors) the way the SDK
 * expects S/4HANA to.
 */
import { encodeAllParameters, executeHttpRequest, type HttpResponse } from '@sap-cloud-sdk/http-client';
import pino from 'pino';
import { startSapSandbox, type SapSandbox } from '../../../subgraphs/sap/sandbox/sapSandbox';

let sandbox: SapSandbox;
let destination: { url: string; username: string; password: string };

beforeAll(async () => {
  sandbox = await startSapSandbox({ logger: pino({ level: 'silent' }), size: { people: 120, accounts: 15, orders: 400 }, pageSize: 50 });
  destination = { url: sandbox.services.salesOrder, ...sandbox.credentials };
});
afterAll(() => sandbox.close());

const json = { Accept: 'application/json' };

/**
 * Query parameters given to `executeHttpRequest` count as "custom" and are sent unencoded; the SDK's
 * documented way to have them percent-encoded is `parameterEncoder: encodeAllParameters`.
 */
async function sdk(method: 'get' | 'post' | 'patch' | 'delete', url: string, opts: { params?: Record<string, string>; headers?: Record<string, string>; data?: unknown } = {}): Promise<HttpResponse> {
  return executeHttpRequest(destination, { method, url, headers: { ...json, ...(opts.headers ?? {}) }, parameterEncoder: encodeAllParameters, ...(opts.params ? { params: opts.params } : {}), ...(opts.data !== undefined ? { data: opts.data } : {}) }, { fetchCsrfToken: true });
}

/** Run a request that must fail and return the SDK's axios error response. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- error bodies are asserted field by field
async function sdkError(run: () => Promise<unknown>): Promise<{ status: number; data: any }> {
  try {
    await run();
  } catch (err) {
    const response = (err as { cause?: { response?: { status: number; data: unknown } }; response?: { status: number; data: unknown } });
    const r = response.response ?? response.cause?.response;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    if (r) return r as { status: number; data: any };
    throw err;
  }
  throw new Error('expected the request to fail');
}

describe('SAP sandbox with the SAP Cloud SDK http-client', () => {
  it('reads a filtered, expanded collection with $inlinecount', async () => {
    const $filter = "SoldToParty eq '1000003' or SoldToParty eq '1000004'";
    const res = await sdk('get', 'A_SalesOrder', { params: { $filter, $expand: 'to_Item', $inlinecount: 'allpages', $orderby: 'SalesOrder desc' } });
    expect(res.status).toBe(200);
    const d = res.data.d;
    expect(typeof d.__count).toBe('string');
    const count = await sdk('get', 'A_SalesOrder/$count', { params: { $filter } });
    expect(count.data).toBe(Number(d.__count));
    expect(d.results.length).toBe(Math.min(Number(d.__count), 50));
    expect(d.results.length).toBeGreaterThan(0);
    for (const order of d.results) {
      expect(['1000003', '1000004']).toContain(order.SoldToParty);
      expect(order.to_Item.results.length).toBeGreaterThanOrEqual(1);
      const sum = order.to_Item.results.reduce((s: number, i: { NetAmount: string }) => s + Number(i.NetAmount), 0);
      expect(Number(order.TotalNetAmount)).toBeCloseTo(sum, 2);
    }
    const numbers = d.results.map((o: { SalesOrder: string }) => Number(o.SalesOrder));
    expect([...numbers].sort((a, b) => b - a)).toEqual(numbers);
  });

  it('pages a collection with __next and $skiptoken until every order was read once', async () => {
    const seen = new Set<string>();
    let url: string | undefined = 'A_SalesOrder';
    let params: Record<string, string> | undefined = { $select: 'SalesOrder', $inlinecount: 'allpages' };
    let total = 0;
    let pages = 0;
    while (url) {
      const res = await sdk('get', url, params ? { params } : {});
      if (params) total = Number(res.data.d.__count);
      for (const o of res.data.d.results) seen.add(o.SalesOrder);
      const next: string | undefined = res.data.d.__next;
      if (next) expect(next).toMatch(/^http:\/\/.*\$skiptoken=\d+/);
      url = next ? next.slice(destination.url.length) : undefined;
      params = undefined;
      pages++;
    }
    expect(total).toBe(400);
    expect(seen.size).toBe(400);
    expect(pages).toBe(8);
  });

  it('updates with If-Match: 204 and a new ETag, 412 with the old ETag, 428 without one', async () => {
    const before = await sdk('get', "A_SalesOrder('3')");
    const etag = before.headers.etag as string;
    expect(etag).toBe(before.data.d.__metadata.etag);
    expect(etag).toMatch(/^W\/"datetimeoffset'.+'"$/);

    const ok = await sdk('patch', "A_SalesOrder('3')", { headers: { 'If-Match': etag }, data: { PurchaseOrderByCustomer: 'PO-SDK-1' } });
    expect(ok.status).toBe(204);
    expect(ok.data).toBe('');
    const after = await sdk('get', "A_SalesOrder('3')");
    expect(after.data.d.PurchaseOrderByCustomer).toBe('PO-SDK-1');
    expect(after.headers.etag).not.toBe(etag);

    const stale = await sdkError(() => sdk('patch', "A_SalesOrder('3')", { headers: { 'If-Match': etag }, data: { PurchaseOrderByCustomer: 'PO-SDK-2' } }));
    expect(stale.status).toBe(412);
    expect(stale.data.error.code).toBe('/IWBEP/CM_MGW_RT/190');

    const missing = await sdkError(() => sdk('patch', "A_SalesOrder('3')", { data: { PurchaseOrderByCustomer: 'PO-SDK-3' } }));
    expect(missing.status).toBe(428);
    expect((await sdk('get', "A_SalesOrder('3')")).data.d.PurchaseOrderByCustomer).toBe('PO-SDK-1');
    // The SDK fetched its CSRF token itself, with HEAD, before each PATCH.
    const counts = sandbox.counters.snapshot().byEndpoint;
    expect(counts['PATCH API_SALES_ORDER_SRV/A_SalesOrder(key)']).toBe(3);
    expect(counts['HEAD API_SALES_ORDER_SRV/*']).toBeGreaterThanOrEqual(3);
  });

  it('creates a sales order with a deep insert of items and answers 201 with Location', async () => {
    const res = await sdk('post', 'A_SalesOrder', {
      data: {
        SalesOrderType: 'OR', SalesOrganization: '1710', DistributionChannel: '10', OrganizationDivision: '00', SoldToParty: '1000005',
        PurchaseOrderByCustomer: 'PO-DEEP', to_Item: [{ Material: 'TG11', RequestedQuantity: '3' }, { Material: 'MZ-FG-C900', RequestedQuantity: '1' }],
      },
    });
    expect(res.status).toBe(201);
    const d = res.data.d;
    expect(res.headers.location).toBe(`${destination.url}A_SalesOrder('${d.SalesOrder}')`);
    expect(d.to_Item.results.map((i: { SalesOrderItem: string }) => i.SalesOrderItem)).toEqual(['10', '20']);
    expect(d.CreatedByUser).toBe(sandbox.credentials.username);
    const read = await sdk('get', `A_SalesOrder('${d.SalesOrder}')`, { params: { $expand: 'to_Item' } });
    expect(read.data.d.to_Item.results).toHaveLength(2);
    expect(Number(read.data.d.TotalNetAmount)).toBeGreaterThan(0);
  });

  it('surfaces the V2 error body for an unknown sales document', async () => {
    const err = await sdkError(() => sdk('get', "A_SalesOrder('99999999')"));
    expect(err.status).toBe(404);
    expect(err.data.error.code).toBe('V1/302');
    expect(err.data.error.message).toEqual({ lang: 'en', value: expect.stringContaining('99999999') });
  });
});
