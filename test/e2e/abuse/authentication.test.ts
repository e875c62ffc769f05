/**
 * Bearer tokens and scopes end to end: every bad token is refused at the gateway with 401
 * UNAUTHENTICATED and its reason (403 FORBIDDEN for a tenant this deployment does not serve)
 * before any system is asked; a token lacking a scope gets the fields it may see, and the field it
 * may not see is null with UNAUTHORIZED while its system is never called.
 */
import { SignJWT } from 'jose';
import { SAMPLE_EMAIL } from '../../../gateway/sampleQuery';
import { signDevToken } from '../../../gateway/devTokens';
import { countOf, startStack, testToken, TEST_JWT, type Stack } from '../federatedGraph/startStack';
import { expectRefusal, PROBE_QUERY, send, withoutUpstream, type Reply } from './abuseChecks';

const b64 = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');

/** A token signed like the test tokens, with some claims changed. */
function tokenWith(change: { issuer?: string; audience?: string; secret?: string }): Promise<string> {
  return signDevToken({
    secret: change.secret ?? TEST_JWT.secret, issuer: change.issuer ?? TEST_JWT.issuer, audience: change.audience ?? TEST_JWT.audience,
    tenant: 'default', scopes: ['crm:read'], subject: 'e2e-user',
  });
}

