/**
 * Hostile input against a running sandbox: malformed and oversized SOQL, pathological nesting,
 * hostile JSON and form bodies. Each gets Salesforce's error shape, nothing leaks into shared
 * prototypes, and the server keeps answering afterwards.
 */
import type { SalesforceSandbox } from '../../../subgraphs/salesforce/sandbox/salesforceSandbox';
import { bearer, rest, startSandbox, type RawReply } from './sandboxHelpers';

const V = '/services/data/v59.0';

function q(soql: string): string {
  return `${V}/query?q=${encodeURIComponent(soql)}`;
}

function expectSfError(reply: RawReply, status: number, errorCode: string): void {
  expect(reply.status).toBe(status);
  expect(Array.isArray(reply.json)).toBe(true);
  const [first] = reply.json as Array<Record<string, unknown>>;
  expect(first).toEqual(expect.objectContaining({ errorCode, message: expect.any(String) }));
}

describe('Salesforce sandbox under hostile input', () => {
  let sb: SalesforceSandbox;
  let token: string;

  beforeAll(async () => {
    sb = await startSandbox({ size: { accounts: 10, people: 50 } });
    token = await bearer(sb);
  });
  afterAll(() => sb.close());

  async function stillServing(): Promise<void> {
    const ok = await rest(sb, token, 'GET', q('SELECT COUNT() FROM Contact'));
    expect(ok.status).toBe(200);
    expect(ok.json).toMatchObject({ totalSize: 50, done: true });
  }

  it('answers malformed SOQL with 400 MALFORMED_QUERY', async () => {
    for (const soql of ['SELECT', 'SELECT FROM Contact', 'SELECT Id FROM', 'SELECT Id FROM Contact WHERE Name =', 'SELECT Id,, Name FROM Contact',
      'SELECT Id FROM Contact LIMIT -1', 'SELECT Id FROM Contact ORDER Id', "SELECT Id FROM Contact WHERE Name = 'x' AND", 'DELETE FROM Contact']) {
      expectSfError(await rest(sb, token, 'GET', q(soql)), 400, 'MALFORMED_QUERY');
    }
    expectSfError(await rest(sb, token, 'GET', `${V}/query`), 400, 'MALFORMED_QUERY');
    await stillServing();
  });

  it('answers unterminated strings and bad escapes with MALFORMED_QUERY', async () => {
    expectSfError(await rest(sb, token, 'GET', q("SELECT Id FROM Contact WHERE Name = 'abc")), 400, 'MALFORMED_QUERY');
    expectSfError(await rest(sb, token, 'GET', q("SELECT Id FROM Contact WHERE Name = '\\")), 400, 'MALFORMED_QUERY');
    expectSfError(await rest(sb, token, 'GET', q("SELECT Id FROM Contact WHERE Name = '\\u0000'")), 400, 'MALFORMED_QUERY');
    await stillServing();
  });

  it('refuses thousands of nested parentheses and NOTs without overflowing the stack', async () => {
    const parens = `${V}/query?q=SELECT+Id+FROM+Contact+WHERE+${'('.repeat(3000)}Name='x'${')'.repeat(3000)}`;
    const deep = await rest(sb, token, 'GET', parens);
    expectSfError(deep, 400, 'MALFORMED_QUERY');
    expect((deep.json as Array<{ message: string }>)[0]!.message).toContain('nest at most');
    const nots = `${V}/query?q=SELECT+Id+FROM+Contact+WHERE+${'NOT+'.repeat(2500)}Name='x'`;
    expectSfError(await rest(sb, token, 'GET', nots), 400, 'MALFORMED_QUERY');
    await stillServing();
  });

  it('evaluates a 1000-value IN list and rejects a query longer than 100000 characters', async () => {
    const values = Array.from({ length: 1000 }, (_, i) => `'t${i}'`).join(',');
    const big = await rest(sb, token, 'GET', q(`SELECT Id FROM Contact WHERE Title IN (${values})`));
    expect(big.status).toBe(200);
    expect(big.json).toMatchObject({ totalSize: 0, done: true, records: [] });
    const huge = `SELECT Id FROM Contact WHERE Title IN (${Array.from({ length: 20_000 }, (_, i) => `'v${i}'`).join(',')})`;
    expect(huge.length).toBeGreaterThan(100_000);
    const composite = await rest(sb, token, 'POST', `${V}/composite`, {
      compositeRequest: [{ method: 'GET', url: q(huge), referenceId: 'huge' }],
    });
    expect(composite.status).toBe(200);
    const sub = (composite.json as { compositeResponse: Array<{ httpStatusCode: number; body: Array<{ errorCode: string }> }> }).compositeResponse[0]!;
    expect(sub.httpStatusCode).toBe(400);
    expect(sub.body[0]!.errorCode).toBe('MALFORMED_QUERY');
    await stillServing();
  });

  it('rejects a URL longer than the server accepts and keeps serving', async () => {
    const res = await fetch(`${sb.url}${q(`SELECT Id FROM Contact WHERE Name = '${'x'.repeat(40_000)}'`)}`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBeGreaterThanOrEqual(400);
    await stillServing();
  });

  it('answers non-object and invalid JSON bodies with JSON_PARSER_ERROR', async () => {
    for (const body of ['[]', '[{"LastName":"x"}]', '"str"', 'null', '42', '{"LastName":', 'not json', '']) {
      expectSfError(await rest(sb, token, 'POST', `${V}/sobjects/Contact`, body), 400, 'JSON_PARSER_ERROR');
    }
    expectSfError(await rest(sb, token, 'PATCH', `${V}/composite/sobjects`, { records: { a: 1 } }), 400, 'JSON_PARSER_ERROR');
    expectSfError(await rest(sb, token, 'POST', `${V}/composite`, { compositeRequest: 'x' }), 400, 'JSON_PARSER_ERROR');
    expectSfError(await rest(sb, token, 'POST', `${V}/sobjects/Contact`, { LastName: { nested: true } }), 400, 'JSON_PARSER_ERROR');
    await stillServing();
  });

  it('treats __proto__ and constructor keys as unknown fields and pollutes nothing', async () => {
    expectSfError(await rest(sb, token, 'POST', `${V}/sobjects/Contact`, '{"LastName":"x","__proto__":{"polluted":true}}'), 400, 'INVALID_FIELD');
    expectSfError(await rest(sb, token, 'POST', `${V}/sobjects/Contact`, '{"LastName":"x","constructor":{"prototype":{"polluted":true}}}'), 400, 'INVALID_FIELD');
    const collection = await rest(sb, token, 'POST', `${V}/composite/sobjects`, '{"records":[{"attributes":{"type":"Contact"},"LastName":"y","__proto__":{"polluted":true}}, 5]}');
    expect(collection.status).toBe(200);
    expect((collection.json as Array<{ success: boolean; errors: Array<{ statusCode: string }> }>).map((r) => r.errors[0]?.statusCode)).toEqual(['INVALID_FIELD', 'JSON_PARSER_ERROR']);
    const composite = await rest(sb, token, 'POST', `${V}/composite`,
      '{"compositeRequest":[{"method":"POST","url":"/services/data/v59.0/sobjects/Contact","referenceId":"p","body":{"LastName":"z","__proto__":{"polluted":true}}}]}');
    expect((composite.json as { compositeResponse: Array<{ httpStatusCode: number }> }).compositeResponse[0]!.httpStatusCode).toBe(400);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();
    await stillServing();
  });

  it('answers pathologically nested JSON without crashing', async () => {
    const deep = `{"LastName":${'['.repeat(50_000)}${']'.repeat(50_000)}}`;
    expectSfError(await rest(sb, token, 'POST', `${V}/sobjects/Contact`, deep), 400, 'JSON_PARSER_ERROR');
    const nestedComposite = `{"compositeRequest":[{"method":"POST","url":"${V}/sobjects/Contact","referenceId":"d","body":{"LastName":${'{"a":'.repeat(200)}1${'}'.repeat(200)}}}]}`;
    const res = await rest(sb, token, 'POST', `${V}/composite`, nestedComposite);
    expect(res.status).toBe(400);
    await stillServing();
  });

  it('enforces the 200-record collection limit and the 25-subrequest composite limit', async () => {
    const records = Array.from({ length: 201 }, () => ({ attributes: { type: 'Contact' }, LastName: 'x' }));
    expectSfError(await rest(sb, token, 'POST', `${V}/composite/sobjects`, { records }), 400, 'EXCEEDED_ID_LIMIT');
    const subs = Array.from({ length: 26 }, (_, i) => ({ method: 'GET', url: `${V}/limits`, referenceId: `r${i}` }));
    expectSfError(await rest(sb, token, 'POST', `${V}/composite`, { compositeRequest: subs }), 400, 'INVALID_API_INPUT');
    await stillServing();
  });

  it('answers broken token-endpoint bodies in the OAuth error form', async () => {
    const post = async (body: string | Buffer, type = 'application/x-www-form-urlencoded'): Promise<{ status: number; json: Record<string, string> }> => {
      const res = await fetch(`${sb.url}/services/oauth2/token`, { method: 'POST', headers: { 'content-type': type }, body });
      return { status: res.status, json: (await res.json()) as Record<string, string> };
    };
    expect(await post('')).toEqual({ status: 400, json: { error: 'unsupported_grant_type', error_description: 'grant type not supported' } });
    expect(await post('%%%&&&===')).toMatchObject({ status: 400, json: { error: 'unsupported_grant_type' } });
    expect(await post(Buffer.from([0xff, 0xfe, 0x00, 0x80, 0x3d]))).toMatchObject({ status: 400, json: { error: 'unsupported_grant_type' } });
    expect(await post('{"grant_type":"password"}', 'application/json')).toMatchObject({ status: 400, json: { error: 'unsupported_grant_type' } });
    expect(await post('grant_type=password&client_id=%ZZ&username=a')).toMatchObject({ status: 400, json: { error: 'invalid_client_id' } });
    expect(await post('grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=a.b.c')).toMatchObject({ status: 400, json: { error: 'invalid_grant' } });
    expect(await post('grant_type=refresh_token&client_id=lumina-sandbox-client&refresh_token=forged')).toMatchObject({ status: 400, json: { error: 'invalid_grant' } });
    const tooBig = await fetch(`${sb.url}/services/oauth2/token`, { method: 'POST', body: Buffer.alloc(11 * 1024 * 1024, 0x61) });
    expect(tooBig.status).toBe(413);
    await stillServing();
  });

  it('answers missing, garbage and forged bearer tokens with 401 INVALID_SESSION_ID', async () => {
    for (const auth of [undefined, 'Bearer', 'Bearer garbage', `Bearer ${token}x`, 'Basic dXNlcjpwYXNz', `Bearer ${'A'.repeat(5000)}`]) {
      const res = await fetch(`${sb.url}${V}/sobjects`, { headers: auth ? { authorization: auth } : {} });
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual([{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]);
    }
    await stillServing();
  });

  it('answers bad ids, versions, locators and references with Salesforce codes', async () => {
    expectSfError(await rest(sb, token, 'GET', `${V}/sobjects/Contact/not-an-id`), 404, 'NOT_FOUND');
    expectSfError(await rest(sb, token, 'GET', `${V}/sobjects/Contact/001A0000006Vm9rIAC`), 404, 'NOT_FOUND');
    expectSfError(await rest(sb, token, 'GET', `${V}/sobjects/Contact/0038d00000zzzzz`), 404, 'NOT_FOUND');
    expectSfError(await rest(sb, token, 'GET', '/services/data/v5.0/sobjects'), 404, 'NOT_FOUND');
    expectSfError(await rest(sb, token, 'GET', `${V}/query/01g000000000000AAA-200`), 400, 'INVALID_QUERY_LOCATOR');
    expectSfError(await rest(sb, token, 'GET', `${V}/query/garbage`), 400, 'INVALID_QUERY_LOCATOR');
    const composite = await rest(sb, token, 'POST', `${V}/composite`, {
      compositeRequest: [{ method: 'GET', url: `${V}/sobjects/Contact/@{missing.id}`, referenceId: 'r' }],
    });
    expect((composite.json as { compositeResponse: Array<{ body: Array<{ errorCode: string }> }> }).compositeResponse[0]!.body[0]!.errorCode).toBe('PROCESSING_HALTED');
    await stillServing();
  });
});
