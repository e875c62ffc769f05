/**
 * The SAP sandbox over the wire with a minimal client: auth, CSRF, reads and query options,
 * formats, writes with validation, admin endpoints and counters.
 */
import pino from 'pino';
import { buildSeedWorld } from '../../../subgraphs/kit/seedPeople';
import { startSapSandbox, type SapSandbox } from '../../../subgraphs/sap/sandbox/sapSandbox';
import { createODataTestClient, type ODataTestClient } from './odataTestClient';

const SIZE = { people: 150, accounts: 20, orders: 500 };
let sandbox: SapSandbox;
let so: ODataTestClient;
let bp: ODataTestClient;

beforeAll(async () => {
  sandbox = await startSapSandbox({ logger: pino({ level: 'silent' }), size: SIZE, pageSize: 100 });
  so = createODataTestClient(sandbox.services.salesOrder, sandbox.credentials.username, sandbox.credentials.password);
  bp = createODataTestClient(sandbox.services.businessPartner, sandbox.credentials.username, sandbox.credentials.password);
});
afterAll(() => sandbox.close());

const ERROR_SHAPE = {
  error: {
    code: expect.any(String),
    message: { lang: 'en', value: expect.any(String) },
    innererror: expect.objectContaining({ application: expect.any(Object), transactionid: expect.any(String), timestamp: expect.any(String), errordetails: expect.any(Array) }),
  },
};

