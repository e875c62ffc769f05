/**
 * Persisted queries end to end: the whole stack on real servers, the gateway in each mode, the AI
 * core's trusted documents from the manifest `npm run codegen` writes, and Apollo APQ over POST and GET.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createClient } from 'graphql-ws';
import pino from 'pino';
import WebSocket from 'ws';
import { DEFAULT_MANIFEST_PATH } from '../../../gateway/persistedDocuments';
import { startGateway, type Gateway } from '../../../gateway/server';
import { STACK_GATEWAY_OPTIONS, startStack, testToken, type Stack } from '../federatedGraph/startStack';

let authorization = '';

const manifest = JSON.parse(readFileSync(DEFAULT_MANIFEST_PATH, 'utf8')) as Record<string, string>;
const idOf = (operation: string): string => {
  const entry = Object.entries(manifest).find(([, text]) => new RegExp(`(query|mutation) ${operation}[( ]`).test(text));
  if (!entry) throw new Error(`no ${operation} in the manifest`);
  return entry[0];
};
const sha = (text: string): string => createHash('sha256').update(text).digest('hex');
const EMAIL = 'william.sato@nakatomisystems0.example.com';

interface Reply { status: number; headers: Headers; body: { data?: Record<string, unknown> | null; errors?: { message: string; extensions?: Record<string, unknown> }[] } }

async function post(url: string, payload: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization, ...headers }, body: JSON.stringify(payload) });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Reply['body'] };
}

async function get(url: string, params: Record<string, unknown>): Promise<Reply> {
  const search = new URLSearchParams(Object.entries(params).map(([k, v]): [string, string] => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
  const res = await fetch(`${url}?${search}`, { headers: { 'apollo-require-preflight': 'true', authorization } });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Reply['body'] };
}

describe('persisted queries through the gateway', () => {
  let stack: Stack;
  let safelist: Gateway;
  let logMode: Gateway;
  const logger = pino({ level: process.env.LOG_LEVEL ?? 'silent' });

  beforeAll(async () => {
    stack = await startStack({ caches: true });
    authorization = `Bearer ${await testToken()}`;
    safelist = await startGateway({ ...STACK_GATEWAY_OPTIONS, port: 0, supergraphPath: stack.supergraphPath, logger, persistedMode: 'safelist', responseCache: false });
    logMode = await startGateway({ ...STACK_GATEWAY_OPTIONS, port: 0, supergraphPath: stack.supergraphPath, logger, persistedMode: 'log', responseCache: false });
  }, 120_000);
  afterAll(async () => {
    await safelist?.close();
    await logMode?.close();
    await stack?.close();
  });

  it('runs a trusted document by documentId with variables, as the AI core sends it', async () => {
    const r = await post(stack.gatewayUrl, { documentId: idOf('ContactOverview'), variables: { email: EMAIL, orders: 2, messages: 1 } });
    expect(r.status).toBe(200);
    expect(r.body.errors).toBeUndefined();
    const contact = r.body.data?.contactByEmail as { email: string; salesOrders: { nodes: unknown[] } };
    expect(contact.email).toBe(EMAIL);
    expect(contact.salesOrders.nodes).toHaveLength(2);
  });

  it('answers an unknown documentId with 404 PERSISTED_DOCUMENT_NOT_FOUND and a malformed one with 400', async () => {
    const unknown = await post(stack.gatewayUrl, { documentId: `sha256:${'0'.repeat(64)}` });
    expect(unknown.status).toBe(404);
    expect(unknown.body.errors?.[0]?.extensions?.code).toBe('PERSISTED_DOCUMENT_NOT_FOUND');
    const bad = await post(stack.gatewayUrl, { documentId: 'md5:abc' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors?.[0]?.extensions?.code).toBe('PERSISTED_DOCUMENT_ID_UNSUPPORTED');
  });

  it('does APQ: unknown hash, registration, then the hash alone over POST and over GET with Cache-Control', async () => {
    const query = `query ApqProbe { salesOrder(id: "7") { id number status } }`;
    const ext = { persistedQuery: { version: 1, sha256Hash: sha(query) } };
    const first = await post(stack.gatewayUrl, { extensions: ext });
    expect(first.body.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    expect(first.body.data).toBeUndefined();
    const registered = await post(stack.gatewayUrl, { query, extensions: ext });
    expect(registered.body.data).toEqual({ salesOrder: { id: '7', number: expect.any(String), status: expect.any(String) } });
    const byHash = await post(stack.gatewayUrl, { extensions: ext });
    expect(byHash.body).toEqual(registered.body);
    const viaGet = await get(stack.gatewayUrl, { extensions: ext });
    expect(viaGet.status).toBe(200);
    expect(viaGet.body).toEqual(registered.body);
    expect(viaGet.headers.get('cache-control')).toMatch(/^max-age=\d+, (public|private)$/);
  });

  it('refuses an APQ registration whose hash does not match the query with 400', async () => {
    const r = await post(stack.gatewayUrl, { query: '{ salesOrder(id: "7") { id } }', extensions: { persistedQuery: { version: 1, sha256Hash: sha('something else') } } });
    expect(r.status).toBe(400);
    expect(r.body.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_HASH_MISMATCH');
  });

  it('refuses a mutation over GET, persisted or not', async () => {
    const r = await get(stack.gatewayUrl, { documentId: idOf('UpdateSalesOrderStatus'), variables: { id: '7', status: 'OPEN' } });
    expect(r.status).toBe(405);
  });

  it('safelist mode refuses freeform operations and unknown APQ registrations, and serves the manifest', async () => {
    const freeform = await post(safelist.url, { query: '{ salesOrder(id: "7") { id } }' });
    expect(freeform.status).toBe(400);
    expect(freeform.body.errors?.[0]?.extensions?.code).toBe('PERSISTED_DOCUMENT_REQUIRED');
    const query = 'query NotTrusted { salesOrder(id: "8") { id } }';
    const apq = await post(safelist.url, { query, extensions: { persistedQuery: { version: 1, sha256Hash: sha(query) } } });
    expect(apq.body.errors?.[0]?.extensions?.code).toBe('PERSISTED_DOCUMENT_REQUIRED');
    const trusted = await post(safelist.url, { documentId: idOf('SalesOrderById'), variables: { id: '7' } });
    expect(trusted.body.errors).toBeUndefined();
    expect((trusted.body.data?.salesOrder as { id: string }).id).toBe('7');
  });

  it('safelist mode holds over graphql-ws too: free text is refused, a documentId runs', async () => {
    const client = createClient({ url: safelist.url.replace('http', 'ws'), webSocketImpl: WebSocket, retryAttempts: 0, connectionParams: { authorization } });
    try {
      const run = (payload: { query: string; extensions?: Record<string, unknown> }) => new Promise<unknown>((resolve) => {
        client.subscribe(payload, { next: resolve, error: resolve, complete: () => undefined });
      });
      expect(JSON.stringify(await run({ query: '{ teams { id } }' }))).toContain('PERSISTED_DOCUMENT_REQUIRED');
      const trusted = await run({ query: '', extensions: { documentId: idOf('ListTeams') } }) as { data?: { teams: unknown[] } };
      expect(trusted.data?.teams.length).toBeGreaterThan(0);
    } finally {
      await client.dispose();
    }
  });

  it('log mode accepts an unknown operation and counts it', async () => {
    const before = logMode.stats().persisted?.unknownLogged ?? 0;
    const r = await post(logMode.url, { query: 'query Unlisted { salesOrder(id: "9") { id } }' });
    expect(r.body.data).toEqual({ salesOrder: { id: '9' } });
    expect(logMode.stats().persisted?.unknownLogged).toBe(before + 1);
  });

  it('skips parsing and validation for persisted documents: they were prepared at start', async () => {
    const warm = safelist.stats().executor;
    expect(warm?.validations).toBeGreaterThanOrEqual(Object.keys(manifest).length);
    for (let i = 0; i < 5; i += 1) {
      const r = await post(safelist.url, { documentId: idOf('SalesOrderById'), variables: { id: String(10 + i) } });
      expect(r.body.errors).toBeUndefined();
    }
    const after = safelist.stats().executor;
    expect(after?.parses).toBe(warm?.parses);
    expect(after?.validations).toBe(warm?.validations);
    expect(after?.plans).toBe(warm?.plans);
    expect((after?.preparedHits ?? 0) - (warm?.preparedHits ?? 0)).toBe(5);
  });
});
