/**
 * Abuse: hostile or broken input to every parser the SAP sandbox exposes ($filter, query options,
 * key predicates, JSON payloads, $batch multipart, body size). Each gets a 4xx with the V2 error
 * body (never a stack trace), and the server keeps answering afterwards.
 */
import pino from 'pino';
import { startSapSandbox, type SapSandbox } from '../../../subgraphs/sap/sandbox/sapSandbox';
import { createODataTestClient, type ODataTestClient } from './odataTestClient';

let sandbox: SapSandbox;
let client: ODataTestClient;

beforeAll(async () => {
  sandbox = await startSapSandbox({ logger: pino({ level: 'silent' }), size: { people: 30, accounts: 5, orders: 40 }, maxBodyBytes: 256 * 1024 });
  client = createODataTestClient(sandbox.services.salesOrder, sandbox.credentials.username, sandbox.credentials.password);
  await client.fetchToken();
});
afterAll(() => sandbox.close());

function expectV2Error(res: { status: number; json: unknown; text: string }, status: number | [number, number]): void {
  if (Array.isArray(status)) {
    expect(res.status).toBeGreaterThanOrEqual(status[0]);
    expect(res.status).toBeLessThanOrEqual(status[1]);
  } else {
    expect(res.status).toBe(status);
  }
  expect(res.json).toMatchObject({ error: { code: expect.any(String), message: { lang: 'en', value: expect.any(String) }, innererror: expect.any(Object) } });
  expect(res.text).not.toMatch(/\bat .+\.ts:\d+|node_modules|Error: /);
}

async function stillAlive(): Promise<void> {
  const res = await client.get("A_SalesOrder('1')?$select=SalesOrder");
  expect(res.status).toBe(200);
  expect(res.json.d.SalesOrder).toBe('1');
}

describe('SAP sandbox under hostile query strings', () => {
  it.each([
    ['unbalanced parentheses', "((SalesOrder eq '1')"],
    ['an unknown function', "frobnicate(SalesOrder) eq '1'"],
    ['an unterminated string', "SalesOrder eq '1"],
    ['a dangling operator', "SalesOrder eq '1' and"],
    // Node caps the request line with the headers at 16 KiB, so a URL holds ~2,000 of them; the $batch test below goes deeper.
    ['thousands of nested parentheses', `${'('.repeat(2_000)}SalesOrder eq '1'${')'.repeat(2_000)}`],
    ['thousands of nots', `${'not '.repeat(2_000)}true`],
    ['a bad datetime', "CreationDate gt datetime'yesterday'"],
    ['an overlong integer', 'TotalNetAmount gt 99999999999999999999999'],
    ['a type mismatch', 'SalesOrder gt 5'],
  ])('answers $filter with %s with a 400 V2 error', async (_name, filter) => {
    expectV2Error(await client.get(`A_SalesOrder?$filter=${encodeURIComponent(filter)}`), 400);
    await stillAlive();
  });

  it.each([
    '$top=99999999999999999999', '$top=-1', '$skip=-1', '$skip=1e3', '$skiptoken=-7', '$orderby=SalesOrder sideways',
    `$expand=${Array(30).fill('to_Item').join(',')}`, '$select=to_Item/Material', '$format=pdf', '$inlinecount=maybe', '$bogus=1',
  ])('answers %s with a 400 V2 error', async (q) => {
    expectV2Error(await client.get(`A_SalesOrder?${q}`), 400);
    await stillAlive();
  });

  it('caps page sizes instead of materialising a huge $top', async () => {
    const res = await client.get('A_SalesOrder?$top=2147483647&$select=SalesOrder');
    expect(res.status).toBe(200);
    expect(res.json.d.results).toHaveLength(40);
  });
});

