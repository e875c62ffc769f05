import { decodeJwt, SignJWT, importPKCS8 } from 'jose';
import { createHash, X509Certificate } from 'node:crypto';
import { generate } from 'selfsigned';
import type { GraphSandbox } from '../../../subgraphs/teams/sandbox/graphSandbox';
import { DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_TENANT_ID } from '../../../subgraphs/teams/sandbox/registeredApps';
import { admin, graphFetch, startSandbox, tokenResponse } from './graphSandboxHelpers';

const SCOPE = 'https://graph.microsoft.com/.default';
const CERT_APP = '7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d';

describe('Entra v2 endpoints of the Graph sandbox', () => {
  let sb: GraphSandbox;
  let certKey: string;
  let certPem: string;

  beforeAll(async () => {
    const pems = await generate([{ name: 'commonName', value: 'cert-app' }], { keySize: 2048, algorithm: 'sha256' });
    certKey = pems.private;
    certPem = pems.cert;
    sb = await startSandbox({
      size: { accounts: 5, people: 20, teams: 1, channels: 1, messages: 5 },
      apps: [
        { clientId: DEFAULT_CLIENT_ID, secrets: [DEFAULT_CLIENT_SECRET] },
        { clientId: CERT_APP, certificates: [certPem] },
      ],
    });
  });
  afterAll(async () => { await sb.close(); });

  const secretForm = (over: Record<string, string> = {}): Record<string, string> => ({
    grant_type: 'client_credentials', client_id: DEFAULT_CLIENT_ID, client_secret: DEFAULT_CLIENT_SECRET, scope: SCOPE, ...over,
  });

  async function assertion(claims: Record<string, unknown>, header: Record<string, unknown> = {}): Promise<string> {
    const der = new X509Certificate(certPem).raw;
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({
      aud: `${sb.url}/${sb.tenantId}/oauth2/v2.0/token`, iss: CERT_APP, sub: CERT_APP, jti: String(Math.random()), nbf: now, exp: now + 300, ...claims,
    }).setProtectedHeader({ alg: 'RS256', typ: 'JWT', x5t: createHash('sha1').update(der).digest('base64url'), ...header })
      .sign(await importPKCS8(certKey, 'RS256'));
  }

  it('serves OIDC discovery pointing at the sandbox origin', async () => {
    const res = await graphFetch(sb, `/${DEFAULT_TENANT_ID}/v2.0/.well-known/openid-configuration`);
    expect(res.status).toBe(200);
    for (const key of ['token_endpoint', 'authorization_endpoint', 'jwks_uri', 'end_session_endpoint', 'issuer']) {
      expect(String(res.body[key])).toMatch(new RegExp(`^${sb.url}/${DEFAULT_TENANT_ID}/`));
    }
    const byDomain = await graphFetch(sb, `/${sb.tenantDomain}/v2.0/.well-known/openid-configuration`);
    expect(byDomain.body.token_endpoint).toBe(res.body.token_endpoint);
    const unknown = await graphFetch(sb, '/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration');
    expect(unknown.status).toBe(400);
    expect(unknown.body.error_codes).toEqual([90002]);
  });

  it('serves the signing keys for the tenant and for common', async () => {
    for (const tenant of [DEFAULT_TENANT_ID, 'common']) {
      const res = await graphFetch(sb, `/${tenant}/discovery/v2.0/keys`);
      const keys = res.body.keys as Array<Record<string, unknown>>;
      expect(keys[0]).toEqual(expect.objectContaining({ kty: 'RSA', use: 'sig', kid: expect.any(String), n: expect.any(String), e: 'AQAB' }));
    }
  });

  it('issues a token for a client secret with the documented response fields', async () => {
    const { status, body } = await tokenResponse(sb, secretForm());
    expect(status).toBe(200);
    expect(body).toEqual({ token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: expect.stringMatching(/^eyJ/) });
    expect(decodeJwt(String(body.access_token))).toEqual(expect.objectContaining({ appid: DEFAULT_CLIENT_ID, tid: DEFAULT_TENANT_ID, appidacr: '1' }));
  });

  it('uses the token lifetime set at runtime', async () => {
    await admin(sb, 'PATCH', 'settings', { tokenLifetimeSeconds: 600 });
    const { body } = await tokenResponse(sb, secretForm());
    await admin(sb, 'PATCH', 'settings', { tokenLifetimeSeconds: 3599 });
    expect(body.expires_in).toBe(600);
    const claims = decodeJwt(String(body.access_token));
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(600);
    expect(await admin(sb, 'PATCH', 'settings', { tokenLifetimeSeconds: -1 })).toEqual({ error: expect.stringContaining('tokenLifetimeSeconds') });
  });

  it.each([
    ['a wrong secret', secretForm({ client_secret: 'nope' }), 401, 'invalid_client', 7000215],
    ['an unknown app', secretForm({ client_id: '99999999-9999-4999-8999-999999999999' }), 400, 'unauthorized_client', 700016],
    ['a scope other than Graph .default', secretForm({ scope: 'https://graph.microsoft.com/User.Read' }), 400, 'invalid_scope', 70011],
    ['another grant type', secretForm({ grant_type: 'password' }), 400, 'unsupported_grant_type', 70003],
    ['no credentials', { grant_type: 'client_credentials', client_id: DEFAULT_CLIENT_ID, scope: SCOPE }, 401, 'invalid_client', 7000218],
    ['no grant type', { client_id: DEFAULT_CLIENT_ID }, 400, 'invalid_request', 900144],
  ])('refuses %s with the AADSTS error shape', async (_label, form, status, error, code) => {
    const res = await tokenResponse(sb, form);
    expect(res.status).toBe(status);
    expect(res.body).toEqual(expect.objectContaining({
      error, error_codes: [code], error_description: expect.stringMatching(new RegExp(`^AADSTS${code}: `)),
      timestamp: expect.any(String), trace_id: expect.any(String), correlation_id: expect.any(String),
    }));
    expect(res.body.access_token).toBeUndefined();
  });

  it('refuses an unknown tenant with AADSTS90002', async () => {
    const res = await tokenResponse(sb, secretForm(), '00000000-0000-4000-8000-000000000000');
    expect(res.status).toBe(400);
    expect(res.body.error_codes).toEqual([90002]);
  });

  describe('certificate client assertions', () => {
    const form = (clientAssertion: string): Record<string, string> => ({
      grant_type: 'client_credentials', client_id: CERT_APP, scope: SCOPE,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: clientAssertion,
    });

    it('issues a token for a valid assertion (appidacr 2)', async () => {
      const res = await tokenResponse(sb, form(await assertion({})));
      expect(res.status).toBe(200);
      expect(decodeJwt(String(res.body.access_token)).appidacr).toBe('2');
    });

    it.each([
      ['expired', { exp: Math.floor(Date.now() / 1000) - 3600, nbf: Math.floor(Date.now() / 1000) - 4000 }, {}, 700024],
      ['for another audience', { aud: 'https://login.microsoftonline.com/other/oauth2/v2.0/token' }, {}, 50013],
      ['issued for another client', { iss: DEFAULT_CLIENT_ID, sub: DEFAULT_CLIENT_ID }, {}, 700021],
      ['naming an unregistered thumbprint', {}, { x5t: 'AAAAAAAAAAAAAAAAAAAAAAAAAAA' }, 700027],
    ])('refuses an assertion %s', async (_label, claims, header, code) => {
      const res = await tokenResponse(sb, form(await assertion(claims, header)));
      expect(res.status).toBe(401);
      expect(res.body.error_codes).toEqual([code]);
    });

    it('refuses a malformed assertion and a wrong assertion type with 400', async () => {
      expect((await tokenResponse(sb, form('garbage'))).body.error_codes).toEqual([50027]);
      const wrongType = await tokenResponse(sb, { ...form(await assertion({})), client_assertion_type: 'password' });
      expect(wrongType.status).toBe(400);
    });
  });
});
