/**
 * The fast executor's HTTP edge (`operationHandler.ts`, `graphqlParams.ts`) against bad input: every
 * malformed request gets a 4xx with a coded GraphQL error body, and the gateway keeps serving.
 */
import pino from 'pino';
import { startGateway, type Gateway } from '../../gateway/server';
import { badParamTypes, looksLikeCsrf, paramsFromBody, paramsFromGet } from '../../gateway/graphqlParams';
import { gql, startTinyGraph, type TinyGraph } from './tinyGraph';
import { OPEN_GATEWAY } from './gatewayTestOptions';

describe('graphql params', () => {
  it('reads GET parameters and refuses variables that are not JSON', () => {
    const ok = paramsFromGet(new URL('http://x/graphql?query=%7Bа%7D&variables=%7B%22a%22%3A1%7D&operationName=Q'));
    expect(ok).toEqual({ ok: true, params: { query: '{а}', operationName: 'Q', documentId: undefined, variables: { a: 1 }, extensions: undefined } });
    expect(paramsFromGet(new URL('http://x/graphql?variables=%7Bnope'))).toMatchObject({ ok: false, status: 400 });
    expect(paramsFromGet(new URL('http://x/graphql?extensions=%5B'))).toMatchObject({ ok: false, status: 400 });
  });

  it.each([[null], [[]], [42], ['query'], [[{ query: '{ a }' }]]])('refuses the POST body %p', (body) => {
    expect(paramsFromBody(body)).toMatchObject({ ok: false, status: 400 });
  });

  it.each([
    [{ operationName: 5 }, /operationName/],
    [{ variables: [] }, /variables/],
    [{ variables: 'a=1' }, /variables/],
    [{ extensions: 1 }, /extensions/],
  ])('names the parameter of the wrong type in %p', (params, reason) => {
    expect(badParamTypes(params)).toMatch(reason);
  });

  it('treats simple content types without a preflight header as CSRF and JSON posts as safe', () => {
    expect(looksLikeCsrf('GET', {})).toBe(true);
    expect(looksLikeCsrf('POST', { 'content-type': 'text/plain;charset=utf-8' })).toBe(true);
    expect(looksLikeCsrf('POST', { 'content-type': 'application/json' })).toBe(false);
    expect(looksLikeCsrf('GET', { 'apollo-require-preflight': 'x' })).toBe(false);
  });
});

describe('fast executor HTTP edge under abuse', () => {
  let graph: TinyGraph;
  let gw: Gateway;
  const logger = pino({ level: process.env.LOG_LEVEL ?? 'silent' });

  beforeAll(async () => {
    graph = await startTinyGraph();
    gw = await startGateway({ ...OPEN_GATEWAY, port: 0, supergraphPath: graph.supergraphPath, logger, executor: 'fast', maxBodyBytes: 65_536 });
  });
  afterAll(async () => {
    await gw?.close();
    await graph?.close();
  });

  const post = async (body: string, headers: Record<string, string> = {}) => {
    const res = await fetch(gw.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    return { status: res.status, body: (await res.json()) as { data?: unknown; errors?: { message: string; extensions?: { code?: string } }[] } };
  };

  it.each([
    ['an array body (batching is off by default)', '[{"query":"{ people { id } }"}]', 400, 'BATCHING_DISABLED'],
    ['a number body', '7', 400, 'BAD_REQUEST'],
    ['no query', '{}', 400, 'BAD_REQUEST'],
    ['an empty query', '{"query":""}', 400, 'BAD_REQUEST'],
    ['a non-string query', '{"query":{"a":1}}', 400, 'BAD_REQUEST'],
    ['a syntax error', '{"query":"{ people { id "}', 400, 'GRAPHQL_PARSE_FAILED'],
    ['an unknown field', '{"query":"{ nope }"}', 400, 'GRAPHQL_VALIDATION_FAILED'],
    ['an unknown operation name', '{"query":"query A { people { id } }","operationName":"B"}', 400, 'OPERATION_RESOLUTION_FAILURE'],
    ['two operations without a name', '{"query":"query A { people { id } } query B { people { id } }"}', 400, 'OPERATION_RESOLUTION_FAILURE'],
    ['variables of the wrong type', '{"query":"query($id: ID!) { person(id: $id) { id } }","variables":{"id":{"x":1}}}', 200, 'BAD_USER_INPUT'],
    ['a missing required variable', '{"query":"query($id: ID!) { person(id: $id) { id } }"}', 200, 'BAD_USER_INPUT'],
    ['a tenant header (ignored: the tenant comes from the token)', '{"query":"{ people { id } }"}', 200, undefined],
    ['prototype keys in variables', '{"query":"query($id: ID!) { person(id: $id) { id } }","variables":{"__proto__":{"polluted":1},"id":"p1"}}', 200, undefined],
    ['a body over the limit', `{"query":"{ ${'people { id } '.repeat(20_000)}}"}`, 413, 'PAYLOAD_TOO_LARGE'],
    ['a token flood under the body limit', `{"query":"{ ${'a '.repeat(6_000)}}"}`, 400, 'TOO_MANY_TOKENS'],
  ])('answers %s with a coded error and keeps serving', async (_label, body, status, code) => {
    const r = await post(body, _label.startsWith('a tenant header') ? { 'x-lumina-tenant': '../etc/passwd' } : {});
    expect(r.status).toBe(status);
    if (code) expect(r.body.errors?.[0]?.extensions?.code).toBe(code);
    else expect(r.body.errors).toBeUndefined();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((await gql(gw.url, '{ people { id } }')).body.data).toBeTruthy();
  });

  it('refuses methods other than GET and POST with 405 and an Allow header', async () => {
    const res = await fetch(gw.url, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, POST');
  });

  it('refuses a mutation-free GET without the preflight header (CSRF) but serves it with one', async () => {
    const url = `${gw.url}?query=${encodeURIComponent('{ people { id } }')}`;
    expect((await fetch(url)).status).toBe(400);
    expect((await fetch(url, { headers: { 'x-apollo-operation-name': 'x' } })).status).toBe(200);
  });
});