describe('SAP sandbox under garbage keys and payloads', () => {
  it.each([
    ["A_SalesOrder('1'')", 400], ['A_SalesOrder(', 400], ["A_SalesOrder('1')junk", 400], ['A_SalesOrder(1)', 400],
    ["A_SalesOrderItem(SalesOrder='1')", 400], ["A_SalesOrder('1')/to_Nope", 404], ['A_SalesOrder%E0%A4%A', 400],
    [`A_SalesOrder('${'9'.repeat(5000)}')`, [400, 404]], ["A_SalesOrder('1')/to_Item/$count/$count", 400],
  ] as Array<[string, number | [number, number]]>)('answers GET %s with a V2 error', async (path, status) => {
    expectV2Error(await client.get(path), status);
    await stillAlive();
  });

  it.each([
    ['not JSON', '{"PurchaseOrderByCustomer": '],
    ['a JSON array', '[1,2,3]'],
    ['a wrong type', '{"CompleteDeliveryIsDefined": "yes"}'],
    ['an overlong string', JSON.stringify({ PurchaseOrderByCustomer: 'x'.repeat(36) })],
    ['a deep update', JSON.stringify({ to_Item: [{ Material: 'TG10' }] })],
  ])('answers a PATCH with %s with a 400 V2 error', async (_name, body) => {
    expectV2Error(await client.send('PATCH', "A_SalesOrder('1')", { headers: { 'if-match': '*', 'content-type': 'application/json' }, body }), 400);
    await stillAlive();
  });

  it('answers an oversized body with 413 and keeps serving', async () => {
    const res = await client.send('POST', 'A_SalesOrder', { json: { PurchaseOrderByCustomer: 'x'.repeat(300 * 1024) } });
    expectV2Error(res, 413);
    await stillAlive();
  });
});

describe('SAP sandbox under broken $batch bodies', () => {
  const batch = (contentType: string, body: string) => client.send('POST', '$batch', { headers: { 'content-type': contentType }, body });
  const part = (req: string): string => `Content-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\n${req}\r\n`;
  const get = part("GET A_SalesOrder('1') HTTP/1.1\r\nAccept: application/json\r\n");

  it.each([
    ['no boundary parameter', 'multipart/mixed', `--b\r\n${get}--b--\r\n`],
    ['not multipart at all', 'application/json', '{}'],
    ['a missing closing delimiter', 'multipart/mixed; boundary=b', `--b\r\n${get}`],
    ['no delimiter at all', 'multipart/mixed; boundary=b', 'hello'],
    ['a changeset nested in a changeset', 'multipart/mixed; boundary=b',
      `--b\r\nContent-Type: multipart/mixed; boundary=c1\r\n\r\n--c1\r\nContent-Type: multipart/mixed; boundary=c2\r\n\r\n--c2\r\n${part("PATCH A_SalesOrder('1') HTTP/1.1\r\n")}--c2--\r\n--c1--\r\n--b--\r\n`],
    ['a GET inside a changeset', 'multipart/mixed; boundary=b',
      `--b\r\nContent-Type: multipart/mixed; boundary=c1\r\n\r\n--c1\r\n${get}--c1--\r\n--b--\r\n`],
    ['a PATCH outside a changeset', 'multipart/mixed; boundary=b', `--b\r\n${part("PATCH A_SalesOrder('1') HTTP/1.1\r\n")}--b--\r\n`],
    ['a malformed request line', 'multipart/mixed; boundary=b', `--b\r\n${part('FETCH ME PLEASE')}--b--\r\n`],
    ['an unknown part type', 'multipart/mixed; boundary=b', `--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n--b--\r\n`],
    ['an enormous part count', 'multipart/mixed; boundary=b', `${`--b\r\n${get}`.repeat(1500)}--b--\r\n`],
  ])('answers a batch with %s with a 400 V2 error', async (_name, contentType, body) => {
    expectV2Error(await batch(contentType, body), 400);
    await stillAlive();
  });

  it('answers a batch read with 9,000 nested parentheses (beyond what a URL holds) with a 400 part, not a stack overflow', async () => {
    const filter = encodeURIComponent(`${'('.repeat(9_000)}SalesOrder eq '1'${')'.repeat(9_000)}`);
    const res = await batch('multipart/mixed; boundary=b', `--b\r\n${part(`GET A_SalesOrder?$filter=${filter} HTTP/1.1\r\nAccept: application/json\r\n`)}--b--\r\n`);
    expect(res.status).toBe(202);
    expect(res.text).toMatch(/HTTP\/1\.1 400 Bad Request/);
    expect(res.text).toContain('/IWCOR/CX_DS_EXPR_SYNTAX_ERROR');
    expect(res.text).toContain('nested deeper than');
    await stillAlive();
  });
});