describe('SAP sandbox authentication and CSRF', () => {
  it('answers 401 with a Basic challenge when credentials are missing or wrong', async () => {
    const anon = await fetch(`${sandbox.services.salesOrder}A_SalesOrder`);
    expect(anon.status).toBe(401);
    expect(anon.headers.get('www-authenticate')).toMatch(/^Basic realm="SAP NetWeaver Application Server \[/);
    const wrong = createODataTestClient(sandbox.services.salesOrder, sandbox.credentials.username, 'nope');
    const res = await wrong.get('A_SalesOrder');
    expect(res.status).toBe(401);
    expect(res.json).toMatchObject(ERROR_SHAPE);
  });

  it('hands out a token and session cookies on HEAD/GET of any path, even a 404 or a trailing slash', async () => {
    for (const path of ["A_SalesOrder('1')/", 'NoSuchSet', '']) {
      const c = createODataTestClient(sandbox.services.salesOrder, sandbox.credentials.username, sandbox.credentials.password);
      const res = await c.send(path === 'NoSuchSet' ? 'GET' : 'HEAD', path, { headers: { 'x-csrf-token': 'Fetch' } });
      expect(typeof res.headers['x-csrf-token']).toBe('string');
      expect([...c.cookies.keys()]).toEqual(expect.arrayContaining(['SAP_SESSIONID_S4H_100', 'sap-usercontext']));
    }
  });

  it('rejects writes without a valid token and session cookie with 403 "CSRF token validation failed"', async () => {
    const c = createODataTestClient(sandbox.services.salesOrder, sandbox.credentials.username, sandbox.credentials.password);
    const none = await c.send('PATCH', "A_SalesOrder('1')", { headers: { 'if-match': '*' }, json: { PurchaseOrderByCustomer: 'X' } });
    expect(none.status).toBe(403);
    expect(none.headers['x-csrf-token']).toBe('Required');
    expect(none.text).toBe('CSRF token validation failed');
    const token = await c.fetchToken();
    const noCookie = await c.send('PATCH', "A_SalesOrder('1')", { headers: { 'if-match': '*', cookie: '' }, json: { PurchaseOrderByCustomer: 'X' } });
    expect(noCookie.status).toBe(403);
    const ok = await c.send('PATCH', "A_SalesOrder('1')", { headers: { 'if-match': '*', 'x-csrf-token': token }, json: { PurchaseOrderByCustomer: 'X' } });
    expect(ok.status).toBe(204);
    await fetch(`${sandbox.url}/__admin/tokens/expire`, { method: 'POST' });
    const expired = await c.send('PATCH', "A_SalesOrder('1')", { headers: { 'if-match': '*' }, json: { PurchaseOrderByCustomer: 'Y' } });
    expect(expired.status).toBe(403);
  });
});

describe('SAP sandbox reads', () => {
  it('serves the service document, $metadata with the real names and Atom by default', async () => {
    const doc = await so.get('');
    expect(doc.json.d.EntitySets).toEqual(['A_SalesOrder', 'A_SalesOrderItem']);
    const meta = await so.get('$metadata?sap-client=100');
    expect(meta.status).toBe(200);
    expect(meta.headers.dataserviceversion).toBe('2.0');
    for (const s of ['EntityType Name="A_SalesOrderType"', 'Property Name="TotalNetAmount" Type="Edm.Decimal"', 'Precision="16" Scale="3"', 'NavigationProperty Name="to_Item"', 'Name="LastChangeDateTime" Type="Edm.DateTimeOffset"']) {
      expect(meta.text).toContain(s);
    }
    const atom = await so.get("A_SalesOrder('1')", { accept: 'application/atom+xml' });
    expect(atom.headers['content-type']).toMatch(/^application\/atom\+xml/);
    expect(atom.text).toContain('<d:SalesOrder>1</d:SalesOrder>');
    const viaFormat = await so.get("A_SalesOrder('1')?$format=json", { accept: 'application/xml' });
    expect(viaFormat.json.d.SalesOrder).toBe('1');
  });

  it('writes the V2 JSON envelope: __metadata, /Date()/ forms, string decimals, __deferred navigations', async () => {
    const res = await so.get("A_SalesOrder('1')");
    const d = res.json.d;
    expect(d.__metadata).toEqual({
      id: `${sandbox.services.salesOrder}A_SalesOrder('1')`, uri: `${sandbox.services.salesOrder}A_SalesOrder('1')`,
      type: 'API_SALES_ORDER_SRV.A_SalesOrderType', etag: res.headers.etag,
    });
    expect(d.CreationDate).toMatch(/^\/Date\(\d+\)\/$/);
    expect(d.LastChangeDateTime).toMatch(/^\/Date\(\d+\+0000\)\/$/);
    expect(d.TotalNetAmount).toMatch(/^\d+\.\d{2}$/);
    expect(d.to_Item).toEqual({ __deferred: { uri: `${sandbox.services.salesOrder}A_SalesOrder('1')/to_Item` } });
    const item = await so.get("A_SalesOrderItem(SalesOrder='1',SalesOrderItem='10')");
    expect(item.json.d.SalesOrderItem).toBe('10');
    const nav = await so.get("A_SalesOrder('1')/to_Item?$select=SalesOrderItem,NetAmount");
    expect(nav.json.d.results[0]).toEqual({ __metadata: expect.any(Object), SalesOrderItem: '10', NetAmount: expect.any(String) });
    const count = await so.get('A_SalesOrder/$count');
    expect(count.headers['content-type']).toMatch(/^text\/plain/);
    expect(count.text).toBe(String(SIZE.orders));
  });

  it('keeps the cross-system identity: each person BP carries the seed email on its address', async () => {
    const world = buildSeedWorld(undefined, { people: SIZE.people, accounts: SIZE.accounts });
    const person = world.people[7]!;
    const res = await bp.get("A_BusinessPartner('1000008')?$expand=to_BusinessPartnerAddress/to_EmailAddress");
    const d = res.json.d;
    expect(d).toMatchObject({ BusinessPartnerCategory: '1', FirstName: person.firstName, LastName: person.lastName, Customer: '1000008' });
    expect(d.to_BusinessPartnerAddress.results[0].to_EmailAddress.results[0]).toMatchObject({ EmailAddress: person.email, IsDefaultEmailAddress: true });
    const byMail = await bp.get(`A_AddressEmailAddress?$filter=EmailAddress eq '${person.email.replace(/'/g, "''")}'`);
    expect(byMail.json.d.results).toHaveLength(1);
    expect(d.LastChangeTime).toMatch(/^PT\d{2}H\d{2}M\d{2}S$/);
  });

  it('filters with date, decimal and string functions, orders by several keys and pages with $skip/$top', async () => {
    const res = await so.get("A_SalesOrder?$filter=CreationDate ge datetime'2026-01-01T00:00:00' and TotalNetAmount gt 500.5M and not (OverallSDProcessStatus eq 'C')&$orderby=OverallSDProcessStatus asc,TotalNetAmount desc&$select=SalesOrder,CreationDate,TotalNetAmount,OverallSDProcessStatus");
    const rows = res.json.d.results;
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) {
      expect(Number(/\d+/.exec(r.CreationDate)![0])).toBeGreaterThanOrEqual(Date.UTC(2026, 0, 1));
      expect(Number(r.TotalNetAmount)).toBeGreaterThan(500.5);
      expect(r.OverallSDProcessStatus).not.toBe('C');
    }
    for (let i = 1; i < rows.length; i++) {
      const [a, b] = [rows[i - 1], rows[i]];
      expect(a.OverallSDProcessStatus <= b.OverallSDProcessStatus).toBe(true);
      if (a.OverallSDProcessStatus === b.OverallSDProcessStatus) expect(Number(a.TotalNetAmount)).toBeGreaterThanOrEqual(Number(b.TotalNetAmount));
    }
    const texts = await so.get("A_SalesOrderItem?$filter=substringof('bike', tolower(SalesOrderItemText)) and startswith(Material,'MZ-FG') and endswith(Material,'00')&$top=5");
    for (const r of texts.json.d.results) expect(r.Material).toMatch(/^MZ-FG-.*00$/);
    const page = await so.get('A_SalesOrder?$orderby=SalesOrder&$skip=8&$top=3&$select=SalesOrder');
    expect(page.json.d.results.map((r: { SalesOrder: string }) => r.SalesOrder)).toEqual(['9', '10', '11']);
  });

  it('answers a 100-term eq/or chain with exactly the matching orders', async () => {
    const ids = Array.from({ length: 100 }, (_, i) => `'${1000001 + i}'`);
    const res = await so.get(`A_SalesOrder?$filter=${ids.map((v) => `SoldToParty eq ${v}`).join(' or ')}&$inlinecount=allpages&$select=SoldToParty&$top=1000`);
    const all = await so.get('A_SalesOrder?$select=SoldToParty&$top=1000');
    expect(all.json.d.results).toHaveLength(100);
    const wanted = new Set(ids.map((v) => v.slice(1, -1)));
    let expected = 0;
    let next: string | undefined = `A_SalesOrder?$select=SoldToParty`;
    while (next) {
      const p = await so.get(next);
      expected += p.json.d.results.filter((r: { SoldToParty: string }) => wanted.has(r.SoldToParty)).length;
      next = p.json.d.__next;
    }
    expect(Number(res.json.d.__count)).toBe(expected);
  });

  it('rejects unknown sets with 404 and unknown properties with 400, both as V2 errors', async () => {
    const set = await so.get('A_NoSuchSet');
    expect(set.status).toBe(404);
    expect(set.json).toMatchObject(ERROR_SHAPE);
    for (const q of ['$select=Nope', '$orderby=Nope desc', '$expand=to_Nope', '$filter=Nope eq 1', "$filter=SalesOrder gt 5"]) {
      const res = await so.get(`A_SalesOrder?${q}`);
      expect(res.status).toBe(400);
      expect(res.json).toMatchObject(ERROR_SHAPE);
    }
  });
});

