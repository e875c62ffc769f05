/**
 * Abuse of the HTTP request itself, end to end on the whole stack: bodies that are not JSON, wrong
 * content types, wrong methods, oversized bodies, batches, unknown persisted documents. Each one is
 * refused at the gateway's edge with its documented status and code, reaches no system, and leaves
 * the gateway serving.
 */
import net from 'node:net';
import { startStack, testToken, type Stack } from '../federatedGraph/startStack';
import { expectRefusal, postJson, send, withoutUpstream, type Reply } from './abuseChecks';

/** How long the client below waits for an answer before it gives up (then the status is 0). */
const GIVE_UP_MS = 10_000;

/**
 * Sends raw bytes to the gateway and never the rest; resolves with the status of the first answer,
 * or 0 when the connection closed without one or none came within GIVE_UP_MS.
 */
function rawStatus(url: string, head: string, body: string): Promise<number> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () => socket.write(head + body));
    const giveUp = setTimeout(() => socket.destroy(), GIVE_UP_MS);
    socket.on('close', () => clearTimeout(giveUp));
    let got = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      got += chunk;
      const m = /^HTTP\/1\.1 (\d{3})/.exec(got);
      if (m) {
        socket.destroy();
        resolve(Number(m[1]));
      }
    });
    socket.on('close', () => resolve(0));
    socket.on('error', reject);
  });
}

describe('abusive HTTP requests to the gateway', () => {
  let stack: Stack;
  let auth: Record<string, string>;

  beforeAll(async () => {
    stack = await startStack();
    auth = { authorization: `Bearer ${await testToken()}` };
  }, 120_000);
  afterAll(() => stack?.close());

  const post = (body: string, headers: Record<string, string>): Promise<Reply> =>
    send(stack.gatewayUrl, { method: 'POST', headers: { ...auth, ...headers }, body });

  it('refuses a body that is not valid JSON with 400 BAD_REQUEST', async () => {
    const reply = await withoutUpstream(stack, () => post('{"query": "{ contacts { nodes { id } } }"', { 'content-type': 'application/json' }));
    expectRefusal(reply, { status: 400, code: 'BAD_REQUEST' });
  });

  it('refuses JSON that is not an operation object (null, a string, a number as query, variables as a list) with 400', async () => {
    for (const body of ['null', '"{ contacts { nodes { id } } }"', '{"query": 42}', '{"query": "{ __typename }", "variables": [1]}']) {
      const reply = await withoutUpstream(stack, () => post(body, { 'content-type': 'application/json' }));
      expect({ body, status: reply.status }).toEqual({ body, status: 400 });
    }
  });

  it('blocks a text/plain POST without a preflight header as a potential CSRF with 400', async () => {
    const reply = await withoutUpstream(stack, () => post(JSON.stringify({ query: '{ contacts(first: 1) { nodes { id } } }' }), { 'content-type': 'text/plain' }));
    expectRefusal(reply, { status: 400, code: 'BAD_REQUEST' });
    expect(reply.body?.errors?.[0]?.message).toMatch(/Cross-Site Request Forgery/);
  });

  it('refuses an application/xml body sent with apollo-require-preflight with 400 BAD_REQUEST', async () => {
    const reply = await withoutUpstream(stack, () => post('<query>{ contacts { nodes { id } } }</query>', { 'content-type': 'application/xml', 'apollo-require-preflight': '1' }));
    expectRefusal(reply, { status: 400, code: 'BAD_REQUEST' });
  });

  it('refuses a mutation sent with GET with 405', async () => {
    const search = new URLSearchParams({ query: 'mutation { deleteContact(id: "003000000000001AAA") { id } }' });
    const reply = await withoutUpstream(stack, () => send(`${stack.gatewayUrl}?${search}`, { headers: { ...auth, 'apollo-require-preflight': '1' } }));
    expectRefusal(reply, { status: 405, code: 'BAD_REQUEST' });
  });

  it('refuses the PUT method with 405 and an Allow header', async () => {
    const reply = await withoutUpstream(stack, () => send(stack.gatewayUrl, { method: 'PUT', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ __typename }' }) }));
    expectRefusal(reply, { status: 405, code: 'BAD_REQUEST' });
    expect(reply.headers.get('allow')).toContain('POST');
  });

  it('refuses a body over 1 MB with 413 PAYLOAD_TOO_LARGE', async () => {
    const padding = 'x'.repeat(1_100_000);
    const reply = await withoutUpstream(stack, () => postJson(stack.gatewayUrl, { query: `{ contacts(first: 1) { nodes { id } } } # ${padding}` }, auth));
    expectRefusal(reply, { status: 413, code: 'PAYLOAD_TOO_LARGE' });
  });

  it('answers 413 to a declared oversized body before the client has sent it all', async () => {
    const { host } = new URL(stack.gatewayUrl);
    const head = `POST /graphql HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nAuthorization: ${auth.authorization}\r\nContent-Length: 50000000\r\n\r\n`;
    const status = await withoutUpstream(stack, () => rawStatus(stack.gatewayUrl, head, '{"query": "{ __typename }", "pad": "'));
    expect(status).toBe(413);
  }, GIVE_UP_MS + 20_000);

  it('refuses a batched (JSON array) body with 400 BATCHING_DISABLED', async () => {
    const op = { query: '{ contacts(first: 1) { nodes { id } } }' };
    const reply = await withoutUpstream(stack, () => postJson(stack.gatewayUrl, [op, op, op], auth));
    expectRefusal(reply, { status: 400, code: 'BATCHING_DISABLED' });
  });

  it('answers an unknown APQ hash with PERSISTED_QUERY_NOT_FOUND', async () => {
    const reply = await withoutUpstream(stack, () => postJson(stack.gatewayUrl, { extensions: { persistedQuery: { version: 1, sha256Hash: 'ab'.repeat(32) } } }, auth));
    expectRefusal(reply, { status: 200, code: 'PERSISTED_QUERY_NOT_FOUND' });
  });

  it('answers an unknown documentId with 404 PERSISTED_DOCUMENT_NOT_FOUND', async () => {
    const reply = await withoutUpstream(stack, () => postJson(stack.gatewayUrl, { documentId: `sha256:${'cd'.repeat(32)}` }, auth));
    expectRefusal(reply, { status: 404, code: 'PERSISTED_DOCUMENT_NOT_FOUND' });
  });

  it('refuses a documentId that is not a sha256 with 400 PERSISTED_DOCUMENT_ID_UNSUPPORTED', async () => {
    const reply = await withoutUpstream(stack, () => postJson(stack.gatewayUrl, { documentId: '../../etc/passwd' }, auth));
    expectRefusal(reply, { status: 400, code: 'PERSISTED_DOCUMENT_ID_UNSUPPORTED' });
  });
});