describe('authentication and scopes at the gateway', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack();
  }, 120_000);
  afterAll(() => stack?.close());

  /** PROBE_QUERY with this `authorization` header ('' = none), checked to reach no system. */
  const withAuthorization = async (authorization: string): Promise<Reply> => {
    const res = await withoutUpstream(stack, () => stack.query(PROBE_QUERY, undefined, { authorization }));
    return { status: res.status, headers: res.headers, text: '', body: { errors: res.errors, data: res.data } };
  };

  it('refuses a request without a token: 401 missing_token with a WWW-Authenticate challenge', async () => {
    const reply = await withAuthorization('');
    expectRefusal(reply, { status: 401, code: 'UNAUTHENTICATED', reason: 'missing_token' });
    expect(reply.headers.get('www-authenticate')).toMatch(/^Bearer /);
  });

  it('refuses an expired token: 401 expired', async () => {
    const reply = await withAuthorization(`Bearer ${await testToken({ expiresInS: -300 })}`);
    expectRefusal(reply, { status: 401, code: 'UNAUTHENTICATED', reason: 'expired' });
    expect(reply.headers.get('www-authenticate')).toContain('invalid_token');
  });

  it('refuses a token for another audience: 401 wrong_audience', async () => {
    const reply = await withAuthorization(`Bearer ${await tokenWith({ audience: 'some-other-api' })}`);
    expectRefusal(reply, { status: 401, code: 'UNAUTHENTICATED', reason: 'wrong_audience' });
  });

  it('refuses a token from another issuer: 401 wrong_issuer', async () => {
    const reply = await withAuthorization(`Bearer ${await tokenWith({ issuer: 'https://evil.example' })}`);
    expectRefusal(reply, { status: 401, code: 'UNAUTHENTICATED', reason: 'wrong_issuer' });
  });

  it('refuses a token signed with another secret: 401 bad_signature', async () => {
    const reply = await withAuthorization(`Bearer ${await tokenWith({ secret: 'an-attacker-secret-of-enough-length-0123' })}`);
    expectRefusal(reply, { status: 401, code: 'UNAUTHENTICATED', reason: 'bad_signature' });
  });

  it('refuses unsigned (alg: none) tokens, with or without a signature part', async () => {
    const claims = { tenant: 'default', scope: 'crm:read crm:write', sub: 'e2e-user', iss: TEST_JWT.issuer, aud: TEST_JWT.audience, exp: Math.floor(Date.now() / 1000) + 600 };
    const unsigned = `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}`;
    expectRefusal(await withAuthorization(`Bearer ${unsigned}.`), { status: 401, code: 'UNAUTHENTICATED', reason: 'malformed' });
    expectRefusal(await withAuthorization(`Bearer ${unsigned}.c2lnbmF0dXJl`), { status: 401, code: 'UNAUTHENTICATED', reason: 'bad_signature' });
  });

  it('refuses an RS256-labelled token signed with the HS256 secret (no algorithm confusion)', async () => {
    const claims = { tenant: 'default', scope: 'crm:read', sub: 'e2e-user', iss: TEST_JWT.issuer, aud: TEST_JWT.audience };
    const hs = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('10m').sign(new TextEncoder().encode(TEST_JWT.secret));
    const [, payload, signature] = hs.split('.');
    const reply = await withAuthorization(`Bearer ${b64({ alg: 'RS256', typ: 'JWT' })}.${payload}.${signature}`);
    expectRefusal(reply, { status: 401, code: 'UNAUTHENTICATED', reason: 'bad_signature' });
  });

  it('refuses garbage credentials: 401 malformed', async () => {
    for (const authorization of ['Bearer abc', 'Basic dXNlcjpwYXNz', 'Bearer ', `Bearer ${'a.'.repeat(6_000)}a`]) {
      const reply = await withAuthorization(authorization);
      expectRefusal(reply, { status: 401, code: 'UNAUTHENTICATED', reason: 'malformed' });
    }
  });

  it('refuses three dot-separated segments that are no JWT as malformed, not as a key outage', async () => {
    for (const authorization of ['Bearer abc.def.ghi', `Bearer ${'a'.repeat(12_000)}.b.c`]) {
      const reply = await withAuthorization(authorization);
      expectRefusal(reply, { status: 401, code: 'UNAUTHENTICATED', reason: 'malformed' });
    }
  });

  it('refuses an authorization header over the HTTP header limit with 431, reaching no system', async () => {
    const reply = await withoutUpstream(stack, () => send(stack.gatewayUrl, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${'a.'.repeat(20_000)}a` }, body: JSON.stringify({ query: PROBE_QUERY }),
    }));
    expect(reply.status).toBe(431);
  });

  it('refuses a valid token for a tenant that does not exist: 403 FORBIDDEN', async () => {
    const reply = await withAuthorization(`Bearer ${await testToken({ tenant: 'no-such-tenant' })}`);
    expectRefusal(reply, { status: 403, code: 'FORBIDDEN', reason: 'unknown_tenant' });
    expect(reply.headers.get('www-authenticate')).toBeNull();
  });

  it('gives a crm:read token the contact, and salesOrders null with UNAUTHORIZED, without calling SAP', async () => {
    const token = await testToken({ scopes: ['crm:read'] });
    stack.resetCounters();
    const res = await stack.query<{ contactByEmail: { name: string; salesOrders: unknown } | null }>(
      'query($e: String!) { contactByEmail(email: $e) { name salesOrders(first: 2) { nodes { id } } } }', { e: SAMPLE_EMAIL }, { authorization: `Bearer ${token}` });
    expect(res.status).toBe(200);
    expect(res.data?.contactByEmail?.name).toBe('William Sato');
    expect(res.data?.contactByEmail?.salesOrders).toBeNull();
    const err = res.errors?.find((e) => e.path?.join('.') === 'contactByEmail.salesOrders');
    expect(err?.extensions?.code).toBe('UNAUTHORIZED');
    expect(stack.counts().sap).toEqual({});
  });

  it('does not let an erp:read token read contacts through SalesOrder.soldTo: null with UNAUTHORIZED, Salesforce not called', async () => {
    const token = await testToken({ scopes: ['erp:read'] });
    stack.resetCounters();
    const res = await stack.query<{ salesOrders: { nodes: Array<{ number: string; soldTo: unknown }> } }>(
      '{ salesOrders(first: 2) { nodes { number soldTo { name email } } } }', undefined, { authorization: `Bearer ${token}` });
    expect(res.status).toBe(200);
    expect(res.data?.salesOrders.nodes).toHaveLength(2);
    for (const node of res.data?.salesOrders.nodes ?? []) expect(node.soldTo).toBeNull();
    expect(res.errors?.map((e) => [e.path?.join('.'), e.extensions?.code])).toEqual([
      ['salesOrders.nodes.0.soldTo', 'UNAUTHORIZED'], ['salesOrders.nodes.1.soldTo', 'UNAUTHORIZED'],
    ]);
    expect(stack.counts().salesforce).toEqual({});
  });

  it('refuses a mutation without crm:write with UNAUTHORIZED, and Salesforce sees no write', async () => {
    const token = await testToken({ scopes: ['crm:read', 'erp:read', 'chat:read'] });
    stack.resetCounters();
    const res = await stack.query('mutation { createContact(input: { lastName: "Intruder", email: "intruder@evil.example" }) { id } }', undefined, { authorization: `Bearer ${token}` });
    expect(res.errors?.[0]?.extensions?.code).toBe('UNAUTHORIZED');
    expect(res.data?.createContact ?? null).toBeNull();
    expect(countOf(stack.counts().salesforce, /^(POST|PATCH|DELETE) \/services\/data/)).toBe(0);
    const found = await stack.query<{ contacts: { nodes: unknown[] } }>('{ contacts(first: 1, filter: { email: "intruder@evil.example" }) { nodes { id } } }');
    expect(found.data?.contacts.nodes).toEqual([]);
  });
});
