/**
 * A gateway hardened for production (`introspection: false`, `fieldSuggestions: false`) end to
 * end: the schema cannot be read through introspection or guessed from "Did you mean" hints, and a
 * cross-site GET without a preflight header is refused. Nothing reaches a system.
 */
import { startStack, testToken, type Stack } from '../federatedGraph/startStack';
import { expectRefusal, send, withoutUpstream, type Reply } from './abuseChecks';

describe('a production-hardened gateway', () => {
  let stack: Stack;
  let auth: Record<string, string>;

  beforeAll(async () => {
    stack = await startStack({ gateway: { introspection: false, fieldSuggestions: false } });
    auth = { authorization: `Bearer ${await testToken()}` };
  }, 120_000);
  afterAll(() => stack?.close());

  const refused = async (query: string): Promise<Reply> => {
    const res = await withoutUpstream(stack, () => stack.query(query));
    return { status: res.status, headers: res.headers, text: JSON.stringify({ errors: res.errors, data: res.data }), body: { errors: res.errors, data: res.data } };
  };

  it('refuses a __schema query with 400, a validation code and no schema data', async () => {
    const reply = await refused('{ __schema { types { name fields { name } } } }');
    expectRefusal(reply, { status: 400, code: 'GRAPHQL_VALIDATION_FAILED' });
    expect(reply.text).not.toMatch(/SalesOrder|Contact"|"types"/);
  });

  it('refuses a __type query and an introspection query hidden in a fragment', async () => {
    for (const query of ['{ __type(name: "Contact") { fields { name } } }', '{ ...Q } fragment Q on Query { __schema { queryType { name } } }']) {
      const reply = await refused(query);
      expectRefusal(reply, { status: 400, code: 'GRAPHQL_VALIDATION_FAILED' });
      expect(reply.text).not.toMatch(/"fields"|"queryType"/);
    }
  });

  it('answers a misspelled field with 400 and no "Did you mean" hint', async () => {
    const reply = await refused('{ contactz(id: "003000000000001AAA") { id } }');
    expect(reply.status).toBe(400);
    expect(reply.body?.errors?.length).toBeGreaterThan(0);
    expect(reply.text).not.toMatch(/Did you mean/i);
    expect(reply.text).not.toMatch(/"contact"|contactByEmail|contacts/);
  });

  it('gives no hint for a misspelled nested field or argument either', async () => {
    const reply = await refused('{ contacts(frist: 1) { nodez { id } } }');
    expect(reply.status).toBe(400);
    expect(reply.text).not.toMatch(/Did you mean/i);
    expect(reply.text).not.toMatch(/"first"|"nodes"|"edges"/);
  });

  it('refuses a cross-site GET without a preflight header with 400', async () => {
    const search = new URLSearchParams({ query: '{ contacts(first: 1) { nodes { id } } }' });
    const reply = await withoutUpstream(stack, () => send(`${stack.gatewayUrl}?${search}`, { headers: auth }));
    expectRefusal(reply, { status: 400, code: 'BAD_REQUEST' });
    expect(reply.body?.errors?.[0]?.message).toMatch(/Cross-Site Request Forgery/);
  });

  it('still answers the same GET when it carries the preflight header (the refusal is about CSRF only)', async () => {
    const search = new URLSearchParams({ query: '{ contacts(first: 1) { nodes { id } } }' });
    const reply = await send(`${stack.gatewayUrl}?${search}`, { headers: { ...auth, 'apollo-require-preflight': '1' } });
    expect(reply.status).toBe(200);
    expect(reply.body?.errors).toBeUndefined();
  });
});