describe('SAP sandbox writes', () => {
  let writer: ODataTestClient;
  beforeAll(async () => {
    writer = createODataTestClient(sandbox.services.salesOrder, sandbox.credentials.username, sandbox.credentials.password);
    await writer.fetchToken();
  });
  const etagOf = async (path: string): Promise<string> => (await writer.get(path)).headers.etag as string;

  it('merges via MERGE and via POST with X-HTTP-Method: MERGE, bumping LastChangeDateTime', async () => {
    const before = (await writer.get("A_SalesOrder('20')")).json.d;
    const merge = await writer.send('MERGE', "A_SalesOrder('20')", { headers: { 'if-match': before.__metadata.etag }, json: { PurchaseOrderByCustomer: 'PO-MERGE' } });
    expect(merge.status).toBe(204);
    const tunnel = await writer.send('POST', "A_SalesOrder('20')", { headers: { 'if-match': await etagOf("A_SalesOrder('20')"), 'x-http-method': 'MERGE' }, json: { OverallSDProcessStatus: 'B' } });
    expect(tunnel.status).toBe(204);
    const after = (await writer.get("A_SalesOrder('20')")).json.d;
    expect(after).toMatchObject({ PurchaseOrderByCustomer: 'PO-MERGE', OverallSDProcessStatus: 'B', SoldToParty: before.SoldToParty });
    expect(after.LastChangeDateTime > before.LastChangeDateTime).toBe(true);
  });

  it('validates writes: read-only properties, status values, unknown materials', async () => {
    const cases: Array<[string, unknown, string]> = [
      ["A_SalesOrder('21')", { TotalNetAmount: '1.00' }, '/IWBEP/CM_MGW_RT/051'],
      ["A_SalesOrder('21')", { OverallSDProcessStatus: 'Z' }, 'V1/035'],
      ["A_SalesOrder('21')", { Nope: 1 }, '/IWCOR/CX_DS_EP_PROPERTY_ERROR'],
      ["A_SalesOrderItem(SalesOrder='21',SalesOrderItem='10')", { Material: 'NO-SUCH' }, 'V1/035'],
    ];
    for (const [path, body, code] of cases) {
      const res = await writer.send('PATCH', path, { headers: { 'if-match': '*' }, json: body });
      expect(res.status).toBe(400);
      expect(res.json.error.code).toBe(code);
    }
    const missing = await writer.send('PATCH', "A_SalesOrder('999999')", { headers: { 'if-match': '*' }, json: {} });
    expect(missing.status).toBe(404);
    expect(missing.json.error.code).toBe('V1/302');
  });

  it('replaces with PUT, re-prices an item change into the total, and deletes with 204', async () => {
    const item = "A_SalesOrderItem(SalesOrder='22',SalesOrderItem='10')";
    const patched = await writer.send('PATCH', item, { headers: { 'if-match': await etagOf(item) }, json: { RequestedQuantity: '7', Material: 'TG10' } });
    expect(patched.status).toBe(204);
    const order = (await writer.get("A_SalesOrder('22')?$expand=to_Item")).json.d;
    const sum = order.to_Item.results.reduce((s: number, i: { NetAmount: string }) => s + Number(i.NetAmount), 0);
    expect(Number(order.TotalNetAmount)).toBeCloseTo(sum, 2);
    const put = await writer.send('PUT', "A_SalesOrder('22')", {
      headers: { 'if-match': order.__metadata.etag },
      json: { SalesOrderType: 'OR', SalesOrganization: '1710', DistributionChannel: '10', OrganizationDivision: '00', SoldToParty: order.SoldToParty, TransactionCurrency: order.TransactionCurrency, OverallSDProcessStatus: 'A' },
    });
    expect(put.status).toBe(204);
    expect((await writer.get("A_SalesOrder('22')")).json.d.PurchaseOrderByCustomer).toBe('');
    const del = await writer.send('DELETE', "A_SalesOrder('22')", { headers: { 'if-match': await etagOf("A_SalesOrder('22')") } });
    expect(del.status).toBe(204);
    expect((await writer.get("A_SalesOrder('22')")).status).toBe(404);
    expect((await writer.get(item)).status).toBe(404);
  });

  it('restores the seed on POST /__admin/reset and applies settings', async () => {
    expect((await writer.get("A_SalesOrder('22')")).status).toBe(404);
    await fetch(`${sandbox.url}/__admin/reset`, { method: 'POST' });
    expect((await writer.get("A_SalesOrder('22')")).status).toBe(200);
    const patch = await fetch(`${sandbox.url}/__admin/settings`, { method: 'PATCH', body: JSON.stringify({ pageSize: 7 }) });
    expect(await patch.json()).toEqual({ pageSize: 7, requireCsrf: true });
    expect((await writer.get('A_SalesOrder')).json.d.results).toHaveLength(7);
    const badSetting = await fetch(`${sandbox.url}/__admin/settings`, { method: 'PATCH', body: JSON.stringify({ pageSize: -1 }) });
    expect(badSetting.status).toBe(400);
    await fetch(`${sandbox.url}/__admin/settings`, { method: 'PATCH', body: JSON.stringify({ pageSize: 100 }) });
  });

  it('counts requests under stable per-resource names', async () => {
    await fetch(`${sandbox.url}/__admin/counters/reset`, { method: 'POST' });
    await writer.get('A_SalesOrder?$top=1');
    await writer.get("A_SalesOrder('1')");
    await writer.get("A_SalesOrder('1')/to_Item");
    await bp.get('A_BusinessPartner?$top=1');
    const counters = await (await fetch(`${sandbox.url}/__admin/counters`)).json() as { byEndpoint: Record<string, number> };
    expect(counters.byEndpoint).toEqual({
      'GET API_SALES_ORDER_SRV/A_SalesOrder': 1,
      'GET API_SALES_ORDER_SRV/A_SalesOrder(key)': 1,
      'GET API_SALES_ORDER_SRV/A_SalesOrder(key)/to_Item': 1,
      'GET API_BUSINESS_PARTNER/A_BusinessPartner': 1,
    });
  });
});

describe('SAP sandbox default world', () => {
  it('seeds 20,000 orders over the 5,000 seed people, with skewed buyers', async () => {
    const big = await startSapSandbox({ logger: pino({ level: 'silent' }) });
    try {
      expect(big.store.count('A_SalesOrder')).toBe(20_000);
      expect(big.store.count('A_BusinessPartner')).toBe(5_500);
      const perBuyer = new Map<string, number>();
      for (const o of big.store.all('A_SalesOrder')) perBuyer.set(String(o.SoldToParty), (perBuyer.get(String(o.SoldToParty)) ?? 0) + 1);
      expect(Math.max(...perBuyer.values())).toBeGreaterThan(50);
      const items = big.store.all('A_SalesOrderItem');
      expect(items.length).toBeGreaterThan(20_000);
      expect(items.every((i) => Number(i.SalesOrderItem) % 10 === 0)).toBe(true);
    } finally {
      await big.close();
    }
  });
});
