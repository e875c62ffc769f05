/**
 * The sandbox's login server and session handling, driven by unmodified jsforce: password, JWT
 * bearer, refresh-token and client-credentials grants; automatic refresh after a 401; the daily
 * API limit and the Sforce-Limit-Info header.
 */
import { generateKeyPairSync, createHmac, type KeyObject } from 'node:crypto';
import jsforce, { Connection } from 'jsforce';
import { SignJWT } from 'jose';
import { generate as generateCert } from 'selfsigned';
import type { SalesforceSandbox } from '../../../subgraphs/salesforce/sandbox/salesforceSandbox';
import { JWT_BEARER } from '../../../subgraphs/salesforce/sandbox/oauthRoutes';
import { admin, counter, CREDS, loggedIn, newConnection, startSandbox } from './sandboxHelpers';

const TOKEN = 'POST /services/oauth2/token';

function signAssertion(key: KeyObject, claims: { iss?: string; sub?: string; aud?: string; exp?: string | number }): Promise<string> {
  const jwt = new SignJWT({}).setProtectedHeader({ alg: 'RS256' });
  if (claims.iss !== undefined) jwt.setIssuer(claims.iss);
  if (claims.sub !== undefined) jwt.setSubject(claims.sub);
  if (claims.aud !== undefined) jwt.setAudience(claims.aud);
  if (claims.exp !== undefined) jwt.setExpirationTime(claims.exp);
  return jwt.sign(key);
}

describe('Salesforce sandbox login with jsforce', () => {
  const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const otherKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  let sb: SalesforceSandbox;

  beforeAll(async () => {
    sb = await startSandbox({
      credentials: { jwtPublicKeys: [keys.publicKey.export({ type: 'spki', format: 'pem' }).toString()] },
    });
  });
  afterAll(() => sb.close());

  it('works with both the default and the named jsforce import under CommonJS', () => {
    expect(typeof jsforce.Connection).toBe('function');
    expect(jsforce.Connection).toBe(Connection);
  });

  it('logs in with the password grant and returns the user and org from the id URL', async () => {
    const conn = newConnection(sb);
    const info = await conn.login(CREDS.username, CREDS.password);
    expect(info.organizationId).toBe(sb.orgId);
    expect(info.id).toMatch(/^005[A-Za-z0-9]{15}$/);
    expect(conn.instanceUrl).toBe(sb.url);
    expect(conn.accessToken).toMatch(new RegExp(`^${sb.orgId.slice(0, 15)}!`));
  });

  it('accepts the password followed by the security token, like Salesforce', async () => {
    const conn = newConnection(sb);
    await expect(conn.login(CREDS.username, CREDS.password + CREDS.securityToken)).resolves.toMatchObject({ organizationId: sb.orgId });
  });

  it('rejects a wrong password with invalid_grant / authentication failure', async () => {
    const conn = newConnection(sb);
    await expect(conn.login(CREDS.username, 'wrong')).rejects.toMatchObject({ name: 'invalid_grant', message: 'authentication failure' });
  });

  it('rejects an unknown client id and a wrong client secret', async () => {
    const badId = new Connection({ oauth2: { clientId: 'nope', clientSecret: CREDS.clientSecret, loginUrl: sb.url } });
    await expect(badId.login(CREDS.username, CREDS.password)).rejects.toMatchObject({ name: 'invalid_client_id' });
    const badSecret = new Connection({ oauth2: { clientId: CREDS.clientId, clientSecret: 'nope', loginUrl: sb.url } });
    await expect(badSecret.login(CREDS.username, CREDS.password)).rejects.toMatchObject({ name: 'invalid_client' });
  });

  it('answers the password grant with the documented body and a verifiable signature', async () => {
    const res = await fetch(`${sb.url}/services/oauth2/token`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'password', client_id: CREDS.clientId, client_secret: CREDS.clientSecret, username: CREDS.username, password: CREDS.password }).toString(),
    });
    const body = (await res.json()) as Record<string, string>;
    expect(res.status).toBe(200);
    expect(Object.keys(body).sort()).toEqual(['access_token', 'id', 'instance_url', 'issued_at', 'refresh_token', 'scope', 'signature', 'token_type']);
    expect(body.token_type).toBe('Bearer');
    expect(body.instance_url).toBe(sb.url);
    expect(body.id).toMatch(new RegExp(`/id/${sb.orgId}/005[A-Za-z0-9]{15}$`));
    const expected = createHmac('sha256', CREDS.clientSecret).update(`${body.id}${body.issued_at}`).digest('base64');
    expect(body.signature).toBe(expected);
  });

  it('logs in with a JWT bearer assertion signed by the registered key, without a refresh token', async () => {
    const conn = newConnection(sb);
    const assertion = await signAssertion(keys.privateKey, { iss: CREDS.clientId, sub: CREDS.username, aud: 'https://login.salesforce.com', exp: '2m' });
    const info = await conn.authorize({ grant_type: JWT_BEARER, assertion });
    expect(info.organizationId).toBe(sb.orgId);
    expect(conn.refreshToken).toBeUndefined();
    const res = await conn.query<{ Id: string }>('SELECT Id FROM Account LIMIT 1');
    expect(res.records).toHaveLength(1);
  });

  it('accepts the sandbox origin as JWT audience and rejects a foreign one', async () => {
    const conn = newConnection(sb);
    const own = await signAssertion(keys.privateKey, { iss: CREDS.clientId, sub: CREDS.username, aud: sb.url, exp: '1m' });
    await expect(conn.authorize({ grant_type: JWT_BEARER, assertion: own })).resolves.toMatchObject({ organizationId: sb.orgId });
    const foreign = await signAssertion(keys.privateKey, { iss: CREDS.clientId, sub: CREDS.username, aud: 'https://evil.example', exp: '1m' });
    await expect(newConnection(sb).authorize({ grant_type: JWT_BEARER, assertion: foreign })).rejects.toMatchObject({ name: 'invalid_grant', message: 'audience is invalid' });
  });

  it('rejects JWT assertions with a foreign key, a wrong issuer, an unknown subject, no exp or a far exp', async () => {
    type Claims = { iss?: string; sub?: string; aud?: string; exp?: string | number };
    const base: Claims = { iss: CREDS.clientId, sub: CREDS.username, aud: 'https://login.salesforce.com', exp: '2m' };
    const cases: Array<[KeyObject, Claims, string]> = [
      [otherKeys.privateKey, base, 'invalid_grant'],
      [keys.privateKey, { ...base, iss: 'someone-else' }, 'invalid_client_id'],
      [keys.privateKey, { ...base, sub: 'nobody@lumina.example' }, 'invalid_grant'],
      [keys.privateKey, { iss: base.iss, sub: base.sub, aud: base.aud }, 'invalid_grant'],
      [keys.privateKey, { ...base, exp: '1h' }, 'invalid_grant'],
      [keys.privateKey, { ...base, exp: Math.floor(Date.now() / 1000) - 600 }, 'invalid_grant'],
    ];
    for (const [key, claims, error] of cases) {
      const assertion = await signAssertion(key, claims);
      await expect(newConnection(sb).authorize({ grant_type: JWT_BEARER, assertion })).rejects.toMatchObject({ name: error });
    }
  });

  it('verifies JWT assertions against a registered X.509 certificate', async () => {
    const pems = await generateCert([{ name: 'commonName', value: 'lumina-connected-app' }], { keySize: 2048, algorithm: 'sha256' });
    const certSandbox = await startSandbox({ size: { accounts: 2, people: 4 }, credentials: { jwtPublicKeys: [pems.cert] } });
    try {
      const { createPrivateKey } = await import('node:crypto');
      const assertion = await signAssertion(createPrivateKey(pems.private), { iss: CREDS.clientId, sub: CREDS.username, aud: 'https://test.salesforce.com', exp: '2m' });
      await expect(newConnection(certSandbox).authorize({ grant_type: JWT_BEARER, assertion })).resolves.toMatchObject({ organizationId: certSandbox.orgId });
    } finally {
      await certSandbox.close();
    }
  });

  it('issues tokens by the client-credentials grant', async () => {
    const conn = newConnection(sb);
    const info = await conn.authorize({ grant_type: 'client_credentials' });
    expect(info.organizationId).toBe(sb.orgId);
    expect(conn.refreshToken).toBeUndefined();
  });

  it('refreshes by re-running the password grant after the sessions expire, and replays the call', async () => {
    const conn = await loggedIn(sb);
    const tokenCalls = counter(sb, TOKEN);
    const before = conn.accessToken;
    await admin(sb, 'POST', 'tokens/expire');
    const res = await conn.query<{ Id: string }>('SELECT Id FROM Contact LIMIT 2');
    expect(res.records).toHaveLength(2);
    expect(counter(sb, TOKEN)).toBe(tokenCalls + 1);
    expect(conn.accessToken).not.toBe(before);
  });

  it('refreshes with a refresh token when the connection holds one', async () => {
    const oauth = newConnection(sb).oauth2;
    const tokens = (await oauth.authenticate(CREDS.username, CREDS.password)) as { access_token: string; refresh_token: string; instance_url: string };
    const conn = new Connection({ oauth2: oauth, instanceUrl: tokens.instance_url, accessToken: tokens.access_token, refreshToken: tokens.refresh_token, version: '59.0' });
    const refreshed: string[] = [];
    conn.on('refresh', (accessToken: string) => refreshed.push(accessToken));
    await admin(sb, 'POST', 'tokens/expire');
    const res = await conn.query<{ Id: string }>('SELECT Id FROM Account LIMIT 1');
    expect(res.records).toHaveLength(1);
    expect(refreshed).toHaveLength(1);
    expect(refreshed[0]).not.toBe(tokens.access_token);
  });

  it('expires idle sessions after the configured TTL', async () => {
    let clock = Date.now();
    const ttl = await startSandbox({ size: { accounts: 2, people: 4 }, sessionTtlSeconds: 60, now: () => clock });
    try {
      const conn = await loggedIn(ttl);
      const token = conn.accessToken;
      clock += 61_000;
      const res = await fetch(`${ttl.url}/services/data/v59.0/sobjects`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual([{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]);
      await expect(conn.describeGlobal()).resolves.toMatchObject({ encoding: 'UTF-8' });
    } finally {
      await ttl.close();
    }
  });

  it('parses Sforce-Limit-Info into conn.limitInfo', async () => {
    const conn = await loggedIn(sb);
    await conn.query('SELECT Id FROM Account LIMIT 1');
    expect(conn.limitInfo.apiUsage).toEqual({ used: sb.usage.used(), limit: 100000 });
  });

  it('answers 403 REQUEST_LIMIT_EXCEEDED once the daily allowance is spent', async () => {
    const limited = await startSandbox({ size: { accounts: 2, people: 4 }, dailyApiLimit: 3 });
    try {
      const conn = await loggedIn(limited);
      for (let i = 0; i < 3; i++) await conn.query('SELECT Id FROM Account');
      await expect(conn.query('SELECT Id FROM Account')).rejects.toMatchObject({ errorCode: 'REQUEST_LIMIT_EXCEEDED', message: 'TotalRequests Limit exceeded.' });
      expect(conn.limitInfo.apiUsage).toEqual({ used: 3, limit: 3 });
      await admin(limited, 'PATCH', 'settings', { apiUsage: 0, dailyApiLimit: 10 });
      await expect(conn.query('SELECT Id FROM Account')).resolves.toMatchObject({ done: true });
      expect(conn.limitInfo.apiUsage).toEqual({ used: 1, limit: 10 });
    } finally {
      await limited.close();
    }
  });
});
